package connector

import (
	"context"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// The rows a delivery created, updated and removed (line items gone from
// the document) reach the succeeded callback's message, the entry and the
// run summary.
func TestRowCountsReachCallbackAndSummary(t *testing.T) {
	src := newFakeSource("doc_1", "doc_2")
	dst := &fakeDest{deliver: func(_ context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
		rc := receiptFor(plan)
		rc.Records = []destinations.RecordReceipt{{Outcome: destinations.Created}, {Outcome: destinations.Updated},
			{Outcome: destinations.Updated}, {Outcome: destinations.Unchanged}}
		rc.Removed = []destinations.RecordReceipt{{Outcome: destinations.Deleted}}
		return rc, nil
	}}
	c, rec := newTestConnector(t, src, fakeRules{}, dst, Config{Provider: "dynamics365"})
	s, err := c.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := src.reported()["doc_1"].ErrorMessage; got != "rows: 1 created, 2 updated, 1 removed" {
		t.Errorf("callback message %q", got)
	}
	if e := rec.entries[0]; e.RowsCreated != 1 || e.RowsUpdated != 2 || e.RowsRemoved != 1 || e.ErrorMessage != "" {
		t.Errorf("entry %+v, want rows 1/2/1 and no error message", e)
	}
	if r := s.Rows; r != (Rows{Created: 2, Updated: 4, Removed: 2}) {
		t.Errorf("summary rows %+v, want 2/4/2", r)
	}
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "rows: 2 created · 4 updated · 2 removed") {
		t.Errorf("summary text lacks the row counts:\n%s", b.String())
	}
}
