package notify

import (
	"context"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
)

// fakeServe records an outcome for every document the intake yields, and
// cancels the drain after n documents.
func fakeServe(d **Drainer, outcomes map[string]connector.Entry, n int, cancel func(), seen *[]string) func(context.Context, connector.Intake) (*connector.Summary, error) {
	return func(ctx context.Context, in connector.Intake) (*connector.Summary, error) {
		for it, err := range in(ctx) {
			if err != nil {
				return &connector.Summary{}, err
			}
			*seen = append(*seen, it.DocumentID)
			e := outcomes[it.DocumentID]
			e.DocumentID = it.DocumentID
			(*d).Document(e)
			if len(*seen) == n {
				cancel()
			}
		}
		return &connector.Summary{Stop: connector.StopInterrupted}, nil
	}
}

func TestDrainerSettles(t *testing.T) {
	clock := now
	q := openQueue(t, at(&clock), "doc_ok", "doc_retry", "doc_gone", "doc_stop")
	outcomes := map[string]connector.Entry{
		"doc_ok":    {Outcome: connector.Delivered},
		"doc_retry": {Outcome: connector.LeftForRetry, ErrorCode: "crm_429"},
		"doc_gone":  {Outcome: connector.Ignored},
		"doc_stop":  {Outcome: connector.LeftForRetry, ErrorCode: connector.CodeInterrupted},
	}
	ctx, cancel := context.WithCancel(context.Background())
	var d *Drainer
	var seen []string
	var latencies []time.Duration
	d = NewDrainer(DrainConfig{Queue: q, Serve: fakeServe(&d, outcomes, 4, cancel, &seen), Now: at(&clock),
		Latency: func(l time.Duration) { latencies = append(latencies, l) }})
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 4 {
		t.Fatalf("delivered %v, want the 4 queued documents", seen)
	}
	if s := q.Stats(); s.Depth != 2 || s.InFlight != 0 {
		t.Fatalf("stats %+v, want doc_retry and doc_stop kept, nothing in flight", s)
	}
	if len(latencies) != 1 {
		t.Errorf("latencies %v, want one (doc_ok; ignored documents are not delivery latency)", latencies)
	}
	// doc_stop is ready at once (interrupted, not counted); doc_retry waits.
	tctx, tcancel := context.WithCancel(context.Background())
	tcancel()
	it, err := q.Take(tctx)
	if err != nil || it.DocumentID != "doc_stop" || it.Attempts != 0 {
		t.Fatalf("Take = %+v, %v; want doc_stop with no attempt counted", it, err)
	}
	q.Release(it)
	clock = clock.Add(DefaultRetryDelay)
	ready := map[string]int{}
	for range 2 {
		it, err := q.Take(tctx)
		if err != nil {
			t.Fatal(err)
		}
		ready[it.DocumentID] = it.Attempts
	}
	if a, ok := ready["doc_retry"]; !ok || a != 1 {
		t.Errorf("after the retry delay: %v, want doc_retry with 1 attempt", ready)
	}
}

func TestDrainerDropsAfterMaxAttempts(t *testing.T) {
	q := openQueue(t, at(&now), "doc_bad")
	ctx, cancel := context.WithCancel(context.Background())
	var d *Drainer
	var seen []string
	outcomes := map[string]connector.Entry{"doc_bad": {Outcome: connector.LeftForRetry, ErrorCode: "crm_unavailable"}}
	d = NewDrainer(DrainConfig{Queue: q, MaxAttempts: 1, Serve: fakeServe(&d, outcomes, 1, cancel, &seen), Now: func() time.Time { return now }})
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.Depth != 0 {
		t.Errorf("depth %d, want 0: dropped after its last attempt", s.Depth)
	}
}

// TestDrainerStartsAnotherPass: a pass that stops early (the breaker
// opened) gives back what it took without attempting it, and the next
// pass delivers it.
func TestDrainerStartsAnotherPass(t *testing.T) {
	q := openQueue(t, at(&now), "doc_1")
	ctx, cancel := context.WithCancel(context.Background())
	var d *Drainer
	passes := 0
	var delivered []string
	serve := func(ctx context.Context, in connector.Intake) (*connector.Summary, error) {
		passes++
		for it := range in(ctx) {
			if passes == 1 { // taken, then the breaker opens: not attempted
				return &connector.Summary{Stop: connector.StopCircuitOpen}, nil
			}
			delivered = append(delivered, it.DocumentID)
			d.Document(connector.Entry{DocumentID: it.DocumentID, Outcome: connector.Delivered})
			cancel()
		}
		return &connector.Summary{Stop: connector.StopInterrupted}, nil
	}
	d = NewDrainer(DrainConfig{Queue: q, Serve: serve, PassPause: time.Nanosecond, Now: func() time.Time { return now }})
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if passes != 2 || len(delivered) != 1 || delivered[0] != "doc_1" {
		t.Fatalf("passes %d, delivered %v; want 2 passes, doc_1 delivered by the second", passes, delivered)
	}
	if s := q.Stats(); s.Depth != 0 {
		t.Errorf("depth %d, want 0", s.Depth)
	}
}
