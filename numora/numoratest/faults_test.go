package numoratest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/numora/numora-connector/numora"
)

// statuses sends n outbox requests and returns the statuses.
func outboxStatuses(t *testing.T, s *Server, n int) []int {
	t.Helper()
	var got []int
	for range n {
		got = append(got, send(t, s, "GET", "/v1/delivery/outbox?provider=x", "").status)
	}
	return got
}

func TestFailNext(t *testing.T) {
	tests := []struct {
		name     string
		endpoint Endpoint
		fault    Fault
		want     []int
	}{
		{"429 twice", EndpointOutbox, Fault{Status: 429, RetryAfter: "2", Times: 2}, []int{429, 429, 200, 200}},
		{"503 forever", AnyEndpoint, Fault{Status: 503}, []int{503, 503, 503, 503}},
		{"other endpoint", EndpointResult, Fault{Status: 500}, []int{200, 200, 200, 200}},
		{"latency only", EndpointOutbox, Fault{Latency: 1, Times: 1}, []int{200, 200, 200, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := start(t)
			s.Fail(tt.endpoint, tt.fault)
			if got := outboxStatuses(t, s, 4); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFaultBody(t *testing.T) {
	tests := []struct {
		status int
		code   string
	}{{429, "rate_limited"}, {500, "internal_error"}, {503, "internal_error"}, {401, "unauthorized"},
		{403, "forbidden"}, {404, "not_found"}, {410, "not_found"}, {409, "conflict"}, {400, "invalid_payload"}}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			s, _ := start(t)
			s.Fail(EndpointDocument, Fault{Status: tt.status, RetryAfter: "7"})
			r := send(t, s, "GET", "/v1/documents/x", "", "x-request-id", "nc-1")
			var e apiError
			r.decode(t, &e)
			if r.status != tt.status || e.Error.Code != tt.code || e.Error.RequestID != "nc-1" || r.header.Get("retry-after") != "7" {
				t.Errorf("got %d %+v retry-after %q, want %d %s", r.status, e, r.header.Get("retry-after"), tt.status, tt.code)
			}
		})
	}
}

func TestFailRateIsSeeded(t *testing.T) {
	run := func(seed int64) []int {
		s, _ := start(t, WithSeed(seed))
		s.Fail(EndpointOutbox, Fault{Status: 503, Rate: 0.5})
		return outboxStatuses(t, s, 40)
	}
	a, b := run(3), run(3)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	fails := 0
	for _, st := range a {
		if st == 503 {
			fails++
		}
	}
	if fails < 8 || fails > 32 {
		t.Errorf("got %d of 40 failing at rate 0.5", fails)
	}
	if c := run(4); slices.Equal(a, c) {
		t.Errorf("seeds 3 and 4 gave the same faults: %v", a)
	}
}

func TestFaultAfterHandling(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		want  int
	}{
		{"lost answer", Fault{Status: 503, AfterHandling: true, Times: 1}, 503},
		{"dropped answer", Fault{Drop: true, AfterHandling: true, Times: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loaded(t)
			s.Fail(EndpointDelivery, tt.fault)
			tr := &http.Transport{DisableKeepAlives: true}
			defer tr.CloseIdleConnections()
			hreq, _ := http.NewRequest("POST", s.URL+"/v1/documents/"+invoiceID+"/delivery", stringsReader(delivery(nil)))
			hreq.Header.Set("Authorization", "Bearer "+s.APIKey)
			resp, err := (&http.Client{Transport: tr}).Do(hreq)
			if tt.want == 0 && err == nil {
				t.Fatalf("got %d, want a dropped connection", resp.StatusCode)
			}
			if tt.want != 0 && (err != nil || resp.StatusCode != tt.want) {
				t.Fatalf("got %v %v, want %d", resp, err, tt.want)
			}
			if d, _ := s.Document(invoiceID); d.Status != numora.StatusPushSucceeded {
				t.Errorf("got %s, want push_succeeded: the callback was handled", d.Status)
			}
			if got := s.Deliveries(invoiceID); len(got) != 1 || got[0].StatusCode != 200 {
				t.Errorf("got %+v, want one accepted attempt", got)
			}
			if got := s.Requests(); got[len(got)-1].Status != tt.want {
				t.Errorf("got logged status %d, want %d", got[len(got)-1].Status, tt.want)
			}
		})
	}
}

func TestClearFaults(t *testing.T) {
	s, _ := start(t)
	s.Fail(AnyEndpoint, Fault{Status: 500})
	s.ClearFaults()
	if got := outboxStatuses(t, s, 1); got[0] != 200 {
		t.Errorf("got %v after ClearFaults, want 200", got)
	}
}
