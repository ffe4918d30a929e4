package dynamics365

import (
	"sync"
	"time"
)

// waitCounter counts waits and their total duration; safe for concurrent
// use.
type waitCounter struct {
	mu     sync.Mutex
	n      int
	waited time.Duration
}

func (c *waitCounter) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.waited += d
}

func (c *waitCounter) get() (int, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.waited
}

// Throttling reports how often the destination paused because Dataverse
// throttled it or was overloaded, and the total time paused, since New
// (it implements destinations.ThrottleReporter). Two kinds of pause count:
//
//   - Retry-After pauses (429 service protection, or a 503 with
//     Retry-After): the gate every request of the destination waits at.
//     One closed gate is one pause however many workers waited at it, and
//     its time is the time the gate stayed closed (a pause extended by a
//     later Retry-After counts once, with the extension).
//   - Backoff waits before retrying a transient failure without
//     Retry-After (5xx, 408, network errors, timeouts): one per wait, with
//     its duration; concurrent requests backing off add up.
//
// Waits for a concurrency slot (the adaptive limit) do not count.
func (d *Destination) Throttling() (waits int, waited time.Duration) {
	n, t := d.admit.pauseStats()
	bn, bt := d.backoffs.get()
	return n + bn, t + bt
}
