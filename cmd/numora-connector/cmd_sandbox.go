package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	numoraconnector "github.com/numora/numora-connector"
	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
	"github.com/numora/numora-connector/internal/sandboxenv"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/secret"
)

const usageSandbox = `Usage: numora-connector sandbox [flags]

Starts the Numora emulator and the Dataverse emulator (with its TLS token
service) on loopback ports, seeds 26 realistic documents and the Dataverse
accounts of their vendors, runs the real "run" code path with the default
mappings.yaml, then prints the summary, each document's outcome against the
outcome it was seeded for, and the rows now in the emulated Dataverse.
Some documents are seeded to fail or be skipped; one invoice is re-reviewed
(its earlier version, with one line more and another quantity, is delivered
first): the run deletes the removed line's row and updates the corrected
one. The sandbox exits 0 when every document behaved as seeded and the
re-reviewed invoice's rows are exactly its reviewed lines.

With --keep the emulators stay up (until Ctrl-C) and the sandbox prints the
environment variables that point "numora-connector run" at them.

With --mode notify the same documents go through "serve" instead: the
Numora emulator notifies it, signed (a dispatch sends the executor notify,
a review sends document.reviewed), and the report is the same.

With --destination salesforce the destination is the Salesforce emulator
(REST API and OAuth token endpoint over TLS) and the rules are the example
mappings-salesforce.yaml: 14 invoices and receipts, among them a re-review
that removes a line (the stale line is deleted), a line key Salesforce
refuses (STRING_TOO_LONG), an unknown vendor, a duplicate and a receipt
the rules do not map.

Examples:
  go run ./cmd/numora-connector sandbox
  numora-connector sandbox --keep
  numora-connector sandbox --mode notify
  numora-connector sandbox --destination salesforce
  numora-connector sandbox --summary-json sandbox-run.json --log-level info
`

func (a *app) cmdSandbox(ctx context.Context, args []string) int {
	fs := newFlagSet("sandbox", usageSandbox, a.stderr)
	fs.str("log-format", "log format: auto, text or json", func(c *config, v string) { c.Log.Format = v })
	fs.str("log-level", "log level: debug, info, warn or error (default warn)", func(c *config, v string) { c.Log.Level = v })
	fs.mappingsFlag()
	fs.str("summary-json", "write the run summary as JSON to this file", func(c *config, v string) { c.Run.SummaryJSON = v })
	keep := fs.Bool("keep", false, "leave the emulators running and print how to point run at them")
	mode := fs.String("mode", "poll", "poll (run reads the outbox) or notify (serve receives the emulator's notifications)")
	dest := fs.String("destination", destDynamics, "the CRM to emulate: dynamics365 or salesforce")
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	if *mode != "poll" && *mode != "notify" {
		return a.fail("sandbox", &usageError{msg: fmt.Sprintf("--mode %q: want poll or notify", *mode)})
	}
	if *dest != destDynamics && *dest != destSalesforce {
		return a.fail("sandbox", &usageError{msg: fmt.Sprintf("--destination %q: want %s or %s", *dest, destDynamics, destSalesforce)})
	}
	cfg := &config{Log: logConfig{Level: "warn"}}
	fs.apply(cfg)
	cfg.applyDefaults()
	if p := cfg.validate(needs{}); len(p) > 0 {
		return a.fail("sandbox", &usageError{msg: p[0]})
	}
	log := a.logger(cfg)
	sb, err := startSandboxFor(log, *dest)
	if err != nil {
		return a.fail("sandbox", err)
	}
	defer sb.close()
	return a.sandboxRun(ctx, cfg, log, sb, *keep, *mode == "notify")
}

// The destinations the sandbox emulates.
const (
	destDynamics   = "dynamics365"
	destSalesforce = "salesforce"
)

// sandbox is the two emulators and what was seeded.
type sandbox struct {
	numora *numoratest.Server
	dest   string                 // destDynamics or destSalesforce
	dv     *dataversetest.Server  // destDynamics
	sf     *salesforcetest.Server // destSalesforce
	docs   []seeded
	dir    string // holds ca.pem
	// earlier holds, by document id, the receipts of the earlier versions
	// deliverEarlier wrote.
	earlier map[string]*destinations.Receipt
}

// startSandbox starts the Numora and Dataverse emulators, seeded.
func startSandbox(log *slog.Logger) (*sandbox, error) { return startSandboxFor(log, destDynamics) }

// startSandboxFor starts the Numora emulator and dest's, seeded.
func startSandboxFor(log *slog.Logger, dest string) (*sandbox, error) {
	dir, err := os.MkdirTemp("", "numora-sandbox-")
	if err != nil {
		return nil, err
	}
	if dest == destSalesforce {
		return startSalesforceSandbox(log, dir)
	}
	dv, err := dataversetest.Start(dataversetest.Config{CADir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the Dataverse emulator: %w", err)
	}
	sb := &sandbox{numora: numoratest.NewServer(), dest: destDynamics, dv: dv, dir: dir}
	if err := sb.seed(); err != nil {
		sb.close()
		return nil, err
	}
	log.Info("sandbox started", "numora", sb.numora.URL, "dataverse", dv.URL)
	return sb, nil
}

// seed stores the documents in Numora and the vendors' accounts (and the
// owner team, unless the model has it) in Dataverse.
func (sb *sandbox) seed() error {
	sb.docs = sandboxDocs(sb.now())
	for _, d := range sb.docs {
		if err := sb.numora.AddDocument(d.fixture); err != nil {
			return err
		}
	}
	return sandboxenv.SeedDataverse(sb.dv)
}

func (sb *sandbox) close() {
	sb.numora.Close()
	if sb.dv != nil {
		sb.dv.Close()
	}
	if sb.sf != nil {
		sb.sf.Close()
	}
	os.RemoveAll(sb.dir)
}

// config points the connector at the emulators.
func (sb *sandbox) config(base *config) *config {
	c := *base
	c.Numora.BaseURL, c.Numora.APIKey = sb.numora.URL, secret.New(sb.numora.APIKey)
	if sb.dest == destSalesforce {
		return sb.salesforceConfig(&c)
	}
	c.Dynamics = dynamicsConfig{Config: dynamics365.Config{OrgURL: sb.dv.URL, Auth: dynamics365.AuthClientSecret,
		TenantID: sb.dv.TenantID, ClientID: sb.dv.ClientID, ClientSecret: secret.New(sb.dv.ClientSecret),
		AuthorityHost: sb.dv.AuthorityHost}}
	return &c
}

// sandboxRun runs the real job against the emulators and reports.
func (a *app) sandboxRun(ctx context.Context, base *config, log *slog.Logger, sb *sandbox, keep, notify bool) int {
	x, err := sb.extras(base)
	if err != nil {
		return a.fail("sandbox", err)
	}
	fmt.Fprintf(a.stdout, "Sandbox: Numora emulator at %s, %s; %d documents seeded.\n\n",
		sb.numora.URL, sb.emulatorLabel(), len(sb.docs))
	if err := sb.deliverEarlier(ctx, sb.config(base), log, x); err != nil {
		return a.fail("sandbox", err)
	}
	var code int
	if notify {
		code = a.sandboxNotify(ctx, base, log, sb, x)
	} else {
		code = a.runPoll(ctx, sb.config(base), log, false, x)
	}
	if code == exitUsage || code == exitUnavailable {
		return code
	}
	ok := a.printOutcomes(sb)
	a.printRows(sb)
	if keep {
		a.keep(ctx, sb)
	}
	if !ok {
		return exitProblems
	}
	return exitOK
}

// extras are the sandbox's trust store and rules: the embedded example
// rules unless --mappings names a file.
func (sb *sandbox) extras(base *config) (extras, error) {
	name, def := "mappings.yaml", numoraconnector.DefaultMappings
	x := extras{}
	if sb.dest == destSalesforce {
		name, def = "mappings-salesforce.yaml", numoraconnector.SalesforceMappings
		x.rootCAs = x509.NewCertPool()
		x.rootCAs.AddCert(sb.sf.Certificate())
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: x.rootCAs, MinVersion: tls.VersionTLS12}
		x.httpClient = &http.Client{Transport: t}
	} else {
		x.rootCAs = sb.dv.CertPool()
	}
	if base.Mappings != "mappings.yaml" { // overridden by --mappings
		return x, nil
	}
	rules, err := mapping.Parse(name, def)
	x.rules = rules
	return x, err
}

// emulatorLabel names the destination's emulator and its URL.
func (sb *sandbox) emulatorLabel() string {
	if sb.dest == destSalesforce {
		return "Salesforce emulator at " + sb.sf.URL
	}
	return "Dataverse emulator at " + sb.dv.URL
}

// keep prints how to reach the emulators and waits for Ctrl-C.
func (a *app) keep(ctx context.Context, sb *sandbox) {
	ca := filepath.Join(sb.dir, "ca.pem")
	env, rules, err := sb.keepEnv(ca)
	if err != nil {
		fmt.Fprintf(a.stderr, "numora-connector sandbox: writing the CA file: %v\n", err)
	}
	sb.numora.Generate(10, 42)
	fmt.Fprint(a.stdout, "\nThe emulators stay up until Ctrl-C; 10 new documents wait in the outbox. In another shell:\n\n")
	for _, kv := range env {
		fmt.Fprintf(a.stdout, "export %s\n", kv)
	}
	fmt.Fprintf(a.stdout, "\nnumora-connector run --mappings %s\n", rules)
	<-ctx.Done()
}

// keepEnv writes the CA file and returns the environment that points run
// at the emulators, and the rules file to name.
func (sb *sandbox) keepEnv(ca string) ([]string, string, error) {
	if sb.dest == destSalesforce {
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sb.sf.Certificate().Raw})
		err := os.WriteFile(ca, pemBytes, 0o600)
		return sandboxenv.SalesforceEnv(sb.numora.URL, sb.numora.APIKey, sb.sf, ca), "mappings-salesforce.yaml", err
	}
	err := sb.dv.WriteCAFile(ca)
	return sandboxenv.Env(sb.numora.URL, sb.numora.APIKey, sb.dv, ca), "mappings.yaml", err
}

func (sb *sandbox) now() time.Time { return time.Now().UTC().Truncate(time.Second) }
