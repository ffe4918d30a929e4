package connector

import (
	"context"
	"errors"
	"fmt"

	"github.com/numora/numora-connector/numora"
)

// dispatch is dispatch mode's handler: Numora writes the document itself;
// the connector queues the delivery and watches the status.
func (c *Connector) dispatch(ctx context.Context, p *pass, d Dispatcher, it numora.OutboxItem) Entry {
	e := Entry{DocumentID: it.DocumentID, Schema: it.Schema}
	if it.Status != "" && !it.Status.Deliverable() {
		return e.with(decision{outcome: Ignored, code: CodeNotDeliverable,
			message: fmt.Sprintf("status is %q, not reviewed or push_failed: not dispatched", it.Status)})
	}
	if err := d.Dispatch(ctx, it.DocumentID, c.cfg.Provider); err != nil {
		if refusedCredentials(err) {
			p.refuse(StopSource, msgKeyRefused, wrapf("dispatching", err))
		}
		return e.with(untouched(CodeDispatchFailed, err.Error()))
	}
	wctx, cancel := context.WithTimeout(ctx, c.cfg.DispatchTimeout)
	defer cancel()
	doc, err := d.WaitDelivered(wctx, it.DocumentID, c.cfg.DispatchPoll)
	if err != nil {
		return e.with(c.waitFailed(ctx, wctx, err))
	}
	return e.with(dispatched(doc))
}

func (c *Connector) waitFailed(ctx, wctx context.Context, err error) decision {
	switch {
	case ctx.Err() != nil:
		return untouched(CodeInterrupted, "stop deadline passed while watching the dispatch")
	case errors.Is(wctx.Err(), context.DeadlineExceeded):
		return untouched(CodeDispatchTimedOut, fmt.Sprintf("still push_pending after %v", c.cfg.DispatchTimeout))
	}
	return untouched(CodeDispatchFailed, "watching the dispatch: "+err.Error())
}

// dispatched decides from the document's status once it left push_pending.
func dispatched(doc *numora.Document) decision {
	switch doc.Status {
	case numora.StatusPushSucceeded:
		return decision{outcome: Delivered}
	case numora.StatusPushFailed:
		return decision{outcome: Failed, code: "push_failed", message: "Numora's delivery failed; see the document's delivery history"}
	}
	return untouched(CodeDispatchFailed, fmt.Sprintf("status %q after dispatch", doc.Status))
}
