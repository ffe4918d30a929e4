package connector

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/numora/numora-connector/internal/logctx"
)

// take runs h on one document and follows its steps through the pools,
// the last of which records its entry. A document handed over as the run
// was stopped or the breaker opened is not started: it stays untouched in
// the outbox.
func (p *pass) take(ctx context.Context, h handler, j job, pl *pools) {
	it := j.it
	if p.refusing() {
		if p.ctx.Err() != nil {
			p.interrupted() // a queued document stays in the outbox
		}
		return
	}
	ctx = logctx.With(context.WithValue(ctx, attemptKey{}, j.attempt), slog.String("document_id", it.DocumentID))
	p.count(&p.taken)
	start := p.c.cfg.Clock.Now()
	e, next := h(ctx, p, it)
	p.follow(ctx, e, next, start, pl)
}

// follow hands next to its stage's pool, and each step after it to its
// own, until the entry is final; then it records it. A write that could
// not start before the pass began refusing documents (a stop, the breaker
// open) is not started: the document stays untouched in the outbox.
func (p *pass) follow(ctx context.Context, e Entry, next step, start time.Time, pl *pools) {
	if next.on == stageDone {
		p.done(ctx, e, start)
		return
	}
	pl.submit(next.on, func() {
		if next.on == stageWrite && p.refusing() {
			p.untake() // read but not written: it stays in the outbox, like one never taken
			return
		}
		e, after := next.run()
		p.follow(ctx, e, after, start, pl)
	})
}

// untake forgets a document that was taken but, the pass refusing by the
// time its write could start, never written: it is not counted, and stays
// untouched in the outbox (or the notification queue).
func (p *pass) untake() {
	p.mu.Lock()
	p.taken--
	p.mu.Unlock()
	if p.ctx.Err() != nil {
		p.interrupted()
	}
}

// done records a document's final entry, with the time it took.
func (p *pass) done(ctx context.Context, e Entry, start time.Time) {
	e.DurationMS = p.c.cfg.Clock.Now().Sub(start).Milliseconds()
	p.record(ctx, e)
	p.count(&p.finished)
}

// count adds one to a counter p.mu guards.
func (p *pass) count(n *int) {
	p.mu.Lock()
	*n++
	p.mu.Unlock()
}

// refusing reports whether documents must no longer be started: the run
// was interrupted, or refuse was called (documents read from the outbox
// before an outbox error are still taken).
func (p *pass) refusing() bool {
	if p.ctx.Err() != nil {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refused
}

// refuse stops intake like stop, and makes the workers leave the documents
// already queued untouched.
func (p *pass) refuse(reason StopReason, msg string, err error) {
	p.mu.Lock()
	p.refused = true
	p.mu.Unlock()
	p.stop(reason, msg, err)
}

// record adds e to the summary, passes it to the observers and logs it.
func (p *pass) record(ctx context.Context, e Entry) {
	p.mu.Lock()
	p.sum.add(e, p.c.cfg.MaxListed)
	for _, o := range p.c.cfg.Observers {
		o.Document(e)
	}
	p.mu.Unlock()
	level := slog.LevelInfo
	switch {
	case e.Outcome == Failed || e.Outcome == LeftForRetry:
		level = slog.LevelWarn
	case p.c.cfg.QuietDocuments:
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{slog.String("outcome", string(e.Outcome)), slog.String("schema", e.Schema),
		slog.Int64("duration_ms", e.DurationMS)}
	if e.ExternalRecordID != "" {
		attrs = append(attrs, slog.String("external_record_id", e.ExternalRecordID))
	}
	if e.ErrorCode != "" {
		attrs = append(attrs, slog.String("error_code", e.ErrorCode), slog.String("error_message", e.ErrorMessage))
	}
	p.log.LogAttrs(ctx, level, documentMessage(p.info.Mode, e.Outcome), attrs...)
}

// documentMessage is the log message for a document's outcome: "document
// delivered", or in a dry run what would happen ("dry run: document would
// be delivered"), so that a dry run never logs a delivery.
func documentMessage(m Mode, o Outcome) string {
	if m != ModeDryRun {
		return "document " + string(o)
	}
	switch o {
	case Failed:
		return "dry run: document would fail"
	case LeftForRetry:
		return "dry run: document would be left for retry"
	}
	return "dry run: document would be " + string(o)
}

// end closes the run: it records the stop reason (unless one is already
// recorded), totals the throttling, tells the observers and logs.
func (p *pass) end(reason StopReason, err error) (*Summary, error) {
	if reason != StopNone {
		p.stop(reason, stopMessage(reason, err), err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := &p.sum
	s.FinishedAt = p.c.cfg.Clock.Now().UTC()
	t := p.c.throttling()
	s.Throttle = Throttle{Waits: t.Waits - p.throttle0.Waits, Waited: t.Waited - p.throttle0.Waited}
	for _, o := range p.c.cfg.Observers {
		o.Finish(s)
	}
	c := s.Counts
	attrs := []any{"seen", c.Seen, "delivered", c.Delivered, "skipped", c.Skipped, "failed", c.Failed,
		"left_for_retry", c.LeftForRetry, "ignored", c.Ignored, "elapsed", s.Elapsed().String()}
	if s.Stop != StopNone {
		attrs = append(attrs, "stop_reason", string(s.Stop), "stop_message", s.StopMessage)
	}
	if s.Err != nil {
		attrs = append(attrs, "error", s.Err.Error())
	}
	p.log.InfoContext(p.ctx, "run finished", attrs...)
	out := *s
	p.c.current.CompareAndSwap(p, nil)
	return &out, out.Err
}

func stopMessage(reason StopReason, err error) string {
	switch reason {
	case StopDestination:
		return "the destination could not be used (the error says why); nothing was written"
	case StopSource:
		return "Numora failed"
	}
	if err != nil {
		return err.Error()
	}
	return string(reason)
}

// attemptKey carries a document's attempt number in the pass through the
// handler's ctx to its callback.
type attemptKey struct{}

// executionID is the id of this run's delivery attempt for document id:
// "<run id>-<document id>", or "<run id>.<n>-<document id>" for the n-th
// document a Serve pass takes (n > 1), since notify mode may deliver a
// document again in the same pass.
func (p *pass) executionID(ctx context.Context, id string) string {
	if n, _ := ctx.Value(attemptKey{}).(int); n > 1 {
		return p.info.RunID + "." + strconv.Itoa(n) + "-" + id
	}
	return p.info.RunID + "-" + id
}

func wrapf(what string, err error) error { return fmt.Errorf("connector: %s: %w", what, err) }
