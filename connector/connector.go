package connector

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/numora"
)

// Connector runs delivery passes over Numora's outbox. Build it with New;
// one Connector may run many passes, one at a time.
type Connector struct {
	src Source
	rul Mapper
	dst destinations.Destination
	cfg Config

	dryMu   sync.Mutex // serialises the dry run's output
	current atomic.Pointer[pass]
}

// New returns a Connector reading from src, mapping with rules and writing
// to dst. Dispatch mode needs neither rules nor dst; a dry run needs no dst
// (it then prints plans rather than requests).
func New(src Source, rules Mapper, dst destinations.Destination, cfg Config) (*Connector, error) {
	if src == nil {
		return nil, errors.New("connector: no source")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Connector{src: src, rul: rules, dst: dst, cfg: cfg.withDefaults()}, nil
}

// Run makes one pass over the outbox: every document is mapped, written and
// reported (or, with Config.DryRun, mapped and printed). It returns when the
// outbox is drained, or when intake stopped (ctx cancelled, the circuit
// breaker open, Numora failing) and the documents in flight have finished.
//
// Run always returns a summary. The error is the summary's Err: non-nil
// when the run stopped because Numora or the destination failed as a whole.
// A cancelled ctx is not an error: the summary says StopInterrupted.
func (c *Connector) Run(ctx context.Context) (*Summary, error) {
	mode, h := ModeRun, c.deliver
	if c.cfg.DryRun {
		mode = ModeDryRun
	}
	p := c.newPass(ctx, mode)
	if c.rul == nil || (c.dst == nil && !c.cfg.DryRun) {
		return p.end(StopDestination, errors.New("connector: Run needs mapping rules and a destination"))
	}
	if !c.cfg.DryRun && c.cfg.Preflight {
		if err := c.preflight(p.ctx); err != nil {
			return p.end(StopDestination, err)
		}
	}
	return p.run(h, c.outbox, true)
}

// outbox is Run's and Dispatch's intake: the outbox, page by page.
func (c *Connector) outbox(ctx context.Context) iter.Seq2[numora.OutboxItem, error] {
	return c.src.Outbox(ctx, c.cfg.Provider, c.cfg.PageSize)
}

// Dispatch makes one pass in dispatch mode: every outbox document is handed
// to Numora's own delivery (POST dispatch) and watched until it leaves
// push_pending or Config.DispatchTimeout passes. The connector writes and
// reports nothing itself. The source must implement Dispatcher.
func (c *Connector) Dispatch(ctx context.Context) (*Summary, error) {
	d, ok := c.src.(Dispatcher)
	p := c.newPass(ctx, ModeDispatch)
	if !ok {
		return p.end(StopSource, errors.New("connector: the source cannot dispatch"))
	}
	return p.run(func(ctx context.Context, p *pass, it numora.OutboxItem) (Entry, step) {
		return c.dispatch(ctx, p, d, it), step{}
	}, c.outbox, true)
}

// Loop runs passes until ctx is cancelled, waiting interval after each
// pass ends (run is Run, Dispatch, or a wrapper). each is called with every
// pass's summary. Loop returns ctx's error once cancelled.
func (c *Connector) Loop(ctx context.Context, interval time.Duration, run func(context.Context) (*Summary, error), each func(*Summary, error)) error {
	if interval <= 0 {
		return fmt.Errorf("connector: loop interval must be positive, got %v", interval)
	}
	for {
		s, err := run(ctx)
		each(s, err)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := c.cfg.Clock.Sleep(ctx, interval); err != nil {
			return err
		}
	}
}

// preflight proves the destination's connectivity and credentials.
func (c *Connector) preflight(ctx context.Context) error {
	ch, ok := c.dst.(destinations.Checker)
	if !ok {
		return nil
	}
	if err := ch.Check(ctx); err != nil {
		return fmt.Errorf("connector: destination check failed: %w", err)
	}
	return nil
}

// throttling sums the throttle counters of the source and the destination.
func (c *Connector) throttling() Throttle {
	var t Throttle
	for _, v := range []any{c.src, c.dst} {
		if r, ok := v.(destinations.ThrottleReporter); ok {
			n, d := r.Throttling()
			t.Waits += n
			t.Waited += d
		}
	}
	return t
}
