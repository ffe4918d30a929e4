package notify

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/numora/webhook"
)

// HeaderID is the header carrying a webhook's event id.
const HeaderID = "X-Numora-Webhook-Id"

// parsed is what an endpoint makes of a verified body: the notice to
// store, or ignore set for an event type that needs no delivery.
type parsed struct {
	notice queue.Notice
	ignore bool
}

// parseExecutor reads an executor notify.
func parseExecutor(body []byte, r *http.Request) (parsed, error) {
	n, err := webhook.ParseExecutor(body)
	if err != nil {
		return parsed{}, err
	}
	return parsed{notice: queue.Notice{DocumentID: n.DocumentID, EventID: eventID(r, n), Source: endpointExecutor}}, nil
}

// parseWebhook reads a document webhook: document.reviewed and
// push.failed queue a delivery; other types are ignored.
func parseWebhook(body []byte, r *http.Request) (parsed, error) {
	n, err := webhook.ParseEvent(body)
	if err != nil {
		return parsed{}, err
	}
	if n.Type != EventReviewed && n.Type != EventPushFailed {
		return parsed{ignore: true, notice: queue.Notice{Source: n.Type}}, nil
	}
	if n.DocumentID == "" {
		return parsed{}, &webhook.BodyError{Msg: fmt.Sprintf("%s event without data.document_id", n.Type)}
	}
	return parsed{notice: queue.Notice{DocumentID: n.DocumentID, EventID: eventID(r, n), Source: n.Type}}, nil
}

// eventID is the body's event id, else the X-Numora-Webhook-Id header.
func eventID(r *http.Request, n webhook.Notification) string {
	if n.EventID != "" {
		return n.EventID
	}
	return r.Header.Get(HeaderID)
}

// notification handles one POST: bounded read, signature, body, durable
// store, then the answer.
func (s *Server) notification(endpoint string, parse func([]byte, *http.Request) (parsed, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, answer{Status: "refused", Error: "use POST"})
			return
		}
		body, err := webhook.ReadBody(w, r, s.cfg.MaxBody)
		if err != nil {
			s.refuse(w, r, endpoint, err)
			return
		}
		if err := s.cfg.Verifier.Verify(r.Header.Get(webhook.Header), body); err != nil {
			s.refuse(w, r, endpoint, err)
			return
		}
		p, err := parse(body, r)
		if err != nil {
			s.refuse(w, r, endpoint, err)
			return
		}
		s.store(w, r, endpoint, p)
	}
}

// store puts the notice in the queue and answers 202 once it is on disk.
func (s *Server) store(w http.ResponseWriter, r *http.Request, endpoint string, p parsed) {
	log := s.cfg.Logger
	if p.ignore {
		s.cfg.Counter.Notification(endpoint, "ignored")
		log.InfoContext(r.Context(), "notification ignored: event type needs no delivery", "endpoint", endpoint, "type", p.notice.Source)
		writeJSON(w, http.StatusOK, answer{Status: "ignored"})
		return
	}
	if p.notice.Source == EventPushFailed && s.cfg.IsEcho != nil && s.cfg.IsEcho(p.notice.DocumentID) {
		s.cfg.Counter.Notification(endpoint, "echo")
		log.InfoContext(r.Context(), "push.failed ignored: it follows this connector's own failed report; "+
			"the document is delivered again once a review changes it", "document_id", p.notice.DocumentID,
			"event_id", p.notice.EventID)
		writeJSON(w, http.StatusOK, answer{Status: "echo", DocumentID: p.notice.DocumentID})
		return
	}
	res, err := s.cfg.Queue.Put(p.notice)
	if err != nil {
		s.cfg.Counter.Notification(endpoint, "error")
		log.ErrorContext(r.Context(), "notification not stored: the queue failed", "endpoint", endpoint,
			"document_id", p.notice.DocumentID, "error", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, answer{Status: "unavailable", Error: "the queue is unavailable; retry later"})
		return
	}
	result := string(res)
	if res == queue.Merged {
		result = "coalesced"
	}
	s.cfg.Counter.Notification(endpoint, result)
	log.InfoContext(r.Context(), "notification "+result, "endpoint", endpoint, "document_id", p.notice.DocumentID,
		"event_id", p.notice.EventID, "source", p.notice.Source)
	writeJSON(w, http.StatusAccepted, answer{Status: result, DocumentID: p.notice.DocumentID})
}

// refuse answers a notification that cannot be used, and logs which check
// failed (never a secret).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, endpoint string, err error) {
	var we *webhook.Error
	var be *webhook.BodyError
	status, result := http.StatusBadRequest, "bad_body"
	switch {
	case errors.As(err, &we):
		status, result = http.StatusUnauthorized, "bad_signature"
		s.cfg.Logger.WarnContext(r.Context(), "notification refused: bad signature", "endpoint", endpoint,
			"check", string(we.Check), "detail", we.Detail, "remote", r.RemoteAddr)
		s.cfg.Counter.Notification(endpoint, result)
		writeJSON(w, status, answer{Status: "refused", Error: "signature " + string(we.Check)})
		return
	case errors.Is(err, webhook.ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
		err = fmt.Errorf("body larger than %d bytes", s.cfg.MaxBody)
	case errors.As(err, &be):
		err = errors.New(be.Msg)
	}
	s.cfg.Counter.Notification(endpoint, result)
	s.cfg.Logger.WarnContext(r.Context(), "notification refused: bad body", "endpoint", endpoint, "error", err.Error(), "remote", r.RemoteAddr)
	writeJSON(w, status, answer{Status: "refused", Error: err.Error()})
}
