package mapping

// Removal says what happens to a for_each record's rows whose line items a
// document no longer has.
type Removal string

// Removal policies (on_removed).
const (
	RemoveDelete     Removal = "delete"     // delete the row (default)
	RemoveDeactivate Removal = "deactivate" // set statecode/statuscode to inactive
	RemoveKeep       Removal = "keep"       // leave the row as it is
)

// Default inactive state of a deactivated row: Dataverse's custom tables use
// statecode 1 (Inactive) with statuscode 2 (Inactive); active is 0 / 1.
const (
	DefaultInactiveState  = 1
	DefaultInactiveStatus = 2
	ActiveState           = 0
	ActiveStatus          = 1
)

// Mirror tells the destination how to make a for_each record's rows equal
// the document's current line items: rows written for this document (Owner
// holds its id) that the plan's rows of Record do not name are removed as
// OnRemoved says, in the same change set as the writes.
type Mirror struct {
	// Record is the for_each record's name; Plan.Records with this name
	// are the rows to keep.
	Record string `json:"record"`
	// Entity is the record's entity set.
	Entity    string  `json:"entity"`
	OnRemoved Removal `json:"on_removed"`
	// Owner is the column written from document.id and this document's
	// id: only rows holding it were written by the connector for this
	// document, so only they are ever removed. A row a person added under
	// the same parent lacks it and survives.
	Owner Column `json:"owner"`
	// KeyColumns are the record's key columns (rows are matched by their
	// values), or nil when rows are matched by identity (KeyIdentity).
	KeyColumns []string `json:"key_columns,omitempty"`
	// Inactive is the statecode and statuscode a deactivated row gets.
	Inactive *State `json:"inactive,omitempty"`
}

// State is a row's statecode and statuscode.
type State struct {
	StateCode  int64 `json:"statecode"`
	StatusCode int64 `json:"statuscode"`
}

var (
	removalNames = []string{string(RemoveDelete), string(RemoveDeactivate), string(RemoveKeep)}
	stateKeys    = []string{"statecode", "statuscode"}
)

// removal compiles on_removed and deactivate: after the columns, since
// the ownership column is one of them.
func (l *loader) removal(rr *recordRule, f map[string]entry) {
	rr.onRemoved = RemoveDelete
	e, explicit := f["on_removed"]
	if explicit {
		v, _ := l.oneOf(e.val, "on_removed", removalNames)
		rr.onRemoved = Removal(v)
	}
	if d, has := f["deactivate"]; has {
		l.inactiveState(rr, d)
	} else if rr.onRemoved == RemoveDeactivate {
		rr.inactive = &State{StateCode: DefaultInactiveState, StatusCode: DefaultInactiveStatus}
	}
	if !rr.forEach {
		if explicit {
			l.errorf(e.key, "on_removed applies to for_each records only: record %s is written once per document", rr.name)
		}
		rr.onRemoved = ""
		return
	}
	rr.ownerCol = ownerColumn(rr)
	switch {
	case rr.ownerCol != "" || rr.onRemoved == RemoveKeep:
	case explicit:
		l.errorf(e.val, "record %s: on_removed: %s needs a column written from document.id, which marks the rows "+
			"this connector wrote for a document (only those are ever removed): add e.g. new_numoradocumentid: document.id "+
			"to its columns", rr.name, rr.onRemoved)
	default:
		l.warnAt(rr.pos, "record %s: rows of line items a reviewer removed stay in the CRM: no column of the record "+
			"is written from document.id, which marks the rows this connector wrote for a document; add e.g. "+
			"new_numoradocumentid: document.id to its columns, or write on_removed: keep", rr.name)
		rr.onRemoved = RemoveKeep
	}
}

// inactiveState compiles deactivate: {statecode: 1, statuscode: 2}.
func (l *loader) inactiveState(rr *recordRule, d entry) {
	if rr.onRemoved != RemoveDeactivate {
		l.errorf(d.key, "deactivate only applies with on_removed: deactivate")
		return
	}
	f, ok := l.fields(d.val, "deactivate", stateKeys)
	if !ok {
		return
	}
	st := &State{StateCode: DefaultInactiveState, StatusCode: DefaultInactiveStatus}
	if e, has := f["statecode"]; has {
		st.StateCode, _ = l.integer(e.val, "statecode")
	}
	if e, has := f["statuscode"]; has {
		st.StatusCode, _ = l.integer(e.val, "statuscode")
	}
	if st.StateCode == ActiveState {
		l.errorf(d.val, "deactivate: statecode %d is the active state; use the table's inactive statecode (1 for custom tables)", st.StateCode)
	}
	rr.inactive = st
}

// ownerColumn returns the record's column written from document.id as it
// is (no transforms, a string), or "".
func ownerColumn(rr *recordRule) string {
	for _, c := range rr.columns {
		if c.src.kind == srcDocument && c.src.name == "id" && len(c.transforms) == 0 &&
			(c.typ == "" || c.typ == TypeString) && !c.hasDefault {
			return c.name
		}
	}
	return ""
}

// mirror returns the plan's mirror entry for a for_each record, or nil.
func (st *state) mirror(rr *recordRule) *Mirror {
	if rr.onRemoved == "" || rr.onRemoved == RemoveKeep || st.res.ID == "" {
		return nil
	}
	m := &Mirror{Record: rr.name, Entity: rr.entity, OnRemoved: rr.onRemoved, Inactive: rr.inactive,
		Owner: Column{Name: rr.ownerCol, Value: StringValue(st.res.ID)}}
	for _, i := range rr.keyCols {
		m.KeyColumns = append(m.KeyColumns, rr.columns[i].name)
	}
	for _, v := range rr.keyVals {
		m.KeyColumns = append(m.KeyColumns, v.name)
	}
	return m
}
