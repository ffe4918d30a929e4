package connector

import (
	"context"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// heldReports is a fakeSource whose first callback waits until release is
// closed.
type heldReports struct {
	*fakeSource
	release chan struct{}
}

func (s *heldReports) ReportDelivery(ctx context.Context, id string, d numora.Delivery) error {
	if id == "doc_00" {
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.fakeSource.ReportDelivery(ctx, id, d)
}

// TestCallbackDoesNotHoldTheWorker runs one worker (and one finisher):
// while the first document's callback is held, the worker writes the next.
func TestCallbackDoesNotHoldTheWorker(t *testing.T) {
	src := &heldReports{fakeSource: newFakeSource(ids(3)...), release: make(chan struct{})}
	second := make(chan struct{})
	dst := &fakeDest{deliver: func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
		if plan.DocumentID == "doc_01" {
			close(second)
		}
		return receiptFor(plan), nil
	}}
	c, rec := newTestConnector(t, src, fakeRules{}, dst, Config{Concurrency: 1})
	done := make(chan *Summary)
	go func() { s, _ := c.Run(t.Context()); done <- s }()
	select {
	case <-second:
	case <-time.After(10 * time.Second): // a hang guard: with the worker held by the callback it never comes; when free, in microseconds
		t.Fatal("the second document was not written while the first callback waited")
	}
	close(src.release)
	s := <-done
	if s.Counts.Delivered != 3 || len(src.reported()) != 3 || len(rec.entries) != 3 {
		t.Errorf("delivered %d, reported %d, entries %d; want 3 each", s.Counts.Delivered, len(src.reported()), len(rec.entries))
	}
}
