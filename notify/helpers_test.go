package notify

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/numora/webhook"
)

var (
	now    = time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	secret = []byte("whsec_test")
)

// counts counts the notifications a Server answered, by endpoint/result.
type counts map[string]int

func (c counts) Notification(endpoint, result string) { c[endpoint+"/"+result]++ }

// openQueue opens a queue in a temporary directory whose clock is clock
// (nil: the wall clock), holding a notice for each of ids; it is closed
// when the test ends.
func openQueue(t *testing.T, clock func() time.Time, ids ...string) *queue.Queue {
	t.Helper()
	q, err := queue.Open(filepath.Join(t.TempDir(), "q.db"), queue.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	for _, id := range ids {
		if _, err := q.Put(queue.Notice{DocumentID: id}); err != nil {
			t.Fatal(err)
		}
	}
	return q
}

// at is a clock standing at *t, which the test moves.
func at(t *time.Time) func() time.Time { return func() time.Time { return *t } }

// startServer serves New(cfg) on loopback until the test ends, verifying
// signatures with secret at the time now and counting into the returned
// counts (cfg.Queue and any other settings are the caller's).
func startServer(t *testing.T, cfg Config) (*httptest.Server, counts) {
	t.Helper()
	v, err := webhook.NewVerifier(webhook.Config{Secrets: [][]byte{secret}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c := counts{}
	cfg.Verifier, cfg.Counter = v, c
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, c
}
