package dataversetest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawPost sends a request and returns the transport error, if any.
func rawPost(t *testing.T, s *Server, client *http.Client, path, body string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.serviceRoot()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.IssueToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestFaultStatus(t *testing.T) {
	tests := []struct {
		name       string
		fault      Fault
		status     int
		code       string
		retryAfter string
	}{
		{"503 default", Fault{Count: 1}, 503, "", ""},
		{"500", Fault{Status: 500, Count: 1}, 500, codeUnexpected, ""},
		{"504 with Retry-After", Fault{Status: 504, RetryAfter: 3 * time.Second, Count: 1}, 504, "", "3"},
		{"502", Fault{Status: 502, Count: 1}, 502, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			s.AddFault(tt.fault)
			r := c.call("POST", "accounts", `{"name":"x"}`)
			wantError(t, r, tt.status, tt.code)
			if got := r.header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("got Retry-After %q, want %q", got, tt.retryAfter)
			}
			if s.Count("accounts") != 0 {
				t.Errorf("a faulted request was applied")
			}
			wantStatus(t, c.call("POST", "accounts", `{"name":"x"}`), 204)
			if got := s.Requests()[0].Fault; got != "status" {
				t.Errorf("got logged fault %q", got)
			}
		})
	}
}

func TestFaultMatchersAndCount(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	s.AddFault(Fault{Method: "POST", Path: "new_vendorinvoices", Count: 2})
	wantStatus(t, c.call("POST", "accounts", `{}`), 204)
	wantStatus(t, c.call("GET", "new_vendorinvoices", ""), 200)
	wantError(t, c.call("POST", "new_vendorinvoices", `{}`), 503, "")
	wantError(t, c.call("POST", "new_vendorinvoices", `{}`), 503, "")
	wantStatus(t, c.call("POST", "new_vendorinvoices", `{}`), 204)
	if got := s.Stats().Faults; got != 2 {
		t.Errorf("got %d faults, want 2", got)
	}
	s.AddFault(Fault{Path: "$batch"})
	wantError(t, postBatch(c, "--batch_AAA--\r\n"), 503, "")
	s.ClearFaults()
	wantStatus(t, postBatch(c, "--batch_AAA--\r\n"), 200)
}

func TestFaultFractionIsDeterministic(t *testing.T) {
	pattern := func() string {
		s := newTestServer(t, WithSeed(42))
		c := newAPIClient(t, s)
		s.AddFault(Fault{Fraction: 0.3})
		var b strings.Builder
		for range 60 {
			b.WriteString(map[bool]string{true: "x", false: "."}[c.call("GET", "WhoAmI", "").status == 503])
		}
		return b.String()
	}
	p1, p2 := pattern(), pattern()
	if p1 != p2 {
		t.Errorf("same seed, different faults:\n%s\n%s", p1, p2)
	}
	if n := strings.Count(p1, "x"); n < 6 || n > 36 {
		t.Errorf("got %d faults in 60 at fraction 0.3: %s", n, p1)
	}
}

func TestFaultDrop(t *testing.T) {
	for _, after := range []bool{false, true} {
		t.Run(map[bool]string{false: "before write", true: "after write"}[after], func(t *testing.T) {
			s := newTestServer(t)
			s.AddFault(Fault{Kind: FaultDrop, AfterWrite: after, Count: 1})
			_, err := rawPost(t, s, s.Client(), "accounts", `{"name":"x"}`)
			if err == nil {
				t.Fatal("got a response, want a dropped connection")
			}
			want := map[bool]int{false: 0, true: 1}[after]
			if got := s.Count("accounts"); got != want {
				t.Errorf("got %d rows, want %d", got, want)
			}
			if got := s.Requests()[0]; got.Status != 0 || got.Fault != "drop" {
				t.Errorf("got logged request %+v", got)
			}
			resp, err := rawPost(t, s, s.Client(), "accounts", `{"name":"y"}`)
			if err != nil || resp.StatusCode != 204 {
				t.Errorf("after the drop: got %v, %v", resp, err)
			}
		})
	}
}

func TestFaultSlowBeyondClientTimeout(t *testing.T) {
	for _, after := range []bool{false, true} {
		t.Run(map[bool]string{false: "before write", true: "after write"}[after], func(t *testing.T) {
			entered, release := make(chan struct{}, 1), make(chan struct{})
			// The slow answer waits for the test, not for the request's
			// context: the client must give up whenever the server's
			// side of the connection notices it.
			block := func(_ context.Context, d time.Duration) error {
				if d == 0 {
					return nil
				}
				entered <- struct{}{}
				<-release
				return nil
			}
			defer close(release)
			s := newTestServer(t, WithSleep(block))
			s.AddFault(Fault{Kind: FaultSlow, Delay: time.Hour, AfterWrite: after, Count: 1})
			client := &http.Client{Transport: s.Client().Transport, Timeout: 100 * time.Millisecond}
			_, err := rawPost(t, s, client, "accounts", `{"name":"x"}`)
			var te interface{ Timeout() bool }
			if !errors.As(err, &te) || !te.Timeout() {
				t.Fatalf("got %v, want a client timeout", err)
			}
			<-entered
			want := map[bool]int{false: 0, true: 1}[after]
			if got := s.Count("accounts"); got != want {
				t.Errorf("got %d rows, want %d", got, want)
			}
		})
	}
}

func TestFaultSlowAndLatencyUseSleep(t *testing.T) {
	var mu sync.Mutex
	var slept []time.Duration
	record := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return nil
	}
	s := newTestServer(t, WithSleep(record), WithLatency(20*time.Millisecond))
	c := newAPIClient(t, s)
	s.AddFault(Fault{Kind: FaultSlow, Delay: 5 * time.Second, Count: 1})
	wantStatus(t, c.call("POST", "accounts", `{}`), 204)
	s.SetLatency(0)
	s.SetExecTime(time.Second)
	wantStatus(t, c.call("POST", "accounts", `{}`), 204)
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{20 * time.Millisecond, 5 * time.Second, 0}
	if len(slept) != len(want) {
		t.Fatalf("got sleeps %v, want %v", slept, want)
	}
	for i := range want {
		if slept[i] != want[i] {
			t.Errorf("got sleeps %v, want %v", slept, want)
		}
	}
}

func TestSleepExecTime(t *testing.T) {
	var got []time.Duration
	s := newTestServer(t, WithConfig(Config{ExecTime: time.Second, SleepExecTime: true,
		Sleep: func(ctx context.Context, d time.Duration) error { got = append(got, d); return nil }}))
	c := newAPIClient(t, s)
	body := batchBody("batch_AAA", batchGroup{changeSet: true, parts: []batchPart{
		{method: "POST", url: "accounts", body: `{}`}, {method: "POST", url: "accounts", body: `{}`}, {method: "POST", url: "accounts", body: `{}`}}})
	wantStatus(t, postBatch(c, body), 200)
	if len(got) != 2 || got[1] != 3*time.Second {
		t.Errorf("got sleeps %v, want latency 0 then 3 s of execution", got)
	}
}

func TestDownSwitch(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	s.SetDown(true)
	wantError(t, c.call("GET", "WhoAmI", ""), 503, "")
	s.SetDown(false)
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
}
