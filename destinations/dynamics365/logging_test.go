package dynamics365

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/numora/numora-connector/internal/logctx"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// records decodes the JSON log lines written so far.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(s.b.String()) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

func TestLogLinesCarryRequestIDAndContext(t *testing.T) {
	f := newFakeDataverse(t)
	var whoami atomic.Int32
	f.before = func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case r.URL.Path == "/api/data/v9.2/WhoAmI" && whoami.Add(1) == 1:
			writeJSON(w, 401, `{"error":{"code":"0x8005F101","message":"The access token has expired."}}`)
		case r.URL.Path == "/api/data/v9.2/$batch":
			writeJSON(w, 503, `{"error":{"code":"","message":"down"}}`)
		default:
			return false
		}
		return true
	}
	logs := &syncBuffer{}
	logger := slog.New(logctx.NewHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	d, _, _ := setup(t, f, func(c *Config) {
		c.Logger = logger
		c.Breaker = BreakerConfig{Failures: 1}
	})
	ctx := logctx.With(context.Background(), slog.String("run_id", "run-1"), slog.String("document_id", "doc_2"))
	if err := d.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	_, err := d.Deliver(ctx, lineOnlyPlan())
	if !strings.HasSuffix(err.Error(), "(request id "+lastRequestID(f)+")") {
		t.Errorf("error %q does not end with the last request's id %s", err, lastRequestID(f))
	}
	seen := map[string]bool{}
	for _, r := range logs.records(t) {
		msg, _ := r["msg"].(string)
		seen[msg] = true
		if r["run_id"] != "run-1" || r["document_id"] != "doc_2" {
			t.Errorf("%q lacks the context's run_id and document_id: %v", msg, r)
		}
		if id, _ := r["request_id"].(string); !strings.HasPrefix(id, "req-") {
			t.Errorf("%q (%s) lacks Dataverse's request id: %v", msg, r["level"], r)
		}
	}
	for _, want := range []string{
		"dynamics365: response",
		"dynamics365: token refused, fetching a new one",
		"dynamics365: connected",
		"dynamics365: retrying",
		"dynamics365: request failed, not retrying",
		"dynamics365: circuit breaker state changed",
	} {
		if !seen[want] {
			t.Errorf("no %q line; got %v", want, seen)
		}
	}
}

// lastRequestID is the id the fake server gave its latest request.
func lastRequestID(f *fakeDataverse) string {
	n := len(f.log())
	return fmt.Sprintf("req-%d", n)
}

func TestWithRequestID(t *testing.T) {
	long := strings.Repeat("é", maxIDMessage) // 2 bytes a rune
	tests := []struct {
		name, msg, id, want string
	}{
		{"no id", "too long", "", "too long"},
		{"id appended", "too long", "r-1", "too long (request id r-1)"},
		{"long message cut on a rune boundary", long, "r-1", long[:maxIDMessage] + "… (request id r-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := withRequestID(tt.msg, tt.id); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	odd := "x" + long // the cut falls inside a rune
	if got := withRequestID(odd, "r"); !strings.HasSuffix(got, "é… (request id r)") || len(got) > maxIDMessage+len("… (request id r)") {
		t.Errorf("cut inside a rune: got %q", got[len(got)-30:])
	}
}
