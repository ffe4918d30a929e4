package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestE2ERunMetricsFile: run --metrics-file leaves a textfile that
// Prometheus's parser reads, with the run's documents by outcome.
func TestE2ERunMetricsFile(t *testing.T) {
	e := newE2E(t, nil)
	path := filepath.Join(e.dir, "numora.prom")
	r := e.run(t, nil, "run", "--metrics-file", path)
	if r.code != exitRefused { // the sandbox documents include refused ones
		t.Fatalf("run: %s", r)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mfs := parseMetrics(t, f)
	want := map[string]float64{}
	for _, d := range e.sb.docs {
		want[string(d.want)]++
	}
	for o, n := range want {
		if got := sum(mfs, "numora_connector_documents_total", map[string]string{"outcome": o}); got != n {
			t.Errorf("documents_total{outcome=%q} = %v, want %v", o, got, n)
		}
	}
	checkFamilies(t, mfs, ranFamilies)
	if got := sum(mfs, "numora_connector_dataverse_requests_total", nil); got == 0 {
		t.Error("dataverse_requests_total = 0")
	}
	if got, n := histogramCount(mfs, "numora_connector_delivery_duration_seconds"), float64(len(e.sb.docs))-want["ignored"]; got != n {
		t.Errorf("delivery_duration_seconds observed %v documents, want %v (every one not ignored)", got, n)
	}
	if got := sum(mfs, "numora_connector_last_run_clean", nil); got != 0 {
		t.Errorf("last_run_clean = %v, want 0 (some documents failed as seeded)", got)
	}
}
