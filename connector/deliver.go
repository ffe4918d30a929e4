package connector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// deliver is poll mode's handler: result → status gate → map here, then
// the write or preview and the callback as the steps it returns.
func (c *Connector) deliver(ctx context.Context, p *pass, it numora.OutboxItem) (Entry, step) {
	e := Entry{DocumentID: it.DocumentID, Schema: it.Schema}
	res, err := c.src.ResultOf(ctx, it)
	if err != nil {
		return e.with(c.resultFailed(ctx, p, err)), step{}
	}
	if res.Schema != "" {
		e.Schema = res.Schema
	}
	if st := statusOf(res, it); !st.Deliverable() {
		return e.with(decision{outcome: Ignored, code: CodeNotDeliverable,
			message: fmt.Sprintf("status is %q, not reviewed or push_failed: not delivered, not reported", st)}), step{}
	}
	plan, err := c.rul.Render(res)
	switch {
	case c.cfg.DryRun:
		return e.with(c.preview(ctx, it.DocumentID, plan, err)), step{}
	case err != nil:
		return c.decided(ctx, p, e, mappingDecision(err))
	}
	return e, step{on: stageWrite, run: func() (Entry, step) {
		return c.decided(ctx, p, e, c.write(ctx, p, plan))
	}}
}

// decided copies d into e and returns the callback's step when d has one.
func (c *Connector) decided(ctx context.Context, p *pass, e Entry, d decision) (Entry, step) {
	e = e.with(d)
	if d.callback == "" {
		return e, step{}
	}
	return e, step{on: stageReport, run: func() (Entry, step) { return c.report(ctx, p, e, d), step{} }}
}

// statusOf is the result's status, or the outbox item's when the result
// carries none.
func statusOf(res *numora.Result, it numora.OutboxItem) numora.Status {
	if res.Status != "" {
		return res.Status
	}
	return it.Status
}

// resultFailed decides for a document whose result could not be read: it is
// left untouched, and credentials Numora refuses stop the run.
func (c *Connector) resultFailed(ctx context.Context, p *pass, err error) decision {
	if ctx.Err() != nil {
		return untouched(CodeInterrupted, "stop deadline passed while reading the result")
	}
	if refusedCredentials(err) {
		p.refuse(StopSource, msgKeyRefused, wrapf("reading a result", err))
	}
	return untouched(CodeResultFailed, err.Error())
}

// write delivers plan and decides from the outcome.
func (c *Connector) write(ctx context.Context, p *pass, plan *mapping.Plan) decision {
	r, err := c.dst.Deliver(ctx, plan)
	switch {
	case err == nil:
		return delivered(r)
	case errors.Is(err, destinations.ErrCircuitOpen):
		p.refuse(StopCircuitOpen, "the destination's circuit breaker opened after repeated failures: no new "+
			"documents were taken, and those not attempted stay in the outbox for the next run", nil)
	case errors.Is(err, destinations.ErrReserve):
		p.refuse(StopReserve, reserveMessage(err)+"; no new documents were taken, and those not attempted "+
			"stay in the outbox for the next run", nil)
	case ctx.Err() != nil:
		return untouched(CodeInterrupted, "stop deadline passed during the write; the next run delivers it again")
	}
	return destinationDecision(err)
}

// report sends d's callback, built once with its execution id and time, and
// returns the final entry.
func (c *Connector) report(ctx context.Context, p *pass, e Entry, d decision) Entry {
	if d.callback == "" {
		return e
	}
	del := numora.Delivery{
		Provider:     c.cfg.Provider,
		Status:       d.callback,
		ExecutionID:  p.executionID(ctx, e.DocumentID),
		AttemptedAt:  c.cfg.Clock.Now().UTC().Truncate(time.Millisecond),
		ErrorCode:    d.code,
		ErrorMessage: clip(d.message),
	}
	if d.receipt != nil {
		del.ExternalRecordID, del.ExternalURL = d.receipt.RecordID, d.receipt.URL
		if del.ErrorMessage == "" {
			del.ErrorMessage = rowsMessage(d.receipt)
		}
	}
	e.ExecutionID = del.ExecutionID
	if err := c.src.ReportDelivery(ctx, e.DocumentID, del); err != nil {
		return c.reportFailed(ctx, p, e, d, err)
	}
	e.Callback = d.callback
	return e
}

// reportFailed turns an entry whose callback failed into left_for_retry:
// Numora still lists the document, and the next run delivers it again.
func (c *Connector) reportFailed(ctx context.Context, p *pass, e Entry, d decision, err error) Entry {
	if refusedCredentials(err) {
		p.refuse(StopSource, msgKeyRefused, wrapf("reporting a delivery", err))
	}
	what := string(d.callback)
	if d.code != "" {
		what += " (" + d.code + ")"
	}
	if ctx.Err() != nil {
		err = errors.New("stop deadline passed")
	}
	e.Outcome, e.ErrorCode = LeftForRetry, CodeCallbackFailed
	e.ErrorMessage = clip(fmt.Sprintf("could not report %s: %v", what, err))
	return e
}

// with copies a decision into the entry.
func (e Entry) with(d decision) Entry {
	e.Outcome, e.ErrorCode, e.ErrorMessage = d.outcome, d.code, clip(d.message)
	if d.receipt != nil {
		e.ExternalRecordID, e.ExternalURL, e.Written = d.receipt.RecordID, d.receipt.URL, true
		e.RowsCreated, e.RowsUpdated, e.RowsRemoved = d.receipt.Counts()
	}
	return e
}

// rowsMessage tells Numora what a successful write did to the rows, for
// the succeeded callback's free-form message: "rows: 1 created, 2 updated,
// 1 removed".
func rowsMessage(r *destinations.Receipt) string {
	if len(r.Records) == 0 && len(r.Removed) == 0 {
		return "" // the destination gave no row detail
	}
	c, u, rm := r.Counts()
	return fmt.Sprintf("rows: %d created, %d updated, %d removed", c, u, rm)
}
