package numoratest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fault is an injected failure for an endpoint. Status, Drop and Latency
// combine: Latency delays the request first, then Drop closes the
// connection without an answer, or Status answers with the documented error
// body (plus RetryAfter as the retry-after header). Latency alone slows a
// request that then succeeds.
type Fault struct {
	// Status is the error status to answer (429, 500, 503, ...), or 0.
	Status int
	// RetryAfter is the retry-after header value ("2" or an HTTP date).
	RetryAfter string
	// Drop closes the connection without answering.
	Drop bool
	// Latency delays the request on the server's clock, holding no lock.
	Latency time.Duration
	// AfterHandling runs the endpoint first (its state changes happen) and
	// then drops or replaces its answer: a lost response.
	AfterHandling bool
	// Times limits the fault to the next Times matching requests it hits;
	// 0 means no limit.
	Times int
	// Rate is the chance in (0, 1] that a matching request is hit, drawn
	// from the server's seeded randomness; 0 means every request.
	Rate float64
	// Header and Body, when either is set, make the answer raw: Status
	// (default 200) with exactly these headers and bytes, for truncated
	// JSON, wrong content types, huge bodies and redirects (a Location
	// header with a 3xx Status).
	Header http.Header
	Body   []byte
}

// raw reports whether the fault answers with its own headers and body.
func (f *Fault) raw() bool { return f.Header != nil || f.Body != nil }

// faultRule is a Fault armed for an endpoint, with its remaining budget.
type faultRule struct {
	endpoint Endpoint
	fault    Fault
	left     int // remaining hits when fault.Times > 0
}

// Fail arms f for endpoint (or AnyEndpoint). Rules are tried in the order
// they were armed; the first that hits a request applies, once.
func (s *Server) Fail(endpoint Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{endpoint: endpoint, fault: f, left: f.Times})
}

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// pickFault decides, under the lock, which fault (if any) hits a request
// to endpoint, and returns a copy.
func (s *Server) pickFault(endpoint Endpoint) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.faults {
		if r.endpoint != AnyEndpoint && r.endpoint != endpoint {
			continue
		}
		if r.fault.Rate > 0 && r.fault.Rate < 1 && s.rng.Float64() >= r.fault.Rate {
			continue
		}
		f := r.fault
		if f.Times > 0 {
			if r.left--; r.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &f
	}
	return nil
}

// describe names a fault for the request log.
func (f *Fault) describe() string {
	var parts []string
	if f.Latency > 0 {
		parts = append(parts, "latency "+f.Latency.String())
	}
	switch {
	case f.Drop:
		parts = append(parts, "drop")
	case f.raw():
		parts = append(parts, fmt.Sprintf("raw %d, %d bytes", f.rawStatus(), len(f.Body)))
	case f.Status != 0:
		parts = append(parts, fmt.Sprintf("status %d", f.Status))
	}
	if f.AfterHandling {
		parts = append(parts, "after handling")
	}
	return strings.Join(parts, ", ")
}

// rawStatus is a raw answer's status.
func (f *Fault) rawStatus() int {
	if f.Status == 0 {
		return http.StatusOK
	}
	return f.Status
}

// writeFault answers with the fault's status and the documented body, or
// with its raw answer.
func writeFault(w http.ResponseWriter, f *Fault, rid string) {
	if f.raw() {
		for k, v := range f.Header {
			w.Header()[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
		}
		w.WriteHeader(f.rawStatus())
		_, _ = w.Write(f.Body)
		return
	}
	if f.RetryAfter != "" {
		w.Header().Set("retry-after", f.RetryAfter)
	}
	if f.Status == http.StatusTooManyRequests {
		w.Header().Set("x-rate-limit-limit", "600")
		w.Header().Set("x-rate-limit-remaining", "0")
	}
	writeError(w, f.Status, codeFor(f.Status), "injected fault: "+http.StatusText(f.Status), rid)
}

// codeFor maps a status to the documented error code.
func codeFor(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "unauthorized"
	case status == http.StatusForbidden:
		return "forbidden"
	case status == http.StatusNotFound || status == http.StatusGone:
		return "not_found"
	case status == http.StatusConflict:
		return "conflict"
	case status == http.StatusTooManyRequests:
		return "rate_limited"
	case status >= 500:
		return "internal_error"
	}
	return "invalid_payload"
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream
	}
	_ = conn.Close()
}
