package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// render --format http shows, for the default rules' mirrored invoice
// lines, the query for the rows written for the document and the DELETE
// of those the plan does not write, in the change set.
func TestInProcessRenderShowsMirrorRemovals(t *testing.T) {
	docs := sandboxDocs(time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC))
	b, err := json.Marshal(docs[0].fixture.Result)
	if err != nil {
		t.Fatal(err)
	}
	invoice := filepath.Join(t.TempDir(), "invoice.json")
	if err := os.WriteFile(invoice, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := inProcess(t, nil, "render", "--mappings", filepath.Join("..", "..", "mappings.yaml"),
		"--result", invoice, "--format", "http")
	for _, want := range []string{
		"rows written for this document, to delete those whose line items are gone",
		"new_vendorinvoicelines?$select=new_vendorinvoicelineid&$filter=new_numoradocumentid%20eq%20",
		"\nDELETE ", "new_vendorinvoicelines(<each GUID from query ",
	} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("exit %d; render --format http lacks %q:\n%s\n%s", code, want, out, errs)
		}
	}
}
