package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/secret"
)

// scrape fetches /metrics and parses it.
func (s *serving) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := s.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	return parseMetrics(t, bytes.NewReader(body))
}

// parseMetrics reads the text format with Prometheus's own parser.
func parseMetrics(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parsing metrics: %v", err)
	}
	return mfs
}

// sum adds the values of family name whose labels include want.
func sum(mfs map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	total := 0.0
next:
	for _, m := range mfs[name].GetMetric() {
		for _, lp := range m.GetLabel() {
			if v, ok := want[lp.GetName()]; ok && v != lp.GetValue() {
				continue next
			}
		}
		total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return total
}

// awaitDocuments polls /metrics until n documents have an outcome and the
// queue is empty, and returns the last scrape.
func (s *serving) awaitDocuments(t *testing.T, n int) map[string]*dto.MetricFamily {
	t.Helper()
	var mfs map[string]*dto.MetricFamily
	s.eventually(t, fmt.Sprintf("%d documents settled", n), func() bool {
		mfs = s.scrape(t)
		return sum(mfs, "numora_connector_documents_total", nil) >= float64(n) && sum(mfs, "numora_connector_queue_depth", nil) == 0
	})
	return mfs
}

// TestE2EServe runs serve against the emulators, which notify it the
// route-generation way (dispatch → executor notify, review →
// document.reviewed): every document ends as seeded, /metrics (parsed
// with expfmt) agrees, and SIGTERM ends it with exit 0.
func TestE2EServe(t *testing.T) {
	e := newE2E(t, nil)
	e.secrets = append(e.secrets, webhookSecret)
	s := e.startServe(t, filepath.Join(e.dir, "queue.db"))
	if code, body := s.get(t, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	if code, body := s.get(t, "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	checkFamilies(t, s.scrape(t), servedFamilies)
	bad := []struct{ result, path, body, signature string }{
		{"bad_signature", "/numora/executor", executorBody("doc_x"), "t=1,v1=00"},
		{"bad_body", "/numora/executor", `{"id":"no document"}`, ""},
		{"bad_body", "/numora/webhooks", `{"type":"document.reviewed","data":`, ""},
	}
	for _, b := range bad {
		if code := s.notifySigned(t, b.path, b.body, b.signature); code/100 != 4 {
			t.Errorf("%s: POST %s = %d, want 4xx", b.result, b.path, code)
		}
	}
	e.sb.numora.EnableNotify(numoratest.NotifyConfig{ExecutorURL: s.url + "/numora/executor",
		WebhookURL: s.url + "/numora/webhooks", Secret: []byte(webhookSecret)})
	src, err := newNumora(&config{Numora: numoraConfig{BaseURL: e.sb.numora.URL, APIKey: secret.New(e.sb.numora.APIKey)}}, logctx.Discard())
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range e.ids() {
		if i%2 == 0 {
			err = src.Dispatch(context.Background(), id, "dynamics365")
		} else {
			err = e.sb.numora.Review(id)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	e.awaitRecorded(t, s, e.ids())
	mfs := s.awaitDocuments(t, len(e.sb.docs))
	want := map[connector.Outcome]float64{}
	for _, d := range e.sb.docs {
		if got, ok := e.sb.lastRecorded(d.fixture.ID); !ok || outcomeOf(got) != d.want || !strings.HasPrefix(got.ErrorCode, d.code) {
			t.Errorf("%s: recorded %+v, seeded for %s %s", d.fixture.ID, got, d.want, d.code)
		}
		want[d.want]++
	}
	for o, n := range want {
		if got := sum(mfs, "numora_connector_documents_total", map[string]string{"outcome": string(o)}); got != n {
			t.Errorf("documents_total{outcome=%q} = %v, want %v", o, got, n)
		}
	}
	if got := sum(mfs, "numora_connector_notifications_total", map[string]string{"result": "accepted"}); got != float64(len(e.sb.docs)) {
		t.Errorf("notifications accepted = %v, want %d", got, len(e.sb.docs))
	}
	if got := sum(mfs, "numora_connector_dataverse_requests_total", nil); got == 0 {
		t.Error("dataverse_requests_total = 0")
	}
	for result, n := range map[string]float64{"bad_signature": 1, "bad_body": 2} {
		if got := sum(mfs, "numora_connector_notifications_total", map[string]string{"result": result}); got != n {
			t.Errorf("notifications %s = %v, want %v", result, got, n)
		}
	}
	attempted := float64(len(e.sb.docs)) - want[connector.Ignored]
	for _, h := range []string{"numora_connector_delivery_duration_seconds", "numora_connector_notify_to_outcome_seconds"} {
		if got := histogramCount(mfs, h); got != attempted {
			t.Errorf("%s observed %v documents, want %v (every one not ignored)", h, got, attempted)
		}
	}
	if code := s.stop(t); code != exitSIGTERM {
		t.Fatalf("serve exited %d after SIGTERM, want 143:\n%s", code, s.stderr)
	}
	e.noSecrets(t, s.stderr.String())
}

// TestE2EServeDuplicatesAndOrder: while the only worker is held on
// another document, a burst of notifications for one document (executor
// notifies, an event and its retry, a correction before the last) delivers
// it once, with the state after the last notification; a late
// document.reviewed for a document Numora has since delivered writes and
// reports nothing.
func TestE2EServeDuplicatesAndOrder(t *testing.T) {
	e := newE2E(t, only("delivered"))
	ids := e.ids()
	a, b, late := ids[0], ids[1], ids[2]
	if err := e.sb.numora.SetStatus(late, "push_succeeded"); err != nil {
		t.Fatal(err)
	}
	s := e.startServe(t, filepath.Join(e.dir, "queue.db"), "--concurrency", "1")
	gate := e.sb.numora.Hold(numoratest.EndpointDocument)
	checks := []struct {
		path, body string
		want       int
	}{
		{"/numora/executor", executorBody(a), 202},
	}
	for _, c := range checks {
		if got := s.notify(t, c.path, c.body); got != c.want {
			t.Fatalf("POST %s = %d, want %d", c.path, got, c.want)
		}
	}
	<-gate.Arrived() // the worker is reading a's document
	burst := []string{executorBody(b), reviewedBody("evt_b1", b), executorBody(b), reviewedBody("evt_b1", b),
		reviewedBody("evt_b2", b), reviewedBody("evt_late", late), "correct", reviewedBody("evt_b3", b)}
	for i, body := range burst {
		if body == "correct" { // a reviewer corrects b between its notifications
			if err := e.sb.numora.Correct(b, "invoice_number", []byte(`"INV-LATEST"`)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		path := "/numora/executor"
		if strings.Contains(body, `"type"`) {
			path = "/numora/webhooks"
		}
		if got := s.notify(t, path, body); got != http.StatusAccepted {
			t.Fatalf("burst %d: POST %s = %d, want 202", i, path, got)
		}
	}
	e.sb.numora.Unhold()
	e.awaitRecorded(t, s, []string{a, b})
	mfs := s.awaitDocuments(t, 3)
	for id, n := range map[string]int{a: 1, b: 1, late: 0} {
		if got := len(e.accepted(id)); got != n {
			t.Errorf("%s: %d callbacks, want %d", id, got, n)
		}
	}
	cb := e.accepted(b)
	if row, ok := e.sb.dv.Row("new_vendorinvoices", cb[0].ExternalRecordID); !ok || row["new_invoicenumber"] != "INV-LATEST" {
		t.Errorf("%s: row %v, want new_invoicenumber INV-LATEST (the state after the last notification)", b, row)
	}
	for result, n := range map[string]float64{"accepted": 3, "coalesced": 4, "duplicate": 1} {
		if got := sum(mfs, "numora_connector_notifications_total", map[string]string{"result": result}); got != n {
			t.Errorf("notifications %s = %v, want %v", result, got, n)
		}
	}
	if got := sum(mfs, "numora_connector_documents_total", map[string]string{"outcome": "ignored"}); got != 1 {
		t.Errorf("ignored = %v, want 1 (the late event)", got)
	}
	s.stop(t)
	if !droppedLogged(s.stderr.String(), late) {
		t.Errorf("no log line saying %s was dropped as no longer deliverable:\n%s", late, s.stderr)
	}
}

// droppedLogged reports whether the JSON log has a line for document id
// saying Numora no longer lists it as deliverable and it was dropped.
func droppedLogged(log, id string) bool {
	for line := range strings.Lines(log) {
		if strings.Contains(line, `"document_id":"`+id+`"`) && strings.Contains(line, "no longer lists it as deliverable; dropped") {
			return true
		}
	}
	return false
}

// TestFaultServeKill9 kills serve with SIGKILL right after it answered
// 202 to the k-th of N notifications (k seeded), restarts it on the same
// queue and sends the rest: every document ends delivered, exactly once in
// effect (one row each, the rows of a clean run). SOAK_TRIALS sets the
// trials (2 here, 40 in make soak), SOAK_SEED the seed.
func TestFaultServeKill9(t *testing.T) {
	trials, seed := envInt(t, "SOAK_TRIALS", 2), envInt(t, "SOAK_SEED", 1)
	rng := rand.New(rand.NewPCG(uint64(seed), 16))
	want := baselineRows(t)
	withQueue, resumed := 0, 0
	for i := range trials {
		e := newE2E(t, only("delivered"))
		ids := e.ids()
		k := 1 + rng.IntN(len(ids))
		t.Run(fmt.Sprintf("trial %d kill after %d of %d", i+1, k, len(ids)), func(t *testing.T) {
			queue := filepath.Join(e.dir, "queue.db")
			s := e.startServe(t, queue)
			for _, id := range ids[:k] {
				if got := s.notify(t, "/numora/executor", executorBody(id)); got != http.StatusAccepted {
					t.Fatalf("notify %s = %d", id, got)
				}
			}
			_ = s.cmd.Process.Kill() // SIGKILL right after the k-th 202
			<-s.done
			_ = s.cmd.Wait()
			s = e.startServe(t, queue)
			resumed += s.queued
			if s.queued > 0 {
				withQueue++
			}
			for _, id := range ids[k:] {
				if got := s.notify(t, "/numora/executor", executorBody(id)); got != http.StatusAccepted {
					t.Fatalf("notify %s = %d", id, got)
				}
			}
			e.awaitRecorded(t, s, ids)
			for _, id := range ids {
				if cb := e.accepted(id); cb[len(cb)-1].Status != "succeeded" {
					t.Errorf("%s: last callback %s, want succeeded", id, cb[len(cb)-1].Status)
				}
			}
			if got := e.rowCounts(); !equalCounts(got, want) {
				t.Errorf("rows %v, want %v (one per document, as a clean run writes)", got, want)
			}
			s.stop(t)
		})
	}
	t.Logf("reliability serve kill -9: %d trials (seed %d); %d restarted with accepted documents still queued, %d such documents in all, each delivered once in effect",
		trials, seed, withQueue, resumed)
}

// baselineRows is what a clean run writes for the delivered documents.
func baselineRows(t *testing.T) map[string]int {
	t.Helper()
	e := newE2E(t, only("delivered"))
	if r := e.run(t, nil, "run"); r.code != exitOK {
		t.Fatalf("baseline run: %s", r)
	}
	return e.rowCounts()
}

// TestFaultServeGracefulStopUnderLoad sends SIGTERM while callbacks are
// held in flight and more documents wait in the queue: serve stops
// accepting, finishes the documents in flight within the stop grace and
// exits 0; restarted on the same queue it delivers the rest, each once in
// effect.
func TestFaultServeGracefulStopUnderLoad(t *testing.T) {
	want := baselineRows(t)
	e := newE2E(t, only("delivered"))
	ids := e.ids()
	queue := filepath.Join(e.dir, "queue.db")
	s := e.startServe(t, queue, "--concurrency", "4")
	gate := e.sb.numora.Hold(numoratest.EndpointDelivery)
	for _, id := range ids {
		if got := s.notify(t, "/numora/executor", executorBody(id)); got != http.StatusAccepted {
			t.Fatalf("notify %s = %d", id, got)
		}
	}
	for range 2 { // both finishers hold a callback
		select {
		case <-gate.Arrived():
		case <-s.done:
			t.Fatalf("serve ended early:\n%s", s.stderr)
		}
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	for line := range s.lines {
		if strings.Contains(line, "stop requested") {
			break
		}
	}
	e.sb.numora.Unhold()
	<-s.done
	_ = s.cmd.Wait()
	if code := s.cmd.ProcessState.ExitCode(); code != exitSIGTERM {
		t.Fatalf("exit %d after SIGTERM, want 143:\n%s", code, s.stderr)
	}
	done := 0
	for _, id := range ids {
		done += len(e.accepted(id))
	}
	if done < 2 || done >= len(ids) {
		t.Fatalf("%d documents reported before the stop; want the ones in flight (at least 2), not all %d", done, len(ids))
	}
	s = e.startServe(t, queue)
	e.awaitRecorded(t, s, ids)
	if got := e.rowCounts(); !equalCounts(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	s.stop(t)
	t.Logf("reliability serve SIGTERM under load: %d of %d documents finished in flight, the rest after the restart", done, len(ids))
}
