package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	numoraconnector "github.com/numora/numora-connector"
	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/internal/sandboxenv"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/secret"
)

const usageSandbox = `Usage: numora-connector sandbox [flags]

Starts the Numora emulator and the Dataverse emulator (with its TLS token
service) on loopback ports, seeds 25 realistic documents and the Dataverse
accounts of their vendors, runs the real "run" code path with the default
mappings.yaml, then prints the summary, each document's outcome against the
outcome it was seeded for, and the rows now in the emulated Dataverse.
Some documents are seeded to fail or be skipped; the sandbox exits 0 when
every document behaved as seeded.

With --keep the emulators stay up (until Ctrl-C) and the sandbox prints the
environment variables that point "numora-connector run" at them.

With --mode notify the same documents go through "serve" instead: the
Numora emulator notifies it, signed (a dispatch sends the executor notify,
a review sends document.reviewed), and the report is the same.

Examples:
  go run ./cmd/numora-connector sandbox
  numora-connector sandbox --keep
  numora-connector sandbox --mode notify
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
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	if *mode != "poll" && *mode != "notify" {
		return a.fail("sandbox", &usageError{msg: fmt.Sprintf("--mode %q: want poll or notify", *mode)})
	}
	cfg := &config{Log: logConfig{Level: "warn"}}
	fs.apply(cfg)
	cfg.applyDefaults()
	if p := cfg.validate(needs{}); len(p) > 0 {
		return a.fail("sandbox", &usageError{msg: p[0]})
	}
	log := a.logger(cfg)
	sb, err := startSandbox(log)
	if err != nil {
		return a.fail("sandbox", err)
	}
	defer sb.close()
	return a.sandboxRun(ctx, cfg, log, sb, *keep, *mode == "notify")
}

// sandbox is the two emulators and what was seeded.
type sandbox struct {
	numora *numoratest.Server
	dv     *dataversetest.Server
	docs   []seeded
	dir    string // holds ca.pem
}

func startSandbox(log *slog.Logger) (*sandbox, error) {
	dir, err := os.MkdirTemp("", "numora-sandbox-")
	if err != nil {
		return nil, err
	}
	dv, err := dataversetest.Start(dataversetest.Config{CADir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the Dataverse emulator: %w", err)
	}
	sb := &sandbox{numora: numoratest.NewServer(), dv: dv, dir: dir}
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
	sb.dv.Close()
	os.RemoveAll(sb.dir)
}

// config points the connector at the emulators.
func (sb *sandbox) config(base *config) *config {
	c := *base
	c.Numora.BaseURL, c.Numora.APIKey = sb.numora.URL, secret.New(sb.numora.APIKey)
	c.Dynamics = dynamicsConfig{Config: dynamics365.Config{OrgURL: sb.dv.URL, Auth: dynamics365.AuthClientSecret,
		TenantID: sb.dv.TenantID, ClientID: sb.dv.ClientID, ClientSecret: secret.New(sb.dv.ClientSecret),
		AuthorityHost: sb.dv.AuthorityHost}}
	return &c
}

// sandboxRun runs the real job against the emulators and reports.
func (a *app) sandboxRun(ctx context.Context, base *config, log *slog.Logger, sb *sandbox, keep, notify bool) int {
	x := extras{rootCAs: sb.dv.CertPool()}
	if base.Mappings == "mappings.yaml" { // not overridden: the embedded default
		rules, err := mapping.Parse("mappings.yaml", numoraconnector.DefaultMappings)
		if err != nil {
			return a.fail("sandbox", err)
		}
		x.rules = rules
	}
	fmt.Fprintf(a.stdout, "Sandbox: Numora emulator at %s, Dataverse emulator at %s; %d documents seeded.\n\n",
		sb.numora.URL, sb.dv.URL, len(sb.docs))
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

// keep prints how to reach the emulators and waits for Ctrl-C.
func (a *app) keep(ctx context.Context, sb *sandbox) {
	ca := filepath.Join(sb.dir, "ca.pem")
	if err := sb.dv.WriteCAFile(ca); err != nil {
		fmt.Fprintf(a.stderr, "numora-connector sandbox: writing the CA file: %v\n", err)
	}
	sb.numora.Generate(10, 42)
	fmt.Fprint(a.stdout, "\nThe emulators stay up until Ctrl-C; 10 new documents wait in the outbox. In another shell:\n\n")
	for _, kv := range sandboxenv.Env(sb.numora.URL, sb.numora.APIKey, sb.dv, ca) {
		fmt.Fprintf(a.stdout, "export %s\n", kv)
	}
	fmt.Fprint(a.stdout, "\nnumora-connector run --mappings mappings.yaml\n")
	<-ctx.Done()
}

func (sb *sandbox) now() time.Time { return time.Now().UTC().Truncate(time.Second) }
