package metrics

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/numora/numora-connector/connector"
)

type fakeDest struct{}

func (fakeDest) Throttling() (int, time.Duration) { return 3, 1500 * time.Millisecond }
func (fakeDest) BreakerState() string             { return "open" }

// parse reads a text exposition with Prometheus's own parser.
func parse(t *testing.T, path string) map[string]*dto.MetricFamily {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return mfs
}

// value returns the metric of family name whose labels include want.
func value(t *testing.T, mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	mf := mfs[name]
	if mf == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			if v, ok := want[lp.GetName()]; ok && v != lp.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no %s with labels %v", name, want)
	return 0
}

func TestWriteFile(t *testing.T) {
	m := New(false)
	m.WatchDestination(fakeDest{})
	m.WatchQueue(func() (int, time.Duration) { return 7, 90 * time.Second })
	m.Notification("webhooks", "accepted")
	m.Notification("webhooks", "bad_signature")
	path := filepath.Join(t.TempDir(), "numora.prom")
	w := NewFileWriter(m, path, nil)
	w.Document(connector.Entry{Outcome: connector.Delivered, DurationMS: 20})
	w.Document(connector.Entry{Outcome: connector.Delivered, DurationMS: 40})
	w.Document(connector.Entry{Outcome: connector.LeftForRetry})
	w.Finish(&connector.Summary{FinishedAt: time.Unix(1700000000, 0), Counts: connector.Counts{LeftForRetry: 1}})
	if w.Err() != nil {
		t.Fatal(w.Err())
	}
	mfs := parse(t, path)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"numora_connector_documents_total", map[string]string{"outcome": "delivered"}, 2},
		{"numora_connector_documents_total", map[string]string{"outcome": "left_for_retry"}, 1},
		{"numora_connector_documents_total", map[string]string{"outcome": "failed"}, 0},
		{"numora_connector_delivery_duration_seconds", nil, 3},
		{"numora_connector_notifications_total", map[string]string{"result": "bad_signature"}, 1},
		{"numora_connector_queue_depth", nil, 7},
		{"numora_connector_queue_oldest_age_seconds", nil, 90},
		{"numora_connector_throttle_wait_seconds_total", nil, 1.5},
		{"numora_connector_breaker_state", nil, 2},
		{"numora_connector_last_run_finished_timestamp_seconds", nil, 1700000000},
		{"numora_connector_last_run_clean", nil, 0},
	}
	for _, c := range checks {
		if got := value(t, mfs, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestTransportCountsDataverseOnly(t *testing.T) {
	status := http.StatusTooManyRequests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer other.Close()
	m := New(false)
	hc := &http.Client{Transport: m.Transport(http.DefaultTransport, srv.Listener.Addr().String())}
	for _, u := range []string{srv.URL, srv.URL, other.URL} {
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		status = http.StatusOK
	}
	path := filepath.Join(t.TempDir(), "m.prom")
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	mfs := parse(t, path)
	if got := value(t, mfs, "numora_connector_dataverse_requests_total", nil); got != 2 {
		t.Errorf("requests = %v, want 2", got)
	}
	if got := value(t, mfs, "numora_connector_dataverse_throttled_total", nil); got != 1 {
		t.Errorf("429s = %v, want 1", got)
	}
}
