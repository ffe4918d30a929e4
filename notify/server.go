package notify

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/numora/webhook"
)

// Queue is where accepted notifications go. *queue.Queue implements it.
// Put returns only once the notice is durably stored.
type Queue interface {
	Put(n queue.Notice) (queue.Result, error)
}

// Counter counts notifications by endpoint and result; *metrics.Metrics
// implements it.
type Counter interface {
	Notification(endpoint, result string)
}

// Config configures a Server.
type Config struct {
	Queue    Queue
	Verifier *webhook.Verifier
	// MaxBody bounds a notification body; default webhook.DefaultMaxBody.
	MaxBody int64
	// Counter receives every notification's result; default none.
	Counter Counter
	// Ready answers /readyz; default always ready.
	Ready *Readiness
	// Metrics serves /metrics; default 404.
	Metrics http.Handler
	// Logger; default discard.
	Logger *slog.Logger
	// IsEcho reports whether a push.failed event for a document is the echo
	// of the connector's own failed report (Drainer.IsEcho); such an event
	// is acknowledged, not queued. Default: none is.
	IsEcho func(documentID string) bool
}

// Server answers the notify endpoints. Build it with New.
type Server struct{ cfg Config }

// Event types that queue a delivery.
const (
	EventReviewed   = "document.reviewed"
	EventPushFailed = "push.failed"
)

// Endpoint names, in metrics and logs.
const (
	endpointExecutor = "executor"
	endpointWebhooks = "webhooks"
)

// Endpoints lists the endpoint names a Server passes to Counter.
func Endpoints() []string { return []string{endpointExecutor, endpointWebhooks} }

// Results lists every result a Server passes to Counter, so that metrics
// can show each at 0 before the first notification.
func Results() []string {
	return []string{"accepted", "coalesced", "duplicate", "ignored", "echo", "bad_signature", "bad_body", "error"}
}

// New returns a Server for cfg; Queue and Verifier are required.
func New(cfg Config) (*Server, error) {
	if cfg.Queue == nil || cfg.Verifier == nil {
		return nil, errors.New("notify: a queue and a verifier are required")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = webhook.DefaultMaxBody
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Counter == nil {
		cfg.Counter = nopCounter{}
	}
	return &Server{cfg: cfg}, nil
}

type nopCounter struct{}

func (nopCounter) Notification(string, string) {}

// Handler routes the endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/numora/executor", s.notification(endpointExecutor, parseExecutor))
	mux.HandleFunc("/numora/webhooks", s.notification(endpointWebhooks, parseWebhook))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, answer{Status: "ok"}) })
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.cfg.Metrics != nil {
		mux.Handle("GET /metrics", s.cfg.Metrics)
	}
	return mux
}

// answer is the JSON body of every answer.
type answer struct {
	Status     string   `json:"status"`
	DocumentID string   `json:"document_id,omitempty"`
	Error      string   `json:"error,omitempty"`
	Checks     []string `json:"checks,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready == nil {
		writeJSON(w, http.StatusOK, answer{Status: "ready"})
		return
	}
	if failed := s.cfg.Ready.Check(r.Context()); len(failed) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, answer{Status: "not ready", Checks: failed})
		return
	}
	writeJSON(w, http.StatusOK, answer{Status: "ready"})
}
