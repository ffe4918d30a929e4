package dataversetest

import (
	"context"
	"time"

	"github.com/numora/numora-connector/retry"
)

// Config configures a Server. The zero value is a usable emulator of the
// default model on random loopback ports with TLS everywhere, Microsoft's
// default service-protection limits and no latency or faults.
type Config struct {
	// Addr is the Web API listen address; default "127.0.0.1:0". Only
	// loopback addresses are accepted.
	Addr string
	// TokenAddr is the token service listen address; default "127.0.0.1:0".
	TokenAddr string
	// PlainHTTP serves the Web API over http:// instead of https:// (the
	// token service always uses TLS, as MSAL requires).
	PlainHTTP bool
	// CADir, when set, holds ca.pem and ca-key.pem: loaded when present,
	// written when not, so a sandbox keeps one CA across restarts.
	CADir string
	// Model is the table model; default DefaultModel().
	Model *Model

	// TenantID, ClientID and ClientSecret are the registered application;
	// defaults are fixed test values (see DefaultTenantID etc.).
	TenantID, ClientID, ClientSecret string
	// TokenLifetime is the access-token lifetime; default 3600 s. MSAL
	// treats tokens as expired 5 minutes early, so keep it above 300 s.
	TokenLifetime time.Duration
	// NoAuth accepts Web API requests without a bearer token (all requests
	// then count as one user, "anonymous").
	NoAuth bool

	// Now is the clock for token expiry and the service-protection windows;
	// default time.Now. Tests inject a fake clock.
	Now func() time.Time
	// Sleep waits for latency and slow-response faults; default a timer
	// that returns early when ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error

	// Limits are the service-protection limits (zero fields = Microsoft's
	// defaults, negative = off).
	Limits Limits
	// Latency is added to every Web API request (outside all locks).
	Latency time.Duration
	// ExecTime is the simulated server execution time of one operation
	// (a request, or each operation inside a $batch); it counts toward
	// Limits.ExecTime. It is accounted, not slept, unless SleepExecTime.
	ExecTime      time.Duration
	SleepExecTime bool
	// DOPHint is the x-ms-dop-hint header value; default the concurrency
	// limit, or 52 when that is off.
	DOPHint int
	// NoBudgetHeaders leaves out the debugging x-ms-ratelimit-* headers,
	// which Dataverse does not promise to send.
	NoBudgetHeaders bool

	// ErrorPartWithoutContentID answers a failed change set in a $batch
	// with one application/http error part without a Content-ID, the shape
	// the OData 4.0 spec gives (Microsoft documents none); by default the
	// part echoes the failing operation's Content-ID (dataverse.md §13).
	ErrorPartWithoutContentID bool
	// StopAtFailedChangeSet ends a $batch at its first failed change set
	// even with Prefer: odata.continue-on-error, as a user reports
	// Dataverse doing (powerapps-docs issue #2735); the status is then the
	// failure's, as without the preference.
	StopAtFailedChangeSet bool
	// ExtendPenalties refuses, with the same 429, every request a user
	// sends before the Retry-After of its last 429 has passed, and starts
	// that Retry-After again from the refused request: Microsoft documents
	// that a client that keeps sending while limited has "the duration
	// extended" (dataverse.md §7, §13), not by how much. Off by default:
	// tests of the windows alone would see in-flight requests extend it.
	ExtendPenalties bool
	// LeanRows keeps only alternate-key columns and lookups of rows written
	// through the Web API (about a third of the memory), for benchmarks that
	// write hundreds of thousands of rows; reads and Rows then miss the
	// other columns. Rows stored with Seed stay whole, so lookups find them.
	LeanRows bool

	// Seed makes fault decisions and generated GUIDs deterministic; 0 = 1.
	Seed int64
	// RequestLog is how many recent requests Requests keeps; 0 = 10000,
	// negative = none.
	RequestLog int
	// Cleanup, when set (a *testing.T works), gets Close registered.
	Cleanup interface{ Cleanup(func()) }
}

// Limits are per-user service-protection limits. Zero fields take
// Microsoft's defaults; a negative field turns that limit off.
type Limits struct {
	Concurrent int           // concurrent requests; default 52 (0x80072326)
	Requests   int           // requests per Window; default 6000 (0x80072322)
	ExecTime   time.Duration // execution time per Window; default 20 min (0x80072321)
	Window     time.Duration // sliding window; default 300 s
	// ConcurrentRetryAfter is the Retry-After of a concurrency 429;
	// default 1 s.
	ConcurrentRetryAfter time.Duration
}

// Default application registration.
const (
	DefaultTenantID     = "00000000-0000-4000-8000-00000000aaaa"
	DefaultClientID     = "00000000-0000-4000-8000-00000000c1d0"
	DefaultClientSecret = "emulator-client-secret"
)

// Option changes a Config.
type Option func(*Config)

// WithConfig replaces the whole configuration: put it before the other
// options, which it would otherwise undo.
func WithConfig(c Config) Option { return func(dst *Config) { *dst = c } }

// WithModel serves m instead of the default model.
func WithModel(m *Model) Option { return func(c *Config) { c.Model = m } }

// WithClock sets the clock for token expiry and limit windows.
func WithClock(now func() time.Time) Option { return func(c *Config) { c.Now = now } }

// WithSleep replaces the wait used for latency and slow faults.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Config) { c.Sleep = sleep }
}

// WithLimits sets the service-protection limits.
func WithLimits(l Limits) Option { return func(c *Config) { c.Limits = l } }

// WithoutLimits turns service protection off.
func WithoutLimits() Option {
	return func(c *Config) { c.Limits = Limits{Concurrent: -1, Requests: -1, ExecTime: -1} }
}

// WithODataBatchErrors answers failed change sets without a Content-ID
// (Config.ErrorPartWithoutContentID).
func WithODataBatchErrors() Option { return func(c *Config) { c.ErrorPartWithoutContentID = true } }

// WithStopAtFailedChangeSet ends every $batch at its first failed change
// set (Config.StopAtFailedChangeSet).
func WithStopAtFailedChangeSet() Option { return func(c *Config) { c.StopAtFailedChangeSet = true } }

// WithPenaltyExtension turns on Config.ExtendPenalties.
func WithPenaltyExtension() Option { return func(c *Config) { c.ExtendPenalties = true } }

// WithoutBudgetHeaders leaves out the x-ms-ratelimit-* headers.
func WithoutBudgetHeaders() Option { return func(c *Config) { c.NoBudgetHeaders = true } }

// WithLatency adds d to every Web API request.
func WithLatency(d time.Duration) Option { return func(c *Config) { c.Latency = d } }

// WithExecTime sets the simulated execution time per operation.
func WithExecTime(d time.Duration) Option { return func(c *Config) { c.ExecTime = d } }

// WithTokenLifetime sets the access-token lifetime.
func WithTokenLifetime(d time.Duration) Option { return func(c *Config) { c.TokenLifetime = d } }

// WithPlainHTTP serves the Web API over http://.
func WithPlainHTTP() Option { return func(c *Config) { c.PlainHTTP = true } }

// WithSeed sets the seed for faults and generated GUIDs.
func WithSeed(seed int64) Option { return func(c *Config) { c.Seed = seed } }

// WithAddr sets the Web API and token service listen addresses.
func WithAddr(api, token string) Option {
	return func(c *Config) { c.Addr, c.TokenAddr = api, token }
}

// WithCleanup registers Close with t.Cleanup (pass a *testing.T).
func WithCleanup(t interface{ Cleanup(func()) }) Option { return func(c *Config) { c.Cleanup = t } }

func (c *Config) setDefaults() {
	c.Addr = orDefault(c.Addr, "127.0.0.1:0")
	c.TokenAddr = orDefault(c.TokenAddr, "127.0.0.1:0")
	c.TenantID = orDefault(c.TenantID, DefaultTenantID)
	c.ClientID = orDefault(c.ClientID, DefaultClientID)
	c.ClientSecret = orDefault(c.ClientSecret, DefaultClientSecret)
	if c.TokenLifetime <= 0 {
		c.TokenLifetime = time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = retry.SystemClock{}.Sleep
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.RequestLog == 0 {
		c.RequestLog = 10000
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
