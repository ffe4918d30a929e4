package numoratest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/webhook"
)

// receiver verifies and records notifications, failing the first `fail`.
type receiver struct {
	t    *testing.T
	v    *webhook.Verifier
	mu   sync.Mutex
	fail int
	got  []map[string]any
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := rc.v.Verify(r.Header.Get(webhook.Header), body); err != nil {
		rc.t.Errorf("signature: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.Header.Get("X-Numora-Webhook-Id") == "" || r.Header.Get("X-Numora-Webhook-Timestamp") == "" {
		rc.t.Error("missing X-Numora-Webhook-Id or -Timestamp")
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.fail > 0 {
		rc.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	m["path"] = r.URL.Path
	rc.got = append(rc.got, m)
	w.WriteHeader(http.StatusAccepted)
}

func TestNotifications(t *testing.T) {
	s, clock := start(t)
	secret := []byte("whsec_emulator")
	v, _ := webhook.NewVerifier(webhook.Config{Secrets: [][]byte{secret}, Now: clock.Now})
	rc := &receiver{t: t, v: v, fail: 2}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	for _, id := range []string{"doc_a", "doc_b"} {
		if err := s.AddDocument(Fixture{Result: numora.Result{ID: id, Schema: "invoice_v2", Status: numora.StatusReviewRequired}}); err != nil {
			t.Fatal(err)
		}
	}
	s.EnableNotify(NotifyConfig{ExecutorURL: hook.URL + "/numora/executor", WebhookURL: hook.URL + "/numora/webhooks", Secret: secret})
	if err := s.Review("doc_a"); err != nil {
		t.Fatal(err)
	}
	s.WaitNotifications()
	if r := send(t, s, http.MethodPost, "/v1/documents/doc_a/dispatch", `{"provider":"dynamics365"}`); r.status != http.StatusAccepted {
		t.Fatalf("dispatch = %d %s", r.status, r.body)
	}
	s.WaitNotifications()
	notes := s.Notifications()
	if len(notes) != 2 || notes[0].Attempts != 3 || !notes[0].Delivered || !notes[1].Delivered {
		t.Fatalf("notifications %+v, want 2 delivered, the first after 2 failed attempts", notes)
	}
	if len(rc.got) != 2 || rc.got[0]["type"] != "document.reviewed" || rc.got[1]["path"] != "/numora/executor" ||
		rc.got[1]["document_id"] != "doc_a" {
		t.Fatalf("received %v", rc.got)
	}
	if d, _ := s.Document("doc_a"); d.Status != numora.StatusReviewed {
		t.Errorf("status after executor dispatch = %s, want reviewed (the executor's callback moves it)", d.Status)
	}
}
