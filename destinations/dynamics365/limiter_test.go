package dynamics365

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/numora/numora-connector/retry"
)

// fill takes every free slot of l.
func fill(t *testing.T, l *limiter) int {
	t.Helper()
	n := 0
	for {
		l.mu.Lock()
		free := l.inflight < l.limit
		l.mu.Unlock()
		if !free {
			return n
		}
		if err := l.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		n++
	}
}

func TestLimiterSlowStartThenAIMD(t *testing.T) {
	l := newLimiter(4, 40)
	ctx := context.Background()
	// Slow start: each success while every slot is taken adds a slot.
	for range fill(t, l) {
		l.release(false)
	}
	if got := l.current(); got != 5 {
		t.Errorf("after 4 successes at a full limit of 4: limit %d, want 5 (one binding release)", got)
	}
	for range 3 {
		fill(t, l)
		l.release(false) // binding: +1
	}
	if got := l.current(); got != 8 {
		t.Errorf("after three more binding successes: limit %d, want 8", got)
	}
	for range l.inflight {
		l.release(false)
	}
	// A success while slots are free does not grow the limit.
	l.acquire(ctx)
	l.release(false)
	if got := l.current(); got != 8 {
		t.Errorf("a success with free slots changed the limit to %d, want 8", got)
	}
	l.acquire(ctx)
	l.release(true)
	if got := l.current(); got != 4 {
		t.Errorf("after a 429 at limit 8: limit %d, want 4 (halved)", got)
	}
	// After a 429: one more slot per full limit of binding successes.
	for i := range 4 {
		fill(t, l)
		l.release(false)
		want := 4
		if i == 3 {
			want = 5
		}
		if got := l.current(); got != want {
			t.Errorf("binding success %d after the 429: limit %d, want %d", i+1, got, want)
		}
		for range l.inflight {
			l.release(false)
		}
	}
	l.acquire(ctx)
	l.giveBack()
	if got := l.current(); got != 5 || l.inflight != 0 {
		t.Errorf("giveBack changed the limit to %d (inflight %d), want 5 (0)", got, l.inflight)
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
