package numoratest

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/numora/numora-connector/numora"
)

// outboxBody is a page in the outbox page's shape ("meta") or the
// conventions page's shape (top-level "next_cursor").
type outboxBody struct {
	Data       []numora.OutboxItem `json:"data"`
	Meta       *outboxMeta         `json:"meta,omitempty"`
	NextCursor *string             `json:"next_cursor,omitempty"`
}

type outboxMeta struct {
	NextCursor *string `json:"next_cursor"`
}

// handleOutbox answers GET /v1/delivery/outbox?provider=&limit=&cursor=.
func (s *Server) handleOutbox(ex *exchange) {
	q := ex.r.URL.Query()
	if q.Get("provider") == "" {
		writeError(ex.w, http.StatusBadRequest, "invalid_payload", "provider is required", ex.rid)
		return
	}
	limit := s.cfg.pageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeError(ex.w, http.StatusBadRequest, "invalid_payload", "limit must be a positive integer", ex.rid)
			return
		}
		limit = min(n, s.cfg.maxPageSize)
	}
	after, err := decodeCursor(q.Get("cursor"))
	if err != nil {
		writeError(ex.w, http.StatusBadRequest, "invalid_payload", err.Error(), ex.rid)
		return
	}
	s.mu.Lock()
	items, next := s.outboxPage(after, limit)
	s.mu.Unlock()
	body := outboxBody{Data: items}
	if body.Data == nil {
		body.Data = []numora.OutboxItem{}
	}
	var cursor *string
	if next >= 0 {
		c := encodeCursor(next)
		cursor = &c
	}
	if s.cfg.topLevelCursor {
		body.NextCursor = cursor
	} else {
		body.Meta = &outboxMeta{NextCursor: cursor}
	}
	writeJSON(ex.w, http.StatusOK, body)
}

// lookup finds and settles a document, or answers 404. The caller holds
// the lock.
func (s *Server) lookup(ex *exchange) *doc {
	d := s.byID[ex.route.id]
	if d == nil {
		writeError(ex.w, http.StatusNotFound, "not_found", fmt.Sprintf("document %q not found", ex.route.id), ex.rid)
		return nil
	}
	d.settle(s.now())
	return d
}

// handleDocument answers GET /v1/documents/{id}.
func (s *Server) handleDocument(ex *exchange) {
	s.mu.Lock()
	d := s.lookup(ex)
	if d == nil {
		s.mu.Unlock()
		return
	}
	snap := *d // generating a result happens outside the lock
	s.mu.Unlock()
	writeJSON(ex.w, http.StatusOK, snap.document())
}

// handleResult answers GET /v1/documents/{id}/result; a document still
// processing (or failed in processing) has none: 409 conflict.
func (s *Server) handleResult(ex *exchange) {
	s.mu.Lock()
	d := s.lookup(ex)
	if d == nil {
		s.mu.Unlock()
		return
	}
	if !d.hasResult() {
		st := d.status
		s.mu.Unlock()
		writeError(ex.w, http.StatusConflict, "conflict", fmt.Sprintf("document has no result (status %s)", st), ex.rid)
		return
	}
	snap := *d
	s.mu.Unlock()
	writeJSON(ex.w, http.StatusOK, snap.resultOf())
}
