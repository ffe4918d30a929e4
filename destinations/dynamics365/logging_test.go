package dynamics365

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
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
	logs := &syncBuffer{}
	logger := slog.New(logctx.NewHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	d, s, _ := emuWith(t, &emuCredential{}, nil, func(c *Config) {
		c.Logger = logger
		c.Breaker = BreakerConfig{Failures: 1}
	})
	s.AddFault(dataversetest.Fault{Path: "WhoAmI", Status: http.StatusUnauthorized, Code: "0x8005F101", Message: "The access token has expired.", Count: 1})
	s.AddFault(dataversetest.Fault{Path: "$batch", Status: http.StatusServiceUnavailable})
	ctx := logctx.With(context.Background(), slog.String("run_id", "run-1"), slog.String("document_id", "doc_2"))
	if err := d.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	_, err := d.Deliver(ctx, lineOnlyPlan())
	reqs := s.Requests()
	ids := map[string]bool{}
	for _, r := range reqs {
		ids[r.RequestID] = r.RequestID != ""
	}
	if last := reqs[len(reqs)-1].RequestID; !strings.HasSuffix(err.Error(), "(request id "+last+")") {
		t.Errorf("error %q does not end with the last request's id %s", err, last)
	}
	seen := map[string]bool{}
	for _, r := range logs.records(t) {
		msg, _ := r["msg"].(string)
		seen[msg] = true
		if r["run_id"] != "run-1" || r["document_id"] != "doc_2" {
			t.Errorf("%q lacks the context's run_id and document_id: %v", msg, r)
		}
		if id, _ := r["request_id"].(string); !ids[id] {
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
