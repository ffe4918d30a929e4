package destinations

import "time"

// Pauser is implemented by destinations that hold every request for a
// while when the service asks them to wait (a 429 with Retry-After). Paused
// returns how long the current pause still lasts, 0 when there is none. It
// is safe to call from any goroutine; progress displays poll it.
type Pauser interface {
	Paused() time.Duration
}
