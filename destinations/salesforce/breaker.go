package salesforce

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/breaker"
	"github.com/numora/numora-connector/retry"
)

// newBreaker returns the destination's circuit breaker (see package
// breaker): it counts calls, each after its retries, that failed
// transiently, and its open period is timed by clock.
func newBreaker(name string, cfg BreakerConfig, clock retry.Clock, logger *slog.Logger) *breaker.Breaker[*response] {
	return breaker.New[*response](breaker.Settings{
		Config:     breaker.Config(cfg),
		Name:       name,
		Clock:      clock,
		Logger:     logger,
		LogMessage: "salesforce: circuit breaker state changed",
		IsFailure:  func(err error) bool { return destinations.Classify(err) == destinations.Transient },
		OpenError: func(d time.Duration) error {
			return &destinations.Error{Class: destinations.Transient, Code: "crm_circuit_open",
				Message: fmt.Sprintf("Salesforce keeps failing; retrying in %v", d.Round(time.Second)),
				Err:     destinations.ErrCircuitOpen}
		},
	})
}
