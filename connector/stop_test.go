package connector

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
)

// endlessGrace is a clock whose sleeps last until their context ends: the
// stop grace never runs out.
type endlessGrace struct{ *retry.FakeClock }

func (endlessGrace) Sleep(ctx context.Context, d time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

// blockingDest signals each write on started and holds it until gate closes
// or the write's context ends.
func blockingDest(started chan<- string, gate <-chan struct{}) *fakeDest {
	return &fakeDest{deliver: func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
		started <- plan.DocumentID
		select {
		case <-gate:
			return receiptFor(plan), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("doc_%02d", i)
	}
	return out
}

func TestGracefulStopFinishesInFlight(t *testing.T) {
	src := newFakeSource(ids(10)...)
	started, gate := make(chan string, 10), make(chan struct{})
	c, rec := newTestConnector(t, src, fakeRules{}, blockingDest(started, gate),
		Config{Concurrency: 2, Clock: endlessGrace{retry.NewFakeClock(t0)}})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan *Summary)
	go func() { s, _ := c.Run(ctx); done <- s }()
	<-started
	<-started
	cancel()
	close(gate)
	s := <-done
	if s.Stop != StopInterrupted || s.Counts.Seen != 2 || s.Counts.Delivered != 2 {
		t.Errorf("stop %q, counts %+v; want %q with 2 seen and delivered", s.Stop, s.Counts, StopInterrupted)
	}
	if got := len(src.reported()); got != 2 {
		t.Errorf("reported %d documents, want 2 (in flight ones only)", got)
	}
	if len(rec.entries) != 2 {
		t.Errorf("observer got %d entries, want 2", len(rec.entries))
	}
}

func TestGracefulStopDeadline(t *testing.T) {
	src := newFakeSource(ids(4)...)
	started, gate := make(chan string, 4), make(chan struct{})
	defer close(gate)
	// FakeClock sleeps return at once: the grace runs out immediately.
	c, rec := newTestConnector(t, src, fakeRules{}, blockingDest(started, gate), Config{Concurrency: 1})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan *Summary)
	go func() { s, _ := c.Run(ctx); done <- s }()
	<-started
	cancel()
	s := <-done
	e := rec.entries[0]
	if e.Outcome != LeftForRetry || e.ErrorCode != CodeInterrupted || len(src.reported()) != 0 {
		t.Errorf("entry %+v, %d reports; want left_for_retry/interrupted and no callback", e, len(src.reported()))
	}
	if s.Clean() {
		t.Error("Clean() = true for an interrupted document")
	}
}

func TestCircuitOpenStopsIntake(t *testing.T) {
	src := newFakeSource(ids(10)...)
	n := 0
	dst := &fakeDest{deliver: func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
		n++
		switch {
		case n <= 2:
			return receiptFor(plan), nil
		case n == 3:
			return nil, &destinations.Error{Class: destinations.Transient, Code: "crm_unavailable", Message: "503"}
		}
		return nil, fmt.Errorf("dynamics365: %w", destinations.ErrCircuitOpen)
	}}
	c, rec := newTestConnector(t, src, fakeRules{}, dst, Config{Concurrency: 1})
	s, err := c.Run(t.Context())
	if err != nil || s.Stop != StopCircuitOpen || s.Clean() {
		t.Errorf("err %v, stop %q, clean %v; want nil, %q, false", err, s.Stop, s.Clean(), StopCircuitOpen)
	}
	want := Counts{Seen: 4, Delivered: 2, LeftForRetry: 2, Written: 2}
	if s.Counts != want {
		t.Errorf("counts %+v, want %+v", s.Counts, want)
	}
	if got := len(src.reported()); got != 3 {
		t.Errorf("%d callbacks, want 3 (the refused document gets none)", got)
	}
	if e := rec.byID()["doc_03"]; e.ErrorCode != CodeCircuitOpen || e.Callback != "" {
		t.Errorf("refused document entry %+v, want circuit_open without callback", e)
	}
}

// TestReserveStopsIntake: a destination whose API allocation reached the
// reserve refuses with ErrReserve: the pass stops taking documents with
// stop reason api_reserve and the destination's message, the refused
// document gets no callback and stays in the outbox.
func TestReserveStopsIntake(t *testing.T) {
	src := newFakeSource(ids(10)...)
	n := 0
	dst := &fakeDest{deliver: func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
		if n++; n <= 2 {
			return receiptFor(plan), nil
		}
		return nil, &destinations.Error{Class: destinations.Transient, Code: "crm_api_reserve",
			Message: "daily allocation 99001 of 100000 used", Err: destinations.ErrReserve}
	}}
	c, rec := newTestConnector(t, src, fakeRules{}, dst, Config{Concurrency: 1})
	s, err := c.Run(t.Context())
	if err != nil || s.Stop != StopReserve || s.Clean() || !strings.Contains(s.StopMessage, "99001 of 100000") {
		t.Errorf("err %v, stop %q %q, clean %v; want nil, %q with the message, false", err, s.Stop, s.StopMessage,
			s.Clean(), StopReserve)
	}
	want := Counts{Seen: 3, Delivered: 2, LeftForRetry: 1, Written: 2}
	if s.Counts != want {
		t.Errorf("counts %+v, want %+v", s.Counts, want)
	}
	if got := len(src.reported()); got != 2 {
		t.Errorf("%d callbacks, want 2 (the refused document gets none)", got)
	}
	if e := rec.byID()["doc_02"]; e.ErrorCode != CodeReserve || e.Callback != "" {
		t.Errorf("refused document entry %+v, want %s without callback", e, CodeReserve)
	}
}
