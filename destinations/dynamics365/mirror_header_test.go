package dynamics365

import (
	"encoding/json"
	"testing"

	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// On re-delivery, a header column and a lookup whose source became empty
// are cleared (null, "@odata.bind": null), and those the rules mark
// omit_empty keep what an earlier delivery wrote.
func TestEmulatorEmptyHeaderSourcesOnRedelivery(t *testing.T) {
	rules, err := mapping.Parse("header.yaml", []byte(`version: 1
schemas:
  invoice_v2:
    records:
      - name: invoice
        entity: new_vendorinvoices
        columns:
          new_name: fields.invoice_number
          new_ponumber: fields.po
          new_invoicenumber: {from: fields.ref, omit_empty: true}
          new_VendorId: {lookup: accounts, match: {accountnumber: fields.vendor}, on_missing: "null"}
          ownerid: {lookup: teams, match: {name: fields.team}, on_missing: "null", omit_empty: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	d, s, _ := emu(t, nil)
	acct := seedVendor(s)
	const team = "6a0f5c1e-3b7d-4e2a-9c41-0d5e8f7a1b20" // seeded by the default model
	render := func(po, ref, vendor, teamName string) *mapping.Plan {
		f := func(v string) numora.Field { return numora.Field{Value: json.RawMessage(`"` + v + `"`)} }
		plan, err := rules.Render(&numora.Result{ID: "doc_h", Schema: "invoice_v2", Status: "reviewed",
			Fields: map[string]numora.Field{"invoice_number": f("INV-H"), "po": f(po), "ref": f(ref), "vendor": f(vendor), "team": f(teamName)}})
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	rc := deliverOK(t, d, render("PO-1", "REF-1", "DE123456789", "Accounts Payable"))
	row, _ := s.Row("new_vendorinvoices", rc.RecordID)
	if row["new_ponumber"] != "PO-1" || row["new_invoicenumber"] != "REF-1" || row["new_vendorid"] != acct || row["ownerid"] != team {
		t.Fatalf("first delivery wrote %v", row)
	}
	deliverOK(t, d, render("", "", "", ""))
	row, _ = s.Row("new_vendorinvoices", rc.RecordID)
	want := map[string]any{"new_ponumber": nil, "new_vendorid": nil, "new_invoicenumber": "REF-1", "ownerid": team}
	for col, w := range want {
		if row[col] != w {
			t.Errorf("after re-delivery %s = %v, want %v", col, row[col], w)
		}
	}
}
