package main

import (
	"net/http"
	"path/filepath"
	"testing"
)

// TestE2EServeTwoReplicas: two serve processes, each with its own queue
// (two StatefulSet replicas), both notified of every document (Numora
// retried onto the other replica, or a document was dispatched twice):
// every document ends succeeded in Numora with the rows of one clean run,
// whichever replica got there first; the other either wrote the same rows
// again or found the document no longer deliverable.
func TestE2EServeTwoReplicas(t *testing.T) {
	want := baselineRows(t)
	e := newE2E(t, only("delivered"))
	ids := e.ids()
	replicas := []*serving{
		e.startServe(t, filepath.Join(e.dir, "queue-0.db")),
		e.startServe(t, filepath.Join(e.dir, "queue-1.db")),
	}
	for _, id := range ids {
		for _, s := range replicas {
			if got := s.notify(t, "/numora/executor", executorBody(id)); got != http.StatusAccepted {
				t.Fatalf("notify %s on %s = %d", id, s, got)
			}
		}
	}
	e.awaitRecorded(t, replicas[0], ids)
	ignored := 0.0
	for _, s := range replicas { // each replica settled its queue: every document has an outcome there
		mfs := s.awaitDocuments(t, len(ids))
		ignored += sum(mfs, "numora_connector_documents_total", map[string]string{"outcome": "ignored"})
	}
	twice := 0
	for _, id := range ids {
		cb := e.accepted(id)
		if last := cb[len(cb)-1]; last.Status != "succeeded" {
			t.Errorf("%s: last callback %s, want succeeded", id, last.Status)
		}
		if len(cb) > 1 {
			twice++
		}
	}
	t.Logf("%d documents: %d delivered by both replicas, %v found no longer deliverable by the second", len(ids), twice, ignored)
	if got := e.rowCounts(); !equalCounts(got, want) {
		t.Errorf("rows %v, want %v (one set per document, as one clean run writes)", got, want)
	}
	for _, s := range replicas {
		s.stop(t)
	}
}
