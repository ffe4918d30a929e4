package connector

import (
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/numora/numora-connector/retry"
)

// Defaults for the zero values of Config.
const (
	DefaultConcurrency     = 48
	DefaultPageSize        = 100
	DefaultStopGrace       = 30 * time.Second
	DefaultDispatchTimeout = 10 * time.Minute
	DefaultDispatchPoll    = 5 * time.Second
	DefaultMaxListed       = 50
	DefaultProvider        = "dynamics365"
)

// Config tunes a Connector. The zero value of every field means its
// documented default.
type Config struct {
	// Provider is the Numora provider name the outbox is read for and the
	// callbacks name. Default "dynamics365".
	Provider string
	// Concurrency is the number of documents being read and mapped at
	// once (Numora's result reads). Their writes wait on as many writers,
	// times the documents one request carries for a destinations.Batcher
	// (Dataverse's $batch: 480 with the defaults), so that shared requests
	// fill while the workers read on; the destination's own admission
	// bounds its requests. Their callbacks are sent beside, by half as
	// many finishers. Default 48 (docs/performance.md).
	Concurrency int
	// PageSize is the number of outbox items asked for per page. Default 100.
	PageSize int
	// DryRun maps documents and prints what would be written to
	// DryRunOutput, and writes and reports nothing.
	DryRun bool
	// DryRunOutput receives the dry run's plans. Default io.Discard.
	DryRunOutput io.Writer
	// QuietDocuments logs the documents that went well (delivered, skipped,
	// ignored) at debug level rather than info, so that on a terminal they
	// do not bury the progress line; failures keep their level.
	QuietDocuments bool
	// StopGrace is how long documents already in flight may take to finish
	// (write and callback) once the run's context is cancelled. Default 30s.
	StopGrace time.Duration
	// DispatchTimeout bounds how long dispatch mode watches one document
	// leave push_pending. Default 10m.
	DispatchTimeout time.Duration
	// DispatchPoll is dispatch mode's status polling interval. Default 5s.
	DispatchPoll time.Duration
	// MaxListed caps the number of problem documents the summary keeps for
	// its human-readable list (every document still reaches the
	// observers). Default 50.
	MaxListed int
	// Preflight runs the destination's Check (when it has one) before the
	// first document, so that bad credentials stop the run before any
	// write. Dry runs never run it.
	Preflight bool
	// Clock measures durations and paces loop mode. Default the system clock.
	Clock retry.Clock
	// Logger receives the run's logs; wrap its handler in logctx.Handler so
	// that run_id and document_id ride along. Default: discard.
	Logger *slog.Logger
	// Observers see the run start, every document's entry and the summary,
	// one call at a time.
	Observers []Observer
	// NewRunID makes the id of each run. Default NewRunID.
	NewRunID func(now time.Time) string
}

func (c Config) withDefaults() Config {
	if c.Provider == "" {
		c.Provider = DefaultProvider
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	if c.DryRunOutput == nil {
		c.DryRunOutput = io.Discard
	}
	c.StopGrace = orDefault(c.StopGrace, DefaultStopGrace)
	c.DispatchTimeout = orDefault(c.DispatchTimeout, DefaultDispatchTimeout)
	c.DispatchPoll = orDefault(c.DispatchPoll, DefaultDispatchPoll)
	if c.MaxListed <= 0 {
		c.MaxListed = DefaultMaxListed
	}
	if c.Clock == nil {
		c.Clock = retry.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.NewRunID == nil {
		c.NewRunID = NewRunID
	}
	return c
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// validate reports settings that are wrong rather than unset.
func (c Config) validate() error {
	if c.Concurrency > 256 {
		return errors.New("connector: concurrency must be at most 256")
	}
	if c.PageSize > 1000 {
		return errors.New("connector: page size must be at most 1000")
	}
	return nil
}
