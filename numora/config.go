package numora

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/numora/numora-connector/retry"
	"github.com/numora/numora-connector/secret"
)

// Config configures a Client. Zero values mean the documented defaults.
type Config struct {
	// BaseURL is the workspace's API address, e.g.
	// "https://api.numora.example"; endpoints (/v1/...) go below it, after
	// any path it has. Required. It must be https, except on a loopback
	// host (tests, the sandbox), and carry no user info, query or fragment.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>", only to BaseURL's
	// origin. Required.
	APIKey secret.String
	// HTTPClient sends the requests; nil means a client with a 30s
	// timeout. The Client works on a copy whose CheckRedirect refuses
	// redirects to another origin (then defers to the given CheckRedirect).
	HTTPClient *http.Client
	// UserAgent is sent on every request; default
	// "numora-connector/<module version>".
	UserAgent string
	// Clock times retries and WaitDelivered polls; default the wall clock.
	Clock retry.Clock
	// Retry bounds retries of transient errors; zero fields take the
	// retry.Policy defaults (5 attempts, 500ms base, 30s cap, 2m total).
	Retry retry.Policy
	// Logger receives one record per request (debug) and per retry (info),
	// logged with the caller's context; default discard.
	Logger *slog.Logger
	// Jitter returns floats in [0, 1) for full-jitter backoff; default
	// math/rand/v2. Tests make it constant.
	Jitter func() float64
}

// String describes the configuration without the API key.
func (c Config) String() string {
	return fmt.Sprintf("numora.Config{BaseURL: %q, APIKey: %s, UserAgent: %q}", c.BaseURL, c.APIKey, c.UserAgent)
}

// GoString is String, so %#v prints no secret either.
func (c Config) GoString() string { return c.String() }

// LogValue logs the configuration without the API key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.Any("api_key", c.APIKey),
		slog.String("user_agent", c.UserAgent))
}

// defaultUserAgent is "numora-connector/" plus the main module's version.
func defaultUserAgent() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	return "numora-connector/" + v
}
