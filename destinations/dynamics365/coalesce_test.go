package dynamics365

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
)

// oneSlot returns a destination limited to one request at a time against
// the emulator, its caches warmed by one delivery.
func oneSlot(t *testing.T) (*Destination, *dataversetest.Server) {
	t.Helper()
	d, s, _ := emu(t, nil, func(c *Config) { c.MaxConcurrency, c.InitialConcurrency = 1, 1 })
	seedVendor(s)
	if _, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-WARM", mapping.OnMissingFail)); err != nil {
		t.Fatalf("warm-up delivery: %v", err)
	}
	return d, s
}

// queued waits until n change sets wait in d's queue.
func queued(d *Destination, n int) {
	for {
		d.queue.mu.Lock()
		got := len(d.queue.items)
		d.queue.mu.Unlock()
		if got == n {
			return
		}
		runtime.Gosched()
	}
}

type delivery struct {
	rc  *destinations.Receipt
	err error
}

func deliverAsync(ctx context.Context, d *Destination, plan *mapping.Plan) <-chan delivery {
	ch := make(chan delivery, 1)
	go func() {
		rc, err := d.Deliver(ctx, plan)
		ch <- delivery{rc, err}
	}()
	return ch
}

// batchesAfter returns the $batch requests logged after seq, with their
// operations' change-set numbers.
func batchesAfter(s *dataversetest.Server, seq int64) (batches []dataversetest.Request, changeSets map[int64][]int) {
	changeSets = map[int64][]int{}
	for _, r := range s.Requests() {
		switch {
		case r.Seq <= seq:
		case r.InBatch:
			changeSets[r.Batch] = append(changeSets[r.Batch], r.ChangeSet)
		case r.Ops > 0:
			batches = append(batches, r)
		}
	}
	return batches, changeSets
}

func lastSeq(s *dataversetest.Server) int64 {
	reqs := s.Requests()
	return reqs[len(reqs)-1].Seq
}

func TestWaitingDocumentsShareABatch(t *testing.T) {
	d, s := oneSlot(t)
	ctx := context.Background()
	seq := lastSeq(s)
	gate := s.Hold()
	first := deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-A", mapping.OnMissingFail))
	<-gate.Arrived()
	bad := invoicePlan(mapping.ModeUpsert, "INV-D", mapping.OnMissingFail)
	bad.Records[1].Columns[0].Value = mapping.StringValue(strings.Repeat("x", 201)) // new_name holds 200
	waiting := []<-chan delivery{
		deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-B", mapping.OnMissingFail)),
		deliverAsync(ctx, d, bad),
		deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-C", mapping.OnMissingFail)),
	}
	queued(d, 3)
	s.Unhold()
	if r := <-first; r.err != nil {
		t.Fatalf("first delivery: %v", r.err)
	}
	got := make([]delivery, len(waiting))
	for i, ch := range waiting {
		got[i] = <-ch
	}
	if got[0].err != nil || got[2].err != nil || got[0].rc.RecordID == "" || got[0].rc.RecordID == got[2].rc.RecordID {
		t.Errorf("good documents: got %+v and %+v, want two receipts with their own invoice ids", got[0], got[2])
	}
	var de *destinations.Error
	if !errors.As(got[1].err, &de) || de.Class != destinations.Permanent || !strings.Contains(de.Message, "line li_1") {
		t.Errorf("bad document: got %v, want a permanent error naming line li_1", got[1].err)
	}
	batches, changeSets := batchesAfter(s, seq)
	if len(batches) != 2 {
		t.Fatalf("got %d $batch requests, want 2 (the held one, then the three waiting documents together)", len(batches))
	}
	shared := batches[1]
	if p := shared.Header.Get("Prefer"); p != "odata.continue-on-error" || shared.Ops != 9 {
		t.Errorf("shared batch: Prefer %q, %d operations; want odata.continue-on-error and 9", p, shared.Ops)
	}
	if cs := changeSets[shared.Seq]; len(cs) == 0 || cs[len(cs)-1] != 3 {
		t.Errorf("shared batch change sets %v, want 1, 2 and 3", cs)
	}
	if p := batches[0].Header.Get("Prefer"); p != "" {
		t.Errorf("a lone change set carries Prefer %q, want none", p)
	}
	if n := s.Count("new_vendorinvoices"); n != 4 {
		t.Errorf("%d invoices, want 4 (warm-up, A, B, C; D rolled back)", n)
	}
}

func TestCancelledWaitingDocumentLeavesTheQueue(t *testing.T) {
	d, s := oneSlot(t)
	ctx := context.Background()
	seq := lastSeq(s)
	gate := s.Hold()
	first := deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-A", mapping.OnMissingFail))
	<-gate.Arrived()
	cctx, cancel := context.WithCancel(ctx)
	gone := deliverAsync(cctx, d, invoicePlan(mapping.ModeUpsert, "INV-B", mapping.OnMissingFail))
	kept := deliverAsync(ctx, d, invoicePlan(mapping.ModeUpsert, "INV-C", mapping.OnMissingFail))
	queued(d, 2)
	cancel()
	if r := <-gone; !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled delivery: got %v, want context.Canceled", r.err)
	}
	s.Unhold()
	if r := <-first; r.err != nil {
		t.Fatalf("first: %v", r.err)
	}
	if r := <-kept; r.err != nil {
		t.Fatalf("kept: %v", r.err)
	}
	batches, _ := batchesAfter(s, seq)
	if len(batches) != 2 || batches[1].Ops != 3 {
		t.Errorf("got %d batches, want 2, the second with INV-C's 3 operations only", len(batches))
	}
	if _, ok := findInvoice(s, "INV-B"); ok {
		t.Error("the cancelled document was written")
	}
}

func findInvoice(s *dataversetest.Server, number string) (map[string]any, bool) {
	for _, r := range s.Rows("new_vendorinvoices") {
		if r["new_invoicenumber"] == number {
			return r, true
		}
	}
	return nil, false
}

func TestQueueTakeBounds(t *testing.T) {
	set := func(ops int) *pendingSet {
		return &pendingSet{cs: changeSet{parts: make([]part, ops)}, taken: func() {}}
	}
	tests := []struct {
		name string
		ops  []int
		want int
	}{
		{"empty", nil, 0},
		{"all of a few", []int{6, 6, 6}, 3},
		{"at most ten documents", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, MaxBatchDocuments},
		{"at most 1,000 operations", []int{600, 300, 200, 50}, 2},
		{"one oversized change set alone", []int{1200, 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q queue
			for _, n := range tt.ops {
				q.push(set(n))
			}
			if got := len(q.take()); got != tt.want {
				t.Errorf("took %d change sets, want %d", got, tt.want)
			}
			if left := len(q.items); left != len(tt.ops)-tt.want {
				t.Errorf("%d left in the queue, want %d", left, len(tt.ops)-tt.want)
			}
		})
	}
}
