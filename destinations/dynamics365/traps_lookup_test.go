package dynamics365

import (
	"context"
	"strings"
	"testing"

	"github.com/numora/numora-connector/mapping"
)

// validateYAML loads rules and validates them against the emulator's
// model, returning the problems as text.
func validateYAML(t *testing.T, yml string) []string {
	t.Helper()
	rules, err := mapping.Parse("rules.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	d, _, _ := emu(t, nil)
	problems, err := d.ValidateRecords(context.Background(), rules.Records())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range problems {
		out = append(out, p.String())
	}
	return out
}

// Owner and customer lookups as Dataverse models them (dataverse.md §13):
// ownerid's relationship references "owner" while a bind names a teams or
// systemusers row; parentcustomerid has one navigation property per
// target. validate --online accepts the right targets and reports others.
func TestValidateOwnerAndCustomerLookups(t *testing.T) {
	tests := []struct {
		name, nav, lookup, match, entity string
		want                             string // "" = no problem
	}{
		{"owner team", "ownerid", "teams", "name", "new_vendorinvoices", ""},
		{"owner user", "ownerid", "systemusers", "domainname", "new_vendorinvoices", ""},
		{"owner account", "ownerid", "accounts", "accountnumber", "new_vendorinvoices", "points to teams or systemusers, not accounts"},
		{"customer account", "parentcustomerid_account", "accounts", "accountnumber", "contacts", ""},
		{"customer contact", "parentcustomerid_contact", "contacts", "emailaddress1", "contacts", ""},
		{"customer account nav, contact row", "parentcustomerid_account", "contacts", "emailaddress1", "contacts", "points to accounts, not contacts"},
		{"the lookup attribute is no navigation property", "parentcustomerid", "accounts", "accountnumber", "contacts", "has no navigation property parentcustomerid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "new_name"
			if tt.entity == "contacts" {
				name = "fullname"
			}
			got := validateYAML(t, `version: 1
schemas:
  invoice_v2:
    records:
      - name: r
        entity: `+tt.entity+`
        columns:
          `+name+`: fields.x
          `+tt.nav+`: {lookup: `+tt.lookup+`, match: {`+tt.match+`: fields.y}}
`)
			if tt.want == "" && len(got) != 0 || tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}

// An invoice owned by a user: the bind names the concrete set,
// /systemusers(<guid>), which the emulator accepts for ownerid.
func TestEmulatorOwnerLookupBindsAUser(t *testing.T) {
	d, s, _ := emu(t, nil)
	const user = "3c1e7f55-8a2b-4d6e-9f10-2b7c4d5e6f70" // seeded by the default model
	plan := &mapping.Plan{DocumentID: "doc_o", Schema: "invoice_v2", Records: []mapping.Record{
		{Name: "invoice", Entity: "new_vendorinvoices", Mode: mapping.ModeUpsert,
			Key:     identity("doc_o", ""),
			Columns: []mapping.Column{str("new_name", "owned")},
			Binds: []mapping.Bind{{NavProperty: "ownerid", Ref: -1, Lookup: &mapping.Lookup{Entity: "systemusers",
				Match: []mapping.Column{str("domainname", "anna@contoso.example")}, OnMissing: mapping.OnMissingFail}}}},
	}}
	rc := deliverOK(t, d, plan)
	if row, _ := s.Row("new_vendorinvoices", rc.RecordID); row["ownerid"] != user {
		t.Errorf("invoice %v, want owned by user %s", row, user)
	}
}

// validate --online checks what on_removed: deactivate needs of the table.
func TestValidateMirrorNeedsState(t *testing.T) {
	rules := func(entity, deactivate string) string {
		return `version: 1
schemas:
  invoice_v2:
    records:
      - name: line
        entity: ` + entity + `
        for_each: line_items
        on_removed: deactivate
        deactivate: ` + deactivate + `
        columns:
          new_numoradocumentid: document.id
`
	}
	if got := validateYAML(t, rules("new_vendorinvoicelines", "{statecode: 1, statuscode: 2}")); len(got) != 0 {
		t.Errorf("lines with statecode 1 / statuscode 2: %q, want no problem", got)
	}
	if got := validateYAML(t, rules("new_vendorinvoicelines", "{statecode: 1, statuscode: 7}")); len(got) != 1 || !strings.Contains(got[0], "statuscode 7 is not an option") {
		t.Errorf("statuscode 7: %q, want it reported", got)
	}
	if got := validateYAML(t, rules("new_vendorinvoicelines", "{statecode: 1, statuscode: 1}")); len(got) != 1 || !strings.Contains(got[0], "statuscode 1 belongs to statecode 0") {
		t.Errorf("statuscode 1 with statecode 1: %q, want the pair reported", got)
	}
	if got := validateYAML(t, rules("new_vendorinvoices", "{statecode: 1}")); len(got) != 2 || !strings.Contains(got[0], "needs column") {
		t.Errorf("a table without state columns: %q, want statecode and statuscode reported", got)
	}
}
