package dataversetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for limit and expiry tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTestServer starts an emulator closed at the end of the test.
func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	return NewServer(append(opts, WithCleanup(t))...)
}

// apiClient sends Web API requests with a token issued by the server.
type apiClient struct {
	t     *testing.T
	s     *Server
	token string
}

func newAPIClient(t *testing.T, s *Server) *apiClient {
	return &apiClient{t: t, s: s, token: s.IssueToken()}
}

// reply is a decoded Web API response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map.
func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
	return m
}

// errorCode returns error.code and error.message.
func (r reply) errorCode(t *testing.T) (string, string) {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	return code, msg
}

// call sends method path (relative to the service root, or absolute path
// when it starts with "/") with an optional body and header pairs.
func (c *apiClient) call(method, path, body string, headers ...string) reply {
	c.t.Helper()
	u := c.s.serviceRoot() + escapeQuery(path)
	if strings.HasPrefix(path, "/") {
		u = c.s.URL + escapeQuery(path)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("OData-MaxVersion", "4.0")
	req.Header.Set("OData-Version", "4.0")
	if body != "" {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.s.Client().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// escapeQuery percent-encodes the query values of "path?k=v&k2=v2".
func escapeQuery(path string) string {
	p, q, ok := strings.Cut(path, "?")
	if !ok {
		return path
	}
	parts := strings.Split(q, "&$")
	for i := 1; i < len(parts); i++ {
		parts[i] = "$" + parts[i]
	}
	for i, kv := range parts {
		k, v, _ := strings.Cut(kv, "=")
		parts[i] = k + "=" + url.QueryEscape(v)
	}
	return p + "?" + strings.Join(parts, "&")
}

// wantStatus fails the test when r.status != want.
func wantStatus(t *testing.T, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("got status %d, want %d; body %s", r.status, want, r.body)
	}
}

// wantError checks status and error code.
func wantError(t *testing.T, r reply, status int, code string) string {
	t.Helper()
	wantStatus(t, r, status)
	got, msg := r.errorCode(t)
	if got != code {
		t.Fatalf("got code %q, want %q (message %q)", got, code, msg)
	}
	return msg
}
