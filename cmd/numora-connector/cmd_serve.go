package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/internal/metrics"
	"github.com/numora/numora-connector/internal/queue"
	"github.com/numora/numora-connector/notify"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/webhook"
)

const usageServe = `Usage: numora-connector serve [flags]

Notify mode: a long-running server that receives Numora's shared executor
notify (POST /numora/executor) and its document webhooks (POST
/numora/webhooks: document.reviewed and push.failed), verifies their
signature with NUMORA_WEBHOOK_SECRET, stores each in a durable queue before
answering 2xx, and delivers the queued documents with the same pipeline as
"run": re-read the document and its result, map, write, report. GET
/healthz, /readyz and /metrics (Prometheus) are served on the same address.

SIGINT/SIGTERM stops accepting, lets the deliveries in flight finish within
the stop grace and keeps the rest queued; the next start resumes them.

Examples:
  NUMORA_WEBHOOK_SECRET=whsec_... numora-connector serve --listen :8080
  numora-connector serve --queue /var/lib/numora-connector/queue.db --reconcile 10m
`

func (a *app) cmdServe(ctx context.Context, args []string) int {
	fs := newFlagSet("serve", usageServe, a.stderr)
	fs.configFlags()
	fs.mappingsFlag()
	fs.numoraFlags()
	fs.dynamicsFlags()
	fs.serveFlags()
	fs.num("concurrency", "documents read and written at once (default 48)", func(c *config, v int) { c.Run.Concurrency = v })
	fs.dur("stop-grace", "time deliveries in flight get to finish after SIGINT/SIGTERM (default 30s)",
		func(c *config, v time.Duration) { c.Run.StopGrace = v })
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	cfg, log, err := a.loadConfig(fs, needs{numora: true, dynamics: true, mappings: true, serve: true})
	if err != nil {
		return a.fail("serve", err)
	}
	ln, err := net.Listen("tcp", cfg.Serve.Listen)
	if err != nil {
		return a.fail("serve", &usageError{msg: "listening on " + cfg.Serve.Listen + ": " + err.Error()})
	}
	return a.serve(ctx, cfg, log, ln, extras{})
}

// serveParts are the pieces serve builds and closes.
type serveParts struct {
	m       *metrics.Metrics
	q       *queue.Queue
	src     *numora.Client
	dst     destinations.Destination
	drainer *notify.Drainer
	srv     *http.Server
}

// serve runs notify mode on ln until ctx ends; the sandbox calls it too.
func (a *app) serve(ctx context.Context, cfg *config, log *slog.Logger, ln net.Listener, x extras) int {
	p, err := a.buildServe(ctx, cfg, log, x)
	if err != nil {
		ln.Close()
		return a.fail("serve", err)
	}
	defer p.q.Close()
	defer closeDestination(p.dst)
	st := p.q.Stats()
	log.Info("serving Numora notifications", "listen", ln.Addr().String(), "queue", cfg.Serve.Queue,
		"queued", st.Depth, "signature", cfg.Serve.Signature.String())
	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	wg.Go(func() { serveErr <- p.srv.Serve(ln) })
	work, stopWork := context.WithCancel(ctx)
	wg.Go(func() { _ = p.drainer.Run(work) })
	if cfg.Serve.Reconcile > 0 {
		r := &notify.Reconciler{Outbox: p.src, Queue: p.q, Provider: cfg.Numora.Provider, PageSize: cfg.Numora.PageSize,
			Every: cfg.Serve.Reconcile, Logger: log}
		wg.Go(func() { r.Run(work) })
	}
	code := exitOK
	select {
	case <-ctx.Done():
		log.Warn("stop requested: accepting no notifications; deliveries in flight get the stop grace, the rest stay queued",
			"stop_grace", stopGrace(cfg).String())
	case err := <-serveErr:
		log.Error("the HTTP server failed", "error", err.Error())
		code = exitUnavailable
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	_ = p.srv.Shutdown(sctx) // stop accepting first: nothing is answered 2xx after this
	cancel()
	stopWork()
	wg.Wait()
	log.Info("stopped", "queued", p.q.Stats().Depth)
	return code
}

func stopGrace(cfg *config) time.Duration {
	if cfg.Run.StopGrace > 0 {
		return cfg.Run.StopGrace
	}
	return connector.DefaultStopGrace
}

// buildServe builds the metrics, clients, queue, connector, drainer and
// HTTP server.
func (a *app) buildServe(ctx context.Context, cfg *config, log *slog.Logger, x extras) (*serveParts, error) {
	p := &serveParts{m: metrics.New(true)}
	rules, err := loadRules(cfg, log, x)
	if err != nil {
		return nil, err
	}
	if p.src, err = newNumora(cfg, log); err != nil {
		return nil, err
	}
	if p.dst, err = newDestination(ctx, cfg, log, x.withMetrics(p.m, cfg)); err != nil {
		return nil, err
	}
	if p.q, err = queue.Open(cfg.Serve.Queue, queue.Options{}); err != nil {
		closeDestination(p.dst)
		return nil, &unavailableError{err: err}
	}
	if err := a.buildDrain(cfg, log, p, rules); err != nil {
		p.q.Close()
		closeDestination(p.dst)
		return nil, err
	}
	return p, nil
}

// buildDrain builds the connector, the drainer and the HTTP server.
func (a *app) buildDrain(cfg *config, log *slog.Logger, p *serveParts, rules connector.Mapper) error {
	var conn *connector.Connector
	p.drainer = notify.NewDrainer(notify.DrainConfig{Queue: p.q, Logger: log, Latency: p.m.NotifyLatency,
		RetryDelay: cfg.Serve.RetryDelay, MaxAttempts: cfg.Serve.MaxAttempts, Slots: cfg.concurrency(),
		EchoWindow: cfg.Serve.EchoWindow,
		Serve:      func(ctx context.Context, in connector.Intake) (*connector.Summary, error) { return conn.Serve(ctx, in) }})
	var err error
	conn, err = connector.New(p.src, rules, p.dst, connector.Config{
		Provider: cfg.Numora.Provider, Concurrency: cfg.Run.Concurrency, PageSize: 1, StopGrace: cfg.Run.StopGrace,
		Preflight: true, Logger: log, Observers: []connector.Observer{p.m, p.drainer},
	})
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	p.m.ExpectNotifications(notify.Endpoints(), notify.Results())
	p.m.WatchQueue(func() (int, time.Duration) { s := p.q.Stats(); return s.Depth, s.Oldest })
	p.m.WatchDestination(p.dst)
	v, err := webhook.NewVerifier(webhook.Config{Secrets: cfg.webhookSecrets(), Scheme: cfg.Serve.Signature, Tolerance: cfg.Serve.Tolerance})
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	h, err := notify.New(notify.Config{Queue: p.q, Verifier: v, MaxBody: cfg.Serve.MaxBody, Counter: p.m,
		Metrics: p.m.Handler(), Logger: log, Ready: readiness(p), IsEcho: p.drainer.IsEcho})
	if err != nil {
		return err
	}
	p.srv = &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	return nil
}

// readiness probes: the queue is open, Numora accepts the key, the
// destination proves its credentials (Dataverse: a token and WhoAmI).
func readiness(p *serveParts) *notify.Readiness {
	r := &notify.Readiness{Probes: []notify.Probe{
		{Name: "queue", Check: func(context.Context) error { return p.q.Ping() }},
		{Name: "numora", Check: func(ctx context.Context) error { return numoraKeyAccepted(ctx, p.src) }},
	}}
	if c, ok := p.dst.(destinations.Checker); ok {
		r.Probes = append(r.Probes, notify.Probe{Name: "destination", Check: c.Check})
	}
	return r
}
