package main

import (
	"testing"

	dto "github.com/prometheus/client_model/go"
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
