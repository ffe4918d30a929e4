package notify

import (
	"sync"
	"time"
)

// DefaultEchoWindow is how long after this connector reported a document
// failed a push.failed event for it is taken for the echo of that report.
const DefaultEchoWindow = 15 * time.Minute

// echoes remembers when this connector reported each document failed
// (refused: the data or the rules, which only a review changes). Numora
// answers a failed callback by setting the document push_failed, which may
// send a push.failed event: delivering on it would fail the same way and
// report again, and the next event would start over, a loop without end.
// A push.failed within the window after such a report is that echo and is
// acknowledged without a delivery; document.reviewed (a re-review) and the
// executor notify always deliver. The memory lives in the process: after a
// restart, one more delivery may happen before the echo is recognised.
type echoes struct {
	window time.Duration
	now    func() time.Time

	mu sync.Mutex
	at map[string]time.Time // document id → when it was reported failed
}

func newEchoes(window time.Duration, now func() time.Time) *echoes {
	return &echoes{window: window, now: now, at: map[string]time.Time{}}
}

// reported records that the document was just reported failed.
func (e *echoes) reported(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	e.at[id] = now
	for k, t := range e.at { // forget what is past the window, so the map stays small
		if now.Sub(t) > e.window {
			delete(e.at, k)
		}
	}
}

// isEcho reports whether a push.failed for the document now is the echo of
// this connector's own failed report.
func (e *echoes) isEcho(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.at[id]
	return ok && e.now().Sub(t) <= e.window
}
