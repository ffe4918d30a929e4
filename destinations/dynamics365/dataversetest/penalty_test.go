package dataversetest

import (
	"net/http"
	"testing"
	"time"
)

// With ExtendPenalties, a request sent before the Retry-After of its user's
// last 429 has passed is refused with that 429 and starts the Retry-After
// again (dataverse.md §7: "the duration will be extended"); once it has
// passed, requests go through. Injected 429s start a penalty too.
func TestPenaltyExtendedWhileTheClientKeepsSending(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		fault  *Fault
		code   string
		after  time.Duration // the first 429's Retry-After
	}{
		{"requests per window", Limits{Requests: 1, Window: 10 * time.Second, Concurrent: -1, ExecTime: -1}, nil,
			codeRequestsLimit, 10 * time.Second},
		{"injected 429", Limits{Requests: -1, Concurrent: -1, ExecTime: -1},
			&Fault{Kind: FaultStatus, Path: "WhoAmI", Status: http.StatusTooManyRequests, Code: CodeExecutionTime, RetryAfter: 30 * time.Second, Count: 1},
			codeExecTimeLimit, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			s := newTestServer(t, WithClock(clock.Now), WithLimits(tt.limits), WithPenaltyExtension())
			c := newAPIClient(t, s)
			if tt.fault != nil {
				s.AddFault(*tt.fault)
			} else {
				wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
			}
			wantError(t, c.call("GET", "WhoAmI", ""), http.StatusTooManyRequests, tt.code)
			clock.Advance(tt.after - time.Second) // one second early
			r := c.call("GET", "WhoAmI", "")
			wantError(t, r, http.StatusTooManyRequests, tt.code)
			if got, want := r.header.Get("Retry-After"), retryAfterSeconds(tt.after); got != want {
				t.Errorf("Retry-After %q of the extended penalty, want %q (started again)", got, want)
			}
			clock.Advance(tt.after - time.Second) // the first penalty is over, not the extended one
			wantError(t, c.call("GET", "WhoAmI", ""), http.StatusTooManyRequests, tt.code)
			clock.Advance(tt.after)
			wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
			if n := s.PenaltyExtensions(); n != 2 {
				t.Errorf("PenaltyExtensions() = %d, want 2", n)
			}
		})
	}
}

// Without the knob a request during the Retry-After is judged by the
// windows alone: the emulator's default, for tests of the windows.
func TestPenaltyNotExtendedByDefault(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	c := newAPIClient(t, s)
	s.AddFault(Fault{Kind: FaultStatus, Path: "WhoAmI", Status: http.StatusTooManyRequests, Code: CodeRequests, RetryAfter: 30 * time.Second, Count: 1})
	wantError(t, c.call("GET", "WhoAmI", ""), http.StatusTooManyRequests, codeRequestsLimit)
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	if n := s.PenaltyExtensions(); n != 0 {
		t.Errorf("PenaltyExtensions() = %d, want 0", n)
	}
}
