package dynamics365

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/numora/numora-connector/destinations/breaker"
	"github.com/numora/numora-connector/retry"
)

// admission decides when a request to Dataverse may go. It is the
// destination's whole sending policy: every request waits in admit and
// reports its answer to its ticket, and every call (a request with its
// retries) passes the circuit breaker. Dataverse's limits are per user
// (dataverse.md §7), so one admission serves all of a destination's
// requests. A request may start when all of these hold:
//
//  1. No pause is in force. Every Retry-After (a 429, or a 503 that has
//     one) pauses every sender for its duration, also when the request
//     that got it gives up: Dataverse extends the penalty of a client that
//     keeps sending (§13). A longer Retry-After extends the pause.
//  2. A concurrency slot is free. The limit starts at InitialConcurrency
//     and grows by one per answer until the first concurrency 429 (slow
//     start: it doubles per round trip), then by one per limit's worth of
//     answers; it grows only while every slot is taken; a concurrency 429
//     (0x80072326), or a 429 without a service-protection code, halves it.
//     It never exceeds MaxConcurrency (at most 52) nor x-ms-dop-hint.
//  3. The request budget has room: fewer than Limits.Requests (default
//     6,000) requests in the sliding Limits.Window (default 300 s),
//     counting those in flight and those answered within the window. A
//     request counts from when it is sent until a window after its
//     answer: longer than the server counts it, so the budget is never
//     overrun by this destination alone.
//  4. The execution budget has room: the execution time of the requests
//     answered within the window, plus the requests in flight at their
//     average, is under Limits.ExecutionTime (default 20 minutes). A
//     request's execution is estimated as its time from sending to answer
//     less the quickest answer yet (the network's share, which the server
//     does not count). The server counts a request's time once it is
//     answered, so long requests sent together would overrun the budget
//     if those in flight did not count.
//  5. A $batch that could carry more documents waits for them while the
//     request budget is scarce: once an eighth of it is spent in the
//     window, such a request goes only when its batch is full or
//     Window/Requests (the budget's even pace) has passed since the last
//     request started; within a window after the budget held a request
//     back, and while requests are in flight (their answers bring more
//     documents), ten paces. A full batch goes as soon as 1–4 allow.
//
// The budgets are configured (Microsoft's documented defaults), so the
// first window is paced, not learned. What the server says only ever
// lowers them, each by its own signal, and 429s are recognised by their
// documented codes, never by their message:
//
//   - a request-limit 429 (0x80072322) lowers the request budget to the
//     requests this destination had in the window, less 2%, when those
//     were at least half the budget (else other clients of the same user
//     share the window, and the pause alone paces);
//   - an execution-time 429 (0x80072321) does the same to the execution
//     budget;
//   - a concurrency 429 halves the concurrency limit (rule 2);
//   - x-ms-ratelimit-burst-remaining-xrm-requests and
//     x-ms-ratelimit-time-remaining-xrm-requests, which Microsoft documents
//     as debugging aids, are read from accepted answers only (a 429's code
//     says which limit it hit): they lower the budgets to what this
//     destination counts plus what the server says is left, when that is
//     less, until the next accepted answer's headers replace them. A
//     budget only they lowered holds requests back for at most probeAfter
//     (1 s); then one request goes, and its answer says what is true (new
//     headers, or a 429 whose Retry-After pauses every sender, rule 1).
//
// A budget a 429 lowered returns to its configured value after a window
// in which no 429 lowered it. No rule waits for an event that may not
// come: a request blocked for an answer waits only while one is in
// flight; every other wait is a time, at most a window.
//
// The circuit breaker (package destinations/breaker) counts calls, each
// after its retries: Failures consecutive calls that failed transiently
// (5xx, 429, network errors, timeouts; not refusals such as validation
// errors) open it; for OpenTimeout every call fails at once with
// ErrCircuitOpen; then HalfOpenRequests probe calls may go: as many
// successful writes close it, one failure opens it again. A read's (GET's)
// success counts for nothing, so lookups answered between failed writes
// do not keep it closed.
type admission struct {
	clock retry.Clock

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when a slot frees or a budget changes
	pause   pause
	conc    concurrency
	win     window
	brk     *breaker.Breaker[*response] // safe on its own: not under mu
}

// newAdmission returns the admission of a defaulted Config.
func newAdmission(cfg Config, logger *slog.Logger) *admission {
	return &admission{
		clock:   cfg.Clock,
		changed: make(chan struct{}),
		conc:    concurrency{limit: min(cfg.InitialConcurrency, cfg.MaxConcurrency), max: cfg.MaxConcurrency},
		win:     newWindow(cfg.Limits),
		brk:     newBreaker(cfg, logger),
	}
}

// ticket is one admitted request: report its outcome with done, or give
// it back with cancel if it was never sent. A nil ticket's cancel does
// nothing.
type ticket struct {
	a     *admission
	start time.Time
	ended bool
}

// admit waits until a request may start (rules 1–5) or ctx ends. full
// reports whether the request carries as many documents as a $batch
// takes; nil means it carries no documents to wait for (it is always
// worth sending).
func (a *admission) admit(ctx context.Context, full func() bool) (*ticket, error) {
	for {
		isFull := full == nil || full()
		a.mu.Lock()
		now := a.clock.Now()
		wait, blocked := a.blockedFor(now, isFull)
		if wait == 0 && !blocked {
			a.conc.inflight++
			a.win.started(now)
			a.mu.Unlock()
			return &ticket{a: a, start: now}, nil
		}
		changed := a.changed
		a.mu.Unlock()
		if wait > 0 {
			if err := a.clock.Sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// blockedFor returns how long a request must wait before asking again,
// or blocked when it waits for an answer instead; a.mu is held.
func (a *admission) blockedFor(now time.Time, full bool) (wait time.Duration, blocked bool) {
	if d := a.pause.remaining(now); d > 0 {
		return d, false
	}
	if a.conc.inflight >= a.conc.limit {
		return 0, true
	}
	return a.win.wait(now, a.conc.inflight, full)
}

// broadcast wakes the requests waiting for an answer; a.mu is held.
func (a *admission) broadcast() {
	close(a.changed)
	a.changed = make(chan struct{})
}

// cancel gives back a ticket whose request was never sent.
func (t *ticket) cancel() {
	if t == nil || t.ended {
		return
	}
	t.ended = true
	a := t.a
	a.mu.Lock()
	defer a.mu.Unlock()
	a.conc.inflight--
	a.broadcast()
}

// done reports the answer to the ticket's request (or its absence); see
// reply.
func (t *ticket) done(o reply) {
	if t.ended {
		return
	}
	t.ended = true
	a := t.a
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	binding := a.conc.inflight >= a.conc.limit
	a.conc.inflight--
	if o.retryAfter > 0 {
		a.pause.extend(now, o.retryAfter)
	}
	a.conc.answered(o, binding)
	a.win.answered(now, now.Sub(t.start), a.conc.inflight, o)
	a.broadcast()
}

// paused returns how long the pause in force lasts; 0 when none is.
func (a *admission) paused() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pause.remaining(a.clock.Now())
}

// pauseStats returns how often the destination paused and for how long.
func (a *admission) pauseStats() (int, time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pause.count, a.pause.total
}

// concurrencyLimit returns the concurrency limit in force.
func (a *admission) concurrencyLimit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.conc.limit
}

// budgets returns the request and execution budgets in force (0 = off).
func (a *admission) budgets() (int, time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.win.budgets(a.clock.Now())
}
