package dynamics365

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// noNetwork fails the test on any request.
type noNetwork struct{ t *testing.T }

func (n noNetwork) RoundTrip(r *http.Request) (*http.Response, error) {
	n.t.Errorf("Preview sent %s %s", r.Method, r.URL)
	return nil, errors.New("no network in this test")
}

func TestPreviewGolden(t *testing.T) {
	d, err := New(context.Background(), Config{OrgURL: "https://contoso.crm.dynamics.com", Credential: &fakeCredential{},
		HTTPClient: &http.Client{Transport: noNetwork{t}}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.entities.store(entityInfo{"new_vendorinvoicelines", "new_vendorinvoiceline", "new_vendorinvoicelineid"})
	withPost := invoicePlan(mapping.ModeCreate, "INV-2026-00042", mapping.OnMissingSkip)
	withPost.Records = append(withPost.Records, mapping.Record{Name: "note", Entity: "annotations", Mode: mapping.ModeUpsert,
		Key: mapping.Key{Kind: mapping.KeyNone}, Columns: []mapping.Column{str("subject", "Numora document doc_1")},
		Binds: []mapping.Bind{{NavProperty: "objectid_new_vendorinvoice", Ref: 0}}})
	forbidden := invoicePlan(mapping.ModeUpdate, "A/B&C", mapping.OnMissingNull)
	for name, plan := range map[string]*mapping.Plan{"preview_invoice": withPost, "preview_forbidden_key": forbidden} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := d.Preview(context.Background(), plan, &out); err != nil {
				t.Fatalf("Preview: %v", err)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("Preview differs from %s (go test -update rewrites it):\n%s", golden, out.Bytes())
			}
		})
	}
	var out bytes.Buffer
	if err := d.Preview(context.Background(), &mapping.Plan{}, &out); destinations.Classify(err) != destinations.Permanent {
		t.Errorf("empty plan: %v, want a permanent error", err)
	}
}
