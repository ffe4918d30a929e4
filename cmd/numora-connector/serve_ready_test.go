package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/secret"
)

// TestE2EServeReadiness: /readyz answers 200 only while Numora accepts the
// key and Dataverse issues a token; each refusal is 503 naming the failed
// check (and never the secret), while /healthz stays 200.
func TestE2EServeReadiness(t *testing.T) {
	tests := []struct {
		name  string
		fault func(e *e2e)
		code  int
		check string // the prefix of the one failed check
	}{
		{"ready", func(*e2e) {}, http.StatusOK, ""},
		{"Numora refuses the key", func(e *e2e) { e.sb.numora.RotateAPIKey("sk_rotated_elsewhere") }, http.StatusServiceUnavailable, "numora: "},
		{"Entra ID refuses a token", func(e *e2e) { e.sb.dv.SetTokenRefusal(dataversetest.RefuseDisabledApp) },
			http.StatusServiceUnavailable, "destination: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newE2E(t, only("none")) // nothing to deliver: the probes alone ask
			tt.fault(e)
			s := e.startServe(t, filepath.Join(e.dir, "queue.db"))
			if code, body := s.get(t, "/healthz"); code != http.StatusOK {
				t.Errorf("/healthz = %d %s, want 200 (the process is up)", code, body)
			}
			code, body := s.get(t, "/readyz")
			var a struct {
				Status string
				Checks []string
			}
			if err := json.Unmarshal(body, &a); err != nil {
				t.Fatalf("/readyz body %q: %v", body, err)
			}
			if code != tt.code {
				t.Fatalf("/readyz = %d %s, want %d", code, body, tt.code)
			}
			if tt.check != "" && (len(a.Checks) != 1 || !strings.HasPrefix(a.Checks[0], tt.check)) {
				t.Errorf("failed checks %q, want one starting %q", a.Checks, tt.check)
			}
			s.stop(t)
			e.noSecrets(t, string(body)+s.stderr.String())
		})
	}
}

// TestServeReadinessQueueClosed: the queue probe fails once the queue is
// closed (the probe order is queue, numora, destination).
func TestServeReadinessQueueClosed(t *testing.T) {
	e := newE2E(t, only("none"))
	q, err := queue.Open(filepath.Join(t.TempDir(), "q.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := newNumora(&config{Numora: numoraConfig{BaseURL: e.sb.numora.URL, APIKey: secret.New(e.sb.numora.APIKey)}}, logctx.Discard())
	if err != nil {
		t.Fatal(err)
	}
	r := readiness(&serveParts{q: q, src: src})
	if failed := r.Check(context.Background()); len(failed) != 0 {
		t.Fatalf("open queue, key accepted: failed %q, want none", failed)
	}
	q.Close()
	r = readiness(&serveParts{q: q, src: src})
	if failed := r.Check(context.Background()); len(failed) != 1 || !strings.HasPrefix(failed[0], "queue: ") {
		t.Errorf("closed queue: failed %q, want the queue check alone", failed)
	}
}

// TestE2EServeReconcile: with --reconcile, serve delivers what the outbox
// lists although no notification arrives (the server was down when they
// were sent), each document once, and logs the poll.
func TestE2EServeReconcile(t *testing.T) {
	want := baselineRows(t)
	e := newE2E(t, only("delivered"))
	s := e.startServe(t, filepath.Join(e.dir, "queue.db"), "--reconcile", "1h")
	polled := false
	for line := range s.lines { // ends at serve's EOF
		if polled = strings.Contains(line, `"msg":"reconcile: outbox read"`); polled {
			break
		}
	}
	if !polled {
		t.Fatalf("serve ended without logging the outbox poll:\n%s", s.stderr)
	}
	e.awaitRecorded(t, s, e.ids())
	mfs := s.awaitDocuments(t, len(e.ids()))
	if got := sum(mfs, "numora_connector_notifications_total", nil); got != 0 {
		t.Errorf("notifications_total = %v, want 0 (the outbox poll queued them)", got)
	}
	if got := e.rowCounts(); !equalCounts(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for _, id := range e.ids() {
		if n := len(e.accepted(id)); n != 1 {
			t.Errorf("%s: %d callbacks, want 1", id, n)
		}
	}
	s.stop(t)
}
