package main

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/numora/numora-connector/destinations"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/destinations/salesforce"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

// extras are settings only the sandbox and tests give: they never come
// from files, the environment or flags.
type extras struct {
	// rootCAs is the only trust store for Dataverse and its token service.
	rootCAs *x509.CertPool
	// rules replaces loading cfg.Mappings (the sandbox's embedded default).
	rules *mapping.Rules
	// httpClient, when set, carries the Dataverse and token requests (the
	// metrics' counting transport; it honours rootCAs itself).
	httpClient *http.Client
}

// newNumora builds the Numora client. Its transport keeps an idle
// connection for every document in flight and the outbox reader, so
// connections are reused rather than dialled again (net/http keeps two).
func newNumora(cfg *config, log *slog.Logger) (*numora.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = cfg.concurrency() + 1
	hc := &http.Client{Transport: t, Timeout: 30 * time.Second}
	if cfg.Numora.Timeout > 0 {
		hc.Timeout = cfg.Numora.Timeout
	}
	c, err := numora.New(numora.Config{BaseURL: cfg.Numora.BaseURL, APIKey: cfg.Numora.APIKey, HTTPClient: hc, Logger: log,
		Retry: cfg.Numora.Retry})
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	return c, nil
}

// destinationKind is a destination the CLI can build: its name in the
// settings ("destination:"), the service it writes to (for messages), what
// a passed check proved, its service URL setting (the environment variable
// and settings key named when it is missing), and how to build it from the
// configuration.
type destinationKind struct {
	name, service  string
	checked        string
	urlEnv, urlKey string
	url            func(cfg *config) string
	build          func(ctx context.Context, cfg *config, log *slog.Logger, x extras) (destinations.Destination, error)
	// rulesWarnings, if set, notes doubtful rules for this destination
	// (offline; validate --online checks against the CRM itself).
	rulesWarnings func(specs []mapping.RecordSpec) []mapping.Problem
}

// destinationKinds lists the destinations, the default first; adding one
// is its package, its settings section in config, and one entry here.
func destinationKinds() []destinationKind {
	return []destinationKind{
		{name: "dynamics365", service: "Dataverse", checked: "signed in to Entra ID, WhoAmI answered",
			urlEnv: "DYNAMICS_URL", urlKey: "dynamics.url", url: func(c *config) string { return c.Dynamics.OrgURL },
			build: newDynamics, rulesWarnings: dynamics365.RulesWarnings},
		{name: "salesforce", service: "Salesforce", checked: "token obtained, API answered",
			urlEnv: "SALESFORCE_MY_DOMAIN_URL", urlKey: "salesforce.my_domain_url", url: func(c *config) string { return c.Salesforce.MyDomainURL },
			build: newSalesforce},
	}
}

// destinationKindOf returns the kind the settings name (default the
// first), ok false when none has that name.
func destinationKindOf(cfg *config) (destinationKind, bool) {
	kinds := destinationKinds()
	name := cmp.Or(cfg.Destination, kinds[0].name)
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return destinationKind{name: name, service: name, url: func(*config) string { return "" }}, false
}

// newDestination builds the destination the settings name (default
// dynamics365).
func newDestination(ctx context.Context, cfg *config, log *slog.Logger, x extras) (destinations.Destination, error) {
	if k, ok := destinationKindOf(cfg); ok {
		return k.build(ctx, cfg, log, x)
	}
	return nil, &usageError{msg: fmt.Sprintf("destination %q: want one of %s", cfg.Destination, destinationNames())}
}

// destinationNames lists the destinations' names for messages.
func destinationNames() string {
	var names []string
	for _, k := range destinationKinds() {
		names = append(names, k.name)
	}
	return strings.Join(names, ", ")
}

// closeDestination releases what a destination holds, if anything.
func closeDestination(d destinations.Destination) {
	if c, ok := d.(destinations.Closer); ok {
		_ = c.Close()
	}
}

// newDynamics builds the Dataverse destination from the "dynamics:"
// settings (file, environment and flags already folded in), plus what only
// the process has: the logger and, in the sandbox, the trust store.
func newDynamics(ctx context.Context, cfg *config, log *slog.Logger, x extras) (destinations.Destination, error) {
	dc := cfg.Dynamics.Config
	dc.RootCAs, dc.HTTPClient, dc.Logger = x.rootCAs, x.httpClient, log
	dst, err := dynamics365.New(ctx, dc)
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	return dst, nil
}

// newSalesforce builds the Salesforce destination from the "salesforce:"
// settings.
func newSalesforce(_ context.Context, cfg *config, log *slog.Logger, x extras) (destinations.Destination, error) {
	sc := cfg.Salesforce.Config
	sc.HTTPClient, sc.Logger = x.httpClient, log
	dst, err := salesforce.New(sc)
	if err != nil {
		return nil, &usageError{msg: err.Error()}
	}
	return dst, nil
}

// loadRules loads the mapping rules (or takes the sandbox's) and logs
// their warnings.
func loadRules(cfg *config, log *slog.Logger, x extras) (*mapping.Rules, error) {
	rules := x.rules
	if rules == nil {
		var err error
		if rules, err = mapping.Load(cfg.Mappings); err != nil {
			return nil, rulesFileError(err)
		}
	}
	for _, w := range rulesWarnings(cfg, rules) {
		log.Warn("mapping rules: " + w.String())
	}
	return rules, nil
}

// rulesWarnings are the rules' own warnings and the configured
// destination's notes on them, in file order.
func rulesWarnings(cfg *config, rules *mapping.Rules) []mapping.Problem {
	ws := rules.Warnings()
	if k, ok := destinationKindOf(cfg); ok && k.rulesWarnings != nil {
		ws = append(ws, k.rulesWarnings(rules.Records())...)
	}
	slices.SortStableFunc(ws, func(a, b mapping.Problem) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return ws
}

// concurrency is the number of documents in flight.
func (c *config) concurrency() int {
	if c.Run.Concurrency > 0 {
		return c.Run.Concurrency
	}
	return connector.DefaultConcurrency
}

// rulesFileError makes a rules file that cannot be read a usage error
// (exit 2) saying how to name another; a *mapping.LoadError already is one.
func rulesFileError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &usageError{msg: fmt.Sprintf("mapping rules: %v (name the file with --mappings or CONNECTOR_MAPPINGS)", pe)}
	}
	return err
}

// describeError is err with a mapping.LoadError's problems one per line.
func describeError(err error) string {
	var le *mapping.LoadError
	if !errors.As(err, &le) || len(le.Problems) == 0 {
		return err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s) in %s:", len(le.Problems), le.File)
	for _, p := range le.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}
