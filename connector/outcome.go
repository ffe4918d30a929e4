package connector

import (
	"errors"
	"fmt"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/numora"
)

// Outcome is what a run did with one document; see the package doc.
type Outcome string

// Outcomes.
const (
	Delivered    Outcome = "delivered"
	Skipped      Outcome = "skipped"
	Failed       Outcome = "failed"
	LeftForRetry Outcome = "left_for_retry"
	Ignored      Outcome = "ignored"
)

// Error codes the connector itself puts in callbacks and entries; the
// destination and the rules supply the others.
const (
	CodeMapping          = "mapping_error"      // the rules could not map the document
	CodeSkipRule         = "skip_rule"          // a skip_if rule or gate of the rules matched
	CodeUnavailable      = "crm_unavailable"    // transient destination failure without a code
	CodeCircuitOpen      = "circuit_open"       // the breaker refused the write; nothing was attempted
	CodeReserve          = "api_reserve"        // the API allocation is under the reserve; nothing was attempted
	CodeInterrupted      = "interrupted"        // the stop deadline cut the document short
	CodeResultFailed     = "result_unavailable" // Numora did not serve the result
	CodeCallbackFailed   = "callback_failed"    // the outcome could not be recorded in Numora
	CodeNotDeliverable   = "not_deliverable"    // status not reviewed/push_failed
	CodeDispatchFailed   = "dispatch_failed"    // Numora refused or failed the dispatch
	CodeDispatchTimedOut = "dispatch_timed_out" // still push_pending after the timeout
)

// maxMessage caps error messages sent to Numora and kept in entries.
const maxMessage = 1000

// decision is what to tell Numora about a document: a callback status (or
// none), the entry outcome and the details.
type decision struct {
	outcome  Outcome
	callback numora.DeliveryStatus // "" = report nothing
	code     string
	message  string
	receipt  *destinations.Receipt
}

func delivered(r *destinations.Receipt) decision {
	return decision{outcome: Delivered, callback: numora.DeliverySucceeded, receipt: r}
}

func skipped(code, reason string) decision {
	return decision{outcome: Skipped, callback: numora.DeliverySkipped, code: code, message: reason}
}

func failed(code, msg string) decision {
	return decision{outcome: Failed, callback: numora.DeliveryFailed, code: code, message: msg}
}

// retryLater reports failed with a retryable code: Numora keeps the document
// in the outbox (push_failed) for the next run.
func retryLater(code, msg string) decision {
	return decision{outcome: LeftForRetry, callback: numora.DeliveryFailed, code: code, message: msg}
}

// untouched reports nothing: the document stays as it was in the outbox.
func untouched(code, msg string) decision {
	return decision{outcome: LeftForRetry, code: code, message: msg}
}

// destinationDecision sorts a Deliver error into a decision.
func destinationDecision(err error) decision {
	if errors.Is(err, destinations.ErrCircuitOpen) {
		return untouched(CodeCircuitOpen, "not attempted: the destination's circuit breaker is open")
	}
	if errors.Is(err, destinations.ErrReserve) {
		return untouched(CodeReserve, "not attempted: "+reserveMessage(err))
	}
	code, msg := CodeUnavailable, err.Error()
	var de *destinations.Error
	if errors.As(err, &de) {
		code, msg = de.Code, de.Message
	}
	switch destinations.Classify(err) {
	case destinations.Skip:
		return skipped(orCode(code, "lookup_missing"), msg)
	case destinations.Permanent:
		return failed(orCode(code, "crm_rejected"), msg)
	default:
		return retryLater(orCode(code, CodeUnavailable), msg)
	}
}

// reserveMessage is what the destination said about its API allocation.
func reserveMessage(err error) string {
	var de *destinations.Error
	if errors.As(err, &de) && de.Message != "" {
		return de.Message
	}
	return "the destination's API allocation is under the reserve"
}

func orCode(code, def string) string {
	if code == "" {
		return def
	}
	return code
}

// clip shortens s to at most maxMessage bytes on a rune boundary.
func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// describe is a short human form of a decision, for logs.
func (d decision) describe() string {
	if d.code == "" {
		return string(d.outcome)
	}
	return fmt.Sprintf("%s (%s)", d.outcome, d.code)
}
