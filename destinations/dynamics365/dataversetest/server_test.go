package dataversetest

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "8.8.8.8:0", "example.com:0", "nonsense"} {
		if _, err := Start(Config{Addr: addr}); err == nil {
			t.Errorf("Start(%q): got nil error, want a refusal", addr)
		}
		if _, err := Start(Config{TokenAddr: addr}); err == nil {
			t.Errorf("Start(TokenAddr %q): got nil error, want a refusal", addr)
		}
	}
}

func TestNewServerPanicsOnBadConfig(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewServer did not panic")
		}
	}()
	NewServer(WithAddr("8.8.8.8:0", ""))
}

func TestCADirPersistsCA(t *testing.T) {
	dir := t.TempDir()
	s1, err := Start(Config{CADir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2, err := Start(Config{CADir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if !bytes.Equal(s1.CACertPEM(), s2.CACertPEM()) {
		t.Error("the second start generated a new CA")
	}
	onDisk, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if !bytes.Equal(onDisk, s2.CACertPEM()) {
		t.Error("ca.pem differs from CACertPEM")
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := s2.WriteCAFile(path); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	b, _ := os.ReadFile(path)
	if !pool.AppendCertsFromPEM(b) {
		t.Error("WriteCAFile wrote no certificate")
	}
	if err := s2.WriteCAFile(filepath.Join(dir, "missing", "x.pem")); err == nil {
		t.Error("WriteCAFile to a missing directory: got nil error")
	}
	if _, err := Start(Config{CADir: "/dev/null/x"}); err == nil {
		t.Error("unusable CADir: got nil error")
	}
}

func TestPlainHTTPAndAccessors(t *testing.T) {
	s := newTestServer(t, WithPlainHTTP())
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || !strings.HasPrefix(s.AuthorityHost, "https://127.0.0.1:") || !strings.HasSuffix(s.AuthorityHost, "/") {
		t.Fatalf("got URL %q, AuthorityHost %q", s.URL, s.AuthorityHost)
	}
	c := newAPIClient(t, s)
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	if s.Scope() != s.URL+"/.default" {
		t.Errorf("got scope %q", s.Scope())
	}
	if s.TenantID != DefaultTenantID || s.ClientID != DefaultClientID || s.ClientSecret != DefaultClientSecret {
		t.Errorf("got app %s %s", s.TenantID, s.ClientID)
	}
	if str := s.String(); strings.Contains(str, s.ClientSecret) || !strings.Contains(str, s.URL) {
		t.Errorf("got String() %q", str)
	}
	if s.CertPool() == nil {
		t.Error("nil CertPool")
	}
	s.Close()
	s.Close() // idempotent
}

func TestConfiguredApplication(t *testing.T) {
	s := newTestServer(t, WithConfig(Config{TenantID: "t1", ClientID: "c1", ClientSecret: "s1"}))
	status, _ := postToken(t, s, "t1", secretForm(s))
	if status != 200 || s.TenantID != "t1" || s.ClientID != "c1" {
		t.Errorf("got %d for the configured application", status)
	}
}

func TestSeedAndInspection(t *testing.T) {
	s := newTestServer(t)
	team := s.Rows("teams")
	if len(team) != 1 || team[0]["name"] != "Accounts Payable" || team[0]["teamid"] != "6a0f5c1e-3b7d-4e2a-9c41-0d5e8f7a1b20" {
		t.Fatalf("got seeded teams %v", team)
	}
	acct := s.Seed("accounts", map[string]any{"name": "A"})
	inv := s.Seed("new_vendorinvoices", map[string]any{"_new_vendorid_value": acct, "ownerid@odata.bind": "/teams(6a0f5c1e-3b7d-4e2a-9c41-0d5e8f7a1b20)",
		"new_totalamount": 10, "new_invoicenumber": "I-1"})
	row, ok := s.Row("new_vendorinvoices", strings.ToUpper(inv))
	if !ok || row["new_vendorid"] != acct || row["ownerid"] != "6a0f5c1e-3b7d-4e2a-9c41-0d5e8f7a1b20" || row["new_totalamount"] != json.Number("10.00") {
		t.Fatalf("got row %v", row)
	}
	row["new_invoicenumber"] = "changed"
	if again, _ := s.Row("new_vendorinvoices", inv); again["new_invoicenumber"] != "I-1" {
		t.Error("Row returned the stored map, not a copy")
	}
	s.Seed("new_vendorinvoices", map[string]any{"new_vendorinvoiceid": inv, "new_name": "updated", "new_vendorid": nil})
	if row, _ := s.Row("new_vendorinvoices", inv); row["new_name"] != "updated" || row["new_vendorid"] != nil || row["new_invoicenumber"] != "I-1" {
		t.Errorf("seed with an existing id: got %v", row)
	}
	tests := []struct {
		name string
		set  string
		row  map[string]any
	}{
		{"unknown set", "nothings", map[string]any{}},
		{"bad value", "accounts", map[string]any{"name": strings.Repeat("x", 161)}},
		{"unmarshalable", "accounts", map[string]any{"name": func() {}}},
		{"missing bind target", "new_vendorinvoices", map[string]any{"new_vendorid": "00000000-0000-0000-0000-000000000001"}},
	}
	for _, tt := range tests {
		if _, err := s.SeedErr(tt.set, tt.row); err == nil {
			t.Errorf("%s: got nil error", tt.name)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Seed did not panic on a bad row")
			}
		}()
		s.Seed("nothings", nil)
	}()
	if s.Rows("nothings") != nil || s.Count("nothings") != 0 {
		t.Error("unknown set: want nil rows and count 0")
	}
	if _, ok := s.Row("nothings", inv); ok {
		t.Error("unknown set: Row found something")
	}
	if _, ok := s.Row("accounts", inv); ok {
		t.Error("Row found an id of another table")
	}
}

func TestRequestLogAndReset(t *testing.T) {
	s := newTestServer(t, WithConfig(Config{RequestLog: 3}))
	c := newAPIClient(t, s)
	for i := range 5 {
		c.call("POST", "accounts", fmt.Sprintf(`{"name":"a%d"}`, i))
	}
	reqs := s.Requests()
	if len(reqs) != 3 || reqs[0].Seq != 3 || reqs[2].Seq != 5 || reqs[2].Body != `{"name":"a4"}` {
		t.Fatalf("got %+v", reqs)
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer [redacted]" {
		t.Errorf("got Authorization %q in the log", got)
	}
	if st := s.Stats(); st.Requests != 5 || st.Operations != 5 {
		t.Errorf("got stats %+v", st)
	}
	s.AddFault(Fault{})
	s.SetDown(true)
	s.Reset()
	if s.Count("accounts") != 0 || s.Count("teams") != 1 || len(s.Requests()) != 0 || s.Stats().Requests != 0 {
		t.Errorf("after Reset: accounts %d, teams %d, requests %d", s.Count("accounts"), s.Count("teams"), len(s.Requests()))
	}
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	s.ResetCounters()
	if s.TokenRequests() != 0 || len(s.Requests()) != 0 {
		t.Error("ResetCounters left counters")
	}
	off := newTestServer(t, WithConfig(Config{RequestLog: -1}))
	newAPIClient(t, off).call("GET", "WhoAmI", "")
	if len(off.Requests()) != 0 || off.Stats().Requests != 1 {
		t.Errorf("log off: got %d entries, stats %+v", len(off.Requests()), off.Stats())
	}
}

func TestConcurrentWritesAreSafe(t *testing.T) {
	s := newTestServer(t, WithoutLimits())
	c := newAPIClient(t, s)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				r := c.call("PATCH", fmt.Sprintf("new_vendorinvoices(new_invoicenumber='INV-%d')", i), fmt.Sprintf(`{"new_name":"w%d"}`, w))
				if r.status != 204 {
					t.Errorf("got %d: %s", r.status, r.body)
				}
				c.call("GET", "new_vendorinvoices?$filter=new_invoicenumber eq 'INV-1'", "")
			}
		}()
	}
	wg.Wait()
	if got := s.Count("new_vendorinvoices"); got != 25 {
		t.Errorf("got %d rows, want 25 (one per key)", got)
	}
	if st := s.Stats(); st.Requests != 400 {
		t.Errorf("got %d requests, want 400", st.Requests)
	}
}

func TestLeanRows(t *testing.T) {
	s := newTestServer(t, WithConfig(Config{LeanRows: true}))
	c := newAPIClient(t, s)
	acct := s.Seed("accounts", map[string]any{"name": "A", "accountnumber": "DE1"})
	if got := s.Rows("accounts")[0]["accountnumber"]; got != "DE1" {
		t.Errorf("seeded row: got accountnumber %v, want DE1 kept (lookups filter on it)", got)
	}
	r := c.call("PATCH", "new_vendorinvoices(new_invoicenumber='INV-1')", `{"new_name":"n","new_VendorId@odata.bind":"/accounts(`+acct+`)"}`,
		"Prefer", "return=representation")
	wantStatus(t, r, 201)
	if r.json(t)["new_name"] != "n" {
		t.Errorf("representation lost a column: %s", r.body)
	}
	row := s.Rows("new_vendorinvoices")[0]
	if row["new_invoicenumber"] != "INV-1" || row["new_vendorid"] != acct {
		t.Errorf("got %v, want key and lookup kept", row)
	}
	if _, ok := row["new_name"]; ok {
		t.Errorf("got %v, want new_name dropped", row)
	}
	wantStatus(t, c.call("PATCH", "new_vendorinvoices(new_invoicenumber='INV-1')", `{"new_name":"m"}`, "If-Match", "*"), 204)
	if s.Count("new_vendorinvoices") != 1 {
		t.Error("upsert by key created a second row")
	}
}
