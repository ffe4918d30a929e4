package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// DefaultMaxBody bounds a notification's body.
const DefaultMaxBody = 1 << 20

// ErrTooLarge is returned by ReadBody for a body over its limit.
var ErrTooLarge = errors.New("webhook: body too large")

// ReadBody reads r's body, at most limit bytes; a longer body is
// ErrTooLarge.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, ErrTooLarge
	}
	return b, err
}

// Notification is what the connector keeps of a notification: which
// document it is about and, for document webhooks, the event.
type Notification struct {
	// EventID is the event's id ("" when the sender gave none).
	EventID string
	// Type is the event type, "" for an executor notify.
	Type string
	// DocumentID is the document to deliver.
	DocumentID string
}

// BodyError is a notification body the connector cannot use; its text
// says why, for the 400 answer.
type BodyError struct{ Msg string }

func (e *BodyError) Error() string { return "webhook: " + e.Msg }

// envelope is the union of the documented event and the undocumented
// executor notify: document_id at the top level or under data.
type envelope struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	DocumentID any    `json:"document_id"`
	Data       *struct {
		DocumentID any `json:"document_id"`
	} `json:"data"`
}

// ParseExecutor reads an executor notify: any JSON object carrying a
// non-empty string document_id at the top level or under "data".
func ParseExecutor(body []byte) (Notification, error) {
	e, err := decode(body)
	if err != nil {
		return Notification{}, err
	}
	id, err := e.documentID()
	if err != nil {
		return Notification{}, err
	}
	n := Notification{DocumentID: id}
	if e.Type != "" && e.Data != nil {
		n.EventID, n.Type = e.ID, e.Type // the sender wrapped it as an event
	}
	return n, nil
}

// ParseEvent reads a document webhook event: id, type and
// data.document_id. The document id is required only by the caller, for the
// event types it acts on: it is "" when absent.
func ParseEvent(body []byte) (Notification, error) {
	e, err := decode(body)
	if err != nil {
		return Notification{}, err
	}
	if e.Type == "" {
		return Notification{}, &BodyError{"event has no \"type\""}
	}
	id, _ := e.documentID()
	return Notification{EventID: e.ID, Type: e.Type, DocumentID: id}, nil
}

func decode(body []byte) (*envelope, error) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return nil, &BodyError{"body must be a JSON object"}
	}
	var e envelope
	if err := json.Unmarshal(t, &e); err != nil {
		return nil, &BodyError{"body is not valid JSON: " + err.Error()}
	}
	return &e, nil
}

func (e *envelope) documentID() (string, error) {
	v := e.DocumentID
	if v == nil && e.Data != nil {
		v = e.Data.DocumentID
	}
	switch id := v.(type) {
	case nil:
		return "", &BodyError{"no document_id at the top level or under \"data\""}
	case string:
		if id == "" {
			return "", &BodyError{"document_id is empty"}
		}
		return id, nil
	default:
		return "", &BodyError{fmt.Sprintf("document_id must be a string, got %T", v)}
	}
}
