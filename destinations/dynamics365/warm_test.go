package dynamics365

import (
	"context"
	"testing"
	"time"

	"github.com/numora/numora-connector/mapping"
)

func TestColdStartFetchesMetadataSideBySide(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	gate := s.Hold()
	done := deliverAsync(context.Background(), d, invoicePlan(mapping.ModeUpsert, "INV-1", mapping.OnMissingFail))
	// The plan's three tables (invoices, lines, accounts) are asked for at
	// once: all three reach the held server before any answer.
	for i := range 3 {
		select {
		case <-gate.Arrived():
		case <-time.After(10 * time.Second): // a hang guard: read one after the other, the second never arrives at the held server
			t.Fatalf("%d metadata requests arrived together, want 3", i)
		}
	}
	s.Unhold()
	if r := <-done; r.err != nil {
		t.Fatalf("Deliver: %v", r.err)
	}
	if n := s.Stats().Requests; n != 5 {
		t.Errorf("%d requests, want 5: three tables, one lookup, one $batch", n)
	}
}
