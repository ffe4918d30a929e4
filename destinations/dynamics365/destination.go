// Package dynamics365 is the Dynamics 365 / Dataverse destination: it writes
// a document's plan as one Web API $batch change set, idempotently, with
// Entra ID authentication (azidentity), retries, service-protection
// throttling, adaptive concurrency and a circuit breaker.
//
// Build one Destination per Dataverse environment with New and share it
// between workers; close it when the run ends. See docs/dynamics365.md.
package dynamics365

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/retry"
)

// Destination writes plans into one Dataverse environment. It is safe for
// concurrent use; all its requests share one token and one admission
// (pauses, concurrency, budgets and the circuit breaker).
type Destination struct {
	cfg      Config
	base     string // "<org>/api/data/<version>/"
	http     *http.Client
	conns    http.RoundTripper // the transport under http, for Close
	tokens   *tokenSource
	admit    *admission  // when requests may go: the whole sending policy
	backoffs waitCounter // backoff waits taken (see Throttling)
	queue    queue       // change sets waiting to share a $batch
	logger   *slog.Logger
	clock    retry.Clock
	cancel   context.CancelFunc

	entities  entityCache
	lookups   destinations.LookupCache[lookupAnswer]
	behaviors behaviorCache
	lengths   lengthCache // for Rehearse

	rand        func() float64 // backoff jitter; nil = math/rand
	newBoundary func() string  // multipart boundary ids; tests pin them
	newRowID    func() string  // GUIDs of rows created without a key; tests pin them
}

// Interface guards.
var (
	_ destinations.Destination = (*Destination)(nil)
	_ destinations.Checker     = (*Destination)(nil)
	_ destinations.Closer      = (*Destination)(nil)
	_ destinations.Previewer   = (*Destination)(nil)
	_ destinations.Rehearser   = (*Destination)(nil)
)

// New validates cfg, fills defaults (including the AZURE_* environment
// variables) and builds the destination's credential. It makes no request:
// call Check to prove the credentials and the connection. ctx supplies
// values (log attributes) for token requests made later; its cancellation
// is ignored, Close ends them.
func New(ctx context.Context, cfg Config) (*Destination, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	base := baseTransport(cfg)
	cred, err := newCredential(cfg, &http.Client{Transport: base})
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = logctx.Discard()
	}
	lifetime, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d := &Destination{
		cfg:         cfg,
		conns:       base,
		base:        cfg.OrgURL + "/api/data/" + cfg.APIVersion + "/",
		tokens:      newTokenSource(lifetime, cred, tokenScope(cfg.OrgURL), cfg.TokenTimeout, forceRefreshable(cfg)),
		admit:       newAdmission(cfg, logger),
		queue:       queue{size: cfg.BatchDocuments},
		logger:      logger,
		clock:       cfg.Clock,
		cancel:      cancel,
		lookups:     destinations.LookupCache[lookupAnswer]{TTL: cfg.LookupTTL},
		newBoundary: uuid.NewString,
		newRowID:    uuid.NewString,
	}
	d.http = &http.Client{
		Transport:     &oauth2.Transport{Source: d.tokens, Base: base},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return d, nil
}

// baseTransport is the transport under both the token requests and the
// Dataverse requests.
func baseTransport(cfg Config) http.RoundTripper {
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			return cfg.HTTPClient.Transport
		}
		return http.DefaultTransport
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = cfg.MaxConcurrency
	if cfg.RootCAs != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12}
	}
	return t
}

// Close ends token requests in flight and releases idle connections. Call
// it once, after the last Deliver returned.
func (d *Destination) Close() error {
	d.cancel()
	if c, ok := d.conns.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
	return nil
}

// OrgURL returns the environment URL the destination writes to.
func (d *Destination) OrgURL() string { return d.cfg.OrgURL }

// Concurrency returns the current adaptive limit on concurrent requests.
func (d *Destination) Concurrency() int { return d.admit.concurrencyLimit() }

// BreakerState returns the circuit breaker's state: "closed", "open",
// "half-open" or "disabled".
func (d *Destination) BreakerState() string { return d.admit.breakerState() }
