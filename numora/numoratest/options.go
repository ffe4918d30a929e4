package numoratest

import (
	"time"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/retry"
)

// Option configures a Server.
type Option func(*settings)

// settings holds the options; zero values are replaced by defaults.
type settings struct {
	apiKey          string
	seed            int64
	clock           retry.Clock
	pageSize        int
	maxPageSize     int
	topLevelCursor  bool
	dispatchOutcome numora.Status
	dispatchDelay   time.Duration
	requestLog      int
	strictReplay    bool
	latency         time.Duration
}

// Defaults of the options.
const (
	DefaultPageSize      = 100
	DefaultMaxPageSize   = 500
	DefaultDispatchDelay = 2 * time.Second
	DefaultRequestLog    = 10000
)

func newSettings(opts []Option) settings {
	s := settings{seed: 1, clock: retry.SystemClock{}, pageSize: DefaultPageSize, maxPageSize: DefaultMaxPageSize,
		dispatchOutcome: numora.StatusPushSucceeded, dispatchDelay: DefaultDispatchDelay, requestLog: DefaultRequestLog}
	for _, o := range opts {
		o(&s)
	}
	if s.apiKey == "" {
		s.apiKey = randomKey()
	}
	s.maxPageSize = max(s.maxPageSize, 1)
	s.pageSize = min(max(s.pageSize, 1), s.maxPageSize)
	return s
}

// WithAPIKey sets the accepted API key; default a random "sk_test_..." key.
func WithAPIKey(key string) Option { return func(s *settings) { s.apiKey = key } }

// WithSeed seeds the server's randomness (fault rates, generated request
// ids); default 1. The same seed and the same request order give the same
// faults.
func WithSeed(seed int64) Option { return func(s *settings) { s.seed = seed } }

// WithClock sets the clock for timestamps, dispatch delays and injected
// latency; default the wall clock. With a retry.FakeClock shared with the
// client, a client's WaitDelivered polls move the dispatch along.
func WithClock(c retry.Clock) Option { return func(s *settings) { s.clock = c } }

// WithPageSize sets the outbox's default and maximum limit (defaults 100
// and 500); larger limits are clamped to the maximum.
func WithPageSize(def, maxSize int) Option {
	return func(s *settings) { s.pageSize, s.maxPageSize = def, maxSize }
}

// WithTopLevelCursor makes outbox pages carry the conventions page's
// top-level "next_cursor" instead of "meta": {"next_cursor"}.
func WithTopLevelCursor() Option { return func(s *settings) { s.topLevelCursor = true } }

// WithDispatch sets what a dispatch ends in (push_succeeded by default, or
// push_failed) and after how long on the server's clock (default 2s).
func WithDispatch(outcome numora.Status, delay time.Duration) Option {
	return func(s *settings) { s.dispatchOutcome, s.dispatchDelay = outcome, delay }
}

// WithRequestLog keeps the last n requests for Requests (default 10000).
func WithRequestLog(n int) Option { return func(s *settings) { s.requestLog = max(n, 1) } }

// WithStrictReplay answers 409 conflict to any repeated execution_id, even
// a byte-identical replay, as a stricter Numora might.
func WithStrictReplay() Option { return func(s *settings) { s.strictReplay = true } }

// WithLatency delays every request by d on the server's clock before it
// is served, as a distant Numora would (benchmarks). A request whose
// client gave up meanwhile is not served; Close cuts the wait short.
func WithLatency(d time.Duration) Option { return func(s *settings) { s.latency = d } }
