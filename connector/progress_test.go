package connector

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// pausedDest is a fakeDest that reports a throttle pause.
type pausedDest struct {
	*fakeDest
	paused time.Duration
}

func (d pausedDest) Paused() time.Duration { return d.paused }

// pagedSource counts pages of two documents.
type pagedSource struct{ *fakeSource }

func (s pagedSource) OutboxPages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return (s.outboxRead + 1) / 2
}

// TestProgressWhileDocumentsAreHeld holds every write: Progress then shows
// the documents read and in flight, the pages, and the pause the
// destination reports; after the pass, Running is false.
func TestProgressWhileDocumentsAreHeld(t *testing.T) {
	const n = 3
	release := make(chan struct{})
	var arrived sync.WaitGroup
	arrived.Add(n)
	dst := pausedDest{fakeDest: &fakeDest{deliver: func(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
		arrived.Done()
		<-release
		return receiptFor(plan), nil
	}}, paused: 8 * time.Second}
	src := pagedSource{newFakeSource(ids(n)...)}
	c, _ := newTestConnector(t, src, fakeRules{}, dst, Config{Concurrency: n})
	if p := c.Progress(); p.Running {
		t.Fatalf("before the pass: %+v", p)
	}
	done := make(chan *Summary)
	go func() { s, _ := c.Run(t.Context()); done <- s }()
	arrived.Wait()
	p := c.Progress()
	want := Progress{Running: true, Mode: ModeRun, StartedAt: p.StartedAt, Pages: 2, Read: n, InFlight: n, Paused: 8 * time.Second}
	if p != want {
		t.Errorf("while held:\ngot  %+v\nwant %+v", p, want)
	}
	close(release)
	if s := <-done; s.Counts.Delivered != n {
		t.Fatalf("delivered %d, want %d", s.Counts.Delivered, n)
	}
	if p := c.Progress(); p.Running {
		t.Errorf("after the pass: %+v", p)
	}
}
