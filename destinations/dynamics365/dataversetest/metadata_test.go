package dataversetest

import (
	"net/http"
	"strings"
	"testing"
)

// values returns the "value" array of a collection reply.
func values(t *testing.T, r reply) []map[string]any {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var out []map[string]any
	for _, v := range r.json(t)["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func TestEntityDefinitions(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	got := values(t, c.call("GET", "EntityDefinitions?$select=LogicalName,PrimaryIdAttribute&$filter=EntitySetName eq 'new_vendorinvoices'", ""))
	if len(got) != 1 || got[0]["LogicalName"] != "new_vendorinvoice" || got[0]["PrimaryIdAttribute"] != "new_vendorinvoiceid" || got[0]["MetadataId"] == nil {
		t.Fatalf("got %v", got)
	}
	if _, ok := got[0]["EntitySetName"]; ok {
		t.Errorf("unselected EntitySetName returned: %v", got[0])
	}
	if all := values(t, c.call("GET", "EntityDefinitions", "")); len(all) != 9 {
		t.Errorf("got %d entity definitions, want 9", len(all))
	}
	r := c.call("GET", "EntityDefinitions(LogicalName='account')?$select=EntitySetName,PrimaryIdAttribute,IsOptimisticConcurrencyEnabled", "")
	wantStatus(t, r, 200)
	m := r.json(t)
	if m["EntitySetName"] != "accounts" || m["IsOptimisticConcurrencyEnabled"] != false || m["MetadataId"] == nil {
		t.Errorf("got %v", m)
	}
	byID := c.call("GET", "EntityDefinitions("+m["MetadataId"].(string)+")?$select=LogicalName", "")
	if byID.json(t)["LogicalName"] != "account" {
		t.Errorf("by MetadataId: got %s", byID.body)
	}
	wantError(t, c.call("GET", "EntityDefinitions(LogicalName='nope')", ""), 404, codeObjectNotFound)
	wantError(t, c.call("GET", "EntityDefinitions(LogicalName='account')?$select=Nope", ""), 400, "0x0")
	wantError(t, c.call("GET", "EntityDefinitions?$filter=Nope eq 'x'", ""), 400, "0x0")
	wantError(t, c.call("GET", "EntityDefinitions?$top=1", ""), 400, "0x0")
	wantError(t, c.call("POST", "EntityDefinitions", "{}"), 405, "")
	wantError(t, c.call("GET", "EntityDefinitions/x", ""), 404, codeSegmentNotFound)
	wantError(t, c.call("GET", "EntityDefinitions(LogicalName='account')/Nope", ""), 404, codeSegmentNotFound)
}

func TestEntityDefinitionAttributes(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	base := "EntityDefinitions(LogicalName='new_vendorinvoice')/Attributes"
	all := values(t, c.call("GET", base+"?$select=LogicalName,AttributeType,IsValidForCreate", ""))
	types := map[string]string{}
	for _, a := range all {
		types[a["LogicalName"].(string)] = a["AttributeType"].(string)
	}
	for name, want := range map[string]string{"new_vendorinvoiceid": "Uniqueidentifier", "new_name": "String", "new_invoicedate": "DateTime",
		"new_totalamount": "Money", "new_currency": "Picklist", "new_vendorid": "Lookup", "ownerid": "Owner"} {
		if types[name] != want {
			t.Errorf("%s: got AttributeType %q, want %q", name, types[name], want)
		}
	}
	strs := values(t, c.call("GET", base+"/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength", ""))
	lengths := map[string]any{}
	for _, a := range strs {
		lengths[a["LogicalName"].(string)] = a["MaxLength"]
	}
	if lengths["new_name"].(interface{ String() string }).String() != "100" || lengths["new_ponumber"].(interface{ String() string }).String() != "50" || len(lengths) != 4 {
		t.Errorf("got string lengths %v", lengths)
	}
	wantError(t, c.call("GET", base+"?$select=LogicalName,MaxLength", ""), 400, "0x0")
	picks := values(t, c.call("GET", base+"/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)", ""))
	if len(picks) != 1 {
		t.Fatalf("got picklists %v", picks)
	}
	opts := picks[0]["OptionSet"].(map[string]any)["Options"].([]any)
	first := opts[0].(map[string]any)
	if len(opts) != 4 || first["Value"].(interface{ String() string }).String() != "100000000" ||
		first["Label"].(map[string]any)["UserLocalizedLabel"].(map[string]any)["Label"] != "EUR" {
		t.Errorf("got options %v", opts)
	}
	if v, ok := picks[0]["GlobalOptionSet"]; !ok || v != nil {
		t.Errorf("got GlobalOptionSet %v, %v; want null", v, ok)
	}
	dates := values(t, c.call("GET", base+"/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName,DateTimeBehavior&$filter=LogicalName eq 'new_duedate'", ""))
	if len(dates) != 1 || dates[0]["DateTimeBehavior"].(map[string]any)["Value"] != "DateOnly" {
		t.Errorf("got %v", dates)
	}
	enum := values(t, c.call("GET", base+"?$select=LogicalName&$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'", ""))
	if len(enum) != 1 || enum[0]["LogicalName"] != "new_currency" {
		t.Errorf("enum filter: got %v", enum)
	}
	lookups := values(t, c.call("GET", base+"/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets", ""))
	if len(lookups) != 2 || lookups[0]["Targets"].([]any)[0] != "account" {
		t.Errorf("got lookups %v", lookups)
	}
	one := c.call("GET", base+"(LogicalName='new_currency')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet", "")
	wantStatus(t, one, 200)
	if one.json(t)["OptionSet"] == nil {
		t.Errorf("single attribute: got %s", one.body)
	}
	wantError(t, c.call("GET", base+"(LogicalName='nope')", ""), 404, codeObjectNotFound)
	wantError(t, c.call("GET", base+"/Microsoft.Dynamics.CRM.NopeAttributeMetadata", ""), 404, codeSegmentNotFound)
	wantError(t, c.call("GET", base+"?$expand=OptionSet", ""), 400, "0x0")
	wantError(t, c.call("GET", base+"(LogicalName='new_name')?$select=MaxLength", ""), 400, "0x0")
}

func TestEntityDefinitionKeysAndRelationships(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	keys := values(t, c.call("GET", "EntityDefinitions(LogicalName='new_vendorinvoice')/Keys?$select=SchemaName,KeyAttributes,EntityKeyIndexStatus", ""))
	if len(keys) != 1 || keys[0]["SchemaName"] != "new_invoicenumber_key" || keys[0]["EntityKeyIndexStatus"] != "Active" ||
		keys[0]["KeyAttributes"].([]any)[0] != "new_invoicenumber" {
		t.Errorf("got keys %v", keys)
	}
	rels := values(t, c.call("GET", "EntityDefinitions(LogicalName='new_vendorinvoice')/ManyToOneRelationships?$select=ReferencingAttribute,ReferencedEntity,ReferencingEntityNavigationPropertyName", ""))
	got := map[string]string{}
	for _, r := range rels {
		got[r["ReferencingEntityNavigationPropertyName"].(string)] = r["ReferencingAttribute"].(string) + "->" + r["ReferencedEntity"].(string)
	}
	if got["new_VendorId"] != "new_vendorid->account" || got["ownerid"] != "ownerid->owner" || len(got) != 2 {
		t.Errorf("got relationships %v", got)
	}
	o2m := values(t, c.call("GET", "EntityDefinitions(LogicalName='account')/OneToManyRelationships?$filter=ReferencingEntity eq 'new_contract'", ""))
	if len(o2m) != 1 || o2m[0]["ReferencingAttribute"] != "new_counterpartyid" {
		t.Errorf("got one-to-many %v", o2m)
	}
	if m2m := values(t, c.call("GET", "EntityDefinitions(LogicalName='account')/ManyToManyRelationships", "")); len(m2m) != 0 {
		t.Errorf("got many-to-many %v", m2m)
	}
	r := c.call("GET", "EntityDefinitions(LogicalName='new_contract')?$select=LogicalName&$expand=Attributes($select=LogicalName),Keys,ManyToOneRelationships,OneToManyRelationships,ManyToManyRelationships", "")
	wantStatus(t, r, 200)
	m := r.json(t)
	if len(m["Attributes"].([]any)) < 10 || len(m["Keys"].([]any)) != 1 || len(m["ManyToOneRelationships"].([]any)) != 1 {
		t.Errorf("got expanded entity %v", m)
	}
	wantError(t, c.call("GET", "EntityDefinitions(LogicalName='account')?$expand=Nope", ""), 400, "0x0")
	wantError(t, c.call("GET", "EntityDefinitions(LogicalName='account')?$expand=Attributes($select=Nope)", ""), 400, "0x0")
	wantError(t, c.call("GET", "EntityDefinitions(LogicalName='account')?$expand=Attributes($select=x", ""), 400, "0x0")
}

func TestWhoAmI(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	for _, path := range []string{"WhoAmI", "WhoAmI()"} {
		r := c.call("GET", path, "")
		wantStatus(t, r, 200)
		m := r.json(t)
		if m["UserId"] == nil || m["BusinessUnitId"] == nil || m["OrganizationId"] == nil || !strings.HasSuffix(m["@odata.context"].(string), "WhoAmIResponse") {
			t.Errorf("got %v", m)
		}
		if r.header.Get("x-ms-dop-hint") != "52" {
			t.Errorf("got x-ms-dop-hint %q, want 52", r.header.Get("x-ms-dop-hint"))
		}
	}
	msg := wantError(t, c.call("POST", "WhoAmI", "{}"), 404, "")
	if !strings.HasPrefix(msg, "No HTTP resource was found that matches the request URI") {
		t.Errorf("got %q", msg)
	}
}
