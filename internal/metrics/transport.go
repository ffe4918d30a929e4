package metrics

import (
	"net/http"
	"strings"
)

// countingTransport counts the requests to one host and their 429s.
type countingTransport struct {
	base http.RoundTripper
	host string
	m    *Metrics
}

// Transport wraps base so that requests to host (Dataverse; token
// requests go elsewhere) are counted, with their 429 answers.
func (m *Metrics) Transport(base http.RoundTripper, host string) http.RoundTripper {
	return &countingTransport{base: base, host: strings.ToLower(host), m: m}
}

// RoundTrip implements http.RoundTripper.
func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.EqualFold(r.URL.Host, t.host) {
		return t.base.RoundTrip(r)
	}
	t.m.requests.Inc()
	resp, err := t.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.m.throttled.Inc()
	}
	return resp, err
}
