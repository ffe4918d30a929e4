package main

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/numora/numora-connector/internal/metrics"
	"github.com/numora/numora-connector/numora"
)

// withMetrics returns x with a Dataverse transport that counts requests
// and 429s into m: a clone of the default transport, as the destination
// would build it, with x's trust store.
func (x extras) withMetrics(m *metrics.Metrics, cfg *config) extras {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 52
	if cfg.Dynamics.MaxConcurrency > 0 {
		t.MaxIdleConnsPerHost = cfg.Dynamics.MaxConcurrency
	}
	if x.rootCAs != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: x.rootCAs, MinVersion: tls.VersionTLS12}
	}
	host := ""
	if u, err := url.Parse(cfg.Dynamics.OrgURL); err == nil {
		host = u.Host
	}
	x.httpClient = &http.Client{Transport: m.Transport(t, host)}
	return x
}

// probeDocument is a document id no workspace has: reading it proves the
// key (404) without depending on the outbox, which the route generation
// no longer serves.
const probeDocument = "numora-connector-readiness-probe"

// numoraKeyAccepted reports whether Numora accepts the API key.
func numoraKeyAccepted(ctx context.Context, src *numora.Client) error {
	_, err := src.Document(ctx, probeDocument)
	var ae *numora.APIError
	if err == nil || (errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound) {
		return nil
	}
	return err
}

// runMetrics returns the metrics observer of a run with --metrics-file,
// and x with the counting transport; nil and x unchanged without it.
func (a *app) runMetrics(cfg *config, log *slog.Logger, x extras) (*metrics.FileWriter, extras) {
	if cfg.Run.MetricsFile == "" {
		return nil, x
	}
	m := metrics.New(false)
	fw := metrics.NewFileWriter(m, cfg.Run.MetricsFile, func(err error) { log.Error(err.Error()) })
	a.observers = append(a.observers, fw)
	return fw, x.withMetrics(m, cfg)
}

// liveDestination hands the metrics the destination of the pipeline in
// use: a rotated secret rebuilds the destination, and the metrics, which
// are registered once, follow it.
type liveDestination struct{ cur atomic.Value } // holds destinationBox

// destinationBox keeps atomic.Value's stored type fixed.
type destinationBox struct{ dst any }

func (l *liveDestination) set(dst any) { l.cur.Store(destinationBox{dst}) }

func (l *liveDestination) get() any {
	b, _ := l.cur.Load().(destinationBox)
	return b.dst
}

// Throttling is the current destination's, or zero.
func (l *liveDestination) Throttling() (int, time.Duration) {
	if t, ok := l.get().(interface{ Throttling() (int, time.Duration) }); ok {
		return t.Throttling()
	}
	return 0, 0
}

// BreakerState is the current destination's, or "closed".
func (l *liveDestination) BreakerState() string {
	if b, ok := l.get().(interface{ BreakerState() string }); ok {
		return b.BreakerState()
	}
	return "closed"
}
