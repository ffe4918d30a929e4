package numoratest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numora/numora-connector/numora"
)

func TestLoadFixtures(t *testing.T) {
	s := loaded(t)
	if s.Len() != 11 {
		t.Fatalf("got %d documents, want 11", s.Len())
	}
	r := send(t, s, "GET", "/v1/documents/"+invoiceID+"/result", "")
	var res numora.Result
	r.decode(t, &res)
	if res.ID != invoiceID || len(res.LineItems) != 2 || res.LineItems[1].Fields["amount"].Confidence == nil ||
		string(res.Fields["vendor_name"].Value) != `"ACME Supplies GmbH"` || res.ExternalID != nil {
		t.Errorf("got %s", r.body)
	}
	var raw map[string]json.RawMessage
	r.decode(t, &raw)
	for _, k := range []string{"external_id", "metadata", "updated_at", "created_at"} {
		if _, ok := raw[k]; ok {
			t.Errorf("result body has %q, which the documented body lacks", k)
		}
	}
	for _, id := range []string{"doc_01jpwqaf2r8t3j7m1p4q5s6w7x", "doc_01jpwqdj5v1x6n0q4s7t8w9z0a"} {
		if r := send(t, s, "GET", "/v1/documents/"+id+"/result", ""); r.status != 409 || r.errorCode(t) != "conflict" {
			t.Errorf("%s: got %d %s, want 409 conflict (no result yet)", id, r.status, r.body)
		}
		if _, ok := s.Result(id); ok {
			t.Errorf("%s: Result reported a result", id)
		}
	}
	if r := send(t, s, "GET", "/v1/documents/nope/result", ""); r.status != 404 {
		t.Errorf("got %d, want 404", r.status)
	}
}

func TestFixtureDocument(t *testing.T) {
	s := loaded(t)
	var d numora.Document
	send(t, s, "GET", "/v1/documents/doc_01jpwq7c9n5q0f4h8k1m2p3s4t", "").decode(t, &d)
	if d.DuplicateOf == nil || *d.DuplicateOf != invoiceID || d.ReviewState == nil || d.ExternalID != nil {
		t.Errorf("got %+v", d)
	}
	send(t, s, "GET", "/v1/documents/doc_01jpwqaf2r8t3j7m1p4q5s6w7x", "").decode(t, &d)
	if d.Status != numora.StatusProcessing || d.CreatedAt.IsZero() || !d.UpdatedAt.Equal(d.CreatedAt) {
		t.Errorf("got %+v", d)
	}
	if _, ok := s.Document("nope"); ok {
		t.Error("Document(nope) found something")
	}
	if s.Deliveries("nope") != nil {
		t.Error("Deliveries(nope) is not nil")
	}
}

func TestAddDocumentErrors(t *testing.T) {
	s := loaded(t)
	tests := []struct {
		name string
		f    Fixture
		want string
	}{
		{"no id", Fixture{Result: numora.Result{Schema: "invoice_v2"}}, "needs an id"},
		{"no schema", Fixture{Result: numora.Result{ID: "x"}}, "needs an id and a schema"},
		{"bad status", Fixture{Result: numora.Result{ID: "x", Schema: "s", Status: "done"}}, "unknown status"},
		{"duplicate", Fixture{Result: numora.Result{ID: invoiceID, Schema: "s"}}, "already exists"},
		{"bad value", Fixture{Result: numora.Result{ID: "y", Schema: "s",
			Fields: map[string]numora.Field{"a": {Value: json.RawMessage("{")}}}}, "fixture y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AddDocument(tt.f); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadFixturesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct{ name, path, want string }{
		{"missing file", filepath.Join(dir, "none.json"), "no such file"},
		{"not an array", write("obj.json", `{}`), "cannot unmarshal"},
		{"bad fixture", write("bad.json", `[{"id":"a","schema":"s"},{"id":"a","schema":"s"}]`), "fixture 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := start(t)
			if err := s.LoadFixtures(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
