package dataversetest

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestConcurrencyLimit(t *testing.T) {
	s := newTestServer(t, WithLimits(Limits{Concurrent: 2}))
	c := newAPIClient(t, s)
	g := s.Hold()
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = c.call("GET", "WhoAmI", "").status
		}()
	}
	<-g.Arrived()
	<-g.Arrived()
	r := c.call("GET", "WhoAmI", "")
	msg := wantError(t, r, http.StatusTooManyRequests, codeConcurrencyLimit)
	if msg != "Number of concurrent requests exceeded the limit of 2." || r.header.Get("Retry-After") != "1" {
		t.Errorf("got %q, Retry-After %q", msg, r.header.Get("Retry-After"))
	}
	g.Release()
	wg.Wait()
	s.Unhold()
	if statuses[0] != 200 || statuses[1] != 200 {
		t.Errorf("held requests: got %v, want 200s", statuses)
	}
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	if got := s.Stats().Throttled[codeConcurrencyLimit]; got != 1 {
		t.Errorf("got %d concurrency 429s counted, want 1", got)
	}
}

func TestRequestsPerWindow(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now), WithLimits(Limits{Requests: 3, Window: 10 * time.Second, Concurrent: -1, ExecTime: -1}))
	c := newAPIClient(t, s)
	for range 3 {
		wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
		clock.Advance(2 * time.Second)
	}
	r := c.call("GET", "WhoAmI", "")
	msg := wantError(t, r, http.StatusTooManyRequests, codeRequestsLimit)
	if msg != "Number of requests exceeded the limit of 3 over time window of 10 seconds." {
		t.Errorf("got %q", msg)
	}
	if got := r.header.Get("Retry-After"); got != "4" {
		t.Errorf("got Retry-After %q, want 4 (first request leaves the window at +10 s, now +6 s)", got)
	}
	clock.Advance(3 * time.Second)
	wantError(t, c.call("GET", "WhoAmI", ""), http.StatusTooManyRequests, codeRequestsLimit)
	clock.Advance(time.Second)
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	other := &apiClient{t: t, s: s, token: s.tokens.issue("another-app", s.URL)}
	wantStatus(t, other.call("GET", "WhoAmI", ""), 200)
	s.ResetLimits()
	for range 3 {
		wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	}
}

func TestExecutionTimePerWindow(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now), WithExecTime(400*time.Millisecond),
		WithLimits(Limits{ExecTime: time.Second, Window: 60 * time.Second, Requests: -1}))
	c := newAPIClient(t, s)
	body := batchBody("batch_AAA", batchGroup{changeSet: true, parts: []batchPart{
		{method: "POST", url: "accounts", body: `{}`}, {method: "POST", url: "accounts", body: `{}`}}})
	wantStatus(t, postBatch(c, body), 200) // 800 ms
	clock.Advance(10 * time.Second)
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200) // 1200 ms
	r := c.call("GET", "WhoAmI", "")
	msg := wantError(t, r, http.StatusTooManyRequests, codeExecTimeLimit)
	want := "Combined execution time of incoming requests exceeded limit of 1,000 milliseconds over time window of 60 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later."
	if msg != want {
		t.Errorf("got %q", msg)
	}
	if got := r.header.Get("Retry-After"); got != "50" {
		t.Errorf("got Retry-After %q, want 50 (the batch leaves the window)", got)
	}
	clock.Advance(50 * time.Second)
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
}

func TestBatchCountsAsOneRequest(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now), WithLimits(Limits{Requests: 2}))
	c := newAPIClient(t, s)
	parts := make([]batchPart, 10)
	for i := range parts {
		parts[i] = batchPart{method: "POST", url: "accounts", body: `{}`}
	}
	wantStatus(t, postBatch(c, batchBody("batch_AAA", batchGroup{changeSet: true, parts: parts})), 200)
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	wantError(t, c.call("GET", "WhoAmI", ""), http.StatusTooManyRequests, codeRequestsLimit)
	st := s.Stats()
	if st.Requests != 3 || st.Batches != 1 || st.Operations != 11 || st.Throttled[codeRequestsLimit] != 1 {
		t.Errorf("got stats %+v", st)
	}
}

func TestLimitsDefaultsAndSetters(t *testing.T) {
	s := newTestServer(t)
	want := Limits{Concurrent: 52, Requests: 6000, ExecTime: 20 * time.Minute, Window: 300 * time.Second, ConcurrentRetryAfter: time.Second}
	if got := s.Limits(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	s.SetLimits(Limits{Concurrent: -1})
	if got := s.Limits().Concurrent; got != -1 {
		t.Errorf("got %d, want -1 (off)", got)
	}
	c := newAPIClient(t, s)
	if got := c.call("GET", "WhoAmI", "").header.Get("x-ms-dop-hint"); got != "52" {
		t.Errorf("got x-ms-dop-hint %q with the concurrency limit off, want 52", got)
	}
	s2 := newTestServer(t, WithConfig(Config{DOPHint: 8}), WithoutLimits())
	if got := newAPIClient(t, s2).call("GET", "WhoAmI", "").header.Get("x-ms-dop-hint"); got != "8" {
		t.Errorf("got x-ms-dop-hint %q, want 8", got)
	}
	if got := retryAfterSeconds(1500 * time.Millisecond); got != "2" {
		t.Errorf("got %q, want 2", got)
	}
	if got := retryAfterSeconds(0); got != "1" {
		t.Errorf("got %q, want 1", got)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now), WithExecTime(time.Second), WithLimits(Limits{Requests: 10, ExecTime: time.Minute}))
	c := newAPIClient(t, s)
	c.call("GET", "WhoAmI", "")
	r := c.call("GET", "WhoAmI", "")
	if got := r.header.Get("x-ms-ratelimit-burst-remaining-xrm-requests"); got != "8" {
		t.Errorf("got remaining requests %q, want 8", got)
	}
	if got := r.header.Get("x-ms-ratelimit-time-remaining-xrm-requests"); got != "59.00" {
		t.Errorf("got remaining time %q, want 59.00", got)
	}
	s.SetLimits(Limits{Requests: -1, ExecTime: -1})
	r = c.call("GET", "WhoAmI", "")
	if got := r.header.Get("x-ms-ratelimit-burst-remaining-xrm-requests"); got != "" {
		t.Errorf("got %q with the limit off, want no header", got)
	}
}

func TestWithoutBudgetHeaders(t *testing.T) {
	s := newTestServer(t, WithoutBudgetHeaders(), WithLimits(Limits{Requests: 10, ExecTime: time.Minute}))
	r := newAPIClient(t, s).call("GET", "WhoAmI", "")
	for _, h := range []string{"x-ms-ratelimit-burst-remaining-xrm-requests", "x-ms-ratelimit-time-remaining-xrm-requests"} {
		if got := r.header.Get(h); got != "" {
			t.Errorf("%s: %q, want none", h, got)
		}
	}
}
