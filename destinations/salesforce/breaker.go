package salesforce

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

// breaker is the destination's circuit breaker, built like the Dataverse
// destination's: gobreaker v2 counts transient failures of whole calls
// (after their retries); the open period is timed by the destination's
// clock, so tests control it, and gobreaker's own Timeout is 1ns.
type breaker struct {
	cb      *gobreaker.CircuitBreaker[*response] // nil when disabled
	clock   retry.Clock
	timeout time.Duration
	logger  *slog.Logger

	mu        sync.Mutex
	openUntil time.Time
}

func newBreaker(name string, cfg BreakerConfig, clock retry.Clock, logger *slog.Logger) *breaker {
	b := &breaker{clock: clock, timeout: cfg.OpenTimeout, logger: logger}
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
		IsSuccessful: func(err error) bool {
			return err == nil || destinations.Classify(err) != destinations.Transient
		},
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	return b
}

// onStateChange runs under gobreaker's lock: it must not call b.cb.
func (b *breaker) onStateChange(name string, from, to gobreaker.State) {
	b.mu.Lock()
	if to == gobreaker.StateOpen {
		b.openUntil = b.clock.Now().Add(b.timeout)
	}
	b.mu.Unlock()
	b.logger.Warn("salesforce: circuit breaker state changed", slog.String("breaker", name),
		slog.String("from", from.String()), slog.String("to", to.String()))
}

// execute runs fn unless the breaker is open.
func (b *breaker) execute(_ context.Context, fn func() (*response, error)) (*response, error) {
	if b.cb == nil {
		return fn()
	}
	if err := b.allow(); err != nil {
		return nil, err
	}
	resp, err := b.cb.Execute(fn)
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return nil, b.openError(b.remaining())
	}
	return resp, err
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
	return &destinations.Error{Class: destinations.Transient, Code: "crm_circuit_open",
		Message: fmt.Sprintf("Salesforce keeps failing; retrying in %v", d.Round(time.Second)),
		Err:     destinations.ErrCircuitOpen}
}

// state returns "closed", "open", "half-open" or "disabled".
func (b *breaker) state() string {
	if b.cb == nil {
		return "disabled"
	}
	if b.remaining() > 0 {
		return gobreaker.StateOpen.String()
	}
	return b.cb.State().String()
}
