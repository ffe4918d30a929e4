// Package salesforce is the Salesforce destination: it writes a
// document's plan as one Composite request with allOrNone (every record
// or none), upserting by External ID fields, binding parents by reference
// inside the request and lookups by external ID or SOQL, removing the
// rows of line items the document no longer has in the same request. It
// authenticates with OAuth 2.0 client credentials or JWT bearer against
// the org's My Domain, retries transient failures, watches the daily API
// allocation and has a circuit breaker. See docs/salesforce.md.
package salesforce

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/breaker"
	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/secret"
)

// Destination writes plans into one Salesforce org. It is safe for
// concurrent use.
type Destination struct {
	cfg     Config
	http    *http.Client
	tokens  *tokens
	usage   usage
	breaker *breaker.Breaker[*response]
	rand    func() float64
	objects describeCache
	lookups destinations.LookupCache[string]
}

// Interface guards.
var (
	_ destinations.Destination       = (*Destination)(nil)
	_ destinations.Checker           = (*Destination)(nil)
	_ destinations.Closer            = (*Destination)(nil)
	_ destinations.Previewer         = (*Destination)(nil)
	_ destinations.MetadataValidator = (*Destination)(nil)
)

// New validates cfg and builds the destination. It makes no request: call
// Check to prove the credentials and the connection.
func New(cfg Config) (*Destination, error) {
	cfg = cfg.withDefaults()
	if cfg.PrivateKey.IsZero() && cfg.PrivateKeyFile != "" {
		pem, err := os.ReadFile(cfg.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("salesforce: private_key_file: %w", err)
		}
		cfg.PrivateKey = secret.New(string(pem))
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.MyDomainURL = strings.TrimSuffix(cfg.MyDomainURL, "/")
	client := &http.Client{Transport: transport(cfg), Timeout: cfg.RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if cfg.Logger == nil {
		cfg.Logger = logctx.Discard()
	}
	d := &Destination{
		cfg:     cfg,
		http:    client,
		tokens:  newTokens(cfg, client),
		breaker: newBreaker(cfg.MyDomainURL, cfg.Breaker, cfg.Clock, cfg.Logger),
		rand:    rand.Float64,
		lookups: destinations.LookupCache[string]{TTL: cfg.LookupTTL},
	}
	return d, nil
}

func transport(cfg Config) http.RoundTripper {
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		return cfg.HTTPClient.Transport
	}
	return http.DefaultTransport.(*http.Transport).Clone()
}

// Close releases idle connections. Call it once, after the last Deliver.
func (d *Destination) Close() error {
	d.http.CloseIdleConnections()
	return nil
}

// BreakerState returns the circuit breaker's state: "closed", "open",
// "half-open" or "disabled".
func (d *Destination) BreakerState() string { return d.breaker.State() }

// Usage returns the daily API usage the last answer reported (used, max)
// and whether any answer has reported it yet.
func (d *Destination) Usage() (used, max int, known bool) { return d.usage.get() }
