package dynamics365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// Deliver writes the plan as one $batch change set: every record or none.
// Before writing it resolves table metadata (cached), lookups (cached for
// LookupTTL), alternate keys Dataverse cannot take in a URL, and the rows
// of removed line items (plan.Mirror), which the same change set deletes
// or deactivates. A create-only record whose row exists makes Dataverse
// refuse the change set with 412; Deliver then marks it Unchanged and
// sends the rest again; a removal whose row vanished meanwhile (404) is
// dropped the same way. Errors are *destinations.Error values (see
// docs/dynamics365.md for the codes); while the circuit breaker is open
// they wrap destinations.ErrCircuitOpen and nothing is sent.
func (d *Destination) Deliver(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
	if err := d.admit.allowCall(); err != nil {
		return nil, classify(err)
	}
	w, err := d.prepare(ctx, plan, false)
	if err != nil {
		return nil, classify(err)
	}
	// Each retry resolves one row (or the probe), so the bound follows the
	// removals, which the probe's answer may add.
	for attempt := 0; attempt < len(w.recs)+len(w.removals)+2; attempt++ {
		w.setIDBase(0)
		cs, err := w.changeSet("changeset_" + d.newBoundary())
		if err != nil {
			return nil, classify(err)
		}
		if len(cs.parts) == 0 {
			return w.receipt(), nil
		}
		answers, reqID, err := d.submit(ctx, w, cs, true)
		if err == nil {
			if err := w.apply(answers, reqID); err != nil {
				return nil, classify(err)
			}
			return w.receipt(), nil
		}
		if retry, rerr := w.resolve(ctx, err); rerr != nil {
			return nil, classify(rerr)
		} else if !retry {
			return nil, w.failure(err)
		}
	}
	return nil, permanent("crm_conflict", "the change set kept failing on rows that exist or vanished; giving up")
}

// resolve decides whether a failed change set can go again: a document
// written before (the probe's 412: its rows are read for the removals), a
// create-only row that exists (412), or a removed row that vanished (404).
func (w *docWrite) resolve(ctx context.Context, err error) (bool, error) {
	if found, perr := w.resolveProbe(ctx, err); perr != nil || found {
		return found, perr
	}
	if found, cerr := w.resolveCreateConflict(ctx, err); cerr != nil || found {
		return found, cerr
	}
	return w.resolveGone(ctx, err)
}

// sendBatch posts b and returns the operations' answers and Dataverse's
// request id; a failed operation comes back as an *APIError naming its
// Content-ID. slot is the admission its first attempt uses.
func (d *Destination) sendBatch(ctx context.Context, b *batch, idempotent bool, slot *ticket) ([]partResponse, string, error) {
	var answers []partResponse
	req := &request{
		method:     http.MethodPost,
		url:        d.base + "$batch",
		header:     http.Header{"Content-Type": {b.contentType()}},
		body:       b.encode(),
		idempotent: idempotent,
		slot:       slot,
	}
	req.check = func(resp *response) error {
		var err error
		if answers, err = d.readBatch(req, resp); err != nil {
			return err
		}
		return d.firstFailure(b, answers, resp.requestID())
	}
	resp, err := d.call(ctx, req)
	if err != nil {
		return nil, "", err
	}
	return answers, resp.requestID(), nil
}

// readBatch parses a $batch response into the operations' answers.
func (d *Destination) readBatch(req *request, resp *response) ([]partResponse, error) {
	items, err := d.readBatchItems(req, resp)
	return slices.Concat(items...), err
}

// readBatchItems parses a $batch response into its top-level items, each
// the answers of one change set (or one operation outside a change set).
func (d *Destination) readBatchItems(req *request, resp *response) ([][]partResponse, error) {
	if !isMultipart(resp.header) {
		if err := d.checkResponse(req, resp); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("dynamics365: $batch answered %d with %q, want multipart/mixed%s",
			resp.status, resp.header.Get("Content-Type"), requestIDSuffix(resp.requestID()))
	}
	items, err := parseBatchItems(resp.header.Get("Content-Type"), resp.body)
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, requestIDSuffix(resp.requestID()))
	}
	return items, nil
}

// firstFailure turns the first failed operation of b into an *APIError
// naming its Content-ID (reqID is the $batch's request id), or returns nil.
func (d *Destination) firstFailure(b *batch, answers []partResponse, reqID string) error {
	for _, a := range answers {
		if a.status >= 400 {
			p := b.find(a.contentID)
			e := newAPIError(p.method, p.url, a.status, a.header, a.body, d.clock.Now())
			e.ContentID = a.contentID
			if e.RequestID == "" {
				e.RequestID = reqID
			}
			return e
		}
	}
	return nil
}

// find returns the part with Content-ID id, or one naming the whole batch.
func (b *batch) find(id string) part {
	for _, cs := range b.changeSets {
		for _, p := range cs.parts {
			if id != "" && p.contentID == id {
				return p
			}
		}
	}
	return part{method: http.MethodPost, url: "$batch"}
}

// apply records each operation's outcome and GUID from its answer; reqID
// is the $batch's request id, for the error. Answers are matched by
// Content-ID, or by position when there is one per operation sent.
func (w *docWrite) apply(answers []partResponse, reqID string) error {
	answer := w.answerer(answers, reqID)
	for _, r := range w.recs {
		if r.exists {
			r.outcome = destinations.Unchanged
			continue
		}
		a, err := answer(r.contentID(), recordLabel(r.rec))
		if err != nil {
			return err
		}
		r.outcome = outcomeOf(a.status)
		if id := answerID(a, r.info.PrimaryIDAttribute); id != "" {
			r.guid = id
		}
	}
	for _, rm := range w.removals {
		if rm.gone {
			continue
		}
		if _, err := answer(rm.contentID(len(w.recs)), rm.label()); err != nil {
			return err
		}
		rm.outcome = removalOutcome(rm.m)
	}
	return nil
}

// answerer returns a function giving, operation after operation in the
// order sent, the answer with a Content-ID, or the one in its position.
func (w *docWrite) answerer(answers []partResponse, reqID string) func(id, label string) (partResponse, error) {
	byID := map[string]partResponse{}
	for _, a := range answers {
		byID[a.contentID] = a
	}
	positional, sent := len(answers) == w.countSent(), 0
	return func(id, label string) (partResponse, error) {
		a, ok := byID[id]
		if !ok && positional {
			a, ok = answers[sent], true
		}
		sent++
		if !ok {
			return a, &destinations.Error{Class: destinations.Transient, Code: "crm_bad_response",
				Message: withRequestID("the $batch response has no answer for "+label, reqID)}
		}
		return a, nil
	}
}

// countSent is the number of operations the change set holds.
func (w *docWrite) countSent() int {
	n := 0
	for _, r := range w.recs {
		if !r.exists {
			n++
		}
	}
	for _, rm := range w.removals {
		if !rm.gone {
			n++
		}
	}
	return n
}

// outcomeOf maps an operation's status to what it did: with
// return=representation 201 is a create and 200 an update; a bare 204 (a
// server that ignored the preference) counts as an update.
func outcomeOf(status int) destinations.Outcome {
	if status == http.StatusCreated {
		return destinations.Created
	}
	return destinations.Updated
}

// answerID takes the row's GUID from the representation or, failing that,
// from OData-EntityId when it names the row by GUID. Anything that is not a
// GUID is ignored: it would otherwise reach Numora as external_record_id.
func answerID(a partResponse, primaryID string) string {
	var row map[string]any
	if json.Unmarshal(a.body, &row) == nil {
		if s, ok := row[primaryID].(string); ok {
			if id, err := uuid.Parse(s); err == nil {
				return id.String()
			}
		}
	}
	return guidFromEntityID(a.header.Get("OData-EntityId"))
}

// guidFromEntityID returns the GUID in ".../accounts(<guid>)", or "".
func guidFromEntityID(s string) string {
	open, end := strings.LastIndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return ""
	}
	id, err := uuid.Parse(s[open+1 : end])
	if err != nil {
		return ""
	}
	return id.String()
}

// receipt is the result of a successful delivery.
func (w *docWrite) receipt() *destinations.Receipt {
	rc := &destinations.Receipt{Records: make([]destinations.RecordReceipt, 0, len(w.recs))}
	for _, r := range w.recs {
		if r.exists { // also when nothing was left to send
			r.outcome = destinations.Unchanged
		}
		rc.Records = append(rc.Records, destinations.RecordReceipt{Name: r.rec.Name, ItemID: r.rec.ItemID,
			Entity: r.rec.Entity, ID: r.guid, Outcome: r.outcome})
	}
	for _, rm := range w.removals {
		if rm.outcome != "" {
			rc.Removed = append(rc.Removed, destinations.RecordReceipt{Name: rm.m.Record, Entity: rm.m.Entity,
				ID: rm.guid, Outcome: rm.outcome})
		}
	}
	if first := w.recs[0]; first.guid != "" {
		rc.RecordID = first.guid
		rc.URL = w.d.cfg.OrgURL + "/main.aspx?" + url.Values{"etn": {first.info.LogicalName},
			"id": {first.guid}, "pagetype": {"entityrecord"}}.Encode()
	}
	return rc
}

// failure classifies a failed change set, naming the failing record.
func (w *docWrite) failure(err error) error {
	ce := *classify(err)
	var api *APIError
	if errors.As(err, &api) && api.ContentID != "" {
		for _, r := range w.recs {
			if r.contentID() == api.ContentID {
				ce.Message = recordLabel(r.rec) + ": " + ce.Message
			}
		}
		for _, rm := range w.removals {
			if rm.contentID(len(w.recs)) == api.ContentID {
				ce.Message = "removing " + rm.label() + ": " + ce.Message
			}
		}
	}
	return &ce
}
