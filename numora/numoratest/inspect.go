package numoratest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/numora/numora-connector/numora"
)

// DeliveryAttempt is one delivery callback the server received for a
// document, valid or not.
type DeliveryAttempt struct {
	// Body is the request body as received.
	Body []byte
	// Delivery is Body decoded; zero fields where it did not decode.
	Delivery numora.Delivery
	// StatusCode is what the server answered (200, 400, 409, 422, ...).
	StatusCode int
	// RequestID is the request's x-request-id.
	RequestID string
	// Replay reports an accepted byte-identical replay of an execution_id.
	Replay bool
	// At is the server clock's time of the attempt.
	At time.Time
}

// Deliveries returns every delivery callback received for id, oldest
// first.
func (s *Server) Deliveries(id string) []DeliveryAttempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.byID[id]
	if d == nil {
		return nil
	}
	out := make([]DeliveryAttempt, len(d.attempts))
	for i, a := range d.attempts {
		out[i] = DeliveryAttempt{Body: append([]byte(nil), a.body...), StatusCode: a.status,
			RequestID: a.requestID, Replay: a.replay, At: a.at}
		_ = json.Unmarshal(a.body, &out[i].Delivery)
	}
	return out
}

// Document returns the document as GET /v1/documents/{id} shows it now.
func (s *Server) Document(id string) (numora.Document, bool) {
	s.mu.Lock()
	d := s.byID[id]
	if d == nil {
		s.mu.Unlock()
		return numora.Document{}, false
	}
	d.settle(s.now())
	snap := *d
	s.mu.Unlock()
	out := snap.document()
	out.Metadata = bytes.Clone(out.Metadata) // shared with the store
	out.ExternalID, out.DuplicateOf = clonePtr(out.ExternalID), clonePtr(out.DuplicateOf)
	return out, true
}

// Result returns the document's result as GET /v1/documents/{id}/result
// would (a fresh copy), or false when it has none.
func (s *Server) Result(id string) (*numora.Result, bool) {
	s.mu.Lock()
	d := s.byID[id]
	if d == nil || !d.hasResult() {
		s.mu.Unlock()
		return nil, false
	}
	d.settle(s.now())
	snap := *d
	s.mu.Unlock()
	b, err := json.Marshal(snap.resultOf())
	var r numora.Result
	if err != nil || json.Unmarshal(b, &r) != nil {
		return nil, false
	}
	return &r, true
}

// OutboxIDs returns the ids the outbox lists now, in outbox order.
func (s *Server) OutboxIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var ids []string
	for _, d := range s.docs {
		if d.settle(now); d.inOutbox() {
			ids = append(ids, d.id)
		}
	}
	return ids
}

// Len returns the number of documents.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.docs)
}

// SetStatus sets a document's status (putting a skipped document back in
// the outbox if the status is deliverable, and cancelling a pending
// dispatch).
func (s *Server) SetStatus(id string, st numora.Status) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.byID[id]
	if d == nil {
		return fmt.Errorf("numoratest: no document %q", id)
	}
	d.status, d.closed, d.pending, d.updatedAt = st, false, nil, s.now()
	return nil
}

// SetResultURL makes the outbox list resultURL as document id's
// result_url instead of its own result path: another path, or an absolute
// URL on another host, as a compromised or misconfigured Numora might.
func (s *Server) SetResultURL(id, resultURL string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.byID[id]
	if d == nil {
		return fmt.Errorf("numoratest: no document %q", id)
	}
	d.resultURL = resultURL
	return nil
}

// SetDispatch changes what later dispatches end in and after how long.
func (s *Server) SetDispatch(outcome numora.Status, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispatchO, s.dispatchD = outcome, delay
}

// CompleteDispatches applies every pending dispatch's outcome now,
// whatever its delay.
func (s *Server) CompleteDispatches() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		if d.pending != nil {
			d.pending.at = s.now()
			d.settle(d.pending.at)
		}
	}
}

// clonePtr copies *p so callers cannot change the store through it.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
