package dynamics365

import (
	"context"
	"sync"
)

// limiter bounds the destination's concurrent requests with an adaptive
// limit: it starts low and, until the first 429, grows by one with every
// success (slow start: the limit doubles per round trip); after a 429 it
// halves and then grows by one per full window of successes (AIMD). It
// grows only while the limit is what holds requests back (every slot
// taken), and never exceeds the cap: the configured maximum, lowered by
// the server's x-ms-dop-hint. The connector's worker pool may be larger
// than what Dataverse allows; the extra workers wait here.
type limiter struct {
	mu        sync.Mutex
	limit     int
	max       int // configured maximum
	hint      int // x-ms-dop-hint, 0 when unknown
	inflight  int
	credit    int  // successes since the last change of limit
	throttled bool // a 429 ended the slow start
	waiters   []chan struct{}
}

func newLimiter(initial, maxLimit int) *limiter {
	return &limiter{limit: min(initial, maxLimit), max: maxLimit}
}

// acquire waits for a slot or for ctx to end.
func (l *limiter) acquire(ctx context.Context) error {
	l.mu.Lock()
	if l.inflight < l.limit && len(l.waiters) == 0 {
		l.inflight++
		l.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	l.waiters = append(l.waiters, ch)
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		for i, w := range l.waiters {
			if w == ch {
				l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
				return ctx.Err()
			}
		}
		// Granted while giving up: hand the slot on.
		l.inflight--
		l.wake()
		return ctx.Err()
	}
}

// release returns a slot; throttled says the request got a 429.
func (l *limiter) release(throttled bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	binding := l.inflight >= l.limit || len(l.waiters) > 0
	l.inflight--
	switch {
	case throttled:
		l.limit, l.credit, l.throttled = max(1, l.limit/2), 0, true
	case !binding:
	case !l.throttled:
		l.limit = min(l.limit+1, l.ceiling())
	default:
		if l.credit++; l.credit >= l.limit {
			l.credit = 0
			l.limit = min(l.limit+1, l.ceiling())
		}
	}
	l.wake()
}

// giveBack returns an unused slot without counting it as an outcome.
func (l *limiter) giveBack() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	l.wake()
}

// setHint records the server's recommended degree of parallelism.
func (l *limiter) setHint(n int) {
	if n <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hint = n
	l.limit = min(l.limit, l.ceiling())
}

// current returns the limit in force.
func (l *limiter) current() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

func (l *limiter) ceiling() int {
	if l.hint > 0 {
		return min(l.max, l.hint)
	}
	return l.max
}

// wake grants slots to waiters, oldest first; l.mu is held.
func (l *limiter) wake() {
	for l.inflight < l.limit && len(l.waiters) > 0 {
		close(l.waiters[0])
		l.waiters = l.waiters[1:]
		l.inflight++
	}
}
