package salesforcetest

import (
	"encoding/json"
	"strings"
	"testing"
)

type compositeAnswer struct {
	CompositeResponse []struct {
		Body        json.RawMessage `json:"body"`
		Status      int             `json:"httpStatusCode"`
		ReferenceID string          `json:"referenceId"`
	} `json:"compositeResponse"`
}

func (c *client) composite(body string) (int, compositeAnswer) {
	c.t.Helper()
	st, b, _ := c.do("POST", "/composite", body)
	var a compositeAnswer
	_ = json.Unmarshal([]byte(b), &a)
	return st, a
}

const v = "/services/data/v62.0"

func TestCompositeAllOrNone(t *testing.T) {
	c := newClient(t)
	st, a := c.composite(`{"allOrNone":true,"compositeRequest":[
	 {"method":"PATCH","url":"` + v + `/sobjects/Invoice__c/Numora_Document_Id__c/D1","referenceId":"inv","body":{"Name":"x"}},
	 {"method":"PATCH","url":"` + v + `/sobjects/Invoice_Line__c/Line_Key__c/L1","referenceId":"l1","body":{"Invoice__c":"@{inv.id}"}},
	 {"method":"PATCH","url":"` + v + `/sobjects/Invoice_Line__c/Line_Key__c/L2","referenceId":"l2","body":{"Invoice__c":"@{inv.id}","Quantity__c":"many"}},
	 {"method":"PATCH","url":"` + v + `/sobjects/Invoice_Line__c/Line_Key__c/L3","referenceId":"l3","body":{"Invoice__c":"@{inv.id}"}}]}`)
	if st != 200 || len(a.CompositeResponse) != 4 {
		t.Fatalf("%d %+v", st, a)
	}
	for i, r := range a.CompositeResponse {
		want := "PROCESSING_HALTED"
		if i == 2 {
			want = "INVALID_TYPE_ON_FIELD_IN_RECORD"
		}
		if r.Status != 400 || !strings.Contains(string(r.Body), want) {
			t.Errorf("result %d = %d %s, want 400 %s", i, r.Status, r.Body, want)
		}
	}
	if len(c.s.Records("Invoice__c")) != 0 || len(c.s.Records("Invoice_Line__c")) != 0 {
		t.Fatal("nothing may survive the rollback")
	}
	st, a = c.composite(`{"allOrNone":true,"compositeRequest":[
	 {"method":"PATCH","url":"` + v + `/sobjects/Invoice__c/Numora_Document_Id__c/D1","referenceId":"inv","body":{"Name":"x"}},
	 {"method":"PATCH","url":"` + v + `/sobjects/Invoice_Line__c/Line_Key__c/L1","referenceId":"l1","body":{"Invoice__c":"@{inv.id}"}}]}`)
	if st != 200 || a.CompositeResponse[0].Status != 201 || a.CompositeResponse[1].Status != 201 {
		t.Fatalf("%d %+v", st, a)
	}
	line := c.s.Records("Invoice_Line__c")[0]
	if line["Invoice__c"] != c.s.Records("Invoice__c")[0]["Id"] {
		t.Fatalf("line %v not bound to its invoice", line)
	}
}

func TestCompositeWithoutAllOrNoneKeepsTheRest(t *testing.T) {
	c := newClient(t)
	_, a := c.composite(`{"compositeRequest":[
	 {"method":"POST","url":"` + v + `/sobjects/Account","referenceId":"bad","body":{"Name":null}},
	 {"method":"POST","url":"` + v + `/sobjects/Invoice_Line__c","referenceId":"dep","body":{"Invoice__c":"@{bad.id}"}},
	 {"method":"POST","url":"` + v + `/sobjects/Account","referenceId":"ok","body":{"Name":"x"}}]}`)
	got := []int{a.CompositeResponse[0].Status, a.CompositeResponse[1].Status, a.CompositeResponse[2].Status}
	if got[0] != 400 || got[1] != 400 || got[2] != 201 || len(c.s.Records("Account")) != 1 {
		t.Fatalf("statuses %v", got)
	}
}

func TestCompositeRefusals(t *testing.T) {
	c := newClient(t)
	many := make([]string, 26)
	for i := range many {
		many[i] = `{"method":"GET","url":"` + v + `/limits","referenceId":"r` + strings.Repeat("x", i) + `"}`
	}
	tests := []struct{ name, body, want string }{
		{"too many", `{"compositeRequest":[` + strings.Join(many, ",") + `]}`, "INVALID_BATCH_REQUEST"},
		{"none", `{"compositeRequest":[]}`, "INVALID_BATCH_REQUEST"},
		{"duplicate ref", `{"compositeRequest":[{"method":"GET","url":"` + v + `/limits","referenceId":"a"},{"method":"GET","url":"` + v + `/limits","referenceId":"a"}]}`, "INVALID_INPUT"},
		{"bad url", `{"compositeRequest":[{"method":"GET","url":"/limits","referenceId":"a"}]}`, "INVALID_INPUT"},
		{"not json", `{`, "JSON_PARSER_ERROR"},
	}
	for _, tt := range tests {
		st, body, _ := c.do("POST", "/composite", tt.body)
		if st != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s", tt.name, st, body)
		}
	}
}

func TestSOQL(t *testing.T) {
	c := newClient(t)
	inv := c.s.Insert("Invoice__c", map[string]any{"Numora_Document_Id__c": "INV-1"})
	c.s.Insert("Invoice_Line__c", map[string]any{"Line_Key__c": `it's`, "Invoice__c": inv, "Line_No__c": 1.0})
	c.s.Insert("Invoice_Line__c", map[string]any{"Line_Key__c": "L2", "Invoice__c": inv, "Line_No__c": 2.0})
	tests := []struct {
		q      string
		status int
		want   string
	}{
		{`SELECT Id, Line_Key__c FROM Invoice_Line__c WHERE Invoice__r.Numora_Document_Id__c = 'inv-1'`, 200, `"totalSize":2`},
		{`select Id from Invoice_Line__c where Line_Key__c = 'it\'s'`, 200, `"totalSize":1`},
		{`SELECT Id FROM Invoice_Line__c WHERE Line_Key__c IN ('L2', 'x') AND Line_No__c = 2`, 200, `"totalSize":1`},
		{`SELECT Id FROM Invoice_Line__c LIMIT 1`, 200, `"totalSize":1`},
		{`SELECT Id FROM Invoice_Line__c WHERE Description__c = null`, 200, `"totalSize":2`},
		{`SELECT Id FROM Invoice__c WHERE Paid__c = false`, 200, `"totalSize":0`},
		{`SELECT Id FROM Invoice_Line__c WHERE Line_Key__c = 'a\qb'`, 400, "MALFORMED_QUERY"},
		{`SELECT Id FROM Invoice_Line__c WHERE Line_Key__c = 'open`, 400, "MALFORMED_QUERY"},
		{`SELECT Id FROM Invoice_Line__c WHERE Line_Key__c = 'x' OR Id = 'y'`, 400, "MALFORMED_QUERY"},
		{`SELECT Id Invoice_Line__c`, 400, "MALFORMED_QUERY"},
		{`SELECT FROM Invoice_Line__c`, 400, "MALFORMED_QUERY"},
		{`DELETE FROM Invoice_Line__c`, 400, "MALFORMED_QUERY"},
		{`SELECT Id FROM Invoice_Line__c WHERE Line_Key__c IN ('a' 'b')`, 400, "MALFORMED_QUERY"},
		{`SELECT Id FROM Invoice_Line__c LIMIT x`, 400, "MALFORMED_QUERY"},
		{`SELECT Id FROM Invoice_Line__c WHERE Line_Key__c > 'a'`, 400, "MALFORMED_QUERY"},
		{`SELECT Id FROM Invoice_Line__c WHERE Line_Key__c = ;`, 400, "MALFORMED_QUERY"},
		{`SELECT Nope FROM Invoice_Line__c`, 400, "INVALID_FIELD"},
		{`SELECT Id FROM Invoice_Line__c WHERE Nope__r.Id = 'x'`, 400, "INVALID_FIELD"},
		{`SELECT Id FROM Nope__c`, 400, "INVALID_TYPE"},
		{`SELECT Id FROM Account WHERE Name = '\u0041'`, 200, `"totalSize":0`},
	}
	for _, tt := range tests {
		st, body, _ := c.do("GET", "/query?q="+queryEscape(tt.q), "")
		if st != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s", tt.q, st, body)
		}
	}
}

func TestQueryPages(t *testing.T) {
	c := newClient(t, WithPageSize(2))
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		c.s.Insert("Account", map[string]any{"Name": "N", "Tax_Id__c": k})
	}
	var seen int
	path := "/query?q=" + queryEscape("SELECT Id FROM Account WHERE Name = 'N'")
	for page := 0; page < 4; page++ {
		st, body, _ := c.do("GET", path, "")
		var p struct {
			TotalSize int              `json:"totalSize"`
			Done      bool             `json:"done"`
			Next      string           `json:"nextRecordsUrl"`
			Records   []map[string]any `json:"records"`
		}
		if st != 200 || json.Unmarshal([]byte(body), &p) != nil || p.TotalSize != 5 {
			t.Fatalf("page %d: %d %s", page, st, body)
		}
		seen += len(p.Records)
		if p.Done {
			break
		}
		path = strings.TrimPrefix(p.Next, v)
	}
	if seen != 5 {
		t.Fatalf("%d records over the pages, want 5", seen)
	}
	if st, body, _ := c.do("GET", path, ""); st != 400 || !strings.Contains(body, "INVALID_QUERY_LOCATOR") {
		t.Fatalf("a used locator: %d %s", st, body)
	}
}
