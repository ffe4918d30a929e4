package main

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/secret"
)

// TestE2EDryRunShowsMirrorRemovals: an invoice delivered earlier with one
// line item more than the reviewed version Numora now offers. Through the
// binary, run --dry-run reads the rows written for the document and shows
// the DELETE of the removed line's row by its GUID, writing nothing; the
// real run then deletes exactly that row and counts it in the summary.
func TestE2EDryRunShowsMirrorRemovals(t *testing.T) {
	t.Parallel()
	picked := ""
	e := newE2E(t, func(d seeded) bool {
		if picked == "" && d.want == connector.Delivered && d.fixture.Schema == "invoice_v2" && len(d.fixture.LineItems) >= 2 {
			picked = d.fixture.ID
		}
		return d.fixture.ID == picked
	})
	if len(e.sb.docs) != 1 {
		t.Fatalf("%d documents kept, want one invoice with lines", len(e.sb.docs))
	}
	earlier := withExtraLine(e.sb.docs[0].fixture.Result)
	deliverEarlierVersion(t, e, &earlier)
	gone := lineRowID(t, e, picked, "Removed by the reviewer")

	dry := e.run(t, nil, "run", "--dry-run")
	for _, want := range []string{
		"new_vendorinvoicelines?$select=new_vendorinvoicelineid&$filter=new_numoradocumentid%20eq%20'" + picked + "'",
		"to delete", "DELETE " + e.sb.dv.URL + "/api/data/v9.2/new_vendorinvoicelines(" + gone + ") HTTP/1.1",
	} {
		if dry.code != exitOK || !strings.Contains(dry.stdout, want) {
			t.Errorf("run --dry-run lacks %q:\n%v", want, dry)
		}
	}
	if n := strings.Count(dry.stdout, "\nDELETE "); n != 1 {
		t.Errorf("%d DELETEs in the dry run, want 1", n)
	}
	if row, ok := e.sb.dv.Row("new_vendorinvoicelines", gone); !ok || row == nil {
		t.Fatalf("the dry run removed the line's row")
	}

	r := e.run(t, nil, "run", "--summary-json", e.summaryPath())
	if r.code != exitOK {
		t.Fatalf("run: %v", r)
	}
	if _, ok := e.sb.dv.Row("new_vendorinvoicelines", gone); ok {
		t.Errorf("the removed line's row %s is still there after the run", gone)
	}
	if sum := readSummary(t, e.summaryPath()); len(sum.Entries) != 1 || sum.Entries[0].RowsRemoved != 1 {
		t.Errorf("summary entries %+v, want one document with 1 row removed", sum.Entries)
	}
}

// withExtraLine is res with one more line item, as a reviewer's earlier
// version had it.
func withExtraLine(res numora.Result) numora.Result {
	extra := res.LineItems[0]
	extra.ID = "li_99"
	extra.Fields = maps.Clone(extra.Fields)
	extra.Fields["description"] = numora.Field{Value: json.RawMessage(`"Removed by the reviewer"`)}
	res.LineItems = append(append([]numora.LineItem(nil), res.LineItems...), extra)
	return res
}

// deliverEarlierVersion writes res through the default rules and the
// Dataverse destination, as an earlier run would have.
func deliverEarlierVersion(t *testing.T, e *e2e, res *numora.Result) {
	t.Helper()
	rules, err := mapping.Load(filepath.Join("..", "..", "mappings.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := rules.Render(res)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dv := e.sb.dv
	dst, err := dynamics365.New(ctx, dynamics365.Config{OrgURL: dv.URL, Auth: dynamics365.AuthClientSecret,
		TenantID: dv.TenantID, ClientID: dv.ClientID, ClientSecret: secret.New(dv.ClientSecret),
		AuthorityHost: dv.AuthorityHost, RootCAs: dv.CertPool()})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := dst.Deliver(ctx, plan); err != nil {
		t.Fatalf("delivering the earlier version: %v", err)
	}
}

// lineRowID is the GUID of document id's line row named name.
func lineRowID(t *testing.T, e *e2e, id, name string) string {
	t.Helper()
	for _, r := range e.sb.dv.Rows("new_vendorinvoicelines") {
		if r["new_numoradocumentid"] == id && r["new_name"] == name {
			guid, _ := r["new_vendorinvoicelineid"].(string)
			return guid
		}
	}
	t.Fatalf("no line row %q for %s", name, id)
	return ""
}
