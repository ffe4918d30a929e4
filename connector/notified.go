package connector

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/numora/numora-connector/numora"
)

// ModeServe is notify mode: documents come from notifications.
const ModeServe Mode = "serve"

// DocumentReader reads a document's current status and metadata; notify
// mode reads it before the result, since a notification says only which
// document changed. *numora.Client implements it.
type DocumentReader interface {
	Document(ctx context.Context, id string) (*numora.Document, error)
}

// Serve makes one pass over the documents in yields (notify mode's queue)
// with the same per-document pipeline, outcomes and callbacks as Run: each
// document is re-read (document, then result), mapped, written and
// reported. A document Numora no longer has, or no longer lists as
// deliverable, is Ignored: nothing is written or reported. Every document
// yielded is delivered, again if it comes again, each attempt with its own
// execution id.
//
// The pass ends when in ends (ctx cancelled), or early like Run when the
// destination's breaker opens or Numora refuses the key: the caller may
// start another pass later. The observers see every document's entry.
func (c *Connector) Serve(ctx context.Context, in Intake) (*Summary, error) {
	p := c.newPass(ctx, ModeServe)
	if c.rul == nil || c.dst == nil {
		return p.end(StopDestination, errors.New("connector: Serve needs mapping rules and a destination"))
	}
	if c.cfg.Preflight {
		if err := c.preflight(p.ctx); err != nil {
			return p.end(StopDestination, err)
		}
	}
	return p.run(c.deliverNotified, in, false)
}

// deliverNotified is notify mode's handler: read the document, then
// deliver it exactly as poll mode does.
func (c *Connector) deliverNotified(ctx context.Context, p *pass, it numora.OutboxItem) (Entry, step) {
	r, ok := c.src.(DocumentReader)
	if !ok {
		return c.deliver(ctx, p, it)
	}
	doc, err := r.Document(ctx, it.DocumentID)
	switch {
	case gone(err):
		return Entry{DocumentID: it.DocumentID}.with(decision{outcome: Ignored, code: CodeNotDeliverable,
			message: "Numora no longer has this document: dropped, nothing written or reported"}), step{}
	case err != nil:
		return Entry{DocumentID: it.DocumentID}.with(c.resultFailed(ctx, p, err)), step{}
	case !doc.Status.Deliverable():
		return Entry{DocumentID: it.DocumentID, Schema: doc.Schema}.with(decision{outcome: Ignored, code: CodeNotDeliverable,
			message: fmt.Sprintf("status is %q: Numora no longer lists it as deliverable; dropped, nothing written or reported", doc.Status)}), step{}
	}
	return c.deliver(ctx, p, itemOf(doc))
}

// gone reports a 404 or 410 for the document.
func gone(err error) bool {
	var ae *numora.APIError
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusNotFound || ae.StatusCode == http.StatusGone)
}

// itemOf is the outbox entry Numora would list for doc.
func itemOf(doc *numora.Document) numora.OutboxItem {
	return numora.OutboxItem{DocumentID: doc.ID, Schema: doc.Schema, Status: doc.Status, ExternalID: doc.ExternalID,
		Metadata: doc.Metadata, UpdatedAt: doc.UpdatedAt}
}
