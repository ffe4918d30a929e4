package dynamics365

import (
	"context"
	"sync"
	"time"

	"github.com/numora/numora-connector/retry"
)

// gate pauses every request of a destination after a 429: Dataverse's
// service protection limits are per user, so when one request is told to
// wait, all of them must (Microsoft's guidance), not just the one retried.
type gate struct {
	clock retry.Clock
	mu    sync.Mutex
	until time.Time
	// pauses counts the times the gate closed; closed is the total time
	// it stayed closed (overlapping pauses counted once).
	pauses int
	closed time.Duration
}

// pause closes the gate for d from now; a longer pause already in force
// is kept, a shorter one extended.
func (g *gate) pause(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock.Now()
	t := now.Add(d)
	if !t.After(g.until) {
		return
	}
	from := g.until
	if !from.After(now) {
		from = now
		g.pauses++
	}
	g.closed += t.Sub(from)
	g.until = t
}

// stats returns how often the gate closed and for how long in total.
func (g *gate) stats() (int, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pauses, g.closed
}

// wait blocks until the gate is open or ctx is done. It returns how long
// it waited.
func (g *gate) wait(ctx context.Context) (time.Duration, error) {
	var waited time.Duration
	for {
		g.mu.Lock()
		d := g.until.Sub(g.clock.Now())
		g.mu.Unlock()
		if d <= 0 {
			return waited, ctx.Err()
		}
		if err := g.clock.Sleep(ctx, d); err != nil {
			return waited, err
		}
		waited += d
	}
}

// remaining returns how long the gate stays closed.
func (g *gate) remaining() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return max(g.until.Sub(g.clock.Now()), 0)
}
