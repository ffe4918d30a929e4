package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/numora/numoratest"
)

// recorder is a second loopback server standing for another host: it
// records every request, and the credentials any of them carried.
type recorder struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
	auth     []string
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.requests = append(r.requests, req.Method+" "+req.URL.String())
		for _, h := range []string{"Authorization", "X-Api-Key", "Cookie"} {
			if v := req.Header.Get(h); v != "" {
				r.auth = append(r.auth, h+": "+v)
			}
		}
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"stolen","schema":"invoice_v2","status":"reviewed","fields":{}}`))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) seen() (requests, auth []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...), append([]string(nil), r.auth...)
}

// TestSecurityAPIKeyStaysOnItsOrigin points result_url at another host (in
// several spellings) and redirects the outbox, results, callbacks and
// Dataverse writes to it: the connector refuses them all, that host sees
// no request at all (so no key), the documents concerned stay in the
// outbox, and once Numora behaves the outbox drains as without faults.
func TestSecurityAPIKeyStaysOnItsOrigin(t *testing.T) {
	t.Parallel()
	evil := newRecorder(t)
	f := newFaultEnv(t, defaultCorpus, "")
	numoraURL, _ := url.Parse(f.sb.numora.URL)
	evilURL, _ := url.Parse(evil.URL)
	bad := map[string]string{
		f.ids[0]: evil.URL + "/steal",
		f.ids[1]: "//" + evilURL.Host + "/scheme-relative",
		f.ids[2]: "http://" + numoraURL.Host + "@" + evilURL.Host + "/userinfo",
		f.ids[3]: "https://" + numoraURL.Host + "/v1/documents/" + f.ids[3] + "/result", // same host, other scheme
		f.ids[4]: "  " + evil.URL + "/leading-space",
	}
	for id, u := range bad {
		if err := f.sb.numora.SetResultURL(id, u); err != nil {
			t.Fatal(err)
		}
	}
	redirect := func(path string) http.Header { return http.Header{"Location": {evil.URL + path}} }
	f.sb.numora.Fail(numoratest.EndpointOutbox, numoratest.Fault{Status: 302, Header: redirect("/outbox"), Times: 1})
	p := f.pass(t)
	if p.code != exitUnavailable || !strings.Contains(p.stderr, "redirect") {
		t.Errorf("outbox redirected elsewhere: got %v, want exit 3 naming the redirect", p.result)
	}
	f.sb.numora.Fail(numoratest.EndpointResult, numoratest.Fault{Status: 307, Header: redirect("/result"), Times: 3})
	f.sb.numora.Fail(numoratest.EndpointDelivery, numoratest.Fault{Status: 308, Header: redirect("/delivery"), Times: 2})
	f.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultResponse, Path: "$batch", Status: 307,
		Header: redirect("/dataverse"), Count: 2})
	p = f.pass(t)
	for id := range bad {
		if got := f.accepted(id); len(got) != 0 {
			t.Errorf("%s (result_url %q): reported %+v, want it left untouched", id, bad[id], got)
		}
	}
	if !strings.Contains(p.stdout+p.stderr, "another origin") {
		t.Errorf("no message names the refused origin:\n%s", p.stdout)
	}
	requests, auth := evil.seen()
	if len(requests) != 0 || len(auth) != 0 {
		t.Errorf("the other host got %d requests (%v), %d with credentials (%v); want none", len(requests), requests, len(auth), auth)
	}
	for id := range bad {
		_ = f.sb.numora.SetResultURL(id, "")
	}
	f.sb.numora.ClearFaults()
	f.sb.dv.ClearFaults()
	f.drain(t, 3)
	f.check(t)
}

// TestSecurityPlainHTTPOnlyOnLoopback: every URL the connector sends a
// credential to must use https unless it is a loopback address.
func TestSecurityPlainHTTPOnlyOnLoopback(t *testing.T) {
	e := newE2E(t, only("delivered"))
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"Numora base URL", []string{"NUMORA_BASE_URL=http://numora.example.com"}, []string{"run"}},
		{"Dataverse URL", []string{"DYNAMICS_URL=http://contoso.crm.dynamics.com"}, []string{"run"}},
		{"Dataverse URL, check", []string{"DYNAMICS_URL=http://contoso.crm.dynamics.com"}, []string{"check"}},
		{"authority host", []string{"AZURE_AUTHORITY_HOST=http://login.example.com/"}, []string{"run"}},
		{"authority host, check", []string{"AZURE_AUTHORITY_HOST=http://login.example.com/"}, []string{"check"}},
		{"Numora URL with a password", []string{"NUMORA_BASE_URL=https://user:pw@numora.example.com"}, []string{"run"}},
		{"Numora URL looking like loopback", []string{"NUMORA_BASE_URL=http://127.0.0.1.example.com"}, []string{"run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, tt.env, tt.args...)
			if r.code != exitUsage || strings.Contains(r.stdout+r.stderr, "pw@") {
				t.Errorf("got %v\nwant exit 2, no password shown", r)
			}
		})
	}
	for table, n := range e.rowCounts() {
		if n != 0 {
			t.Errorf("%d rows written into %s", n, table)
		}
	}
}

// TestSecurityConfigFileWarnings: a config file others can change, or one
// holding secrets, gets a warning naming the problem and never the secret.
func TestSecurityConfigFileWarnings(t *testing.T) {
	e := newE2E(t, only("none"))
	tests := []struct {
		name, yaml string
		mode       os.FileMode
		warn       string
	}{
		{"secret, world readable", "numora:\n  api_key: " + e.sb.numora.APIKey + "\n", 0o644, "readable by other users"},
		{"secret, private", "dynamics:\n  client_secret: " + e.sb.dv.ClientSecret + "\n", 0o600, "secrets in plain text"},
		{"group writable", "run:\n  concurrency: 2\n", 0o664, "changed by other users"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(e.dir, "conf-"+string(rune('a'+i))+".yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			r := e.run(t, nil, "run", "--config", path)
			if r.code != exitOK || !strings.Contains(r.stderr, tt.warn) {
				t.Errorf("got %v\nwant exit 0 and a warning containing %q", r, tt.warn)
			}
		})
	}
}

// summaryOf decodes a summary file into generic JSON, for the secret scan.
func summaryOf(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		t.Errorf("%s is not JSON", path)
	}
	return string(b)
}
