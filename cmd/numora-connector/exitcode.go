package main

import (
	"context"
	"errors"
	"os"
	"syscall"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/mapping"
)

// Exit codes, as documented in the README and docs/cli.md. This file is the
// only place that maps results to them. They tell a scheduler "the job is
// broken" (1, 2, 3) apart from "the job worked, and some documents' data
// was refused" (4): those are reported failed to Numora with the reason and
// stay there until a reviewer fixes them, so no run of the connector can
// clear them and they must not keep a unit or a Job failed.
const (
	// exitOK: every document seen was delivered or skipped, or there was
	// nothing to do.
	exitOK = 0
	// exitProblems: the job is broken: documents were left for retry or
	// written but not reported, Numora failed mid-run, or the circuit
	// breaker cut the run short.
	exitProblems = 1
	// exitUsage: usage, configuration or mapping error (a missing or
	// unreadable file included); nothing was written.
	exitUsage = 2
	// exitUnavailable: Numora or Dataverse unreachable, or credentials
	// refused, before any write.
	exitUnavailable = 3
	// exitRefused (the default of run.refused_exit_code): the job worked,
	// but the rules or Dataverse refused some documents' data; they are
	// reported failed to Numora with the reasons.
	exitRefused = 4
	// exitSignal + the signal's number (130 for SIGINT, 143 for SIGTERM):
	// stopped by a signal after the graceful stop.
	exitSignal = 128
)

// runExitCode maps a run's summary to the exit code; refused is the code
// for a run whose only problems are refused documents.
func runExitCode(s *connector.Summary, refused int) int {
	c := s.Counts
	switch {
	case s.Stop == connector.StopDestination:
		return exitUnavailable
	case s.Stop == connector.StopSource && c.Written == 0:
		return exitUnavailable
	case c.LeftForRetry > 0 || s.Err != nil || s.Stop == connector.StopCircuitOpen || s.Stop == connector.StopReserve ||
		s.Stop == connector.StopSource:
		return exitProblems
	case c.Failed > 0:
		return refused
	}
	return exitOK
}

// usageError is a mistake in the command line or the configuration.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// unavailableError is a service that could not be reached or refused the
// credentials before anything was written.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

// errorExitCode maps an error that ended a command to the exit code.
func errorExitCode(err error) int {
	var ue *usageError
	var le *mapping.LoadError
	var na *unavailableError
	switch {
	case errors.As(err, &ue), errors.As(err, &le):
		return exitUsage
	case errors.As(err, &na):
		return exitUnavailable
	}
	return exitProblems
}

// stoppedBy is the cause of a context cancelled by a signal.
type stoppedBy struct{ sig os.Signal }

func (s stoppedBy) Error() string { return "stopped by " + s.sig.String() }

// signalExitCode is the exit code of a command whose ctx a signal
// cancelled (128 + its number), or code when none did.
func signalExitCode(ctx context.Context, code int) int {
	var sb stoppedBy
	if !errors.As(context.Cause(ctx), &sb) || code == exitUsage {
		return code
	}
	if n, ok := sb.sig.(syscall.Signal); ok {
		return exitSignal + int(n)
	}
	return exitSignal
}
