package dataversetest

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaultStatusWithServiceProtectionCode(t *testing.T) {
	tests := []struct {
		name, code, message, wantMsg string
	}{
		{"requests", CodeRequests, "", "Number of requests exceeded"},
		{"execution time", CodeExecutionTime, "", "Combined execution time"},
		{"concurrency", CodeConcurrency, "", "Number of concurrent requests"},
		{"own message", "0x80040216", "boom", "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			s.AddFault(Fault{Status: 429, Code: tt.code, Message: tt.message, RetryAfter: 2 * time.Second, Count: 1})
			r := c.call("POST", "accounts", `{"name":"x"}`)
			msg := wantError(t, r, 429, tt.code)
			if !strings.HasPrefix(msg, tt.wantMsg) {
				t.Errorf("got message %q, want it to start with %q", msg, tt.wantMsg)
			}
			if got := r.header.Get("Retry-After"); got != "2" {
				t.Errorf("got Retry-After %q, want 2", got)
			}
			if s.Count("accounts") != 0 {
				t.Error("a throttled request was applied")
			}
		})
	}
}

func TestFaultPassExemptsPaths(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	s.AddFault(Fault{Kind: FaultPass, Path: "WhoAmI"})
	s.AddFault(Fault{Kind: FaultStatus, Status: 503})
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	wantError(t, c.call("POST", "accounts", `{"name":"x"}`), 503, "")
	wantStatus(t, c.call("GET", "WhoAmI()", ""), 200)
	if got := s.Requests()[0].Fault; got != "" {
		t.Errorf("got logged fault %q for an exempted request, want none", got)
	}
	if got := s.Stats().Faults; got != 1 {
		t.Errorf("got %d faults counted, want 1", got)
	}
}

func TestFaultResponse(t *testing.T) {
	tests := []struct {
		name    string
		fault   Fault
		status  int
		body    string
		applied int
	}{
		{"truncated JSON before the write", Fault{Kind: FaultResponse, Header: http.Header{"Content-Type": {"application/json"}},
			Body: []byte(`{"error":{"co`)}, 200, `{"error":{"co`, 0},
		{"HTML after the write", Fault{Kind: FaultResponse, Status: 502, AfterWrite: true,
			Header: http.Header{"content-type": {"text/html"}}, Body: []byte("<html>bad gateway</html>")}, 502, "<html>bad gateway</html>", 1},
		{"redirect", Fault{Kind: FaultResponse, Status: 307, Header: http.Header{"Location": {"https://127.0.0.1:1/evil"}}}, 307, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			tt.fault.Count = 1
			s.AddFault(tt.fault)
			noRedirect := *s.Client()
			noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			c.s.client = &noRedirect
			r := c.call("POST", "accounts", `{"name":"x"}`)
			if r.status != tt.status || string(r.body) != tt.body {
				t.Errorf("got %d %q, want %d %q", r.status, r.body, tt.status, tt.body)
			}
			for k, v := range tt.fault.Header {
				if got := r.header.Get(k); got != v[0] {
					t.Errorf("got header %s %q, want %q", k, got, v[0])
				}
			}
			if got := s.Count("accounts"); got != tt.applied {
				t.Errorf("got %d rows, want %d", got, tt.applied)
			}
		})
	}
}

func TestHoldPathHoldsOnlyMatchingRequests(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	g := s.HoldPath("new_receipts")
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200) // not held
	var wg sync.WaitGroup
	var held reply
	wg.Go(func() { held = c.call("POST", "new_receipts", `{"new_name":"r"}`) })
	<-g.Arrived()
	if s.Count("new_receipts") != 0 {
		t.Fatal("the held request was applied before Release")
	}
	g.Release()
	wg.Wait()
	wantStatus(t, held, 204)
	s.Unhold()
}

func TestIssuedTokensKeepsRevokedOnes(t *testing.T) {
	s := newTestServer(t)
	a := s.IssueToken()
	s.RevokeTokens()
	b := s.IssueToken()
	got := s.IssuedTokens()
	if !slices.Equal(got, []string{a, b}) {
		t.Errorf("got %d tokens, want the two issued, oldest first", len(got))
	}
}

func TestSetDOPHint(t *testing.T) {
	s := newTestServer(t, WithLimits(Limits{Concurrent: 3}))
	c := newAPIClient(t, s)
	for _, tt := range []struct {
		set  int
		want string
	}{{0, "3"}, {16, "16"}, {0, "3"}} {
		s.SetDOPHint(tt.set)
		if got := c.call("GET", "WhoAmI", "").header.Get("x-ms-dop-hint"); got != tt.want {
			t.Errorf("SetDOPHint(%d): got hint %q, want %q", tt.set, got, tt.want)
		}
	}
}

// TestExpireTokensWhileRequestsRun is for the race detector: ExpireTokens
// changed token records that requests were reading.
func TestExpireTokensWhileRequestsRun(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				_ = c.call("GET", "WhoAmI", "")
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-done:
			return
		default:
			s.ExpireTokens()
		}
	}
}
