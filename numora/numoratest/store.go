package numoratest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/numora/numora-connector/numora"
)

// doc is one stored document. Generated documents keep only their header
// and a genRef; their results are rebuilt from it on every read.
type doc struct {
	seq         int // position in Server.docs: outbox order and cursor
	id          string
	schema      string
	status      numora.Status
	closed      bool // a skipped delivery took it out of the outbox
	externalID  *string
	metadata    json.RawMessage
	createdAt   time.Time
	updatedAt   time.Time
	duplicateOf *string
	result      *numora.Result // fixtures; nil for generated documents
	gen         genRef
	pending     *pendingDispatch
	attempts    []attempt
	resultURL   string // overrides the outbox item's result_url when set
}

// pendingDispatch is a dispatch waiting for its outcome.
type pendingDispatch struct {
	at      time.Time
	outcome numora.Status
}

// attempt is one delivery callback as received; Deliveries decodes it.
type attempt struct {
	body      []byte
	status    int
	requestID string
	replay    bool
	at        time.Time
}

// settle applies a due dispatch outcome.
func (d *doc) settle(now time.Time) {
	if d.pending == nil || now.Before(d.pending.at) {
		return
	}
	d.status, d.updatedAt, d.pending = d.pending.outcome, d.pending.at, nil
}

// inOutbox reports whether the outbox lists d: reviewed or push_failed,
// and not skipped.
func (d *doc) inOutbox() bool { return d.status.Deliverable() && !d.closed }

// hasResult reports whether d has a result to read.
func (d *doc) hasResult() bool {
	return d.status != numora.StatusProcessing && d.status != numora.StatusFailed &&
		(d.result != nil || d.gen.ok)
}

// resultOf builds d's current result: stored or generated, with the
// document's live status and identity.
func (d *doc) resultOf() *numora.Result {
	var r numora.Result
	if d.result != nil {
		r = *d.result
	} else {
		r = *generateResult(d.gen)
	}
	r.ID, r.Schema, r.Status, r.DuplicateOf = d.id, d.schema, d.status, d.duplicateOf
	r.ExternalID, r.Metadata, r.UpdatedAt = nil, nil, time.Time{} // not in the documented body
	return &r
}

// document returns the GET /v1/documents/{id} view of d.
func (d *doc) document() numora.Document {
	out := numora.Document{ID: d.id, Schema: d.schema, Status: d.status, ExternalID: d.externalID,
		Metadata: d.metadata, CreatedAt: d.createdAt, UpdatedAt: d.updatedAt, DuplicateOf: d.duplicateOf}
	if d.result != nil || d.gen.ok {
		rs := d.resultOf().ReviewState
		out.ReviewState = &rs
	}
	return out
}

// outboxItem returns d's outbox entry.
func (d *doc) outboxItem() numora.OutboxItem {
	path := "/v1/documents/" + url.PathEscape(d.id)
	it := numora.OutboxItem{DocumentID: d.id, Schema: d.schema, Status: d.status, ExternalID: d.externalID,
		Metadata: d.metadata, ResultURL: path + "/result", DispatchURL: path + "/dispatch", UpdatedAt: d.updatedAt}
	if d.resultURL != "" {
		it.ResultURL = d.resultURL
	}
	return it
}

// outboxPage returns up to limit outbox entries after position after (-1
// for the first page) and the position to continue from, or -1 at the end.
// The caller holds the lock.
func (s *Server) outboxPage(after, limit int) ([]numora.OutboxItem, int) {
	now := s.now()
	var items []numora.OutboxItem
	last := -1
	for i := after + 1; i < len(s.docs); i++ {
		d := s.docs[i]
		d.settle(now)
		if !d.inOutbox() {
			continue
		}
		if len(items) == limit {
			return items, last
		}
		items, last = append(items, d.outboxItem()), d.seq
	}
	return items, -1
}

// errCursor is answered for a cursor the server did not issue.
var errCursor = errors.New("invalid cursor")

// encodeCursor makes an opaque cursor for a position.
func encodeCursor(pos int) string {
	return "cur_" + base64.RawURLEncoding.EncodeToString([]byte("outbox:"+strconv.Itoa(pos)))
}

// decodeCursor reads a cursor; "" is the first page (-1).
func decodeCursor(c string) (int, error) {
	if c == "" {
		return -1, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(c, "cur_"))
	if err != nil || !strings.HasPrefix(c, "cur_") || !strings.HasPrefix(string(raw), "outbox:") {
		return 0, errCursor
	}
	pos, err := strconv.Atoi(strings.TrimPrefix(string(raw), "outbox:"))
	if err != nil || pos < 0 {
		return 0, errCursor
	}
	return pos, nil
}
