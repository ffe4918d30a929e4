package dataversetest

import (
	"net/http"
	"strings"
	"testing"
)

func TestSmokeCreateUpsertRead(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	r := c.call("POST", "accounts", `{"name":"Contoso","accountnumber":"DE123"}`)
	wantStatus(t, r, http.StatusNoContent)
	if !strings.HasPrefix(r.header.Get("OData-EntityId"), s.URL+"/api/data/v9.2/accounts(") {
		t.Fatalf("got OData-EntityId %q", r.header.Get("OData-EntityId"))
	}
	r = c.call("PATCH", "new_vendorinvoices(new_invoicenumber='INV-1')", `{"new_name":"x","new_totalamount":12.5,"new_currency":100000000}`,
		"Prefer", "return=representation")
	wantStatus(t, r, http.StatusCreated)
	t.Logf("%s", r.body)
	r = c.call("GET", "accounts?$filter=accountnumber eq 'de123'&$select=name", "")
	wantStatus(t, r, http.StatusOK)
	t.Logf("%s", r.body)
}

func TestSmokeBatch(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	root := s.serviceRoot()
	body := batchBody("batch_AAA", batchGroup{changeSet: true, parts: []batchPart{
		{method: "POST", url: root + "new_vendorinvoices", body: `{"new_name":"inv"}`, contentID: "1"},
		{method: "POST", url: root + "new_vendorinvoicelines", body: `{"new_name":"l1","new_InvoiceId@odata.bind":"$1"}`, contentID: "2"},
	}})
	r := c.call("POST", "$batch", body, "Content-Type", "multipart/mixed; boundary=batch_AAA")
	wantStatus(t, r, http.StatusOK)
	t.Logf("%s", r.body)
	lines := s.Rows("new_vendorinvoicelines")
	if len(lines) != 1 || lines[0]["new_invoiceid"] != s.Rows("new_vendorinvoices")[0]["new_vendorinvoiceid"] {
		t.Fatalf("got lines %v", lines)
	}
}
