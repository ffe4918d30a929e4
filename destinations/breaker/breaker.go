// Package breaker is the destinations' circuit breaker: gobreaker v2
// counting the failures of whole calls (each after its retries), with the
// open period timed by the destination's clock rather than gobreaker's wall
// clock, so that tests control it.
//
// Failures consecutive failed calls open the breaker; for OpenTimeout every
// call fails at once with the destination's open error (which wraps
// destinations.ErrCircuitOpen); then HalfOpenRequests probe calls may go:
// as many successes close it, one failure opens it again. A cancelled call
// counts for nothing; which errors are failures the destination says.
//
// gobreaker's own Timeout is 1ns: once the clock's open period is over,
// gobreaker's next call goes half-open at once and admits the probes.
package breaker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/numora/numora-connector/retry"
)

// Config configures a breaker.
type Config struct {
	// Failures is how many consecutive failed calls open the breaker
	// (default 5); negative disables it.
	Failures int `yaml:"failures"`
	// OpenTimeout is how long it stays open before letting probes through
	// (default 30s).
	OpenTimeout time.Duration `yaml:"open_timeout"`
	// HalfOpenRequests is how many probe calls it lets through while half
	// open; that many successes close it (default 1).
	HalfOpenRequests int `yaml:"half_open_requests"`
}

// WithDefaults fills zero (or, for the durations and probes, negative)
// fields with the defaults.
func (c Config) WithDefaults() Config {
	if c.Failures == 0 {
		c.Failures = 5
	}
	if c.OpenTimeout <= 0 {
		c.OpenTimeout = 30 * time.Second
	}
	if c.HalfOpenRequests <= 0 {
		c.HalfOpenRequests = 1
	}
	return c
}

// Settings are what a destination gives its breaker.
type Settings struct {
	Config
	// Name identifies the breaker in log lines (the environment's URL).
	Name string
	// Clock times the open period.
	Clock retry.Clock
	// Logger gets a warning per state change, titled LogMessage.
	Logger     *slog.Logger
	LogMessage string
	// IsFailure says whether a call's error shows the service unhealthy
	// (nil errors are never asked about).
	IsFailure func(error) bool
	// OpenError is the error of a call refused while the breaker is open;
	// remaining is how long it stays open (0 when probes are all taken).
	OpenError func(remaining time.Duration) error
	// RequestID, when set, names the failed request whose call changed the
	// state, for the log line.
	RequestID func(error) string
}

// Breaker is a circuit breaker for calls returning T. Its methods are
// safe for concurrent use.
type Breaker[T any] struct {
	cb *gobreaker.CircuitBreaker[T] // nil when disabled
	s  Settings

	mu        sync.Mutex
	openUntil time.Time
	changes   []change // not yet logged
}

// change is a state transition waiting to be logged.
type change struct{ from, to gobreaker.State }

// New returns a breaker; a negative Failures disables it.
func New[T any](s Settings) *Breaker[T] {
	b := &Breaker[T]{s: s}
	if s.Failures < 0 {
		return b
	}
	failures := uint32(s.Failures)
	b.cb = gobreaker.NewCircuitBreaker[T](gobreaker.Settings{
		Name:          s.Name,
		MaxRequests:   uint32(max(s.HalfOpenRequests, 1)),
		Timeout:       time.Nanosecond,
		ReadyToTrip:   func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		OnStateChange: b.onStateChange,
		IsSuccessful:  func(err error) bool { return err == nil || !s.IsFailure(err) },
		IsExcluded:    func(err error) bool { return errors.Is(err, context.Canceled) || err == errReadOK },
	})
	return b
}

// onStateChange runs under gobreaker's mutex: it must not call b.cb. It
// has no context, so it queues the change for Execute to log.
func (b *Breaker[T]) onStateChange(_ string, from, to gobreaker.State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if to == gobreaker.StateOpen {
		b.openUntil = b.s.Clock.Now().Add(b.s.OpenTimeout)
	}
	b.changes = append(b.changes, change{from, to})
}

// Execute runs fn unless the breaker is open; then it returns OpenError at
// once. State changes are logged with ctx, normally that of the call that
// caused them.
func (b *Breaker[T]) Execute(ctx context.Context, fn func() (T, error)) (T, error) {
	if b.cb == nil {
		return fn()
	}
	var zero T
	if err := b.Allow(); err != nil {
		return zero, err
	}
	v, err := b.cb.Execute(fn)
	b.logChanges(ctx, err)
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return zero, b.s.OpenError(b.remaining())
	}
	return v, err
}

// errReadOK stands, inside ExecuteRead, for a read's success, so that
// gobreaker excludes it from its counts. It is never returned.
var errReadOK = errors.New("breaker: read succeeded")

// ExecuteRead is Execute for a call that only reads: its failure counts as
// Execute's does, its success counts for nothing. A service can answer
// reads while it refuses every write; the reads between failed writes must
// not keep the breaker closed, and only a write's success closes a
// half-open breaker.
func (b *Breaker[T]) ExecuteRead(ctx context.Context, fn func() (T, error)) (T, error) {
	v, err := b.Execute(ctx, func() (T, error) {
		v, err := fn()
		if err == nil {
			err = errReadOK
		}
		return v, err
	})
	if err == errReadOK {
		err = nil
	}
	return v, err
}

// Allow returns the error a call would get now because the open period
// lasts, without starting one.
func (b *Breaker[T]) Allow() error {
	if d := b.remaining(); b.cb != nil && d > 0 {
		return b.s.OpenError(d)
	}
	return nil
}

// State returns "closed", "open", "half-open" or "disabled".
func (b *Breaker[T]) State() string {
	if b.cb == nil {
		return "disabled"
	}
	if b.remaining() > 0 {
		return gobreaker.StateOpen.String()
	}
	return b.cb.State().String()
}

func (b *Breaker[T]) remaining() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.openUntil.Sub(b.s.Clock.Now()), 0)
}

// logChanges logs the queued state changes; err is the outcome of the call
// that just ended.
func (b *Breaker[T]) logChanges(ctx context.Context, err error) {
	b.mu.Lock()
	changes := b.changes
	b.changes = nil
	b.mu.Unlock()
	for _, c := range changes {
		attrs := []any{slog.String("breaker", b.s.Name), slog.String("from", c.from.String()), slog.String("to", c.to.String())}
		if b.s.RequestID != nil {
			attrs = append(attrs, slog.String("request_id", b.s.RequestID(err)))
		}
		b.s.Logger.WarnContext(ctx, b.s.LogMessage, attrs...)
	}
}
