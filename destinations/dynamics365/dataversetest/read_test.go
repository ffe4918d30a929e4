package dataversetest

import (
	"net/http"
	"strings"
	"testing"
)

// seedReadFixture stores accounts and invoices for filter tests.
func seedReadFixture(s *Server) (acct1, acct2 string) {
	acct1 = s.Seed("accounts", map[string]any{"name": "O'Brien & Co", "accountnumber": "DE123456789"})
	acct2 = s.Seed("accounts", map[string]any{"name": "Contoso", "accountnumber": "GB999"})
	s.Seed("accounts", map[string]any{"name": "No Number"})
	s.Seed("new_vendorinvoices", map[string]any{"new_invoicenumber": "INV-1", "new_totalamount": 100.5, "new_currency": 100000000,
		"new_invoicedate": "2026-01-15", "new_vendorid": acct1})
	s.Seed("new_vendorinvoices", map[string]any{"new_invoicenumber": "INV-2", "new_totalamount": 20, "new_currency": 100000001,
		"new_invoicedate": "2026-02-01", "new_vendorid": acct2})
	return acct1, acct2
}

func TestFilter(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	acct1, _ := seedReadFixture(s)
	tests := []struct {
		name, query string
		want        []string // account names or invoice numbers
	}{
		{"eq string", "accounts?$filter=accountnumber eq 'DE123456789'", []string{"O'Brien & Co"}},
		{"eq is case-insensitive", "accounts?$filter=accountnumber eq 'de123456789'", []string{"O'Brien & Co"}},
		{"doubled quote and ampersand", "accounts?$filter=name eq 'O''Brien & Co'", []string{"O'Brien & Co"}},
		{"eq null", "accounts?$filter=accountnumber eq null", []string{"No Number"}},
		{"ne null", "accounts?$filter=accountnumber ne null", []string{"O'Brien & Co", "Contoso"}},
		{"and", "new_vendorinvoices?$filter=new_currency eq 100000000 and new_totalamount gt 50", []string{"INV-1"}},
		{"or and parens", "new_vendorinvoices?$filter=(new_invoicenumber eq 'INV-1' or new_invoicenumber eq 'INV-2') and new_totalamount lt 50", []string{"INV-2"}},
		{"not", "new_vendorinvoices?$filter=not new_invoicenumber eq 'INV-1'", []string{"INV-2"}},
		{"decimal literal", "new_vendorinvoices?$filter=new_totalamount eq 100.50", []string{"INV-1"}},
		{"literal first", "new_vendorinvoices?$filter=50 lt new_totalamount", []string{"INV-1"}},
		{"guid lookup", "new_vendorinvoices?$filter=_new_vendorid_value eq " + acct1, []string{"INV-1"}},
		{"guid primary id", "accounts?$filter=accountid eq " + strings.ToUpper(acct1), []string{"O'Brien & Co"}},
		{"date", "new_vendorinvoices?$filter=new_invoicedate ge 2026-02-01", []string{"INV-2"}},
		{"contains", "accounts?$filter=contains(name,'toso')", []string{"Contoso"}},
		{"startswith", "accounts?$filter=startswith(name,'o''b')", []string{"O'Brien & Co"}},
		{"endswith", "accounts?$filter=endswith(name,'number')", []string{"No Number"}},
		{"top", "accounts?$top=1", []string{"O'Brien & Co"}},
		{"no match", "accounts?$filter=accountnumber eq 'XX'", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.call("GET", tt.query, "")
			wantStatus(t, r, http.StatusOK)
			var got []string
			for _, v := range r.json(t)["value"].([]any) {
				m := v.(map[string]any)
				name, _ := m["name"].(string)
				if n, ok := m["new_invoicenumber"].(string); ok {
					name = n
				}
				got = append(got, name)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	tests := []struct {
		name, query, prefix string
	}{
		{"unknown property", "accounts?$filter=Name eq 'x'", "Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.account'."},
		{"type mismatch", "accounts?$filter=name eq 5", "A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int32' for operator kind 'Equal'."},
		{"quoted guid", "accounts?$filter=accountid eq '00000000-0000-0000-0000-000000000001'", "A binary operator with incompatible types"},
		{"syntax", "accounts?$filter=name eq", "Syntax error in $filter"},
		{"unterminated", "accounts?$filter=name eq 'x", "Syntax error in $filter"},
		{"no operator", "accounts?$filter=name 'x'", "Syntax error in $filter"},
		{"trailing", "accounts?$filter=name eq 'x' 'y'", "Syntax error in $filter"},
		{"bad function", "accounts?$filter=contains(name)", "Syntax error in $filter"},
		{"function unknown property", "accounts?$filter=contains(nme,'x')", "Could not find a property named 'nme'"},
		{"missing paren", "accounts?$filter=(name eq 'x'", "Syntax error in $filter"},
		{"bad character", "accounts?$filter=name eq #", "Syntax error in $filter"},
		{"select unknown", "accounts?$select=Name", "Could not find a property named 'Name'"},
		{"top negative", "accounts?$top=-1", "Invalid value '-1' for $top"},
		{"unsupported option", "accounts?$orderby=name", "The query option '$orderby' is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := wantError(t, c.call("GET", tt.query, ""), http.StatusBadRequest, "0x0")
			if !strings.HasPrefix(msg, tt.prefix) {
				t.Errorf("got message %q, want prefix %q", msg, tt.prefix)
			}
		})
	}
}

func TestGetByKey(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	seedReadFixture(s)
	r := c.call("GET", "new_vendorinvoices(new_invoicenumber='inv-2')?$select=new_totalamount,new_vendorid,createdon,modifiedon,versionnumber", "",
		"Prefer", `odata.include-annotations="*"`)
	wantStatus(t, r, http.StatusOK)
	m := r.json(t)
	if m["new_totalamount"].(interface{ String() string }).String() != "20.0000" || m["_new_vendorid_value"] == nil || m["createdon"] == nil {
		t.Errorf("got %v", m)
	}
	if r.header.Get("ETag") == "" {
		t.Error("missing ETag")
	}
	r = c.call("GET", "new_vendorinvoices(new_invoicenumber='INV-1')", "", "Prefer", `odata.include-annotations="*"`)
	m = r.json(t)
	if got := m["new_currency@OData.Community.Display.V1.FormattedValue"]; got != "EUR" {
		t.Errorf("got formatted value %v, want EUR", got)
	}
	if _, ok := m["new_ponumber"]; !ok {
		t.Errorf("unset column missing from full row %v (want null)", m)
	}
	wantError(t, c.call("GET", "new_vendorinvoices(new_invoicenumber='NOPE')", ""), 404, codeKeyNotFound)
	wantError(t, c.call("GET", "accounts(00000000-0000-0000-0000-000000000001)", ""), 404, "")
	m2 := DefaultModel()
	m2.Tables[5].Attributes = append(m2.Tables[5].Attributes, Attribute{Name: "new_flag", Type: TypeBool})
	s2 := newTestServer(t, WithModel(m2))
	id := s2.Seed("new_contracts", map[string]any{"new_flag": true})
	r = newAPIClient(t, s2).call("GET", "new_contracts("+id+")?$select=new_flag", "", "Prefer", `odata.include-annotations="*"`)
	if got := r.json(t)["new_flag@OData.Community.Display.V1.FormattedValue"]; got != "Yes" {
		t.Errorf("got bool formatted value %v, want Yes", got)
	}
}
