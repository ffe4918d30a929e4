package numoratest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/numora/numora-connector/numora"
)

func TestAuth(t *testing.T) {
	s, _ := start(t)
	s.Generate(1, 1)
	tests := []struct {
		name   string
		auth   string
		status int
	}{
		{"right key", "Bearer sk_test_key", http.StatusOK},
		{"missing", "", http.StatusUnauthorized},
		{"wrong key", "Bearer sk_test_other", http.StatusUnauthorized},
		{"no scheme", "sk_test_key", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ResetRequests()
			r := send(t, s, "GET", "/v1/delivery/outbox?provider=dynamics365", "", "Authorization", tt.auth)
			if r.status != tt.status {
				t.Fatalf("got status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == http.StatusUnauthorized {
				if code := r.errorCode(t); code != "unauthorized" {
					t.Errorf("got code %q, want unauthorized", code)
				}
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].AuthOK != (tt.status == http.StatusOK) {
				t.Errorf("got request log %+v, want one entry with AuthOK %v", reqs, tt.status == http.StatusOK)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	s, _ := start(t)
	r := send(t, s, "GET", "/v1/documents/nope", "", "x-request-id", "nc-abc")
	if got := r.header.Get("x-request-id"); got != "nc-abc" {
		t.Errorf("got echoed x-request-id %q, want nc-abc", got)
	}
	var e apiError
	r.decode(t, &e)
	if e.Error.RequestID != "nc-abc" || e.Error.Code != "not_found" || r.status != http.StatusNotFound {
		t.Errorf("got %d %+v, want 404 not_found with request_id nc-abc", r.status, e)
	}
	r = send(t, s, "GET", "/v1/documents/nope", "")
	if got := r.header.Get("x-request-id"); !strings.HasPrefix(got, "req_") {
		t.Errorf("got generated x-request-id %q, want req_...", got)
	}
	if reqs := s.Requests(); reqs[0].RequestID != "nc-abc" || reqs[1].RequestID != "" {
		t.Errorf("got logged request ids %q, %q; want nc-abc and empty", reqs[0].RequestID, reqs[1].RequestID)
	}
}

func TestRouting(t *testing.T) {
	s, _ := start(t)
	if err := s.AddDocument(Fixture{Result: numora.Result{ID: "a/b c", Schema: "invoice_v2"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"escaped id", "GET", "/v1/documents/a%2Fb%20c", 200, ""},
		{"escaped id result", "GET", "/v1/documents/a%2Fb%20c/result", 200, ""},
		{"unknown path", "GET", "/v2/whatever", 404, "not_found"},
		{"unknown sub", "GET", "/v1/documents/x/notes", 404, "not_found"},
		{"wrong method", "DELETE", "/v1/documents/a%2Fb%20c", 405, "invalid_payload"},
		{"get delivery", "GET", "/v1/documents/a%2Fb%20c/delivery", 405, "invalid_payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s, tt.method, tt.path, "")
			if r.status != tt.status {
				t.Fatalf("got %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.code != "" && r.errorCode(t) != tt.code {
				t.Errorf("got code %q, want %q", r.errorCode(t), tt.code)
			}
		})
	}
}

func TestNewServerOn(t *testing.T) {
	s, err := NewServerOn("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Generate(2, 1)
	r := send(t, s, "GET", "/v1/delivery/outbox?provider=x", "")
	if r.status != 200 {
		t.Errorf("got %d, want 200", r.status)
	}
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:80", "example.com:80", "nonsense"} {
		if s, err := NewServerOn(addr); err == nil {
			s.Close()
			t.Errorf("NewServerOn(%q) succeeded, want a loopback error", addr)
		}
	}
	s.Close() // twice is fine
}

func TestUnstartedHandler(t *testing.T) {
	s := New(WithAPIKey("k"))
	if s.URL != "" || s.APIKey != "k" {
		t.Errorf("got URL %q key %q, want empty URL and key k", s.URL, s.APIKey)
	}
	var _ http.Handler = s
	s.Close()
}

func TestLatencyAndClose(t *testing.T) {
	s, clock := start(t)
	s.Generate(1, 1)
	s.Fail(EndpointOutbox, Fault{Latency: 3e9, Times: 1})
	r := send(t, s, "GET", "/v1/delivery/outbox?provider=x", "")
	if r.status != 200 {
		t.Errorf("got %d, want 200 after latency", r.status)
	}
	if got := clock.Sleeps(); len(got) != 1 || got[0] != 3e9 {
		t.Errorf("got server sleeps %v, want [3s]", got)
	}
	if got := s.Requests()[0].Fault; got != "latency 3s" {
		t.Errorf("got fault %q, want latency 3s", got)
	}
	// A real-clock latency is cut short by Close.
	real := New()
	real.Fail(AnyEndpoint, Fault{Latency: 1 << 62})
	real.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	real.sleep(ctx, 1<<62) // returns because the server is closed
}

func TestDropConnection(t *testing.T) {
	s, _ := start(t)
	s.Generate(1, 1)
	s.Fail(EndpointOutbox, Fault{Drop: true, Times: 1})
	req, _ := http.NewRequest("GET", s.URL+"/v1/delivery/outbox?provider=x", nil)
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Do(req)
	var ne net.Error
	if err == nil || (!errors.As(err, &ne) && !strings.Contains(err.Error(), "EOF")) {
		t.Fatalf("got %v, want a connection error", err)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Status != 0 || reqs[0].Fault != "drop" {
		t.Errorf("got %+v, want one dropped request", reqs)
	}
}

func TestRequestLogLimit(t *testing.T) {
	s, _ := start(t, WithRequestLog(3))
	for _, p := range []string{"/a", "/b", "/c", "/d", "/e"} {
		send(t, s, "GET", p, "")
	}
	var got []string
	for _, r := range s.Requests() {
		got = append(got, r.Path)
	}
	if strings.Join(got, ",") != "/c,/d,/e" {
		t.Errorf("got %v, want the last three", got)
	}
}
