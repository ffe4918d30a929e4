package main

import (
	"errors"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/mapping"
)

// Exit codes, as documented in docs/cli.md. This file is the only place
// that maps results to them.
const (
	// exitOK: every document seen was delivered or skipped, or there was
	// nothing to do.
	exitOK = 0
	// exitProblems: at least one document failed or was left for retry
	// (including a run the circuit breaker cut short).
	exitProblems = 1
	// exitUsage: usage, configuration or mapping error; nothing was written.
	exitUsage = 2
	// exitUnavailable: Numora or Dataverse unreachable, or credentials
	// refused, before any write.
	exitUnavailable = 3
)

// runExitCode maps a run's summary to the exit code.
func runExitCode(s *connector.Summary) int {
	switch {
	case s.Stop == connector.StopDestination:
		return exitUnavailable
	case s.Stop == connector.StopSource && s.Counts.Written == 0:
		return exitUnavailable
	case !s.Clean():
		return exitProblems
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
