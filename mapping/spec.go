package mapping

// RecordSpec describes one record rule as written, for validation against
// a destination's metadata (validate --online) and for messages.
type RecordSpec struct {
	Schema string
	// Name is the record's local name; Entity its entity set.
	Name, Entity string
	Mode         Mode
	// Key is what identifies the record's rows: KeyIdentity (key:
	// document, the default), KeyColumns or KeyNone.
	Key KeyKind
	// KeyColumns are the key columns (Key == KeyColumns), else nil.
	KeyColumns []string
	// ForEach is "line_items" for records made per line item, else "".
	ForEach string
	// OnRemoved is what happens to rows of removed line items (for_each
	// records; "" otherwise), and OwnerColumn the column written from
	// document.id that marks the rows written for a document.
	OnRemoved   Removal
	OwnerColumn string
	// Inactive is the state a deactivated row gets.
	Inactive *State
	// Columns are the columns written, key columns included, in rule order.
	Columns []ColumnSpec
	// Binds are the navigation properties set, in rule order.
	Binds []BindSpec
	Pos   Pos
}

// ColumnSpec describes one column rule.
type ColumnSpec struct {
	Name string
	Type Type
	// MaxLength is the rule's max_length, 0 if none.
	MaxLength int
	// Precision is the rule's precision of a decimal or money column, -1
	// if none (values are exact).
	Precision int
	// Choices are the labels and option values of choice and multichoice
	// columns, as written in the rules.
	Choices map[string]int64
	Pos     Pos
}

// BindSpec describes one reference or lookup rule.
type BindSpec struct {
	NavProperty string
	// Lookup is the looked-up entity set, or "" for a ref.
	Lookup string
	// LookupColumns are the columns the lookup matches on.
	LookupColumns []string
	// Ref is the referenced record's name, or "" for a lookup.
	Ref string
	Pos Pos
}

// spec describes a compiled record rule.
func (l *loader) spec(schema string, rr *recordRule) RecordSpec {
	s := RecordSpec{Schema: schema, Name: rr.name, Entity: rr.entity, Mode: rr.mode, Key: rr.keyKind, Pos: rr.pos}
	if rr.forEach {
		s.ForEach = "line_items"
		s.OnRemoved, s.OwnerColumn, s.Inactive = rr.onRemoved, rr.ownerCol, rr.inactive
	}
	for _, i := range rr.keyCols {
		s.KeyColumns = append(s.KeyColumns, rr.columns[i].name)
	}
	for _, v := range rr.keyVals {
		s.KeyColumns = append(s.KeyColumns, v.name)
	}
	for _, v := range append(append([]*valueRule{}, rr.columns...), rr.keyVals...) {
		c := ColumnSpec{Name: v.name, Type: v.typ, MaxLength: v.maxLength, Precision: v.precision, Pos: v.pos}
		if v.choices != nil {
			c.Choices = v.choices.source
		}
		s.Columns = append(s.Columns, c)
	}
	for _, b := range rr.binds {
		bs := BindSpec{NavProperty: b.nav, Ref: b.ref, Pos: b.pos}
		if b.lookup != nil {
			bs.Lookup = b.lookup.entity
			for _, m := range b.lookup.match {
				bs.LookupColumns = append(bs.LookupColumns, m.name)
			}
		}
		s.Binds = append(s.Binds, bs)
	}
	return s
}
