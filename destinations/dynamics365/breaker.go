package dynamics365

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/breaker"
)

// newBreaker returns admission's circuit breaker (see admission): it
// counts calls, each after its retries, that failed transiently.
func newBreaker(cfg Config, logger *slog.Logger) *breaker.Breaker[*response] {
	return breaker.New[*response](breaker.Settings{
		Config:     cfg.Breaker,
		Name:       cfg.OrgURL,
		Clock:      cfg.Clock,
		Logger:     logger,
		LogMessage: "dynamics365: circuit breaker state changed",
		IsFailure:  isBreakerFailure,
		OpenError: func(d time.Duration) error {
			return fmt.Errorf("dynamics365: %w (retrying in %v)", destinations.ErrCircuitOpen, d.Round(time.Second))
		},
		RequestID: func(err error) string {
			if api, ok := asAPIError(err); ok {
				return api.RequestID
			}
			return ""
		},
	})
}

// isBreakerFailure says whether err shows Dataverse unhealthy: transient
// failures do (5xx, 429 after retries, network, timeouts); answers such as
// validation errors do not.
func isBreakerFailure(err error) bool {
	return err != nil && classify(err).Class == destinations.Transient
}

// call runs fn through the circuit breaker; a read's success does not
// count (see breaker.ExecuteRead). State changes are logged with ctx and the
// request id of the failure that caused them.
func (a *admission) call(ctx context.Context, read bool, fn func() (*response, error)) (*response, error) {
	if read {
		return a.brk.ExecuteRead(ctx, fn)
	}
	return a.brk.Execute(ctx, fn)
}

// allowCall returns the error a call would get from the breaker now,
// without starting one.
func (a *admission) allowCall() error { return a.brk.Allow() }

// breakerState returns "closed", "open", "half-open" or "disabled".
func (a *admission) breakerState() string { return a.brk.State() }
