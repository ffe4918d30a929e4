package numoratest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/webhook"
)

// NotifyConfig makes the emulator send notifications the route generation
// way: a dispatch of a document whose route is the executor notifies
// ExecutorURL (the document keeps its status; the executor's delivery
// callback moves it), and Review sends document.reviewed to WebhookURL.
// Every notification is signed with Secret under Scheme, the timestamp
// being the X-Numora-Webhook-Timestamp value (ISO-8601), and retried on a
// non-2xx answer or a transport error.
type NotifyConfig struct {
	ExecutorURL string
	WebhookURL  string
	Secret      []byte
	Scheme      webhook.Scheme
	// Attempts per notification; default 5. Backoff before the second
	// attempt, doubling after; default 200ms, on the server's clock.
	Attempts int
	Backoff  time.Duration
	// Client sends them; default a client with a 10s timeout.
	Client *http.Client
}

// Notification is one notification the emulator sent, with its fate.
type Notification struct {
	Kind       string // "executor" or the event type
	EventID    string
	DocumentID string
	Body       []byte
	Attempts   int
	StatusCode int // the last answer's status, 0 after a transport error
	Delivered  bool
}

// notifier is the emulator's sender state.
type notifier struct {
	cfg      NotifyConfig
	wg       sync.WaitGroup
	mu       sync.Mutex
	sent     []*Notification
	inFlight int
}

// EnableNotify turns notifications on (or reconfigures them).
func (s *Server) EnableNotify(cfg NotifyConfig) {
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notify == nil {
		s.notify = &notifier{}
	}
	s.notify.cfg = cfg
}

// Review marks document id reviewed (as a reviewer approving it would) and
// sends document.reviewed when a webhook URL is configured.
func (s *Server) Review(id string) error {
	s.mu.Lock()
	d := s.byID[id]
	if d == nil {
		s.mu.Unlock()
		return fmt.Errorf("numoratest: no document %q", id)
	}
	d.status, d.closed, d.pending, d.updatedAt = numora.StatusReviewed, false, nil, s.now()
	n, schema := s.notify, d.schema
	eventID := "evt_" + randomID(s.rng)
	s.mu.Unlock()
	if n == nil || n.cfg.WebhookURL == "" {
		return nil
	}
	body, _ := json.Marshal(map[string]any{"id": eventID, "type": "document.reviewed", "created_at": s.now(),
		"data": map[string]any{"document_id": id, "schema": schema, "status": numora.StatusReviewed}})
	s.send(n, &Notification{Kind: "document.reviewed", EventID: eventID, DocumentID: id, Body: body}, n.cfg.WebhookURL)
	return nil
}

// executorNotify sends the executor notify for a dispatched document. The
// caller holds s.mu.
func (s *Server) executorNotify(d *doc, provider string) {
	n := s.notify
	id := "dsp_" + randomID(s.rng)
	body, _ := json.Marshal(map[string]any{"id": id, "document_id": d.id, "provider": provider, "dispatched_at": s.now()})
	s.send(n, &Notification{Kind: "executor", EventID: id, DocumentID: d.id, Body: body}, n.cfg.ExecutorURL)
}

// routesToExecutor reports whether dispatches notify the executor. The
// caller holds s.mu.
func (s *Server) routesToExecutor() bool { return s.notify != nil && s.notify.cfg.ExecutorURL != "" }

// send records note and delivers it in the background, with retries.
func (s *Server) send(n *notifier, note *Notification, url string) {
	n.mu.Lock()
	n.sent = append(n.sent, note)
	n.inFlight++
	n.wg.Add(1)
	n.mu.Unlock()
	go s.deliverNote(n, note, url)
}

// deliverNote posts note until it is answered 2xx or its attempts run out.
func (s *Server) deliverNote(n *notifier, note *Notification, url string) {
	defer func() {
		n.mu.Lock()
		n.inFlight--
		n.mu.Unlock()
		n.wg.Done()
	}()
	ctx, cancel := s.untilClosed(context.Background())
	defer cancel()
	wait := n.cfg.Backoff
	for attempt := 1; attempt <= n.cfg.Attempts; attempt++ {
		status := s.post(ctx, n, note, url)
		n.mu.Lock()
		note.Attempts, note.StatusCode, note.Delivered = attempt, status, status/100 == 2
		n.mu.Unlock()
		if status/100 == 2 || attempt == n.cfg.Attempts || s.cfg.clock.Sleep(ctx, wait) != nil {
			return
		}
		wait *= 2
	}
}

// post sends one signed attempt and returns the status, 0 on a transport
// error.
func (s *Server) post(ctx context.Context, n *notifier, note *Notification, url string) int {
	ts := s.now().Format("2006-01-02T15:04:05.000Z07:00")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(note.Body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Numora-Webhook-Id", note.EventID)
	req.Header.Set("X-Numora-Webhook-Timestamp", ts)
	req.Header.Set(webhook.Header, webhook.Sign(n.cfg.Scheme, n.cfg.Secret, ts, note.Body))
	resp, err := n.cfg.Client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Notifications returns copies of the notifications sent so far, oldest
// first.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	n := s.notify
	s.mu.Unlock()
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]Notification, len(n.sent))
	for i, note := range n.sent {
		out[i] = *note
	}
	return out
}

// WaitNotifications waits until every notification sent so far has been
// answered 2xx or has used up its attempts.
func (s *Server) WaitNotifications() {
	s.mu.Lock()
	n := s.notify
	s.mu.Unlock()
	if n != nil {
		n.wg.Wait()
	}
}
