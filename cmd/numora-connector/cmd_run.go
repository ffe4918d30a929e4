package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/internal/runstats"
)

const usageRun = `Usage: numora-connector run [flags]

Reads Numora's delivery outbox, maps each reviewed document with the rules,
writes it into Dataverse (one change set per document, idempotent) and
reports succeeded, failed or skipped through Numora's delivery callback.
One pass by default; --interval repeats passes until SIGINT/SIGTERM.

Configuration comes from connector.yaml (or --config), then the environment
(NUMORA_BASE_URL, NUMORA_API_KEY, NUMORA_PROVIDER, DYNAMICS_URL, AZURE_*,
CONNECTOR_MAPPINGS), then flags. Secrets belong in the environment.

Examples:
  numora-connector run
  numora-connector run --dry-run --mappings ./mappings.yaml
  numora-connector run --concurrency 16 --summary-json /var/log/numora/last-run.json
  numora-connector run --interval 5m --log-format json
`

const usageDispatch = `Usage: numora-connector dispatch [flags]

Lets Numora deliver with its own saved connection: reads the outbox,
dispatches every document (POST /v1/documents/{id}/dispatch) and watches
each until it leaves push_pending, then summarises. Writes nothing itself.

Examples:
  numora-connector dispatch
  numora-connector dispatch --concurrency 4 --summary-json dispatch.json
`

func (a *app) cmdRun(ctx context.Context, args []string) int {
	fs := newFlagSet("run", usageRun, a.stderr)
	fs.configFlags()
	fs.mappingsFlag()
	fs.numoraFlags()
	fs.dynamicsFlags()
	fs.runFlags()
	fs.metricsFileFlag()
	dry := fs.Bool("dry-run", false, "map and print what would be written; write and report nothing")
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	cfg, log, err := a.loadConfig(fs, needs{numora: true, dynamics: !*dry, mappings: true})
	if err != nil {
		return a.fail("run", err)
	}
	return a.runPoll(ctx, cfg, log, *dry, extras{})
}

func (a *app) cmdDispatch(ctx context.Context, args []string) int {
	fs := newFlagSet("dispatch", usageDispatch, a.stderr)
	fs.configFlags()
	fs.numoraFlags()
	fs.runFlags()
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	cfg, log, err := a.loadConfig(fs, needs{numora: true})
	if err != nil {
		return a.fail("dispatch", err)
	}
	return a.passes(ctx, cfg, log, "dispatch", func() (*pipeline, error) {
		src, err := newNumora(cfg, log)
		if err != nil {
			return nil, err
		}
		conn, js, err := a.newConnector(cfg, log, src, nil, nil, true)
		if err != nil {
			return nil, err
		}
		return &pipeline{pass: conn.Dispatch, conn: conn, js: js, close: func() {}}, nil
	})
}

// runPoll is the run command's body, shared with the sandbox: build the
// pieces, run one pass or loop, print the summary, map it to an exit code.
func (a *app) runPoll(ctx context.Context, cfg *config, log *slog.Logger, dry bool, x extras) int {
	rules, err := loadRules(cfg, log, x)
	if err != nil {
		return a.fail("run", err)
	}
	fw, x := a.runMetrics(cfg, log, x)
	live := &liveDestination{}
	if fw != nil {
		fw.WatchDestination(live)
	}
	return a.passes(ctx, cfg, log, "run", func() (*pipeline, error) {
		src, err := newNumora(cfg, log)
		if err != nil {
			return nil, err
		}
		dst, err := a.destinationFor(ctx, cfg, log, dry, x)
		if err != nil {
			return nil, err
		}
		live.set(dst)
		closeDst := func() {}
		if c, ok := dst.(destinations.Closer); ok {
			closeDst = func() { _ = c.Close() }
		}
		conn, js, err := a.newConnector(cfg, log, src, rules, dst, dry)
		if err != nil {
			closeDst()
			return nil, err
		}
		return &pipeline{pass: conn.Run, conn: conn, js: js, close: closeDst}, nil
	})
}

// destinationFor builds the destination. A dry run without Dataverse
// settings prints plans instead of requests.
func (a *app) destinationFor(ctx context.Context, cfg *config, log *slog.Logger, dry bool, x extras) (destinations.Destination, error) {
	if _, url := cfg.destination(); dry && url == "" {
		log.Info("dry run without the destination's URL: printing plans rather than requests")
		return nil, nil
	}
	d, err := newDestination(ctx, cfg, log, x)
	if err != nil {
		if dry {
			log.Warn("dry run: cannot build the Dataverse destination, printing plans instead", "error", err.Error())
			return nil, nil
		}
		return nil, err
	}
	return d, nil
}

// newConnector builds the connector with its observers: the JSON summary
// (with the process's heap and GC figures) when asked, and a progress line
// on a terminal.
func (a *app) newConnector(cfg *config, log *slog.Logger, src connector.Source, rules connector.Mapper,
	dst destinations.Destination, dry bool) (*connector.Connector, *connector.JSONSummary, error) {
	var obs []connector.Observer
	var js *connector.JSONSummary
	if cfg.Run.SummaryJSON != "" {
		js = connector.NewJSONSummary(cfg.Run.SummaryJSON)
		js.MeasureRuntime(&runstats.Meter{})
		obs = append(obs, js)
	}
	var pr *progress
	if a.stderrTTY {
		a.errWriter()
		pr = newProgress(a.line, a.stderrWidth)
		obs = append(obs, pr)
	}
	obs = append(obs, a.observers...)
	conn, err := connector.New(src, rules, dst, connector.Config{
		Provider: cfg.Numora.Provider, Concurrency: cfg.Run.Concurrency, PageSize: cfg.Numora.PageSize,
		DryRun: dry, DryRunOutput: a.stdout, StopGrace: cfg.Run.StopGrace, DispatchTimeout: cfg.Run.DispatchTimeout,
		DispatchPoll: cfg.Run.DispatchPoll, Preflight: !dry, Logger: log, Observers: obs,
		QuietDocuments: a.stderrTTY && a.textLogs(cfg),
	})
	if pr != nil && conn != nil {
		pr.snap = conn.Progress
	}
	return conn, js, err
}

// pipeline is what passes run on: a connector built with the secrets read
// last, and its pass (Run or Dispatch).
type pipeline struct {
	pass  func(context.Context) (*connector.Summary, error)
	conn  *connector.Connector
	js    *connector.JSONSummary
	close func()
}

// passes builds the pipeline and runs one pass, or loops every
// cfg.Run.Interval until ctx ends, printing each summary; the exit code is
// the last pass's. In a loop, the secrets read from files are read again
// before every pass, and the pipeline rebuilt when one changed.
func (a *app) passes(ctx context.Context, cfg *config, log *slog.Logger, cmd string, build func() (*pipeline, error)) int {
	p, err := build()
	if err != nil {
		return a.fail(cmd, err)
	}
	defer func() { p.close() }()
	defer logStop(ctx, log, cfg.Run.StopGrace)()
	code := exitOK
	each := func(s *connector.Summary, _ error) {
		_ = s.WriteText(a.stdout)
		if p.js != nil && p.js.Err() != nil {
			log.Error(p.js.Err().Error())
		}
		code = runExitCode(s, cfg.refusedExitCode())
	}
	if cfg.Run.Interval <= 0 {
		each(p.pass(ctx))
		return code
	}
	next := func(ctx context.Context) (*connector.Summary, error) {
		reload(cfg, log, &p, build)
		return p.pass(ctx)
	}
	_ = p.conn.Loop(ctx, cfg.Run.Interval, next, each)
	return code
}

// reload rebuilds *p when a secret file changed since it was read. A file
// that cannot be read now (in the middle of a rotation, say) keeps the
// secrets and the pipeline of the last pass, with a warning.
func reload(cfg *config, log *slog.Logger, p **pipeline, build func() (*pipeline, error)) {
	changed, err := cfg.readSecretFiles()
	if err != nil {
		log.Warn("secret files: keeping the secrets read before", "error", err.Error())
		return
	}
	if !changed {
		return
	}
	np, err := build()
	if err != nil {
		log.Error("a secret file changed, but the connector could not be rebuilt with it; keeping the previous one",
			"error", err.Error())
		return
	}
	(*p).close()
	*p = np
	log.Info("a secret file changed: this pass uses the new secret")
}

// logStop logs once, when ctx ends (SIGINT or SIGTERM), that intake stops
// and the documents in flight get the stop grace to finish. The returned
// func ends the watch.
func logStop(ctx context.Context, log *slog.Logger, grace time.Duration) func() {
	if grace <= 0 {
		grace = connector.DefaultStopGrace
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			log.Warn("stop requested: taking no new documents; those in flight get the stop grace to finish",
				"stop_grace", grace.String())
		case <-done:
		}
	}()
	return func() { close(done) }
}
