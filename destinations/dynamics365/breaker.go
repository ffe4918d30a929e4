package dynamics365

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/numora/numora-connector/destinations"
)

// breaker is admission's circuit breaker (see admission). Its methods run
// under admission.mu.
type breaker struct {
	cfg       BreakerConfig
	state     breakerState
	failures  int // consecutive failed calls while closed
	openUntil time.Time
	probes    int // half-open calls in flight
	successes int // half-open calls that succeeded
	changes   []string
}

type breakerState int

const (
	breakerClosed breakerState = iota
	breakerOpen
	breakerHalfOpen
)

func (s breakerState) String() string {
	return [...]string{"closed", "open", "half-open"}[s]
}

// set changes the state, noting the change for logging.
func (b *breaker) set(now time.Time, s breakerState) {
	b.changes = append(b.changes, b.state.String(), s.String())
	b.state, b.failures, b.probes, b.successes = s, 0, 0, 0
	if s == breakerOpen {
		b.openUntil = now.Add(b.cfg.OpenTimeout)
	}
}

// current returns the state at now: an open breaker whose time is over is
// half-open.
func (b *breaker) current(now time.Time) breakerState {
	if b.state == breakerOpen && !now.Before(b.openUntil) {
		b.set(now, breakerHalfOpen)
	}
	return b.state
}

// start lets a call go, or returns the error that refuses it.
func (b *breaker) start(now time.Time) error {
	if b.cfg.Failures < 0 {
		return nil
	}
	switch b.current(now) {
	case breakerOpen:
		return breakerOpenError(b.openUntil.Sub(now))
	case breakerHalfOpen:
		if b.probes >= b.cfg.HalfOpenRequests {
			return breakerOpenError(0)
		}
		b.probes++
	}
	return nil
}

// end counts a call's outcome; a cancelled call counts for nothing.
func (b *breaker) end(now time.Time, err error) {
	if b.cfg.Failures < 0 {
		return
	}
	failed := isBreakerFailure(err)
	switch b.state {
	case breakerClosed:
		switch {
		case errors.Is(err, context.Canceled):
		case !failed:
			b.failures = 0
		default:
			if b.failures++; b.failures >= b.cfg.Failures {
				b.set(now, breakerOpen)
			}
		}
	case breakerHalfOpen:
		b.probes--
		switch {
		case errors.Is(err, context.Canceled):
		case failed:
			b.set(now, breakerOpen)
		default:
			if b.successes++; b.successes >= b.cfg.HalfOpenRequests {
				b.set(now, breakerClosed)
			}
		}
	}
}

// isBreakerFailure says whether err shows Dataverse unhealthy: transient
// failures do (5xx, 429 after retries, network, timeouts); answers such as
// validation errors do not.
func isBreakerFailure(err error) bool {
	return err != nil && classify(err).Class == destinations.Transient
}

func breakerOpenError(d time.Duration) error {
	return fmt.Errorf("dynamics365: %w (retrying in %v)", destinations.ErrCircuitOpen, d.Round(time.Second))
}

// call runs fn through the circuit breaker. State changes are logged with
// ctx and the request id of the failure that caused them.
func (a *admission) call(ctx context.Context, fn func() (*response, error)) (*response, error) {
	a.mu.Lock()
	err := a.brk.start(a.clock.Now())
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	resp, err := fn()
	a.mu.Lock()
	a.brk.end(a.clock.Now(), err)
	changes := a.brk.changes
	a.brk.changes = nil
	a.mu.Unlock()
	a.logChanges(ctx, changes, err)
	return resp, err
}

// allowCall returns the error a call would get from the breaker now,
// without starting one.
func (a *admission) allowCall() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	if a.brk.cfg.Failures >= 0 && a.brk.current(now) == breakerOpen {
		return breakerOpenError(a.brk.openUntil.Sub(now))
	}
	return nil
}

// breakerState returns "closed", "open", "half-open" or "disabled".
func (a *admission) breakerState() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.brk.cfg.Failures < 0 {
		return "disabled"
	}
	return a.brk.current(a.clock.Now()).String()
}

// logChanges logs breaker transitions (pairs of from, to).
func (a *admission) logChanges(ctx context.Context, changes []string, err error) {
	if len(changes) == 0 {
		return
	}
	requestID := ""
	if api, ok := asAPIError(err); ok {
		requestID = api.RequestID
	}
	for i := 0; i+1 < len(changes); i += 2 {
		a.logger.WarnContext(ctx, "dynamics365: circuit breaker state changed", slog.String("breaker", a.name),
			slog.String("from", changes[i]), slog.String("to", changes[i+1]), slog.String("request_id", requestID))
	}
}
