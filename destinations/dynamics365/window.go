package dynamics365

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/numora/numora-connector/retry"
)

// Dataverse's service-protection codes (dataverse.md §7).
const (
	codeRequestLimit     = "0x80072322" // requests per sliding window
	codeExecTimeLimit    = "0x80072321" // execution time per sliding window
	codeConcurrencyLimit = "0x80072326" // concurrent requests
)

// Window pacing defaults.
const (
	// defaultLimitWindow is Dataverse's documented sliding window, used
	// when a request-limit 429 does not name its window.
	defaultLimitWindow = 300 * time.Second
	// trackedRequests bounds the answered requests the window remembers.
	trackedRequests = 1 << 16
)

// limitMessage reads the limit and the window from the documented message
// "Number of requests exceeded the limit of 6000 over time window of 300
// seconds."
var limitMessage = regexp.MustCompile(`limit of ([\d,]+) over time window of (\d+) seconds`)

// requestWindow paces requests once Dataverse has said how many it takes
// per sliding window. Until the first request-limit 429 it only remembers
// when requests were accepted. That 429 means the server's window is full:
// the requests this destination had accepted within the window are what
// the server allows (Microsoft: "let the server tell you how many requests
// it can handle"), so from then on it keeps its own count below that
// budget, counting requests in flight, and spaces requests evenly
// (window/budget apart) so that they carry full batches instead of
// bursting. A later request-limit 429 (another client of the same user, a
// lower limit) learns again.
//
// Until a budget is learned it also watches the requests Dataverse says
// are left in its window (x-ms-ratelimit-burst-remaining-xrm-requests, a
// debugging header it may drop). When no more are left than this
// destination has in flight, the window is about to fill: it brakes,
// sending one request at a time (carrying full batches) until the 429
// that names the window arrives, instead of a round trip's worth of
// requests that would all be refused. The header only ever holds requests
// back; without it the destination behaves the same, one burst of 429s
// later.
type requestWindow struct {
	clock retry.Clock

	mu       sync.Mutex
	accepted []time.Time // when accepted requests were answered, oldest first
	inflight int         // requests sent and not yet answered
	window   time.Duration
	budget   int       // 0 until learned
	next     time.Time // the earliest start of the next request
	brake    *brake    // nil unless braking
}

// brake holds requests back while the server's window is nearly full.
type brake struct {
	reopen int           // requests left that end the brake
	idle   chan struct{} // closed when the last request in flight ends
}

// brakeMargin is how many requests left in the server's window, beyond
// those in flight, make the window count as nearly full.
const brakeMargin = 2

// learn sets the budget after a request-limit 429 whose message is msg.
// When the message names a limit that this destination's own requests
// come nowhere near (under half of it), others share the window: there is
// no budget to learn, and Retry-After alone paces the requests.
func (w *requestWindow) learn(msg string) {
	limit, win := parseLimit(msg)
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock.Now()
	n := w.countSince(now.Add(-win))
	if n == 0 || (limit > 0 && n < limit/2) {
		w.window, w.budget = 0, 0
		w.release()
		return
	}
	w.window = win
	w.budget = max(1, n-max(1, n/50)) // a 2% margin
	w.next = now
	w.release()
}

// parseLimit reads the limit (0 if absent) and the window (default 300 s)
// from a request-limit message.
func parseLimit(msg string) (limit int, window time.Duration) {
	window = defaultLimitWindow
	m := limitMessage.FindStringSubmatch(msg)
	if m == nil {
		return 0, window
	}
	limit, _ = strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if s, err := strconv.Atoi(m[2]); err == nil && s > 0 {
		window = time.Duration(s) * time.Second
	}
	return limit, window
}

// limits returns the learned window and budget (0 when none).
func (w *requestWindow) limits() (time.Duration, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.window, w.budget
}

// wait blocks until a request may start, and counts it in flight: at once
// while no budget is known.
func (w *requestWindow) wait(ctx context.Context) error {
	for {
		d, idle := w.reserve()
		switch {
		case idle != nil:
			select {
			case <-idle:
			case <-ctx.Done():
				return ctx.Err()
			}
		case d == 0:
			return nil
		default:
			if err := w.clock.Sleep(ctx, d); err != nil {
				return err
			}
		}
	}
}

// reserve counts a request in flight and returns 0, or returns how long
// to wait before trying again, or, while braking, a channel closed when
// the request in flight ends.
func (w *requestWindow) reserve() (time.Duration, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.brake != nil && w.inflight > 0 {
		return 0, w.brake.idle
	}
	return w.reserveLocked(), nil
}

// reserveLocked is reserve without the brake; w.mu is held.
func (w *requestWindow) reserveLocked() time.Duration {
	now := w.clock.Now()
	if w.budget > 0 {
		w.prune(now.Add(-w.window))
		if len(w.accepted)+w.inflight >= w.budget {
			if len(w.accepted) == 0 {
				return w.spacing()
			}
			return max(w.accepted[0].Add(w.window).Sub(now), time.Millisecond)
		}
		if now.Before(w.next) {
			return w.next.Sub(now)
		}
		w.next = now.Add(w.spacing())
	}
	w.inflight++
	return 0
}

// done ends a request counted by reserve: accepted says the server took it
// (it did not answer 429 or fail to answer); left is the requests the
// server said remain in its window, negative when it did not say.
func (w *requestWindow) done(accepted bool, left int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.end()
	if !accepted {
		return
	}
	w.accepted = append(w.accepted, w.clock.Now())
	if len(w.accepted) > trackedRequests {
		w.accepted = append(w.accepted[:0], w.accepted[len(w.accepted)-trackedRequests/2:]...)
	}
	if left >= 0 && w.budget == 0 {
		w.watch(left)
	}
}

// watch brakes when the server's window has no more requests left than
// are in flight (they may all take one), and ends the brake when a
// request sent alone finds the window has room again; w.mu is held.
func (w *requestWindow) watch(left int) {
	switch {
	case w.brake == nil && left <= w.inflight+brakeMargin:
		w.brake = &brake{reopen: 2 * (w.inflight + brakeMargin), idle: make(chan struct{})}
	case w.brake != nil && w.inflight == 0 && left >= w.brake.reopen:
		w.release()
	}
}

// release ends the brake; w.mu is held.
func (w *requestWindow) release() {
	if w.brake != nil {
		close(w.brake.idle) // wake the waiters; they find no brake
		w.brake = nil
	}
}

// end takes a request out of flight, waking those held by the brake when
// it was the last; w.mu is held.
func (w *requestWindow) end() {
	w.inflight--
	if w.brake != nil && w.inflight == 0 {
		close(w.brake.idle)
		w.brake.idle = make(chan struct{})
	}
}

// cancel ends a request counted by reserve that was never sent.
func (w *requestWindow) cancel() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.end()
}

func (w *requestWindow) spacing() time.Duration { return w.window / time.Duration(w.budget) }

// countSince counts accepted requests answered after t; w.mu is held.
func (w *requestWindow) countSince(t time.Time) int {
	n := 0
	for i := len(w.accepted) - 1; i >= 0 && w.accepted[i].After(t); i-- {
		n++
	}
	return n
}

// prune forgets requests answered at or before t; w.mu is held.
func (w *requestWindow) prune(t time.Time) {
	i := 0
	for i < len(w.accepted) && !w.accepted[i].After(t) {
		i++
	}
	if i > 0 {
		w.accepted = append(w.accepted[:0], w.accepted[i:]...)
	}
}
