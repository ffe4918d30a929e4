package mapping

// A Plan is what the rules make of one document: the destination-neutral
// description of the rows to write, in order (a record comes after every
// record it references). It is data: a destination turns it into requests.
type Plan struct {
	DocumentID string   `json:"document_id"`
	Schema     string   `json:"schema"`
	Records    []Record `json:"records"`
	// Mirror lists the for_each records whose rows for removed line items
	// are removed (on_removed), in rule order.
	Mirror []Mirror `json:"mirror,omitempty"`
	// Warnings are non-fatal notes (a truncated string, a key: none
	// record), for logs and dry runs.
	Warnings []string `json:"warnings,omitempty"`
}

// Mode says how a record is written.
type Mode string

// Write modes.
const (
	ModeUpsert Mode = "upsert" // create or update the row the key names
	ModeCreate Mode = "create" // create only; an existing row counts as delivered
	ModeUpdate Mode = "update" // update only; a missing row is an error
)

// KeyKind says how a record's row is identified.
type KeyKind string

// Key kinds.
const (
	KeyID        KeyKind = "id"        // a deterministic GUID (Key.ID)
	KeyAlternate KeyKind = "alternate" // alternate-key columns (Key.Columns)
	KeyNone      KeyKind = "none"      // no key: a plain create
)

// Key identifies a record's row in the destination.
type Key struct {
	Kind KeyKind `json:"kind"`
	// ID is the row's GUID for KeyID: a UUIDv5 of the document id, the
	// entity and the line item id, so every delivery touches the same row.
	ID string `json:"id,omitempty"`
	// Columns are the alternate-key columns for KeyAlternate, in rule order.
	// Key columns named in the rules' columns (key: [col]) also appear in
	// Record.Columns; those given only in the key (key: {col: source}) do not.
	Columns []Column `json:"columns,omitempty"`
}

// Record is one row to write.
type Record struct {
	// Name is the record's local name in the rules ("invoice", "line").
	Name string `json:"name"`
	// ItemID is the line item id for records made by for_each, else "".
	ItemID string `json:"item_id,omitempty"`
	// Entity is the destination's table (for Dataverse, the entity set name).
	Entity string `json:"entity"`
	Mode   Mode   `json:"mode"`
	Key    Key    `json:"key"`
	// Columns are the values to write, in rule order.
	Columns []Column `json:"columns"`
	// Binds set single-valued references (lookups) on the row. A lookup
	// with on_missing: null whose match value is empty in the document
	// clears the reference (Bind.Clear), so a re-delivered document
	// unbinds what the reviewer removed; with omit_empty it is left out
	// (the plan warns) and the row's reference is not touched.
	Binds []Bind `json:"binds,omitempty"`
}

// Type is a column's destination type; it fixes the JSON form of its value.
type Type string

// Column types and the Go type of Value.V for each.
const (
	TypeString      Type = "string"      // string
	TypeInt         Type = "int"         // int64
	TypeDecimal     Type = "decimal"     // json.Number, exact decimal text
	TypeMoney       Type = "money"       // json.Number, exact decimal text
	TypeBool        Type = "bool"        // bool
	TypeDate        Type = "date"        // string "YYYY-MM-DD"
	TypeDateTime    Type = "datetime"    // string, RFC 3339 in UTC ("2026-03-24T02:36:37Z")
	TypeChoice      Type = "choice"      // int64 option value
	TypeMultiChoice Type = "multichoice" // string of option values, "1,9"
	TypeGUID        Type = "guid"        // string, lowercase canonical UUID
)

// Value is a typed column value. V is already in the destination's JSON
// form (see the Type constants) or nil for null.
type Value struct {
	Type Type `json:"type"`
	V    any  `json:"value"`
	// Local is a datetime's wall-clock time as written in the document
	// ("2026-03-02T10:30:00", in its own offset or the rule's time zone),
	// for columns that store it without conversion (Dataverse's
	// TimeZoneIndependent behaviour); V is the same instant in UTC.
	Local string `json:"local,omitempty"`
}

// Column is one named value.
type Column struct {
	Name  string `json:"name"`
	Value Value  `json:"value"`
}

// OnMissing says what happens when a lookup finds no row.
type OnMissing string

// Lookup policies.
const (
	OnMissingFail OnMissing = "fail"          // the document fails
	OnMissingSkip OnMissing = "skip_document" // the document is skipped with a reason
	OnMissingNull OnMissing = "null"          // the reference is set to null
)

// Bind sets a single-valued navigation property. Exactly one of Ref,
// Lookup and Clear is set.
type Bind struct {
	// NavProperty is the navigation property, case as in the rules.
	NavProperty string `json:"nav_property"`
	// Ref is the index in Plan.Records of another record of this document
	// (always lower than the binding record's own index), or -1.
	Ref int `json:"ref"`
	// Lookup describes an existing row to find by business values.
	Lookup *Lookup `json:"lookup,omitempty"`
	// Clear sets the reference to null: a lookup (on_missing: null) with
	// nothing to look up in the document.
	Clear bool `json:"clear,omitempty"`
}

// Lookup finds an existing row by column values; the destination runs the
// query (and may cache it) and applies OnMissing when nothing matches.
type Lookup struct {
	Entity    string    `json:"entity"`
	Match     []Column  `json:"match"`
	OnMissing OnMissing `json:"on_missing"`
	// Label names the lookup in messages, e.g. "vendor" or the nav property.
	Label string `json:"label,omitempty"`
}
