package dynamics365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/retry"
)

// Each rule of admission on a fake clock, one goroutine: a request that
// must wait sleeps on the fake clock (which records the sleep and moves
// on), or, when it waits for an answer, blockedFor says so.

func newTestAdmission(t *testing.T, mod func(*Config)) (*admission, *retry.FakeClock) {
	t.Helper()
	clock := retry.NewFakeClock(testStart)
	cfg := Config{Clock: clock}
	if mod != nil {
		mod(&cfg)
	}
	return newAdmission(cfg.withDefaults(), logctx.Discard()), clock
}

// mustAdmit admits a request that must not wait.
func mustAdmit(t *testing.T, a *admission, full bool) *ticket {
	t.Helper()
	if d, blocked := waitsFor(a, full); d > 0 || blocked {
		t.Fatalf("the request must wait (%v, for an answer %v), want it admitted at once", d, blocked)
	}
	tk, err := a.admit(context.Background(), func() bool { return full })
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// waitsFor returns what blockedFor says of a request now.
func waitsFor(a *admission, full bool) (time.Duration, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.blockedFor(a.clock.Now(), full)
}

// ok is the reply of an accepted request.
var ok = reply{answered: true, requestsLeft: -1, execLeft: -1}

func throttled(code string, retryAfter time.Duration) reply {
	r := ok
	r.throttle, r.retryAfter = code, retryAfter
	return r
}

// Rule 1: every Retry-After pauses every request; a longer one extends
// the pause, a shorter one does not shorten it.
func TestAdmissionPause(t *testing.T) {
	a, clock := newTestAdmission(t, nil)
	first, second := mustAdmit(t, a, true), mustAdmit(t, a, true)
	first.done(throttled(codeConcurrencyLimit, 7*time.Second))
	second.done(throttled(codeRequestLimit, 2*time.Second)) // shorter: no change
	if got := a.paused(); got != 7*time.Second {
		t.Fatalf("paused %v, want 7s", got)
	}
	if _, err := a.admit(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 7*time.Second {
		t.Errorf("waited %v, want the 7s pause", got)
	}
	if n, d := a.pauseStats(); n != 1 || d != 7*time.Second {
		t.Errorf("pauseStats %d, %v; want 1, 7s", n, d)
	}
}

func TestAdmissionPauseEndsWithTheContext(t *testing.T) {
	a, _ := newTestAdmission(t, nil)
	mustAdmit(t, a, true).done(throttled(codeRequestLimit, time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.admit(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("admit on an ended context: %v", err)
	}
}

// Rule 2: slow start, then AIMD; only concurrency 429s (and 429s without
// a service-protection code) halve the limit; x-ms-dop-hint caps it.
func TestAdmissionConcurrency(t *testing.T) {
	a, _ := newTestAdmission(t, nil)
	fill := func() []*ticket {
		var tks []*ticket
		for {
			if _, blocked := waitsFor(a, true); blocked {
				return tks
			}
			tks = append(tks, mustAdmit(t, a, true))
		}
	}
	steps := []struct {
		name  string
		reply reply
		want  int
	}{
		{"slow start: +1 per answer while every slot is taken", ok, 5},
		{"a request-limit 429 leaves it", throttled(codeRequestLimit, time.Second), 5},
		{"an execution-time 429 leaves it", throttled(codeExecTimeLimit, time.Second), 5},
		{"a concurrency 429 halves it", throttled(codeConcurrencyLimit, time.Second), 2},
		{"then +1 per limit's worth of answers: first", ok, 2},
		{"then +1 per limit's worth of answers: second", ok, 3},
		{"a 429 without a code halves it", throttled(throttleOther, time.Second), 1},
		{"one answer is a limit of 1's worth", ok, 2},
	}
	for _, s := range steps {
		tks := fill()
		tks[0].done(s.reply)
		for _, tk := range tks[1:] {
			tk.cancel()
		}
		a.mu.Lock()
		a.pause = pause{} // the pauses are rule 1's
		a.mu.Unlock()
		if got := a.concurrencyLimit(); got != s.want {
			t.Errorf("%s: limit %d, want %d", s.name, got, s.want)
		}
	}
	mustAdmit(t, a, true).done(ok) // one of two slots taken: not binding, no growth
	if got := a.concurrencyLimit(); got != 2 {
		t.Fatalf("limit %d after an answer with a slot free, want 2", got)
	}
	hint := ok
	hint.dopHint = 1
	fill()[0].done(hint)
	if got := a.concurrencyLimit(); got != 1 {
		t.Errorf("limit %d over x-ms-dop-hint 1", got)
	}
}

// Rule 3: requests in flight and answered within the window count; the
// request past the budget waits for an answer, then for the oldest answer
// to leave the window.
func TestAdmissionRequestBudget(t *testing.T) {
	a, clock := newTestAdmission(t, func(c *Config) { c.Limits = Limits{Requests: 4, Window: 10 * time.Second} })
	var tks []*ticket
	for range 4 {
		tks = append(tks, mustAdmit(t, a, true))
	}
	if _, blocked := waitsFor(a, true); !blocked {
		t.Fatal("a fifth request with four in flight was not held back")
	}
	clock.Advance(time.Second)
	tks[0].done(ok)
	clock.Advance(time.Second)
	for _, tk := range tks[1:] {
		tk.done(ok)
	}
	if _, err := a.admit(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 9*time.Second {
		t.Errorf("waited %v, want 9s: until the first answer (at 1s) has left the 10s window", got)
	}
}

// Rule 4: the execution time of answered requests, estimated as their
// time from sending to answer less the quickest answer yet, counts against
// the execution budget until it leaves the window.
func TestAdmissionExecutionBudget(t *testing.T) {
	a, clock := newTestAdmission(t, func(c *Config) {
		c.Limits = Limits{Requests: -1, ExecutionTime: 3 * time.Second, Window: 10 * time.Second}
	})
	quick := mustAdmit(t, a, true)
	clock.Advance(100 * time.Millisecond)
	quick.done(ok) // the network's share: 100ms
	first := mustAdmit(t, a, true)
	clock.Advance(2100 * time.Millisecond)
	first.done(ok) // 2s of execution, answered at 2.2s
	second := mustAdmit(t, a, true)
	clock.Advance(1600 * time.Millisecond)
	second.done(ok) // 1.5s: 3.5s in the window
	if _, err := a.admit(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 8400*time.Millisecond {
		t.Errorf("waited %v, want 8.4s: until the first answer (at 2.2s) has left the 10s window", got)
	}
}

// Rule 4 counts the requests in flight too, each at the average execution
// of those answered in the window: the server counts a request once it is
// answered, so long requests sent together would overrun the budget.
func TestAdmissionExecutionBudgetCountsInFlight(t *testing.T) {
	a, clock := newTestAdmission(t, func(c *Config) {
		c.InitialConcurrency = 16
		c.Limits = Limits{Requests: -1, ExecutionTime: 5 * time.Second, Window: 10 * time.Second}
	})
	quick := mustAdmit(t, a, true)
	clock.Advance(100 * time.Millisecond)
	quick.done(ok) // the network's share: 100ms, no execution; the average is 0
	long := mustAdmit(t, a, true)
	clock.Advance(2100 * time.Millisecond)
	long.done(ok) // 2s of execution; the average moves a quarter of the way: 0.5s
	for range 6 {
		mustAdmit(t, a, true) // 2s answered + up to 5 × 0.5s in flight < 5s
	}
	if d, blocked := waitsFor(a, true); d != 10*time.Second || blocked {
		t.Errorf("with 2s answered and 6 in flight at 0.5s each, a request waits %v (for an answer: %v); "+
			"want 10s, until the answer (now) leaves the window", d, blocked)
	}
	clock.Advance(10 * time.Second) // every answer has left the window; the average stays
	for range 4 {
		mustAdmit(t, a, true) // up to 9 in flight × 0.5s < 5s
	}
	if _, blocked := waitsFor(a, true); !blocked {
		t.Error("with 10 requests in flight at 0.5s each against a 5s budget, a request was not held for an answer")
	}
}

// Rule 5: once an eighth of the request budget is spent, a $batch that
// could carry more documents waits for the budget's even pace; a full one
// does not; when the window has emptied, neither waits; but for a window
// after the budget held a request back, a partial batch waits ten paces
// while a request is in flight (its answer brings more documents).
func TestAdmissionScarceBudgetWaitsForFullBatches(t *testing.T) {
	a, clock := newTestAdmission(t, func(c *Config) {
		c.InitialConcurrency, c.Limits = 16, Limits{Requests: 16, Window: 160 * time.Second}
	})
	const pace = 10 * time.Second
	var tks []*ticket
	for range 2 {
		tks = append(tks, mustAdmit(t, a, false)) // under an eighth: partial batches go at once
	}
	clock.Advance(4 * time.Second)
	if d, blocked := waitsFor(a, false); d != 6*time.Second || blocked {
		t.Errorf("a partial batch with an eighth of the budget spent waits %v, %v; want 6s (the 10s pace since the last start)", d, blocked)
	}
	tks = append(tks, mustAdmit(t, a, true)) // a full batch goes at once
	tk, err := a.admit(context.Background(), func() bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	tks = append(tks, tk)
	if got := clock.Sleeps(); len(got) != 1 || got[0] != pace {
		t.Errorf("waited %v, want %v", got, pace)
	}
	for _, tk := range tks {
		tk.done(ok)
	}
	clock.Advance(161 * time.Second)
	mustAdmit(t, a, false).done(ok) // the window emptied: no longer scarce
	for range 15 {
		mustAdmit(t, a, true).done(ok) // the budget spent by full batches
	}
	clock.Advance(159 * time.Second)
	if _, blocked := waitsFor(a, true); blocked {
		t.Fatal("blocked for an answer with none in flight")
	}
	clock.Advance(2 * time.Second) // the budget held a request back; now the window is empty
	mustAdmit(t, a, false)         // ten paces have passed since the last start; now one is in flight
	if d, _ := waitsFor(a, false); d != 10*pace {
		t.Errorf("a partial batch within a window after the budget bound waits %v, want ten paces, %v", d, 10*pace)
	}
}

// The three service-protection codes each lower their own budget, when
// this destination's own requests were at least half of it (else others
// share the window); a lowered budget returns after a window.
func TestAdmission429CodesLowerTheirOwnBudget(t *testing.T) {
	tests := []struct {
		code      string
		inWindow  int // accepted requests before the 429: one at once, the others 1s each
		wantReq   int
		wantExec  time.Duration
		wantLimit int
	}{
		{codeRequestLimit, 60, 59, 100 * time.Second, 4},                        // 60 - 60/50
		{codeRequestLimit, 40, 100, 100 * time.Second, 4},                       // under half: others share
		{codeExecTimeLimit, 60, 100, 59*time.Second - 1180*time.Millisecond, 4}, // 59s - 2%
		{codeExecTimeLimit, 40, 100, 100 * time.Second, 4},
		{codeConcurrencyLimit, 60, 100, 100 * time.Second, 2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s after %d", tt.code, tt.inWindow), func(t *testing.T) {
			a, clock := newTestAdmission(t, func(c *Config) {
				c.Limits = Limits{Requests: 100, ExecutionTime: 100 * time.Second, Window: time.Hour}
			})
			mustAdmit(t, a, true).done(ok) // the network's share: none
			for range tt.inWindow - 1 {
				tk := mustAdmit(t, a, true)
				clock.Advance(time.Second)
				tk.done(ok)
			}
			mustAdmit(t, a, true).done(throttled(tt.code, time.Second))
			if req, exec := a.budgets(); req != tt.wantReq || exec != tt.wantExec {
				t.Errorf("budgets %d, %v; want %d, %v", req, exec, tt.wantReq, tt.wantExec)
			}
			if got := a.concurrencyLimit(); got != tt.wantLimit {
				t.Errorf("concurrency %d, want %d", got, tt.wantLimit)
			}
			clock.Advance(time.Hour)
			if req, exec := a.budgets(); req != 100 || exec != 100*time.Second {
				t.Errorf("a window later: budgets %d, %v; want the configured 100, 100s", req, exec)
			}
		})
	}
}

// The x-ms-ratelimit-* headers of an accepted answer lower a budget to
// what this destination counts plus what the server says is left, and
// never raise one; a 429's headers are not heeded (its code says which
// limit it hit: a concurrency 429 that says "0 left" must not hold every
// request for a window).
func TestAdmissionHeadersOnlyLower(t *testing.T) {
	tests := []struct {
		name      string
		throttle  string
		reqLeft   int
		execLeft  time.Duration
		wantReq   int
		wantExec  time.Duration
		configReq int
	}{
		{"more left than counted: no change", "", 500, 500 * time.Second, 100, 100 * time.Second, 100},
		{"less left: lowered", "", 10, 20 * time.Second, 12, 22 * time.Second, 100},
		{"absent: no change", "", -1, -1, 100, 100 * time.Second, 100},
		{"on a concurrency 429: not heeded", codeConcurrencyLimit, 0, 0, 100, 100 * time.Second, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, clock := newTestAdmission(t, func(c *Config) {
				c.Limits = Limits{Requests: tt.configReq, ExecutionTime: 100 * time.Second, Window: time.Hour}
			})
			mustAdmit(t, a, true).done(ok) // the network's share: none
			tk := mustAdmit(t, a, true)
			clock.Advance(2 * time.Second)
			r := ok
			r.requestsLeft, r.execLeft, r.throttle = tt.reqLeft, tt.execLeft, tt.throttle
			tk.done(r)
			if req, exec := a.budgets(); req != tt.wantReq || exec != tt.wantExec {
				t.Errorf("budgets %d, %v; want %d, %v", req, exec, tt.wantReq, tt.wantExec)
			}
		})
	}
}

// A budget that only the headers lowered holds requests back for at most
// probeAfter; then one request goes (the probe), and the next waits
// again. Its answer's headers replace what the earlier ones said.
func TestAdmissionHeldByHeadersProbes(t *testing.T) {
	a, clock := newTestAdmission(t, func(c *Config) {
		c.Limits = Limits{Requests: 100, ExecutionTime: -1, Window: time.Hour}
	})
	mustAdmit(t, a, true).done(ok)
	r := ok
	r.requestsLeft = 0
	mustAdmit(t, a, true).done(r) // the server: nothing left
	if d, blocked := waitsFor(a, true); d != probeAfter || blocked {
		t.Fatalf("waits %v (for an answer %v), want %v: held by the headers, until a probe", d, blocked, probeAfter)
	}
	clock.Advance(probeAfter)
	probe := mustAdmit(t, a, true)
	if d, _ := waitsFor(a, true); d != probeAfter {
		t.Errorf("after the probe: waits %v, want %v", d, probeAfter)
	}
	r.requestsLeft = 50
	probe.done(r)
	if req, _ := a.budgets(); req != 53 {
		t.Errorf("budget %d, want 53: the probe's headers (3 counted, 50 left) replace the earlier ones", req)
	}
	mustAdmit(t, a, true).done(ok)
	if req, _ := a.budgets(); req != 100 {
		t.Errorf("budget %d, want the configured 100: the latest answer had no headers", req)
	}
}

// 429s are told apart by their documented codes, never by their message.
func TestReplyOfReadsCodesNotMessages(t *testing.T) {
	tests := []struct {
		code, message, want string
	}{
		{"0x80072322", "something else entirely", codeRequestLimit},
		{"0x80072321", "", codeExecTimeLimit},
		{"0x80072326", "", codeConcurrencyLimit},
		{"", "Number of requests exceeded the limit of 6000 over time window of 300 seconds.", throttleOther},
		{"0x8005F103", "Too many requests.", throttleOther},
	}
	for _, tt := range tests {
		h := http.Header{"Retry-After": {"3"}, "X-Ms-Ratelimit-Burst-Remaining-Xrm-Requests": {"1,234"},
			"X-Ms-Ratelimit-Time-Remaining-Xrm-Requests": {"1,199.50"}}
		body := fmt.Sprintf(`{"error":{"code":%q,"message":%q}}`, tt.code, tt.message)
		resp := &response{status: http.StatusTooManyRequests, header: h, body: []byte(body)}
		err := newAPIError("POST", "https://x/api/data/v9.2/$batch", resp.status, h, resp.body, testStart)
		r := replyOf(resp, err)
		if r.throttle != tt.want || r.retryAfter != 3*time.Second || r.requestsLeft != 1234 || r.execLeft != 1199500*time.Millisecond {
			t.Errorf("code %q message %q: got %+v, want throttle %s", tt.code, tt.message, r, tt.want)
		}
	}
	if r := replyOf(nil, errors.New("connection reset")); r.answered || r.throttle != "" {
		t.Errorf("no response: %+v", r)
	}
}

// A ticket given back frees its slot and counts for nothing.
func TestTicketCancelGivesTheSlotBack(t *testing.T) {
	a, _ := newTestAdmission(t, func(c *Config) {
		c.MaxConcurrency, c.Limits = 1, Limits{Requests: 1, Window: time.Minute}
	})
	tk := mustAdmit(t, a, true)
	if _, blocked := waitsFor(a, true); !blocked {
		t.Fatal("a second request was not held back")
	}
	tk.cancel()
	tk.cancel() // twice is harmless
	var none *ticket
	none.cancel()
	mustAdmit(t, a, true)
}

func TestAdmissionBreaker(t *testing.T) {
	a, clock := newTestAdmission(t, func(c *Config) {
		c.Breaker = BreakerConfig{Failures: 2, OpenTimeout: 30 * time.Second, HalfOpenRequests: 2}
	})
	fail := func() (*response, error) { return nil, &APIError{StatusCode: http.StatusServiceUnavailable} }
	succeed := func() (*response, error) { return &response{}, nil }
	ctx := context.Background()
	step := func(name string, fn func() (*response, error), wantOpenErr bool, wantState string) {
		t.Helper()
		_, err := a.call(ctx, false, fn)
		if errors.Is(err, destinations.ErrCircuitOpen) != wantOpenErr {
			t.Errorf("%s: %v, want circuit open %v", name, err, wantOpenErr)
		}
		if got := a.breakerState(); got != wantState {
			t.Errorf("%s: state %s, want %s", name, got, wantState)
		}
	}
	step("a cancelled call counts for nothing", func() (*response, error) { return nil, context.Canceled }, false, "closed")
	step("a refusal counts for nothing", func() (*response, error) { return nil, &APIError{StatusCode: 400} }, false, "closed")
	step("first failure", fail, false, "closed")
	step("second failure opens", fail, false, "open")
	step("while open, refused", succeed, true, "open")
	if err := a.allowCall(); !errors.Is(err, destinations.ErrCircuitOpen) {
		t.Errorf("allowCall while open: %v", err)
	}
	clock.Advance(30 * time.Second)
	if got := a.breakerState(); got != "half-open" {
		t.Errorf("after the open timeout: %s, want half-open", got)
	}
	step("a failed probe opens again", fail, false, "open")
	clock.Advance(30 * time.Second)
	step("first good probe", succeed, false, "half-open")
	step("second good probe closes", succeed, false, "closed")

	off, _ := newTestAdmission(t, func(c *Config) { c.Breaker.Failures = -1 })
	for range 10 {
		if _, err := off.call(ctx, false, fail); errors.Is(err, destinations.ErrCircuitOpen) {
			t.Fatal("a disabled breaker opened")
		}
	}
	if got := off.breakerState(); got != "disabled" {
		t.Errorf("state %s, want disabled", got)
	}
}
