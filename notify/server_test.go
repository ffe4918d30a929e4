package notify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/numora/webhook"
)

// setup serves a Server with a 1 KiB body limit and a readiness probe
// that fails.
func setup(t *testing.T) (*httptest.Server, *queue.Queue, counts) {
	t.Helper()
	q := openQueue(t, at(&now))
	srv, c := startServer(t, Config{Queue: q, MaxBody: 1024,
		Ready: &Readiness{Probes: []Probe{{"numora", func(context.Context) error { return errors.New("key refused") }}}}})
	return srv, q, c
}

func post(t *testing.T, url, body, signature string) (int, answer) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if signature != "" {
		req.Header.Set(webhook.Header, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("answer not JSON: %v", err)
	}
	return resp.StatusCode, a
}

func sign(body string) string {
	return webhook.Sign(webhook.Scheme{}, secret, strconv.FormatInt(now.Unix(), 10), []byte(body))
}

func event(id, typ, doc string) string {
	return `{"id":"` + id + `","type":"` + typ + `","created_at":"2026-03-24T03:00:00Z","data":{"document_id":"` + doc + `"}}`
}

func TestNotifications(t *testing.T) {
	srv, q, c := setup(t)
	exec, hooks := srv.URL+"/numora/executor", srv.URL+"/numora/webhooks"
	big := `{"document_id":"doc_big","pad":"` + strings.Repeat("x", 1100) + `"}`
	tests := []struct {
		name, url, body, sig string
		status               int
		want                 string // answer status
		errHas               string // in the answer's error, for a refusal
	}{
		{"executor notify", exec, `{"document_id":"doc_1"}`, "", 202, "accepted", ""},
		{"executor notify under data", exec, `{"data":{"document_id":"doc_2"}}`, "", 202, "accepted", ""},
		{"same document again", exec, `{"document_id":"doc_1"}`, "", 202, "coalesced", ""},
		{"reviewed event", hooks, event("evt_1", "document.reviewed", "doc_3"), "", 202, "accepted", ""},
		{"event retried", hooks, event("evt_1", "document.reviewed", "doc_3"), "", 202, "duplicate", ""},
		{"push failed event", hooks, event("evt_2", "push.failed", "doc_4"), "", 202, "accepted", ""},
		{"other event type", hooks, event("evt_3", "document.processing", "doc_5"), "", 200, "ignored", ""},
		{"reviewed without document", hooks, `{"id":"evt_4","type":"document.reviewed","data":{}}`, "", 400, "refused", "data.document_id"},
		{"no document id", exec, `{"id":"x"}`, "", 400, "refused", "document_id"},
		{"not an object", exec, `["doc_1"]`, "", 400, "refused", "object"},
		{"broken JSON", exec, `{"document_id":`, "", 400, "refused", "JSON"},
		{"oversized", exec, big, "", 413, "refused", "larger than 1024 bytes"},
		{"wrong secret", exec, `{"document_id":"doc_6"}`,
			webhook.Sign(webhook.Scheme{}, []byte("other"), strconv.FormatInt(now.Unix(), 10), []byte(`{"document_id":"doc_6"}`)), 401, "refused", "signature mismatch"},
		{"stale", exec, `{"document_id":"doc_6"}`,
			webhook.Sign(webhook.Scheme{}, secret, strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10), []byte(`{"document_id":"doc_6"}`)), 401, "refused", "signature stale"},
		{"tampered", exec, `{"document_id":"doc_7"}`, sign(`{"document_id":"doc_6"}`), 401, "refused", "signature mismatch"},
		{"unsigned", exec, `{"document_id":"doc_6"}`, "none", 401, "refused", "signature missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := tt.sig
			switch sig {
			case "":
				sig = sign(tt.body)
			case "none":
				sig = ""
			}
			status, a := post(t, tt.url, tt.body, sig)
			if status != tt.status || a.Status != tt.want {
				t.Errorf("got %d %q (%s), want %d %q", status, a.Status, a.Error, tt.status, tt.want)
			}
			if !strings.Contains(a.Error, tt.errHas) || (tt.errHas == "") != (a.Error == "") {
				t.Errorf("answer error %q, want one saying %q", a.Error, tt.errHas)
			}
		})
	}
	if s := q.Stats(); s.Depth != 4 {
		t.Errorf("queue depth %d, want 4 (doc_1..doc_4)", s.Depth)
	}
	want := counts{"executor/accepted": 2, "executor/coalesced": 1, "webhooks/accepted": 2, "webhooks/duplicate": 1,
		"webhooks/ignored": 1, "webhooks/bad_body": 1, "executor/bad_body": 4, "executor/bad_signature": 4}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("count %s = %d, want %d", k, c[k], v)
		}
	}
	for k := range c { // metrics show Results at 0 from the start: none may be missing
		endpoint, result, _ := strings.Cut(k, "/")
		if !slices.Contains(Endpoints(), endpoint) || !slices.Contains(Results(), result) {
			t.Errorf("counted %s, which Endpoints/Results do not list", k)
		}
	}
}

func TestProbes(t *testing.T) {
	srv, _, _ := setup(t)
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz", 200},
		{"GET", "/readyz", 503},
		{"GET", "/numora/executor", 405},
		{"POST", "/healthz", 405},
		{"GET", "/metrics", 404},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
