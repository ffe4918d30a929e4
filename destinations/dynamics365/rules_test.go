package dynamics365

import (
	"testing"

	"github.com/numora/numora-connector/mapping"
)

func TestRulesWarnings(t *testing.T) {
	pos := mapping.Pos{File: "mappings.yaml", Line: 8, Col: 30}
	specs := []mapping.RecordSpec{{Name: "invoice", Entity: "new_vendorinvoices", Columns: []mapping.ColumnSpec{
		{Name: "new_name"}, {Name: "new_InvoiceNumber", Pos: pos}}}}
	got := RulesWarnings(specs)
	want := `mappings.yaml:8:30: column "new_InvoiceNumber" has upper-case letters: Dataverse column names are lower case ` +
		`(only navigation properties, used with ref or lookup, keep their case)`
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("got %v, want [%s]", got, want)
	}
}
