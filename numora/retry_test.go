package numora_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/retry"
)

const ms = time.Millisecond

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		faults     []numoratest.Fault
		wantSleeps []time.Duration
		wantReqs   int
		wantErr    string
	}{
		{"retry-after seconds", []numoratest.Fault{{Status: 429, RetryAfter: "3", Times: 2}},
			[]time.Duration{3 * time.Second, 3 * time.Second}, 3, ""},
		{"retry-after date", []numoratest.Fault{{Status: 503, RetryAfter: epoch.Add(30 * time.Second).Format(http.TimeFormat), Times: 1}},
			[]time.Duration{30 * time.Second}, 2, ""},
		{"retry-after fractional", []numoratest.Fault{{Status: 429, RetryAfter: "1.5", Times: 1}},
			[]time.Duration{1500 * ms}, 2, ""},
		{"retry-after in the past", []numoratest.Fault{{Status: 429, RetryAfter: epoch.Add(-time.Hour).Format(http.TimeFormat), Times: 1}},
			[]time.Duration{250 * ms}, 2, ""},
		{"backoff with jitter", []numoratest.Fault{{Status: 503, Times: 3}},
			[]time.Duration{250 * ms, 500 * ms, 1000 * ms}, 4, ""},
		{"500 and 502 and 504 and 408", []numoratest.Fault{{Status: 500, Times: 1}, {Status: 502, Times: 1},
			{Status: 504, Times: 1}, {Status: 408, Times: 1}}, []time.Duration{250 * ms, 500 * ms, 1000 * ms, 2000 * ms}, 5, ""},
		{"dropped connections", []numoratest.Fault{{Drop: true, Times: 2}}, []time.Duration{250 * ms, 500 * ms}, 3, ""},
		{"gives up after max attempts", []numoratest.Fault{{Status: 503}},
			[]time.Duration{250 * ms, 500 * ms, 1000 * ms, 2000 * ms}, 5, "503 internal_error: injected fault: Service Unavailable (request_id nc-"},
		{"retry-after over the wait budget", []numoratest.Fault{{Status: 429, RetryAfter: "600"}}, nil, 1, "(gave up after 1 attempts)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t)
			for _, f := range tt.faults {
				e.srv.Fail(numoratest.EndpointDocument, f)
			}
			d, err := e.c.Document(context.Background(), invoiceID)
			if got := e.sleeps(); !slices.Equal(got, tt.wantSleeps) {
				t.Errorf("got sleeps %v, want %v", got, tt.wantSleeps)
			}
			if got := len(e.requests(numoratest.EndpointDocument)); got != tt.wantReqs {
				t.Errorf("got %d requests, want %d", got, tt.wantReqs)
			}
			if tt.wantErr == "" {
				if err != nil || d.ID != invoiceID {
					t.Errorf("got %v, want the document", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !numora.IsTransient(err) {
				t.Errorf("got %v, want a transient error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRetryPolicyIsConfigurable(t *testing.T) {
	e := setup(t)
	c := e.client(t, func(cfg *numora.Config) {
		cfg.Retry = retry.Policy{MaxAttempts: 2, BaseDelay: time.Second}
	})
	e.srv.Fail(numoratest.EndpointResult, numoratest.Fault{Status: 500})
	_, err := c.Result(context.Background(), invoiceID)
	var ae *numora.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Errorf("got %v, want a 500 after 2 attempts", err)
	}
	if got := e.sleeps(); !slices.Equal(got, []time.Duration{500 * ms}) {
		t.Errorf("got sleeps %v, want [500ms]", got)
	}
}

func TestPermanentErrorsAreNotRetried(t *testing.T) {
	tests := []struct {
		status int
		code   string
	}{{400, "invalid_payload"}, {401, "unauthorized"}, {403, "forbidden"}, {404, "not_found"},
		{409, "conflict"}, {422, "invalid_payload"}, {501, "internal_error"}}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			e := setup(t)
			e.srv.Fail(numoratest.EndpointDocument, numoratest.Fault{Status: tt.status, RetryAfter: "1"})
			_, err := e.c.Document(context.Background(), invoiceID)
			var ae *numora.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status || ae.Code != tt.code || ae.RetryAfter != time.Second {
				t.Fatalf("got %#v, want a %d %s APIError", err, tt.status, tt.code)
			}
			if numora.IsTransient(err) || len(e.sleeps()) != 0 || len(e.srv.Requests()) != 1 {
				t.Errorf("got transient %v, %d sleeps, %d requests; want permanent, none, 1",
					numora.IsTransient(err), len(e.sleeps()), len(e.srv.Requests()))
			}
		})
	}
}

func TestWrongKeyIs401(t *testing.T) {
	e := setup(t)
	other := numoratest.NewServer(numoratest.WithAPIKey("sk_other"))
	defer other.Close()
	c := e.client(t, func(cfg *numora.Config) { cfg.BaseURL = other.URL })
	_, err := c.Document(context.Background(), invoiceID)
	var ae *numora.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Code != "unauthorized" || ae.Message != "missing or invalid API key" {
		t.Errorf("got %v, want the documented 401", err)
	}
	if reqs := other.Requests(); len(reqs) != 1 || reqs[0].AuthOK {
		t.Errorf("got %+v", reqs)
	}
}

// cancelClock cancels a context on its first Sleep, as a shutdown during a
// retry wait would.
type cancelClock struct {
	*retry.FakeClock
	cancel context.CancelFunc
}

func (c cancelClock) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	<-ctx.Done()
	return ctx.Err()
}

func TestContextCancellation(t *testing.T) {
	t.Run("before the call", func(t *testing.T) {
		e := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.c.Document(ctx, invoiceID)
		if !errors.Is(err, context.Canceled) || len(e.srv.Requests()) != 0 || len(e.sleeps()) != 0 {
			t.Errorf("got %v with %d requests, want context.Canceled and none", err, len(e.srv.Requests()))
		}
	})
	t.Run("during a retry wait", func(t *testing.T) {
		e := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		c := e.client(t, func(cfg *numora.Config) { cfg.Clock = cancelClock{e.clock, cancel} })
		e.srv.Fail(numoratest.EndpointDocument, numoratest.Fault{Status: 503})
		_, err := c.Document(ctx, invoiceID)
		var ae *numora.APIError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &ae) || len(e.srv.Requests()) != 1 {
			t.Errorf("got %v after %d requests, want context.Canceled with the last 503, after 1", err, len(e.srv.Requests()))
		}
	})
	t.Run("during a request", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		hits := 0
		c, clock := custom(t, func(w http.ResponseWriter, r *http.Request) {
			hits++
			cancel()
			<-r.Context().Done()
		}, nil)
		_, err := c.Document(ctx, invoiceID)
		if !errors.Is(err, context.Canceled) || hits != 1 || len(clock.Sleeps()) != 0 {
			t.Errorf("got %v after %d requests and sleeps %v, want context.Canceled after 1, no sleeps", err, hits, clock.Sleeps())
		}
	})
	t.Run("deadline", func(t *testing.T) {
		c, _ := custom(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 20*ms)
		defer cancel()
		_, err := c.Document(ctx, invoiceID)
		if !errors.Is(err, context.DeadlineExceeded) || !numora.IsTransient(err) {
			t.Errorf("got %v, want a transient DeadlineExceeded", err)
		}
	})
}

func TestRequestIDsPerAttempt(t *testing.T) {
	e := setup(t)
	e.srv.Fail(numoratest.EndpointDocument, numoratest.Fault{Status: 503, Times: 2})
	if _, err := e.c.Document(context.Background(), invoiceID); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range e.srv.Requests() {
		if seen[r.RequestID] || !strings.HasPrefix(r.RequestID, "nc-") || len(r.RequestID) < 20 {
			t.Errorf("got request id %q, want a unique nc- id", r.RequestID)
		}
		seen[r.RequestID] = true
	}
}
