package dynamics365

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// Each date-time is written as its column's DateTimeBehavior stores it
// (dataverse.md §13): UserLocal in UTC, TimeZoneIndependent as the
// wall-clock time written in the document (no shift to UTC), DateOnly as
// the date written.
func TestEmulatorDateTimeBehaviors(t *testing.T) {
	plan := berlinInvoiceAt(t, "doc_dt", `
          new_receivedon: {from: fields.at, type: datetime}
          new_postedon: {from: fields.at, type: datetime}
          new_invoicedate: {from: fields.at, type: date, formats: ["2006-01-02T15:04:05"]}`)
	d, s, _ := emu(t, nil)
	rc := deliverOK(t, d, plan)
	row, _ := s.Row("new_vendorinvoices", rc.RecordID)
	want := map[string]string{
		"new_receivedon":  "2026-03-02T00:30:00Z", // TimeZoneIndependent: the wall clock as written
		"new_postedon":    "2026-03-01T23:30:00Z", // UserLocal: UTC
		"new_invoicedate": "2026-03-02",           // DateOnly: the date as written
	}
	for col, w := range want {
		if row[col] != w {
			t.Errorf("%s = %v, want %s", col, row[col], w)
		}
	}
}

// validate --online reports a type: date rule on a UserLocal or
// TimeZoneIndependent column and a type: datetime rule on a DateOnly one.
func TestValidateDateTimeBehavior(t *testing.T) {
	tests := []struct {
		col, typ, want string
	}{
		{"new_postedon", "date", "UserLocal date-time column: a type: date rule would write midnight UTC"},
		{"new_receivedon", "date", "TimeZoneIndependent date-time column"},
		{"new_invoicedate", "datetime", "DateOnly date-time column: it keeps only the date"},
		{"new_invoicedate", "date", ""},
		{"new_postedon", "datetime", ""},
		{"new_receivedon", "datetime", ""},
	}
	for _, tt := range tests {
		t.Run(tt.col+" "+tt.typ, func(t *testing.T) {
			got := validateYAML(t, `version: 1
schemas:
  invoice_v2:
    records:
      - name: invoice
        entity: new_vendorinvoices
        columns:
          `+tt.col+`: {from: fields.x, type: `+tt.typ+`}
`)
			if tt.want == "" && len(got) != 0 || tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}

// A type: datetime rule on a DateOnly column (validate --online reports it)
// still writes the date as written in the document, not the UTC date: the
// emulator refuses a date-time for an Edm.Date column, and 00:30 in Berlin
// is the previous day in UTC.
func TestEmulatorDateTimeRuleOnDateOnlyColumn(t *testing.T) {
	plan := berlinInvoiceAt(t, "doc_do", `
          new_invoicedate: {from: fields.at, type: datetime}`)
	d, s, _ := emu(t, nil)
	rc := deliverOK(t, d, plan)
	if row, _ := s.Row("new_vendorinvoices", rc.RecordID); row["new_invoicedate"] != "2026-03-02" {
		t.Errorf("new_invoicedate = %v, want 2026-03-02", row["new_invoicedate"])
	}
}

// berlinInvoiceAt renders document id, whose field "at" is
// 2026-03-02T00:30:00, with rules in Europe/Berlin mapping the invoice
// columns given (YAML lines under "columns:").
func berlinInvoiceAt(t *testing.T, id, columns string) *mapping.Plan {
	t.Helper()
	rules, err := mapping.Parse("dt.yaml", []byte(`version: 1
defaults: {timezone: Europe/Berlin}
schemas:
  invoice_v2:
    records:
      - name: invoice
        entity: new_vendorinvoices
        columns:`+columns+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := rules.Render(&numora.Result{ID: id, Schema: "invoice_v2", Status: "reviewed",
		Fields: map[string]numora.Field{"at": {Value: json.RawMessage(`"2026-03-02T00:30:00"`)}}})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}
