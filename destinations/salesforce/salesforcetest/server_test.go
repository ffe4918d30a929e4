package salesforcetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// client talks to an emulator with a client-credentials token.
type client struct {
	t   *testing.T
	s   *Server
	tok string
}

func newClient(t *testing.T, opts ...Option) *client {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	status, body := post(t, s, url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
	var tok map[string]any
	if status != 200 || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("token: %d %s", status, body)
	}
	if tok["instance_url"] != s.URL || tok["expires_in"] != nil || tok["refresh_token"] != nil || tok["token_type"] != "Bearer" {
		t.Fatalf("token answer %v", tok)
	}
	return &client{t: t, s: s, tok: tok["access_token"].(string)}
}

func post(t *testing.T, s *Server, form url.Values) (int, []byte) {
	t.Helper()
	resp, err := s.Client().PostForm(s.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// do sends an API request (path after /services/data/v62.0) and returns
// the status, body and Sforce-Limit-Info header.
func (c *client) do(method, path, body string) (int, string, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.s.URL+"/services/data/"+APIVersion+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.s.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Sforce-Limit-Info")
}

func TestDocumentedPairs(t *testing.T) {
	c := newClient(t)
	c.s.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "DUP"})
	c.s.Insert("Account", map[string]any{"Name": "B", "Tax_Id__c": "DUP"})
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string // substring of the body
	}{
		{"upsert creates", "PATCH", "/sobjects/Account/Tax_Id__c/DE1", `{"Name":"Acme"}`, 201, `"created":true`},
		{"upsert updates", "PATCH", "/sobjects/Account/Tax_Id__c/DE1", `{"Name":"Acme 2"}`, 200, `"created":false`},
		{"upsert several", "PATCH", "/sobjects/Account/Tax_Id__c/DUP", `{"Name":"x"}`, 300, `/sobjects/Account/001`},
		{"not an external id", "PATCH", "/sobjects/Account/Name/x", `{}`, 404, "NOT_FOUND"},
		{"unknown object", "GET", "/sobjects/Nope/describe", ``, 404, "NOT_FOUND"},
		{"unknown field", "PATCH", "/sobjects/Account/Tax_Id__c/DE2", `{"Name":"x","Nope":1}`, 400, "INVALID_FIELD"},
		{"key in body", "PATCH", "/sobjects/Account/Tax_Id__c/DE2", `{"Name":"x","Tax_Id__c":"DE2"}`, 400, "INVALID_FIELD"},
		{"required missing", "POST", "/sobjects/Account", `{"AccountNumber":"1"}`, 400, "REQUIRED_FIELD_MISSING"},
		{"too long", "POST", "/sobjects/Account", `{"Name":"` + strings.Repeat("x", 256) + `"}`, 400, "STRING_TOO_LONG"},
		{"restricted picklist", "POST", "/sobjects/Invoice__c", `{"Status__c":"Open"}`, 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"},
		{"multi picklist", "POST", "/sobjects/Invoice__c", `{"Tags__c":"Urgent;Nope"}`, 400, "RESTRICTED_PICKLIST"},
		{"bad date", "POST", "/sobjects/Invoice__c", `{"Invoice_Date__c":"24.03.2026"}`, 400, "INVALID_TYPE_ON_FIELD_IN_RECORD"},
		{"bad datetime", "POST", "/sobjects/Invoice__c", `{"Issued_At__c":"2026-03-24"}`, 400, "INVALID_TYPE_ON_FIELD_IN_RECORD"},
		{"number as string", "POST", "/sobjects/Invoice__c", `{"Total__c":"1.5"}`, 400, "INVALID_TYPE_ON_FIELD_IN_RECORD"},
		{"int not integral", "POST", "/sobjects/Invoice_Line__c", `{"Line_No__c":1.5}`, 400, "INVALID_TYPE_ON_FIELD_IN_RECORD"},
		{"bool", "POST", "/sobjects/Invoice__c", `{"Paid__c":"yes"}`, 400, "INVALID_TYPE_ON_FIELD_IN_RECORD"},
		{"malformed id", "POST", "/sobjects/Invoice__c", `{"Account__c":"xyz"}`, 400, "MALFORMED_ID"},
		{"wrong reference", "POST", "/sobjects/Invoice__c", `{"Account__c":"a01000000000999AAA"}`, 400, "INVALID_CROSS_REFERENCE_KEY"},
		{"ref two fields", "POST", "/sobjects/Invoice__c", `{"Account__r":{"Tax_Id__c":"DE1","Name":"x"}}`, 400, "More than 1 field"},
		{"ref not external", "POST", "/sobjects/Invoice__c", `{"Account__r":{"Name":"x"}}`, 400, "not an external ID"},
		{"ref missing", "POST", "/sobjects/Invoice__c", `{"Account__r":{"Tax_Id__c":"none"}}`, 400, "Foreign key external ID: none not found"},
		{"ref ambiguous", "POST", "/sobjects/Invoice__c", `{"Account__r":{"Tax_Id__c":"DUP"}}`, 400, "DUPLICATE_EXTERNAL_ID"},
		{"ref found", "POST", "/sobjects/Invoice__c", `{"Account__r":{"Tax_Id__c":"de1"},"Issued_At__c":"2026-03-24T02:36:37.000+0000"}`, 201, `"success":true`},
		{"body not json", "POST", "/sobjects/Account", `{`, 400, "JSON_PARSER_ERROR"},
		{"describe", "GET", "/sobjects/Invoice_Line__c/describe", ``, 200, `"name":"Invoice__c","nillable":false,"picklistValues":[],"referenceTo":["Invoice__c"],"relationshipName":"Invoice__r"`},
		{"limits", "GET", "/limits", ``, 200, `"DailyApiRequests":{"Max":100000`},
		{"unknown resource", "GET", "/nope", ``, 404, "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, usage := c.do(tt.method, tt.path, tt.body)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("%s %s = %d %s; want %d with %s", tt.method, tt.path, status, body, tt.status, tt.want)
			}
			if !strings.HasPrefix(usage, "api-usage=") {
				t.Errorf("Sforce-Limit-Info = %q", usage)
			}
		})
	}
}

func TestMasterDetailIsNotReparentable(t *testing.T) {
	c := newClient(t)
	inv := c.s.Insert("Invoice__c", map[string]any{"Numora_Document_Id__c": "d"})
	if st, body, _ := c.do("PATCH", "/sobjects/Invoice_Line__c/Line_Key__c/L1", `{"Invoice__c":"`+inv+`"}`); st != 201 {
		t.Fatalf("create: %d %s", st, body)
	}
	st, body, _ := c.do("PATCH", "/sobjects/Invoice_Line__c/Line_Key__c/L1", `{"Invoice__c":"`+inv+`"}`)
	if st != 400 || !strings.Contains(body, "INVALID_FIELD_FOR_INSERT_UPDATE") {
		t.Fatalf("update sending the parent: %d %s", st, body)
	}
	if st, body, _ := c.do("PATCH", "/sobjects/Invoice_Line__c/Line_Key__c/L2", `{"Description__c":"x"}`); st != 400 || !strings.Contains(body, "REQUIRED_FIELD_MISSING") {
		t.Fatalf("a line without its parent: %d %s", st, body)
	}
	if st, body, _ := c.do("PATCH", "/sobjects/Invoice_Line__c/Line_Key__c/L3", `{"Invoice__c":"`+inv+`","Line_Key__c":"x"}`); st != 400 {
		t.Fatalf("unique: %d %s", st, body)
	}
}

func TestDeleteAndUnique(t *testing.T) {
	c := newClient(t)
	id := c.s.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "T1"})
	if st, body, _ := c.do("POST", "/sobjects/Account", `{"Name":"B","Tax_Id__c":"t1"}`); st != 400 || !strings.Contains(body, "DUPLICATE_VALUE") {
		t.Fatalf("duplicate unique value: %d %s", st, body)
	}
	if st, _, _ := c.do("DELETE", "/sobjects/Account/"+id, ``); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if st, body, _ := c.do("DELETE", "/sobjects/Account/"+id, ``); st != 404 || !strings.Contains(body, "ENTITY_IS_DELETED") {
		t.Fatalf("delete again: %d %s", st, body)
	}
	if len(c.s.Records("Account")) != 0 || c.s.Records("Nope") != nil {
		t.Fatal("Records")
	}
}
