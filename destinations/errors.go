package destinations

import (
	"errors"
	"fmt"
	"time"
)

// Class is the outcome class of a failed delivery.
type Class int

// Outcome classes. Transient is the zero value: an error nobody classified
// is retried later rather than reported as a final failure.
const (
	Transient Class = iota
	Permanent
	Skip
)

// String returns "transient", "permanent" or "skip".
func (c Class) String() string {
	switch c {
	case Permanent:
		return "permanent"
	case Skip:
		return "skip"
	default:
		return "transient"
	}
}

// ErrCircuitOpen is wrapped by errors a destination returns while its
// circuit breaker refuses work: the connector stops taking new documents.
var ErrCircuitOpen = errors.New("destination: circuit breaker open")

// ErrReserve is wrapped by errors a destination returns, sending nothing,
// while the CRM's API allocation is under the reserve its settings keep
// for other integrations (Salesforce's daily API requests): the connector
// stops taking new documents, and those not taken stay in the outbox.
var ErrReserve = errors.New("destination: API allocation under the reserve")

// Error is a classified delivery failure. Code is the error_code for the
// Numora callback (e.g. "crm_429", "crm_400_0x80048d19", "lookup_missing");
// Message is human-readable and free of secrets.
type Error struct {
	Class   Class
	Code    string
	Message string
	// RetryAfter is the server's requested pause for Transient errors, or 0.
	RetryAfter time.Duration
	// Err is the underlying error, if any.
	Err error
}

// Error returns "destination: <code>: <message>".
func (e *Error) Error() string {
	return fmt.Sprintf("destination: %s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Classify returns the class of err: the Class of the first *Error in its
// chain; Transient for context cancellation, deadlines and anything
// unclassified.
func Classify(err error) Class {
	var de *Error
	if errors.As(err, &de) {
		return de.Class
	}
	return Transient
}
