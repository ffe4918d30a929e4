// Package metrics holds the connector's Prometheus figures: notifications
// received, the queue, documents by outcome, Dataverse requests and 429s,
// throttle waits, the breaker state and delivery latency. The same
// registry serves GET /metrics in notify mode and is written to a file for
// node_exporter's textfile collector by scheduled runs (WriteFile).
//
// Metrics implements connector.Observer, so a run or the notify server
// feeds it by listing it among the connector's observers.
package metrics

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/numora/numora-connector/connector"
)

// ns prefixes every metric name.
const ns = "numora_connector"

// Metrics is one registry and its collectors. Build it with New; it is
// safe for concurrent use.
type Metrics struct {
	reg           *prometheus.Registry
	notifications *prometheus.CounterVec
	documents     *prometheus.CounterVec
	delivery      prometheus.Histogram
	notifyLatency prometheus.Histogram
	requests      prometheus.Counter
	throttled     prometheus.Counter
	lastRun       prometheus.Gauge
	lastRunClean  prometheus.Gauge

	mu sync.Mutex // guards the sources set by Watch*
}

// latencyBuckets span a fast write (10 ms) to a long throttled one (5 min).
var latencyBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// New returns the collectors registered in a fresh registry. With process
// set, the Go runtime and process collectors are added (for /metrics; a
// textfile has no use for them).
func New(process bool) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "notifications_total",
		Help: "Notifications received, by endpoint and result (accepted, coalesced, duplicate, ignored, bad_signature, bad_body, error)."},
		[]string{"endpoint", "result"})
	m.documents = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "documents_total",
		Help: "Documents by outcome (delivered, skipped, failed, left_for_retry, ignored)."}, []string{"outcome"})
	m.delivery = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "delivery_duration_seconds",
		Help: "Time one document took, from reading its result to its callback.", Buckets: latencyBuckets})
	m.notifyLatency = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "notify_to_outcome_seconds",
		Help: "Notify mode: time from a document's first queued notification to its recorded outcome.", Buckets: latencyBuckets})
	m.requests = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "dataverse_requests_total",
		Help: "HTTP requests sent to Dataverse (retries included, token requests excluded)."})
	m.throttled = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "dataverse_throttled_total",
		Help: "Dataverse answers with status 429 (service protection limits)."})
	m.lastRun = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "last_run_finished_timestamp_seconds",
		Help: "When the last run (pass) finished, Unix time."})
	m.lastRunClean = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "last_run_clean",
		Help: "1 when the last run delivered, skipped or ignored every document, else 0."})
	m.reg.MustRegister(m.notifications, m.documents, m.delivery, m.notifyLatency, m.requests, m.throttled, m.lastRun, m.lastRunClean)
	for _, o := range []connector.Outcome{connector.Delivered, connector.Skipped, connector.Failed, connector.LeftForRetry, connector.Ignored} {
		m.documents.WithLabelValues(string(o)) // present at 0, so rates and alerts work from the first scrape
	}
	if process {
		m.reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	}
	return m
}

// Handler serves the registry in Prometheus's formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Notification counts one notification on endpoint ("executor",
// "webhooks") with its result.
func (m *Metrics) Notification(endpoint, result string) {
	m.notifications.WithLabelValues(endpoint, result).Inc()
}

// ExpectNotifications shows notifications_total at 0 for every endpoint
// and result, so that rates and alerts (a burst of bad_signature) work
// from the first scrape; serve calls it, a run's file has no
// notifications.
func (m *Metrics) ExpectNotifications(endpoints, results []string) {
	for _, e := range endpoints {
		for _, r := range results {
			m.notifications.WithLabelValues(e, r)
		}
	}
}

// NotifyLatency records the time from a notification to its outcome.
func (m *Metrics) NotifyLatency(d time.Duration) { m.notifyLatency.Observe(d.Seconds()) }

// Start implements connector.Observer.
func (m *Metrics) Start(connector.RunInfo) {}

// Document implements connector.Observer: one document's outcome and time.
func (m *Metrics) Document(e connector.Entry) {
	m.documents.WithLabelValues(string(e.Outcome)).Inc()
	if e.Outcome != connector.Ignored {
		m.delivery.Observe(float64(e.DurationMS) / 1000)
	}
}

// Finish implements connector.Observer: the run's end time and whether it
// was clean.
func (m *Metrics) Finish(s *connector.Summary) {
	m.lastRun.Set(float64(s.FinishedAt.UnixNano()) / 1e9)
	clean := 0.0
	if s.Clean() {
		clean = 1
	}
	m.lastRunClean.Set(clean)
}

// QueueStats is what WatchQueue reads: entries stored and the age of the
// oldest.
type QueueStats func() (depth int, oldest time.Duration)

// WatchQueue exports the queue's depth and oldest age, read at scrape time.
func (m *Metrics) WatchQueue(stats QueueStats) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "queue_depth",
		Help: "Documents waiting in the notify queue (in flight included)."},
		func() float64 { d, _ := stats(); return float64(d) }))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "queue_oldest_age_seconds",
		Help: "Age of the oldest entry in the notify queue; 0 when empty."},
		func() float64 { _, o := stats(); return o.Seconds() }))
}

// throttler is destinations.ThrottleReporter.
type throttler interface {
	Throttling() (waits int, waited time.Duration)
}

// breakerStater is a destination reporting its breaker: "closed",
// "half-open", "open" or "disabled".
type breakerStater interface{ BreakerState() string }

// WatchDestination exports the destination's throttle waits and breaker
// state when it reports them.
func (m *Metrics) WatchDestination(dst any) {
	if t, ok := dst.(throttler); ok {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: ns, Name: "throttle_wait_seconds_total",
			Help: "Time paused because Dataverse throttled or failed transiently (Retry-After and backoff waits)."},
			func() float64 { _, d := t.Throttling(); return d.Seconds() }))
	}
	if b, ok := dst.(breakerStater); ok {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: "breaker_state",
			Help: "Dataverse circuit breaker: 0 closed (or disabled), 1 half-open, 2 open."},
			func() float64 { return breakerValue(b.BreakerState()) }))
	}
}

func breakerValue(s string) float64 {
	switch strings.ToLower(s) {
	case "open":
		return 2
	case "half-open":
		return 1
	}
	return 0
}
