package numoratest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/numora/numora-connector/numora"
)

// maxRequestBody bounds callback and dispatch bodies.
const maxRequestBody = 1 << 20

// answer is a status with either a JSON body or the documented error.
type answer struct {
	status  int
	code    string // error code when status is not 2xx
	message string
	body    any
}

// send writes a.
func (a answer) send(ex *exchange) {
	if a.status >= 300 {
		writeError(ex.w, a.status, a.code, a.message, ex.rid)
		return
	}
	writeJSON(ex.w, a.status, a.body)
}

// fail makes an error answer.
func fail(status int, code, format string, args ...any) answer {
	return answer{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// handleDelivery answers POST /v1/documents/{id}/delivery: validation (400
// for bad JSON, 422 invalid_payload for bad values), execution_id
// idempotency (identical replay 200, different data 409) and the status
// transition. Every attempt on an existing document is recorded.
func (s *Server) handleDelivery(ex *exchange) {
	body, err := io.ReadAll(io.LimitReader(ex.r.Body, maxRequestBody+1))
	s.mu.Lock()
	d := s.lookup(ex)
	if d == nil {
		s.mu.Unlock()
		return
	}
	var a answer
	replay := false
	switch {
	case err != nil:
		a = fail(http.StatusBadRequest, "invalid_payload", "reading body: %v", err)
	case len(body) > maxRequestBody:
		a = fail(http.StatusRequestEntityTooLarge, "invalid_payload", "body over %d bytes", maxRequestBody)
	default:
		a, replay = s.deliver(d, body)
	}
	d.attempts = append(d.attempts, attempt{body: body, status: a.status, requestID: ex.rid, replay: replay, at: s.now()})
	if a.status/100 == 2 {
		s.noteAccepted(d.id)
	}
	s.mu.Unlock()
	a.send(ex)
}

// deliver validates and applies one callback body to d. The caller holds
// the lock.
func (s *Server) deliver(d *doc, body []byte) (answer, bool) {
	del, a, ok := parseDelivery(body)
	if !ok {
		return a, false
	}
	if prev, found := d.acceptedDelivery(del.ExecutionID); found {
		same := bytes.Equal(canonical(prev), canonical(del))
		if same && !s.cfg.strictReplay {
			return answer{status: http.StatusOK, body: deliveryAck(d, del, true)}, true
		}
		return fail(http.StatusConflict, "conflict", "execution_id %q was already recorded with other data", del.ExecutionID), false
	}
	switch d.status {
	case numora.StatusProcessing, numora.StatusReviewRequired, numora.StatusFailed:
		return fail(http.StatusConflict, "conflict", "document is not reviewed (status %s)", d.status), false
	}
	d.pending, d.updatedAt = nil, s.now()
	switch del.Status {
	case numora.DeliverySucceeded:
		d.status, d.closed = numora.StatusPushSucceeded, false
	case numora.DeliveryFailed:
		d.status, d.closed = numora.StatusPushFailed, false
	case numora.DeliverySkipped:
		d.closed = true
		if d.status == numora.StatusPushPending {
			d.status = numora.StatusReviewed
		}
	}
	return answer{status: http.StatusOK, body: deliveryAck(d, del, false)}, false
}

// parseDelivery decodes and validates a callback body.
func parseDelivery(body []byte) (numora.Delivery, answer, bool) {
	var del numora.Delivery
	if !json.Valid(body) {
		return del, fail(http.StatusBadRequest, "invalid_payload", "body is not valid JSON"), false
	}
	if err := json.Unmarshal(body, &del); err != nil {
		return del, fail(http.StatusUnprocessableEntity, "invalid_payload", "%v", err), false
	}
	if err := del.Validate(); err != nil {
		msg := strings.TrimPrefix(err.Error(), numora.ErrInvalidDelivery.Error()+": ")
		return del, fail(http.StatusUnprocessableEntity, "invalid_payload", "%s", msg), false
	}
	return del, answer{}, true
}

// acceptedDelivery finds the accepted callback with executionID.
func (d *doc) acceptedDelivery(executionID string) (numora.Delivery, bool) {
	for _, a := range d.attempts {
		var prev numora.Delivery
		if a.status/100 == 2 && json.Unmarshal(a.body, &prev) == nil && prev.ExecutionID == executionID {
			return prev, true
		}
	}
	return numora.Delivery{}, false
}

// canonical is a delivery's comparable form: its marshalled body.
func canonical(d numora.Delivery) []byte {
	b, _ := d.MarshalJSON()
	return b
}

// deliveryAck is the 200 body of the callback (undocumented; kept small).
func deliveryAck(d *doc, del numora.Delivery, replayed bool) map[string]any {
	return map[string]any{"document_id": d.id, "execution_id": del.ExecutionID, "status": d.status, "replayed": replayed}
}

// handleDispatch answers POST /v1/documents/{id}/dispatch: 202 and
// push_pending, then the configured outcome once the delay has passed on
// the server's clock.
func (s *Server) handleDispatch(ex *exchange) {
	body, err := io.ReadAll(io.LimitReader(ex.r.Body, maxRequestBody))
	var req struct {
		Provider *string `json:"provider"`
	}
	if err == nil && len(bytes.TrimSpace(body)) > 0 {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		status := http.StatusUnprocessableEntity
		if !json.Valid(body) {
			status = http.StatusBadRequest
		}
		writeError(ex.w, status, "invalid_payload", "invalid body: "+err.Error(), ex.rid)
		return
	}
	s.mu.Lock()
	d := s.lookup(ex)
	if d == nil {
		s.mu.Unlock()
		return
	}
	provider := "dynamics365"
	if req.Provider != nil && *req.Provider != "" {
		provider = *req.Provider
	}
	a := s.dispatch(d, provider)
	s.mu.Unlock()
	a.send(ex)
}

// dispatch queues d's delivery: Numora's own workflow (push_pending, then
// the configured outcome), or, when the route is the executor, a notify
// (the status stays until the executor's callback). The caller holds the
// lock.
func (s *Server) dispatch(d *doc, provider string) answer {
	if d.status == numora.StatusPushPending {
		return fail(http.StatusConflict, "conflict", "a dispatch is already pending")
	}
	if !d.status.Deliverable() {
		return fail(http.StatusConflict, "conflict", "document is not deliverable (status %s)", d.status)
	}
	if s.routesToExecutor() {
		s.executorNotify(d, provider)
		return answer{status: http.StatusAccepted, body: map[string]any{"document_id": d.id, "status": d.status, "route": "executor"}}
	}
	now := s.now()
	d.status, d.closed, d.updatedAt = numora.StatusPushPending, false, now
	d.pending = &pendingDispatch{at: now.Add(s.dispatchD), outcome: s.dispatchO}
	return answer{status: http.StatusAccepted, body: map[string]any{"document_id": d.id, "status": d.status}}
}
