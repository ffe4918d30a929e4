package dataversetest

import (
	"testing"
)

// Owner and customer lookups as Dataverse models them (dataverse.md §13):
// ownerid binds a teams or systemusers row, and its relationship references
// "owner"; parentcustomerid has one navigation property per target, and
// the attribute itself is no navigation property.
func TestPolymorphicLookups(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	const user, team = "3c1e7f55-8a2b-4d6e-9f10-2b7c4d5e6f70", "6a0f5c1e-3b7d-4e2a-9c41-0d5e8f7a1b20"
	acct := s.Seed("accounts", map[string]any{"name": "A", "accountnumber": "A1"})
	binds := []struct {
		set, body string
		status    int
		code      string
	}{
		{"new_vendorinvoices", `{"ownerid@odata.bind":"/systemusers(` + user + `)"}`, 204, ""},
		{"new_vendorinvoices", `{"ownerid@odata.bind":"/teams(` + team + `)"}`, 204, ""},
		{"new_vendorinvoices", `{"ownerid@odata.bind":"/accounts(` + acct + `)"}`, 400, "0x80048d19"},
		{"contacts", `{"parentcustomerid_account@odata.bind":"/accounts(` + acct + `)"}`, 204, ""},
		{"contacts", `{"parentcustomerid_contact@odata.bind":"/accounts(` + acct + `)"}`, 400, "0x80048d19"},
		{"contacts", `{"parentcustomerid@odata.bind":"/accounts(` + acct + `)"}`, 400, "0x80048d19"},
	}
	for _, b := range binds {
		r := c.call("POST", b.set, b.body)
		if b.status == 204 {
			wantStatus(t, r, 204)
		} else {
			wantError(t, r, b.status, b.code)
		}
	}
	rels := values(t, c.call("GET", "EntityDefinitions(LogicalName='new_vendorinvoice')/ManyToOneRelationships?$filter=ReferencingAttribute eq 'ownerid'", ""))
	if len(rels) != 1 || rels[0]["ReferencedEntity"] != "owner" || rels[0]["ReferencingEntityNavigationPropertyName"] != "ownerid" {
		t.Errorf("ownerid relationship %v, want one referencing owner", rels)
	}
	attrs := values(t, c.call("GET", "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,AttributeType,Targets", ""))
	if len(attrs) != 1 || attrs[0]["AttributeType"] != "Customer" || len(attrs[0]["Targets"].([]any)) != 2 {
		t.Errorf("contact lookups %v, want one Customer attribute with two targets", attrs)
	}
	owner := values(t, c.call("GET", "EntityDefinitions(LogicalName='new_vendorinvoice')/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,AttributeType,Targets&$filter=LogicalName eq 'ownerid'", ""))
	if len(owner) != 1 || owner[0]["AttributeType"] != "Owner" || len(owner[0]["Targets"].([]any)) != 2 {
		t.Errorf("ownerid %v, want an Owner attribute targeting team and systemuser", owner)
	}
}
