package main

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
)

// ranFamilies are the figures a run writes with --metrics-file, and their
// types: documents by outcome, Dataverse requests and 429s, throttle
// waits, breaker state, the delivery latency histogram, the run's end.
var ranFamilies = map[string]dto.MetricType{
	"numora_connector_documents_total":                     dto.MetricType_COUNTER,
	"numora_connector_dataverse_requests_total":            dto.MetricType_COUNTER,
	"numora_connector_dataverse_throttled_total":           dto.MetricType_COUNTER,
	"numora_connector_throttle_wait_seconds_total":         dto.MetricType_COUNTER,
	"numora_connector_breaker_state":                       dto.MetricType_GAUGE,
	"numora_connector_delivery_duration_seconds":           dto.MetricType_HISTOGRAM,
	"numora_connector_last_run_finished_timestamp_seconds": dto.MetricType_GAUGE,
	"numora_connector_last_run_clean":                      dto.MetricType_GAUGE,
}

// servedFamilies are the figures serve's /metrics adds: notifications by
// result, queue depth and oldest age, notify → outcome latency.
var servedFamilies = merged(ranFamilies, map[string]dto.MetricType{
	"numora_connector_notifications_total":       dto.MetricType_COUNTER,
	"numora_connector_queue_depth":               dto.MetricType_GAUGE,
	"numora_connector_queue_oldest_age_seconds":  dto.MetricType_GAUGE,
	"numora_connector_notify_to_outcome_seconds": dto.MetricType_HISTOGRAM,
})

func merged(a, b map[string]dto.MetricType) map[string]dto.MetricType {
	out := map[string]dto.MetricType{}
	for _, m := range []map[string]dto.MetricType{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// checkFamilies fails for every family of want missing from mfs or of
// another type; notifications_total must show bad_signature and bad_body
// (at 0 before any), so alerts on them work from the first scrape.
func checkFamilies(t *testing.T, mfs map[string]*dto.MetricFamily, want map[string]dto.MetricType) {
	t.Helper()
	for name, typ := range want {
		switch mf := mfs[name]; {
		case mf == nil:
			t.Errorf("no %s", name)
		case mf.GetType() != typ:
			t.Errorf("%s is a %s, want a %s", name, mf.GetType(), typ)
		}
	}
	if _, ok := want["numora_connector_notifications_total"]; !ok {
		return
	}
	for _, result := range []string{"accepted", "duplicate", "bad_signature", "bad_body"} {
		if !hasLabel(mfs["numora_connector_notifications_total"], "result", result) {
			t.Errorf("notifications_total has no result=%q", result)
		}
	}
}

func hasLabel(mf *dto.MetricFamily, name, value string) bool {
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == name && lp.GetValue() == value {
				return true
			}
		}
	}
	return false
}

// histogramCount is the sample count of histogram family name.
func histogramCount(mfs map[string]*dto.MetricFamily, name string) float64 {
	total := 0.0
	for _, m := range mfs[name].GetMetric() {
		total += float64(m.GetHistogram().GetSampleCount())
	}
	return total
}

// TestE2EServeThrottleMetrics: Dataverse answers two writes 429 with
// Retry-After 1s; serve delivers every document anyway, and /metrics
// counts the 429s among the Dataverse requests and at least the second
// waited, with the breaker closed at the end.
func TestE2EServeThrottleMetrics(t *testing.T) {
	e := newE2E(t, only("delivered"))
	e.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Status: http.StatusTooManyRequests,
		Code: dataversetest.CodeRequests, RetryAfter: time.Second, Path: "$batch", Count: 2})
	s := e.startServe(t, filepath.Join(e.dir, "queue.db"))
	for _, id := range e.ids() {
		if got := s.notify(t, "/numora/executor", executorBody(id)); got != http.StatusAccepted {
			t.Fatalf("notify %s = %d", id, got)
		}
	}
	e.awaitRecorded(t, s, e.ids())
	mfs := s.awaitDocuments(t, len(e.ids()))
	throttled, requests := sum(mfs, "numora_connector_dataverse_throttled_total", nil), sum(mfs, "numora_connector_dataverse_requests_total", nil)
	if throttled < 2 || requests <= throttled {
		t.Errorf("dataverse 429s %v of %v requests, want at least the 2 injected, among more", throttled, requests)
	}
	if got := sum(mfs, "numora_connector_throttle_wait_seconds_total", nil); got < 1 {
		t.Errorf("throttle_wait_seconds_total = %v, want at least the 1s Retry-After", got)
	}
	if got := sum(mfs, "numora_connector_breaker_state", nil); got != 0 {
		t.Errorf("breaker_state = %v, want 0 (closed)", got)
	}
	s.stop(t)
}
