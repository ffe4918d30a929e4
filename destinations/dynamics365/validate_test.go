package dynamics365

import (
	"context"
	"strings"
	"testing"

	"github.com/numora/numora-connector/mapping"
)

func TestValidateDefaultMappingsAgainstEmulator(t *testing.T) {
	rules, err := mapping.Load("../../mappings.yaml")
	if err != nil {
		t.Fatalf("loading the default mappings: %v", err)
	}
	d, _, _ := emu(t, nil)
	problems, err := d.ValidateRecords(context.Background(), rules.Records())
	if err != nil {
		t.Fatalf("ValidateRecords: %v", err)
	}
	for _, p := range problems {
		t.Errorf("default mappings vs the emulator's model: %s", p)
	}
}

func TestValidateRecordsFindsMismatches(t *testing.T) {
	pos := func(line int) mapping.Pos { return mapping.Pos{File: "mappings.yaml", Line: line, Col: 7} }
	specs := []mapping.RecordSpec{
		{Schema: "invoice_v2", Name: "invoice", Entity: "new_vendorinvoices", Mode: mapping.ModeUpsert, Pos: pos(10),
			KeyColumns: []string{"new_name"},
			Columns: []mapping.ColumnSpec{
				{Name: "new_name", Type: mapping.TypeString, MaxLength: 150, Pos: pos(11)},
				{Name: "new_totalamount", Type: mapping.TypeBool, Pos: pos(12)},
				{Name: "new_Currency", Type: mapping.TypeChoice, Pos: pos(13)},
				{Name: "new_currency", Type: mapping.TypeChoice, Choices: map[string]int64{"EUR": 100000000, "JPY": 100000009}, Pos: pos(14)},
				{Name: "new_vendorinvoiceid", Type: mapping.TypeGUID, Pos: pos(15)},
			},
			Binds: []mapping.BindSpec{
				{NavProperty: "new_vendorid", Lookup: "accounts", LookupColumns: []string{"accountnumber"}, Pos: pos(16)},
				{NavProperty: "new_VendorId", Lookup: "teams", LookupColumns: []string{"name"}, Pos: pos(17)},
				{NavProperty: "new_VendorId", Lookup: "accounts", LookupColumns: []string{"taxid"}, Pos: pos(18)},
			}},
		{Schema: "invoice_v2", Name: "line", Entity: "new_vendorinvoicelines", Mode: mapping.ModeUpsert, Pos: pos(20),
			Columns: []mapping.ColumnSpec{{Name: "new_amount", Type: mapping.TypeMoney, Precision: 6, Pos: pos(22)}},
			Binds:   []mapping.BindSpec{{NavProperty: "new_InvoiceId", Ref: "invoice", Pos: pos(21)}}},
		{Schema: "receipt_v1", Name: "receipt", Entity: "New_Receipts", Pos: pos(30)},
	}
	d, _, _ := emu(t, nil)
	problems, err := d.ValidateRecords(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"mappings.yaml:10:7: record invoice: table new_vendorinvoice has no alternate key on [new_name] (keys: new_invoicenumber_key [new_invoicenumber] Active)",
		"mappings.yaml:11:7: column new_name: max_length 150 exceeds Dataverse's MaxLength 100",
		"mappings.yaml:12:7: column new_totalamount is bool in the rules but Money in Dataverse",
		`mappings.yaml:13:7: column new_Currency does not exist in table new_vendorinvoice; did you mean "new_currency"?`,
		"mappings.yaml:14:7: column new_currency: choice JPY = 100000009 is not an option of new_vendorinvoice.new_currency (options: 100000000, 100000001, 100000002, 100000003)",
		"mappings.yaml:15:7: column new_vendorinvoiceid of new_vendorinvoice cannot be set on update",
		`mappings.yaml:16:7: new_vendorinvoice has no navigation property new_vendorid (names are case sensitive); did you mean "new_VendorId"?`,
		"mappings.yaml:17:7: navigation property new_VendorId of new_vendorinvoice points to accounts, not teams",
		"mappings.yaml:18:7: lookup column taxid does not exist in table account",
		"mappings.yaml:22:7: column new_amount: precision 6 of a money column exceeds the 4 fraction digits Dataverse holds",
		`mappings.yaml:30:7: record receipt: Dataverse has no entity set "New_Receipts"; did you mean "new_receipts"?`,
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(wantPrefixes(got, want), "\n") {
		t.Errorf("problems:\n%s\nwant (as prefixes):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// wantPrefixes returns got where each got[i] starts with want[i], so the
// comparison tolerates longer explanations; otherwise want itself.
func wantPrefixes(got, want []string) []string {
	if len(got) != len(want) {
		return want
	}
	for i := range got {
		if !strings.HasPrefix(got[i], want[i]) {
			return want
		}
	}
	return got
}
