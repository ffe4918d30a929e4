package dynamics365

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/numora/numora-connector/internal/retry"
)

func TestLimiterAIMD(t *testing.T) {
	l := newLimiter(4, 10)
	ctx := context.Background()
	for range 4 {
		if err := l.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	blocked, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.acquire(blocked); err == nil {
		t.Fatal("a fifth acquire at limit 4 succeeded")
	}
	for range 4 {
		l.release(false)
	}
	if got := l.current(); got != 5 {
		t.Errorf("after 4 successes at limit 4: limit %d, want 5 (additive increase)", got)
	}
	l.acquire(ctx)
	l.release(true)
	if got := l.current(); got != 2 {
		t.Errorf("after a 429 at limit 5: limit %d, want 2 (halved)", got)
	}
	l.acquire(ctx)
	l.giveBack()
	if got := l.current(); got != 2 || l.inflight != 0 {
		t.Errorf("giveBack changed the limit to %d (inflight %d), want 2 (0)", got, l.inflight)
	}
	l.setHint(1)
	if got := l.current(); got != 1 {
		t.Errorf("after x-ms-dop-hint 1: limit %d, want 1", got)
	}
	for range 20 {
		l.acquire(ctx)
		l.release(false)
	}
	if got := l.current(); got != 1 {
		t.Errorf("limit %d grew past the hint 1", got)
	}
}

func TestLimiterHandsSlotsToWaiters(t *testing.T) {
	l := newLimiter(1, 1)
	ctx := context.Background()
	l.acquire(ctx)
	got := make(chan error)
	go func() { got <- l.acquire(ctx) }()
	for {
		l.mu.Lock()
		n := len(l.waiters)
		l.mu.Unlock()
		if n == 1 {
			break
		}
		runtime.Gosched() // until the waiter has queued
	}
	l.release(false)
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if l.inflight != 1 {
		t.Errorf("inflight %d, want 1", l.inflight)
	}
}

func TestGate(t *testing.T) {
	clock := retry.NewFakeClock(testStart)
	g := &gate{clock: clock}
	ctx := context.Background()
	if d, err := g.wait(ctx); d != 0 || err != nil {
		t.Errorf("open gate waited %v, %v", d, err)
	}
	g.pause(5 * time.Second)
	g.pause(2 * time.Second) // shorter: the longer pause stays
	if got := g.remaining(); got != 5*time.Second {
		t.Errorf("remaining %v, want 5s", got)
	}
	if d, _ := g.wait(ctx); d != 5*time.Second {
		t.Errorf("waited %v, want 5s", d)
	}
	g.pause(time.Second)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.wait(cancelled); err == nil {
		t.Error("wait on a cancelled context succeeded")
	}
}
