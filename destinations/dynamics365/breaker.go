package dynamics365

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/retry"
)

// breaker is the destination's circuit breaker: a gobreaker v2 breaker
// counting transient failures of whole calls (each after its retries), with
// the open period timed by the destination's clock rather than gobreaker's
// wall clock, so tests control it. gobreaker's own Timeout is 1ns: once our
// open period is over, its next Execute goes half-open and admits probes.
type breaker struct {
	cb      *gobreaker.CircuitBreaker[*response] // nil when disabled
	name    string
	clock   retry.Clock
	timeout time.Duration
	logger  *slog.Logger

	mu        sync.Mutex
	openUntil time.Time
	changes   []stateChange // not yet logged
}

// stateChange is a breaker transition waiting to be logged.
type stateChange struct{ from, to gobreaker.State }

func newBreaker(name string, cfg BreakerConfig, clock retry.Clock, logger *slog.Logger) *breaker {
	b := &breaker{name: name, clock: clock, timeout: cfg.OpenTimeout, logger: logger}
	if cfg.Failures < 0 {
		return b
	}
	failures := uint32(cfg.Failures)
	b.cb = gobreaker.NewCircuitBreaker[*response](gobreaker.Settings{
		Name:          name,
		MaxRequests:   uint32(cfg.HalfOpenRequests),
		Timeout:       time.Nanosecond,
		ReadyToTrip:   func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		OnStateChange: b.onStateChange,
		IsSuccessful:  func(err error) bool { return !isBreakerFailure(err) },
		IsExcluded:    func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	return b
}

// isBreakerFailure says whether err shows Dataverse unhealthy: transient
// failures do (5xx, 429 after retries, network, timeouts); answers such as
// validation errors do not.
func isBreakerFailure(err error) bool {
	return err != nil && classify(err).Class == destinations.Transient
}

// onStateChange runs under gobreaker's mutex: it must not call b.cb. It
// has no context, so it queues the change for execute to log.
func (b *breaker) onStateChange(_ string, from, to gobreaker.State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if to == gobreaker.StateOpen {
		b.openUntil = b.clock.Now().Add(b.timeout)
	}
	b.changes = append(b.changes, stateChange{from, to})
}

// execute runs fn unless the breaker is open; then it returns an error
// wrapping destinations.ErrCircuitOpen at once. State changes are logged
// with ctx, normally that of the call that caused them, and the request id
// of its failure.
func (b *breaker) execute(ctx context.Context, fn func() (*response, error)) (*response, error) {
	if b.cb == nil {
		return fn()
	}
	if err := b.allow(); err != nil {
		return nil, err
	}
	resp, err := b.cb.Execute(fn)
	b.logChanges(ctx, err)
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return nil, b.openError(b.remaining())
	}
	return resp, err
}

// logChanges logs the queued state changes; err is the outcome of the call
// that just ended.
func (b *breaker) logChanges(ctx context.Context, err error) {
	b.mu.Lock()
	changes := b.changes
	b.changes = nil
	b.mu.Unlock()
	var api *APIError
	requestID := ""
	if errors.As(err, &api) {
		requestID = api.RequestID
	}
	for _, c := range changes {
		b.logger.WarnContext(ctx, "dynamics365: circuit breaker state changed", slog.String("breaker", b.name),
			slog.String("from", c.from.String()), slog.String("to", c.to.String()),
			slog.String("request_id", requestID))
	}
}

// allow fails while the open period lasts.
func (b *breaker) allow() error {
	if d := b.remaining(); d > 0 {
		return b.openError(d)
	}
	return nil
}

func (b *breaker) remaining() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.openUntil.Sub(b.clock.Now()), 0)
}

func (b *breaker) openError(d time.Duration) error {
	return fmt.Errorf("dynamics365: %w (retrying in %v)", destinations.ErrCircuitOpen, d.Round(time.Second))
}

// state returns "closed", "open" or "half-open".
func (b *breaker) state() string {
	if b.cb == nil {
		return "disabled"
	}
	if b.remaining() > 0 {
		return gobreaker.StateOpen.String()
	}
	return b.cb.State().String()
}
