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

// KeyKind says what identifies a record's row. It says nothing about how
// a destination stores that identity: Dataverse turns an identity into a
// deterministic row GUID, Salesforce into the value of an External ID field.
type KeyKind string

// Key kinds.
const (
	// KeyIdentity: the row is the one this connector writes for the
	// document (Key.Document) and, for records made per line item, for the
	// line item (Key.Item); the rules' key: document.
	KeyIdentity KeyKind = "identity"
	// KeyColumns: the row is the one whose business columns hold
	// Key.Columns (the rules' key: [col] or key: {col: source}).
	KeyColumns KeyKind = "columns"
	// KeyNone: nothing identifies the row: a plain create.
	KeyNone KeyKind = "none"
)

// Key identifies a record's row in the destination.
type Key struct {
	Kind KeyKind `json:"kind"`
	// Document is the Numora document id of a KeyIdentity record.
	Document string `json:"document,omitempty"`
	// Item is the line item id of a KeyIdentity record made by for_each
	// ("#n" for the n-th item when it has no id), else "". Document, Item
	// and Record.Entity together name one row in every delivery.
	Item string `json:"item,omitempty"`
	// Columns are the identifying columns of a KeyColumns record, in rule
	// order. Key columns named in the rules' columns (key: [col]) also
	// appear in Record.Columns, since the rules write them; those given only
	// in the key (key: {col: source}) do not. A destination whose upsert
	// takes the key apart from the body leaves them out of the body.
	Columns []Column `json:"columns,omitempty"`
}

// Record is one row to write.
type Record struct {
	// Name is the record's local name in the rules ("invoice", "line").
	Name string `json:"name"`
	// ItemID is the line item id for records made by for_each, else "".
	ItemID string `json:"item_id,omitempty"`
	// Entity is the destination's table as the rules name it (a Dataverse
	// entity set, a Salesforce object).
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

// Bind sets a single-valued reference. Exactly one of Ref, Lookup and
// Clear is set.
type Bind struct {
	// NavProperty names the reference as the rules write it (case kept):
	// a Dataverse navigation property, a Salesforce reference field or
	// its relationship name.
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
