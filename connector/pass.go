package connector

import (
	"context"
	"iter"
	"log/slog"
	"sync"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/numora"
)

// handler starts one document: it reads and maps it, and returns its
// entry so far and what is left to do (a zero step when nothing is). The
// pass runs each step on its stage's pool, so that a worker takes its next
// document while the last one waits to be written or reported.
type handler func(ctx context.Context, p *pass, it numora.OutboxItem) (Entry, step)

// stage names the pool a step runs on.
type stage int

const (
	stageDone   stage = iota // nothing left: the entry is final
	stageWrite               // the destination's write (Deliver)
	stageReport              // the delivery callback
)

// step is what is left of a document after a stage: run returns the entry
// so far and the step after it.
type step struct {
	on  stage
	run func() (Entry, step)
}

// pass is the state of one run: intake, the worker pool and the summary.
type pass struct {
	c    *Connector
	ctx  context.Context // the caller's ctx (the stop signal) with run_id
	log  *slog.Logger
	info RunInfo

	intake     context.Context // cancelled to stop taking documents
	stopIntake context.CancelFunc
	throttle0  Throttle

	mu      sync.Mutex // guards sum, seen, refused, the counts below and the observers
	sum     Summary
	seen    map[string]struct{} // documents taken, for passes taking each once
	jobs    int                 // documents taken by a pass taking them again
	refused bool                // queued documents are no longer taken

	nread, taken, finished int // documents read from the intake, taken by a worker, finished
	pages0                 int // the source's page count at the start (PageCounter)
}

func (c *Connector) newPass(ctx context.Context, mode Mode) *pass {
	now := c.cfg.Clock.Now()
	info := RunInfo{RunID: c.cfg.NewRunID(now), Mode: mode, StartedAt: now.UTC()}
	ctx = logctx.With(ctx, slog.String("run_id", info.RunID))
	p := &pass{c: c, ctx: ctx, log: c.cfg.Logger, info: info, throttle0: c.throttling(),
		sum: Summary{RunInfo: info}, seen: make(map[string]struct{})}
	p.intake, p.stopIntake = context.WithCancel(ctx)
	if pc, ok := c.src.(PageCounter); ok {
		p.pages0 = pc.OutboxPages()
	}
	c.current.Store(p)
	for _, o := range c.cfg.Observers {
		o.Start(info)
	}
	p.log.InfoContext(ctx, "run started", "mode", string(mode), "provider", c.cfg.Provider,
		"concurrency", c.cfg.Concurrency)
	return p
}

// Intake streams the documents a pass delivers: the outbox for Run, the
// notification queue for Serve. The sequence ends when there is nothing
// more to take or ctx is cancelled (the pass stopping intake), or after
// yielding an error, which stops the pass as a source failure.
type Intake func(ctx context.Context) iter.Seq2[numora.OutboxItem, error]

// run takes documents from in and hands them to three pools: cfg.Concurrency
// workers read and map them (the handler), writers wait in the
// destination's Deliver (as many as the workers, times the documents one
// request carries for a destinations.Batcher, so that shared requests fill
// while the workers read on), and half as many finishers as workers send
// the callbacks (a callback is one round trip, a worker's document two).
// It returns once intake ends and every pool is done. The reader keeps up
// to a page of documents queued, so that the next page is fetched while
// the workers still have documents to take.
// With once set (outbox passes), a document that comes around again in the
// same pass is taken once; otherwise (notifications) every document yielded
// is delivered again, with an execution id of its own.
func (p *pass) run(h handler, in Intake, once bool) (*Summary, error) {
	work, cancelWork := p.detach()
	defer cancelWork()
	jobs := make(chan job, p.c.cfg.PageSize)
	pl := newPools()
	pl.start(stageReport, Finishers(p.c.cfg.Concurrency))
	pl.start(stageWrite, p.c.cfg.Concurrency*p.c.batchDocuments())
	var workers sync.WaitGroup
	for range p.c.cfg.Concurrency {
		workers.Go(func() {
			for j := range jobs {
				p.take(work, h, j, pl)
			}
		})
	}
	p.read(jobs, in, once)
	close(jobs)
	workers.Wait()
	pl.close(stageWrite)
	pl.close(stageReport)
	if p.ctx.Err() != nil {
		p.interrupted() // the stop came after intake ended, while documents were in flight
	}
	return p.end(StopNone, nil)
}

// Finishers is how many callbacks a pass with the given concurrency sends
// at once: half as many as it has workers (rounded up), since a callback is
// one round trip and a worker's document two. A writer whose callback finds
// every finisher busy waits for one.
func Finishers(concurrency int) int { return (concurrency + 1) / 2 }

// batchDocuments is how many documents the destination's requests carry
// at most (destinations.Batcher), 1 when it sends each alone.
func (c *Connector) batchDocuments() int {
	if b, ok := c.dst.(destinations.Batcher); ok && !c.cfg.DryRun {
		return max(b.BatchDocuments(), 1)
	}
	return 1
}

// detach returns the context workers use: it survives the cancellation of
// the run's ctx for StopGrace, so that documents in flight can finish their
// write and callback, and is cancelled when the grace runs out or the run
// ends.
func (p *pass) detach() (context.Context, context.CancelFunc) {
	work, cancel := context.WithCancel(context.WithoutCancel(p.ctx))
	go func() {
		select {
		case <-p.ctx.Done():
			_ = p.c.cfg.Clock.Sleep(work, p.c.cfg.StopGrace)
			cancel()
		case <-work.Done():
		}
	}()
	return work, cancel
}

// read streams in into jobs until it ends or intake stops.
func (p *pass) read(jobs chan<- job, in Intake, once bool) {
	for it, err := range in(p.intake) {
		if err != nil {
			p.readFailed(err)
			return
		}
		n := p.sight(it.DocumentID, once)
		if n == 0 {
			continue
		}
		select {
		case jobs <- job{it: it, attempt: n}:
		case <-p.intake.Done():
			p.readFailed(p.intake.Err())
			return
		}
	}
	if p.ctx.Err() != nil {
		p.interrupted()
	}
}

func (p *pass) readFailed(err error) {
	switch {
	case p.ctx.Err() != nil:
		p.interrupted()
	case p.intake.Err() != nil:
		// stopped on purpose; the reason is already recorded
	default:
		p.stop(StopSource, "reading the intake failed", wrapf("reading the intake", err))
	}
}

func (p *pass) interrupted() {
	p.stop(StopInterrupted, "stop requested: the documents in flight were finished, the rest stay in the outbox", nil)
}

// job is one document to take, with its attempt number in the pass.
type job struct {
	it      numora.OutboxItem
	attempt int
}

// sight returns the attempt number of id, or 0 when it must not be taken.
// With once set, a document that comes around again (a later page of a
// live outbox) is taken once per run: attempt 1. Otherwise (notifications,
// a long-lived pass) the number is the pass's count of documents taken, so
// that every attempt gets its own execution id without remembering every
// document ever seen.
func (p *pass) sight(id string, once bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !once {
		p.jobs++
		p.nread++
		return p.jobs
	}
	if _, ok := p.seen[id]; ok {
		return 0
	}
	p.seen[id] = struct{}{}
	p.nread++
	return 1
}

// msgKeyRefused is the stop message when Numora refuses the API key.
const msgKeyRefused = "Numora refused the API key"

// stop ends intake and records why; the first reason wins.
func (p *pass) stop(reason StopReason, msg string, err error) {
	p.mu.Lock()
	if p.sum.Stop == StopNone {
		p.sum.Stop, p.sum.StopMessage, p.sum.Err = reason, msg, err
	}
	p.mu.Unlock()
	p.stopIntake()
}
