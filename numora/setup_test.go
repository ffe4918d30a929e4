package numora_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/retry"
	"github.com/numora/numora-connector/secret"
)

const (
	fixtures  = "../testdata/numora/documents.json"
	invoiceID = "doc_01jpwq4q9m7q4q2k8dax1x1q5n"
	apiKey    = "sk_test_s3cr3t_value_42"
)

var epoch = time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)

// env is one test's emulator, fake clock, client and log.
type env struct {
	srv   *numoratest.Server
	clock *retry.FakeClock
	c     *numora.Client
	logs  *syncBuffer
}

// setup starts an emulator with the fixtures and a client for it. Server
// and client share a fake clock; jitter is 0.5, so backoff waits are half
// their ceiling.
func setup(t *testing.T, opts ...numoratest.Option) *env {
	t.Helper()
	e := &env{clock: retry.NewFakeClock(epoch), logs: &syncBuffer{}}
	e.srv = numoratest.NewServer(append([]numoratest.Option{numoratest.WithClock(e.clock),
		numoratest.WithAPIKey(apiKey)}, opts...)...)
	t.Cleanup(e.srv.Close)
	if err := e.srv.LoadFixtures(fixtures); err != nil {
		t.Fatal(err)
	}
	e.c = e.client(t, nil)
	return e
}

// config returns the client configuration for e's server.
func (e *env) config() numora.Config {
	return numora.Config{BaseURL: e.srv.URL, APIKey: secret.New(apiKey), Clock: e.clock,
		Jitter: func() float64 { return 0.5 },
		Logger: slog.New(logctx.NewHandler(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
}

// client builds a client, with edit changing the configuration first.
func (e *env) client(t *testing.T, edit func(*numora.Config)) *numora.Client {
	t.Helper()
	cfg := e.config()
	if edit != nil {
		edit(&cfg)
	}
	c, err := numora.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// requests returns the emulator's logged requests to endpoint.
func (e *env) requests(endpoint numoratest.Endpoint) []numoratest.Request {
	var out []numoratest.Request
	for _, r := range e.srv.Requests() {
		if r.Endpoint == endpoint {
			out = append(out, r)
		}
	}
	return out
}

// sleeps returns the fake clock's sleeps.
func (e *env) sleeps() []time.Duration { return e.clock.Sleeps() }

// custom starts a loopback server with handler and a client for it.
func custom(t *testing.T, handler http.HandlerFunc, edit func(*numora.Config)) (*numora.Client, *retry.FakeClock) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	clock := retry.NewFakeClock(epoch)
	cfg := numora.Config{BaseURL: srv.URL, APIKey: secret.New(apiKey), Clock: clock, Jitter: func() float64 { return 0.5 }}
	if edit != nil {
		edit(&cfg)
	}
	c, err := numora.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, clock
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// noSecret fails if apiKey appears in s.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, apiKey) || strings.Contains(s, "s3cr3t") {
		t.Errorf("%s leaks the API key: %s", what, s)
	}
}

// secretKey returns the test API key as a secret.
func secretKey() secret.String { return secret.New(apiKey) }
