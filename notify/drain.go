package notify

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"sync"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/numora"
)

// Defaults of DrainConfig.
const (
	DefaultRetryDelay    = 30 * time.Second
	DefaultMaxRetryDelay = 15 * time.Minute
	DefaultMaxAttempts   = 10
	DefaultPassPause     = 10 * time.Second
)

// DrainConfig configures a Drainer. Zero values are the defaults.
type DrainConfig struct {
	Queue *queue.Queue
	// Serve is the connector's Serve (a pass over an intake).
	Serve func(ctx context.Context, in connector.Intake) (*connector.Summary, error)
	// RetryDelay is the wait before the first retry of a document left for
	// retry; it doubles per failed attempt up to MaxRetryDelay. Defaults
	// 30s and 15m.
	RetryDelay, MaxRetryDelay time.Duration
	// MaxAttempts is how many failed attempts a document gets before it is
	// dropped from the queue (it stays push_failed in Numora: a new
	// notification or the reconcile poll brings it back); default 10.
	MaxAttempts int
	// PassPause is the wait before a new pass when one stopped early
	// (breaker open, Numora refusing the key); default 10s.
	PassPause time.Duration
	// Slots bounds the documents taken from the queue and not yet settled;
	// set it to the connector's concurrency, so that a notification for a
	// document waiting its turn merges into its queued entry rather than
	// into one already taken. Default 48.
	Slots int
	// EchoWindow is how long after reporting a document failed a
	// push.failed event for it is ignored as the echo of that report
	// (see IsEcho); default 15m.
	EchoWindow time.Duration
	// Latency observes the time from notification to outcome; optional.
	Latency func(time.Duration)
	Logger  *slog.Logger
	Now     func() time.Time
}

// Drainer delivers what the queue holds, pass after pass, and settles each
// entry from its outcome. It is a connector.Observer: list it among the
// connector's observers.
type Drainer struct {
	cfg DrainConfig

	mu       sync.Mutex
	inFlight map[string]queue.Item
	slots    chan struct{} // one token per document taken and not settled
	settling sync.WaitGroup
	echoes   *echoes
}

// IsEcho reports whether a push.failed event for the document is the echo
// of this connector's own failed report, within DrainConfig.EchoWindow:
// delivering on it would only fail and report again, in a loop. Give it to
// the Server as Config.IsEcho.
func (d *Drainer) IsEcho(documentID string) bool { return d.echoes.isEcho(documentID) }

// NewDrainer returns a Drainer for cfg.
func NewDrainer(cfg DrainConfig) *Drainer {
	cfg.RetryDelay = orDefault(cfg.RetryDelay, DefaultRetryDelay)
	cfg.MaxRetryDelay = orDefault(cfg.MaxRetryDelay, DefaultMaxRetryDelay)
	cfg.PassPause = orDefault(cfg.PassPause, DefaultPassPause)
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Slots <= 0 {
		cfg.Slots = connector.DefaultConcurrency
	}
	return &Drainer{cfg: cfg, inFlight: map[string]queue.Item{}, slots: make(chan struct{}, cfg.Slots),
		echoes: newEchoes(orDefault(cfg.EchoWindow, DefaultEchoWindow), cfg.Now)}
}

// Run runs passes until ctx is cancelled; a pass that stops early is
// followed, after PassPause, by another. When Run returns, every document
// in flight has been settled or given back to the queue.
func (d *Drainer) Run(ctx context.Context) error {
	for {
		s, err := d.cfg.Serve(ctx, d.intake)
		d.settling.Wait()
		d.releaseAll()
		if ctx.Err() != nil {
			return nil
		}
		d.cfg.Logger.WarnContext(ctx, "delivery pass stopped early; the queue keeps the documents, next pass after a pause",
			"stop_reason", string(s.Stop), "stop_message", s.StopMessage, "error", errString(err), "pause", d.cfg.PassPause.String())
		t := time.NewTimer(d.cfg.PassPause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// intake yields the queue's ready entries until ctx ends.
func (d *Drainer) intake(ctx context.Context) iter.Seq2[numora.OutboxItem, error] {
	return func(yield func(numora.OutboxItem, error) bool) {
		for ctx.Err() == nil { // Take would hand out a ready entry even after ctx ended
			select {
			case d.slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			it, err := d.cfg.Queue.Take(ctx)
			if err != nil {
				<-d.slots
				if ctx.Err() == nil && !errors.Is(err, queue.ErrClosed) {
					yield(numora.OutboxItem{}, err)
				}
				return
			}
			d.mu.Lock()
			d.inFlight[it.DocumentID] = it
			d.mu.Unlock()
			if !yield(numora.OutboxItem{DocumentID: it.DocumentID}, nil) {
				return
			}
		}
	}
}

// releaseAll gives the entries taken but not attempted back to the queue.
func (d *Drainer) releaseAll() {
	d.mu.Lock()
	clear(d.inFlight)
	d.mu.Unlock()
	for len(d.slots) > 0 {
		<-d.slots
	}
	d.cfg.Queue.ReleaseAll()
}

// Start implements connector.Observer.
func (d *Drainer) Start(connector.RunInfo) {}

// Finish implements connector.Observer.
func (d *Drainer) Finish(*connector.Summary) {}

// Document implements connector.Observer: it settles the document's queue
// entry beside the pass (a settle is a disk commit; the pass must not wait
// for it).
func (d *Drainer) Document(e connector.Entry) {
	d.mu.Lock()
	it, ok := d.inFlight[e.DocumentID]
	delete(d.inFlight, e.DocumentID)
	d.mu.Unlock()
	if !ok {
		return
	}
	d.settling.Go(func() {
		d.settle(it, e)
		<-d.slots // after the settle: the document is not taken again before it
	})
}
