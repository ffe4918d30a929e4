// Package connector owns a delivery run: it takes documents from Numora's
// delivery outbox (Run) or from notify mode's queue (Serve), maps each reviewed result with the rules, writes the plan
// to a destination through a bounded worker pool, decides which delivery
// callback every document gets, and keeps the run summary.
//
// It depends on Numora, the rules and the destination only through the small
// interfaces Source, Mapper and destinations.Destination, so tests (and
// future intake modes) can swap any of them.
//
// # Outcomes
//
// Every document a worker takes ends in exactly one Outcome:
//
//   - Delivered: the destination wrote the plan; callback "succeeded" with
//     external_record_id and external_url.
//   - Skipped: a skip rule or gate of the rules, or a lookup prerequisite the
//     destination did not find; callback "skipped" with the reason in
//     error_message.
//   - Failed: the rules could not map the document, or the destination
//     refused it for good; callback "failed" with error_code and
//     error_message. Numora keeps it in the outbox as push_failed; rerunning
//     fails again until the data or the rules change.
//   - LeftForRetry: nothing final happened and a later run will try again: a
//     transient destination failure that outlasted the destination's retries
//     (callback "failed" with a retryable code such as crm_429 or
//     crm_unavailable); a document the open circuit breaker refused, or one
//     interrupted by the stop deadline (no callback: the document is
//     untouched); a result Numora could not serve; or a callback that could
//     not be recorded (the write, if any, is listed as "written, not
//     reported" and the next run re-delivers it idempotently).
//   - Ignored: the document's status is not reviewed or push_failed, or (in
//     notify mode) Numora no longer has it (another
//     worker or Numora itself is handling it, or it went back to review).
//     Nothing is written and nothing is reported: the document is not the
//     connector's to report on, and a "skipped" callback would stop Numora's
//     own retries for it.
//
// # Concurrency
//
// Config.Concurrency workers each read a result, map it and write it; the
// callback is handed to half as many finishers, so a worker takes its next
// document while the last one's callback is in flight. The outbox reader
// keeps up to a page of documents queued ahead of the workers. A document
// is recorded (summary, observers, logs) once its callback is answered;
// graceful stop lets both workers and finishers finish within StopGrace.
// See docs/performance.md.
//
// # Execution ids
//
// Each delivery attempt gets the execution id "<run id>-<document id>"
// ("<run id>.<n>-<document id>" for the n-th document a Serve pass takes,
// since it may deliver a document again on a new notification). The
// whole callback body, attempted_at included, is built once per attempt, so
// that the Numora client's retries of that callback replay identical bytes,
// while the next run's attempt is a new, distinct record.
package connector
