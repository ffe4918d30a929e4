package dataversetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestCreate(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	r := c.call("POST", "accounts", `{"name":"Contoso","accountnumber":"DE123"}`)
	wantStatus(t, r, http.StatusNoContent)
	loc := r.header.Get("OData-EntityId")
	prefix := s.URL + "/api/data/v9.2/accounts("
	if !strings.HasPrefix(loc, prefix) || !strings.HasSuffix(loc, ")") {
		t.Fatalf("got OData-EntityId %q, want %s<guid>)", loc, prefix)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, prefix), ")")
	row, ok := s.Row("accounts", id)
	if !ok || row["name"] != "Contoso" || row["accountnumber"] != "DE123" {
		t.Fatalf("got row %v, %v", row, ok)
	}
	if r.header.Get("REQ_ID") == "" || r.header.Get("x-ms-service-request-id") == "" {
		t.Errorf("missing REQ_ID / x-ms-service-request-id headers: %v", r.header)
	}
}

func TestCreateReturnRepresentation(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	r := c.call("POST", "accounts?$select=name", `{"name":"Contoso","accountnumber":"DE1"}`, "Prefer", "return=representation")
	wantStatus(t, r, http.StatusCreated)
	if r.header.Get("OData-EntityId") != "" {
		t.Errorf("got OData-EntityId %q on a 201, want none", r.header.Get("OData-EntityId"))
	}
	if got := r.header.Get("Preference-Applied"); got != "return=representation" {
		t.Errorf("got Preference-Applied %q", got)
	}
	m := r.json(t)
	if m["name"] != "Contoso" || m["accountid"] == nil || m["@odata.etag"] == nil {
		t.Errorf("got body %v, want name, accountid and @odata.etag", m)
	}
	if _, ok := m["accountnumber"]; ok {
		t.Errorf("got unselected accountnumber in %v", m)
	}
	if !strings.HasSuffix(m["@odata.context"].(string), "$metadata#accounts(name)/$entity") {
		t.Errorf("got @odata.context %v", m["@odata.context"])
	}
}

func TestCreateWithPrimaryIDInBody(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	const id = "11111111-2222-4333-8444-555555555555"
	r := c.call("POST", "accounts", `{"accountid":"`+id+`","name":"A"}`)
	wantStatus(t, r, http.StatusNoContent)
	if _, ok := s.Row("accounts", id); !ok {
		t.Fatalf("row %s not stored", id)
	}
	wantError(t, c.call("POST", "accounts", `{"accountid":"`+id+`","name":"B"}`), http.StatusPreconditionFailed, codeDuplicateRecord)
}

// TestUpsertTable checks every cell of dataverse.md §2's upsert table, by
// GUID and by alternate key.
func TestUpsertTable(t *testing.T) {
	const guid = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	tests := []struct {
		name    string
		exists  bool
		headers []string
		status  int
		code    string
	}{
		{"none, exists", true, nil, 204, ""},
		{"none, missing", false, nil, 204, ""},
		{"representation, exists", true, []string{"Prefer", "return=representation"}, 200, ""},
		{"representation, missing", false, []string{"Prefer", "return=representation"}, 201, ""},
		{"if-match, exists", true, []string{"If-Match", "*"}, 204, ""},
		{"if-match, missing", false, []string{"If-Match", "*"}, 404, "?"},
		{"if-none-match, exists", true, []string{"If-None-Match", "*"}, 412, ""},
		{"if-none-match, missing", false, []string{"If-None-Match", "*"}, 204, ""},
		{"if-none-match null, exists", true, []string{"If-None-Match", "null"}, 204, ""},
	}
	for _, byKey := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name + map[bool]string{false: " (guid)", true: " (alternate key)"}[byKey]
			t.Run(name, func(t *testing.T) {
				s := newTestServer(t)
				c := newAPIClient(t, s)
				path, notFoundCode := "new_vendorinvoices("+guid+")", ""
				if byKey {
					path, notFoundCode = "new_vendorinvoices(new_invoicenumber='INV-1')", codeKeyNotFound
				}
				if tt.exists {
					s.Seed("new_vendorinvoices", map[string]any{"new_vendorinvoiceid": guid, "new_invoicenumber": "INV-1", "new_name": "old"})
				}
				r := c.call("PATCH", path, `{"new_name":"new"}`, tt.headers...)
				wantStatus(t, r, tt.status)
				rows := s.Rows("new_vendorinvoices")
				switch {
				case tt.status == 404:
					wantError(t, r, 404, notFoundCode)
					if len(rows) != 0 {
						t.Errorf("got %d rows after If-Match on a missing row, want 0", len(rows))
					}
				case tt.status == 412:
					msg := wantError(t, r, 412, "")
					if msg != "A record with matching key values already exists." {
						t.Errorf("got message %q", msg)
					}
					if rows[0]["new_name"] != "old" {
						t.Errorf("got name %v after 412, want old", rows[0]["new_name"])
					}
				default:
					if len(rows) != 1 || rows[0]["new_name"] != "new" {
						t.Fatalf("got rows %v, want one row named new", rows)
					}
				}
				if tt.status == 204 {
					want := s.serviceRoot() + path
					if got := r.header.Get("OData-EntityId"); got != want {
						t.Errorf("got OData-EntityId %q, want %q", got, want)
					}
				}
				if tt.status == 200 || tt.status == 201 {
					if got := r.json(t)["new_vendorinvoiceid"]; got != rows[0]["new_vendorinvoiceid"] {
						t.Errorf("got id %v in representation, want %v", got, rows[0]["new_vendorinvoiceid"])
					}
				}
			})
		}
	}
}

func TestUpsertKeyColumnsStrippedOnUpdateBodyWinsOnCreate(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	wantStatus(t, c.call("PATCH", "new_vendorinvoices(new_invoicenumber='URL-1')", `{"new_invoicenumber":"BODY-1"}`), 204)
	rows := s.Rows("new_vendorinvoices")
	if got := rows[0]["new_invoicenumber"]; got != "BODY-1" {
		t.Fatalf("create: got key column %v, want the body's BODY-1", got)
	}
	wantStatus(t, c.call("PATCH", "new_vendorinvoices(new_invoicenumber='BODY-1')", `{"new_invoicenumber":"OTHER","new_name":"n"}`), 204)
	rows = s.Rows("new_vendorinvoices")
	if len(rows) != 1 || rows[0]["new_invoicenumber"] != "BODY-1" || rows[0]["new_name"] != "n" {
		t.Fatalf("update: got %v, want key column unchanged and name set", rows)
	}
}

func TestUpsertRepresentationSelectPrimaryKey(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	path := "new_vendorinvoices(new_invoicenumber='INV-9')?$select=new_vendorinvoiceid"
	r1 := c.call("PATCH", path, `{"new_name":"a"}`, "Prefer", "return=representation")
	r2 := c.call("PATCH", path, `{"new_name":"b"}`, "Prefer", "return=representation")
	wantStatus(t, r1, 201)
	wantStatus(t, r2, 200)
	m1, m2 := r1.json(t), r2.json(t)
	if m1["new_vendorinvoiceid"] != m2["new_vendorinvoiceid"] || m1["new_vendorinvoiceid"] == nil {
		t.Errorf("got ids %v and %v, want the same GUID", m1["new_vendorinvoiceid"], m2["new_vendorinvoiceid"])
	}
	if _, ok := m2["new_name"]; ok {
		t.Errorf("got unselected new_name in %v", m2)
	}
	if r2.header.Get("ETag") == "" || r2.header.Get("ETag") == r1.header.Get("ETag") {
		t.Errorf("got ETags %q then %q, want a new one", r1.header.Get("ETag"), r2.header.Get("ETag"))
	}
}

func TestAlternateKeyURLSyntax(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"doubled quote", "new_vendorinvoices(new_invoicenumber='O''Bryan')", "O'Bryan"},
		{"percent-encoded quote pair", "new_vendorinvoices(new_invoicenumber='O%27%27Bryan')", "O'Bryan"},
		{"unicode", "new_vendorinvoices(new_invoicenumber='Rechnung-Grüße-東京')", "Rechnung-Grüße-東京"},
		{"encoded space and comma", "new_vendorinvoices(new_invoicenumber='A%20B%2CC')", "A B,C"},
		{"encoded dollar at equals", "new_vendorinvoices(new_invoicenumber='%24x%3Dy%40z%3B')", "$x=y@z;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			wantStatus(t, c.call("PATCH", tt.path, `{"new_name":"x"}`), 204)
			if got := s.Rows("new_vendorinvoices")[0]["new_invoicenumber"]; got != tt.want {
				t.Errorf("got key %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAlternateKeyForbiddenCharacters(t *testing.T) {
	for _, ch := range []string{"%2F", "%3C", "%3E", "*", "%25", "%26", ":", "%5C", "%3F", "+"} {
		t.Run(ch, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			r := c.call("PATCH", "new_vendorinvoices(new_invoicenumber='M"+ch+"M')", `{"new_name":"x"}`)
			msg := wantError(t, r, http.StatusBadRequest, "")
			if !strings.HasPrefix(msg, "A potentially dangerous Request.Path value was detected from the client") {
				t.Errorf("got message %q", msg)
			}
			if n := s.Count("new_vendorinvoices"); n != 0 {
				t.Errorf("got %d rows, want 0", n)
			}
		})
	}
}

func TestKeyErrors(t *testing.T) {
	model := DefaultModel()
	model.Tables[5].Keys[0].Status = "Pending" // new_contracts
	tests := []struct {
		name, path   string
		status       int
		code, prefix string
	}{
		{"not a key column", "new_vendorinvoices(new_name='x')", 400, codeKeyNotDefined, "The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.new_vendorinvoice'"},
		{"inactive key", "new_contracts(new_contractnumber='C-1')", 400, codeKeyNotDefined, "The entity key new_contractnumber_key"},
		{"quoted guid", "accounts('x')", 400, "0x0", "Bad Request"},
		{"wrong literal type", "new_vendorinvoices(new_invoicenumber=5)", 400, "0x0", "Invalid type for entity id value"},
		{"syntax", "new_vendorinvoices(new_invoicenumber='x'", 400, "0x0", "Bad Request"},
		{"unknown entity set", "Account(00000000-0000-0000-0000-000000000001)", 404, codeSegmentNotFound, "Resource not found for the segment 'Account'."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, WithModel(model))
			c := newAPIClient(t, s)
			msg := wantError(t, c.call("PATCH", tt.path, `{"new_name":"x"}`), tt.status, tt.code)
			if !strings.HasPrefix(msg, tt.prefix) {
				t.Errorf("got message %q, want prefix %q", msg, tt.prefix)
			}
		})
	}
}

func TestBodyValidation(t *testing.T) {
	long := strings.Repeat("x", 101)
	tests := []struct {
		name, set, body string
		status          int
		code, message   string
	}{
		{"unknown column", "new_vendorinvoices", `{"new_Name":"x"}`, 400, "0x0", "Could not find a property named 'new_Name' on type 'Microsoft.Dynamics.CRM.new_vendorinvoice'."},
		{"too long", "new_vendorinvoices", `{"new_name":"` + long + `"}`, 400, codeValidation, "A validation error occurred. The length of the 'new_name' attribute of the 'new_vendorinvoice' entity exceeded the maximum allowed length of '100'."},
		{"string for int", "new_vendorinvoicelines", `{"new_linenumber":"1"}`, 400, codePayload, ""},
		{"number for string", "accounts", `{"name":5}`, 400, codePayload, ""},
		{"fraction for int", "new_vendorinvoicelines", `{"new_linenumber":1.5}`, 400, codePayload, ""},
		{"int out of range", "new_vendorinvoicelines", `{"new_linenumber":3000000000}`, 400, codeValidation, ""},
		{"choice not an option", "new_vendorinvoices", `{"new_currency":5}`, 400, codeValidation, "A validation error occurred. The value 5 of 'new_currency' on record of type 'new_vendorinvoice' is outside the valid range."},
		{"bad date", "new_vendorinvoices", `{"new_invoicedate":"02.01.2026"}`, 400, codePayload, ""},
		{"date too early", "new_vendorinvoices", `{"new_invoicedate":"1700-01-01"}`, 400, codeValidation, ""},
		{"bad datetime", "new_contracts", `{"new_signedon":"yesterday"}`, 400, codePayload, ""},
		{"string for bool", "new_contracts", `{"new_autorenew":"true"}`, 400, codePayload, ""},
		{"money too large", "new_vendorinvoices", `{"new_totalamount":1e20}`, 400, codeValidation, ""},
		{"string for money", "new_vendorinvoices", `{"new_totalamount":"1.5"}`, 400, codePayload, ""},
		{"lowercased nav bind", "new_vendorinvoices", `{"new_vendorid@odata.bind":"/accounts(00000000-0000-0000-0000-000000000001)"}`, 400, codePayload, ""},
		{"deep insert", "new_vendorinvoices", `{"new_VendorId":{"name":"x"}}`, 400, codePayload, ""},
		{"not an object", "accounts", `[1]`, 400, codePayload, ""},
		{"bad primary id", "accounts", `{"accountid":"nope"}`, 400, codePayload, ""},
		{"bind not a string", "new_vendorinvoices", `{"new_VendorId@odata.bind":5}`, 400, codePayload, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			msg := wantError(t, c.call("POST", tt.set, tt.body), tt.status, tt.code)
			if tt.message != "" && msg != tt.message {
				t.Errorf("got message %q, want %q", msg, tt.message)
			}
			if tt.name == "lowercased nav bind" && !strings.Contains(msg, "An undeclared property 'new_vendorid' which only has property annotations") {
				t.Errorf("got message %q", msg)
			}
		})
	}
}

func TestStoredForms(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	m := DefaultModel()
	m.Tables[0].Attributes = append(m.Tables[0].Attributes, Attribute{Name: "new_tags", Type: TypeMultiChoice,
		Options: []ChoiceOption{{Label: "a", Value: 1}, {Label: "b", Value: 9}, {Label: "c", Value: 3}}}, Attribute{Name: "new_ref", Type: TypeGUID},
		Attribute{Name: "new_notes", Type: TypeMemo})
	s2 := newTestServer(t, WithModel(m))
	c2 := newAPIClient(t, s2)
	wantStatus(t, c.call("POST", "new_contracts", `{"new_value":1234.565,"new_signedon":"2026-03-24T04:36:37+02:00","new_autorenew":true,"new_startdate":"2026-01-31"}`), 204)
	wantStatus(t, c.call("POST", "new_vendorinvoicelines", `{"new_quantity":1.005,"new_linenumber":3}`), 204)
	wantStatus(t, c2.call("POST", "accounts", `{"new_tags":"9, 1, 9","new_ref":"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE","new_notes":"n"}`), 204)
	contract := s.Rows("new_contracts")[0]
	line := s.Rows("new_vendorinvoicelines")[0]
	acct := s2.Rows("accounts")[0]
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"money rounded", contract["new_value"], json.Number("1234.57")},
		{"datetime in UTC", contract["new_signedon"], "2026-03-24T02:36:37Z"},
		{"bool", contract["new_autorenew"], true},
		{"date", contract["new_startdate"], "2026-01-31"},
		{"decimal rounded", line["new_quantity"], json.Number("1.01")},
		{"int", line["new_linenumber"], int64(3)},
		{"multichoice sorted", acct["new_tags"], "1,9"},
		{"guid lowercased", acct["new_ref"], "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %#v, want %#v", tt.name, tt.got, tt.want)
		}
	}
	r := c.call("GET", "new_contracts?$select=new_value", "")
	if !strings.Contains(string(r.body), `"new_value":1234.5700`) {
		t.Errorf("got %s, want money read back with 4 decimals", r.body)
	}
}

func TestBind(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	acct := s.Seed("accounts", map[string]any{"name": "Vendor", "accountnumber": "DE1"})
	s.Seed("new_vendorinvoices", map[string]any{"new_invoicenumber": "INV-K"})
	tests := []struct {
		name, set, bind string
		status          int
		code            string
	}{
		{"leading slash", "new_vendorinvoices", `"/accounts(` + acct + `)"`, 204, ""},
		{"no slash", "new_vendorinvoices", `"accounts(` + acct + `)"`, 204, ""},
		{"absolute URL", "new_vendorinvoices", `"` + s.serviceRoot() + `accounts(` + acct + `)"`, 204, ""},
		{"alternate key target", "new_vendorinvoicelines", `"/new_vendorinvoices(new_invoicenumber='INV-K')"`, 204, ""},
		{"missing target", "new_vendorinvoices", `"/accounts(00000000-0000-0000-0000-000000000009)"`, 404, ""},
		{"missing key target", "new_vendorinvoicelines", `"/new_vendorinvoices(new_invoicenumber='NOPE')"`, 404, codeKeyNotFound},
		{"wrong target set", "new_vendorinvoices", `"/teams(` + acct + `)"`, 400, codePayload},
		{"unknown target set", "new_vendorinvoices", `"/nothings(` + acct + `)"`, 400, codePayload},
		{"content-id outside batch", "new_vendorinvoices", `"$1"`, 400, "0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nav := map[string]string{"new_vendorinvoices": "new_VendorId", "new_vendorinvoicelines": "new_InvoiceId"}[tt.set]
			r := c.call("POST", tt.set, `{"`+nav+`@odata.bind":`+tt.bind+`}`)
			if tt.status != 204 {
				wantError(t, r, tt.status, tt.code)
				return
			}
			wantStatus(t, r, 204)
		})
	}
	inv := s.Rows("new_vendorinvoices")
	if got := inv[len(inv)-1]["new_vendorid"]; got != acct {
		t.Errorf("got new_vendorid %v, want %s", got, acct)
	}
}

func TestBindNullClearsLookup(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	acct := s.Seed("accounts", map[string]any{"name": "V"})
	id := s.Seed("new_vendorinvoices", map[string]any{"new_vendorid": acct})
	if row, _ := s.Row("new_vendorinvoices", id); row["new_vendorid"] != acct {
		t.Fatalf("seed: got %v", row)
	}
	r := c.call("GET", "new_vendorinvoices("+id+")?$select=_new_vendorid_value", "")
	if got := r.json(t)["_new_vendorid_value"]; got != acct {
		t.Errorf("got _new_vendorid_value %v, want %s", got, acct)
	}
	wantStatus(t, c.call("PATCH", "new_vendorinvoices("+id+")", `{"new_VendorId@odata.bind":null}`, "If-Match", "*"), 204)
	if row, _ := s.Row("new_vendorinvoices", id); row["new_vendorid"] != nil {
		t.Errorf("got new_vendorid %v after null bind, want nil", row["new_vendorid"])
	}
}

func TestDuplicateAlternateKeyOnCreate(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	wantStatus(t, c.call("POST", "new_vendorinvoices", `{"new_invoicenumber":"INV-1"}`), 204)
	msg := wantError(t, c.call("POST", "new_vendorinvoices", `{"new_invoicenumber":"inv-1"}`), 412, codeDuplicateKey)
	if !strings.Contains(msg, "new_invoicenumber_key") {
		t.Errorf("got message %q", msg)
	}
}

func TestDeleteAndMethods(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	id := s.Seed("accounts", map[string]any{"name": "A"})
	wantStatus(t, c.call("DELETE", "accounts("+id+")", ""), 204)
	wantError(t, c.call("DELETE", "accounts("+id+")", ""), 404, "")
	wantError(t, c.call("PUT", "accounts("+id+")", `{"name":"x"}`), 405, "")
	wantError(t, c.call("POST", "accounts("+id+")", `{"name":"x"}`), 405, "")
	wantError(t, c.call("PATCH", "accounts", `{"name":"x"}`), 405, "")
	wantError(t, c.call("GET", "accounts("+id+")/name", ""), 404, codeSegmentNotFound)
	wantError(t, c.call("GET", "/api/data/v8.0/accounts", ""), 404, codeSegmentNotFound)
}

func TestOptimisticConcurrency(t *testing.T) {
	m := DefaultModel()
	m.Tables[0].OptimisticConcurrency = true
	s := newTestServer(t, WithModel(m))
	c := newAPIClient(t, s)
	id := s.Seed("accounts", map[string]any{"name": "A"})
	r := c.call("GET", "accounts("+id+")", "")
	etag := r.header.Get("ETag")
	wantStatus(t, c.call("PATCH", "accounts("+id+")", `{"name":"B"}`, "If-Match", etag), 204)
	msg := wantError(t, c.call("PATCH", "accounts("+id+")", `{"name":"C"}`, "If-Match", etag), 412, "")
	if msg != "The version of the existing record doesn't match the RowVersion property provided." {
		t.Errorf("got message %q", msg)
	}
}

func TestPreferValuesCommaJoined(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	r := c.call("POST", "new_vendorinvoices?$select=new_currency", `{"new_currency":100000001}`,
		"Prefer", `return=representation,odata.include-annotations="*"`)
	wantStatus(t, r, http.StatusCreated)
	if got := r.json(t)["new_currency@OData.Community.Display.V1.FormattedValue"]; got != "USD" {
		t.Errorf("got formatted value %v, want USD", got)
	}
}
