package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/numora"
)

func TestE2EExitCodes(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("delivered"))
	e.secrets = append(e.secrets, "sk_wrong_key_e2e", "wrong-client-secret-e2e")
	badRules := filepath.Join(e.dir, "bad-mappings.yaml")
	if err := os.WriteFile(badRules, []byte("version: 1\nschemas:\n  invoice_v2:\n    records:\n      - name: x\n        entity: new_vendorinvoices\n        key: document\n        colums: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(e.dir, "conf", "connector.yaml")
	if err := os.Mkdir(filepath.Dir(badConfig), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badConfig, []byte("run:\n  concurrancy: 4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    []string
		args   []string
		want   int
		stderr string
	}{
		{"unknown command", nil, []string{"runn"}, exitUsage, `did you mean "run"`},
		{"unknown flag", nil, []string{"run", "--concurency", "4"}, exitUsage, "flag provided but not defined"},
		{"no api key", []string{"NUMORA_API_KEY="}, []string{"run", "--config", os.DevNull}, exitUsage, "NUMORA_API_KEY"},
		{"http to a remote host", []string{"NUMORA_BASE_URL=http://numora.example.com"}, []string{"run"}, exitUsage, "loopback"},
		{"unknown config key", nil, []string{"run", "--config", badConfig}, exitUsage, `connector.yaml:2:3: unknown setting "run.concurrancy" (did you mean "concurrency"?)`},
		{"broken mapping", []string{"CONNECTOR_MAPPINGS=" + badRules}, []string{"run"}, exitUsage, "bad-mappings.yaml:8:"},
		{"validate broken mapping", nil, []string{"validate", "--mappings", badRules}, exitUsage, "bad-mappings.yaml:8:"},
		{"numora key refused", []string{"NUMORA_API_KEY=sk_wrong_key_e2e"}, []string{"run"}, exitUnavailable, "401"},
		{"dataverse secret refused", []string{"AZURE_CLIENT_SECRET=wrong-client-secret-e2e"}, []string{"run"}, exitUnavailable, "destination"},
		{"check refused", []string{"AZURE_CLIENT_SECRET=wrong-client-secret-e2e"}, []string{"check"}, exitUnavailable, ""},
		{"validate ok", nil, []string{"validate"}, exitOK, ""},
		{"check ok", nil, []string{"check"}, exitOK, ""},
		{"help", nil, []string{"help", "run"}, exitOK, ""},
		{"version", nil, []string{"version"}, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, tt.env, tt.args...)
			if r.code != tt.want || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("got %v\nwant exit %d with %q on stderr", r, tt.want, tt.stderr)
			}
		})
	}
	for table, n := range e.rowCounts() {
		if n != 0 {
			t.Errorf("failed runs wrote %d rows into %s", n, table)
		}
	}
	// The outbox is untouched; a good run now delivers everything: exit 0.
	if r := e.run(t, nil, "run"); r.code != exitOK {
		t.Errorf("good run: %v", r)
	}
}

func TestE2ECircuitBreakerStopsTheRun(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("delivered"))
	e.sb.dv.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Path: "$batch", Status: 503})
	conf := filepath.Join(e.dir, "fast-retries.yaml")
	// One document per $batch, so the run's two writers hold two documents:
	// with the default ten, its 20 writers would take all 21 before the
	// breaker can open.
	if err := os.WriteFile(conf, []byte("dynamics:\n  batch_documents: 1\n  retry: {max_attempts: 3, base_delay: 10ms, max_delay: 50ms}\n  breaker: {failures: 3}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := e.run(t, nil, "run", "--config", conf, "--summary-json", e.summaryPath(), "--concurrency", "2")
	if r.code != exitProblems || !strings.Contains(r.stdout, "circuit breaker") {
		t.Fatalf("want exit 1 and the breaker named: %v", r)
	}
	t.Logf("breaker run took %v", time.Since(start))
	untouched := 0
	for _, d := range e.sb.docs {
		got := e.accepted(d.fixture.ID)
		switch {
		case len(got) == 0:
			untouched++
		case got[0].Status != numora.DeliveryFailed || !strings.HasPrefix(got[0].ErrorCode, "crm_"):
			t.Errorf("%s: callback %+v, want failed with a crm_ retryable code", d.fixture.ID, got[0])
		}
	}
	if untouched == 0 {
		t.Error("every document was attempted; the breaker should have stopped intake")
	}
	if n := len(e.sb.numora.OutboxIDs()); n != len(e.sb.docs) {
		t.Errorf("%d documents in the outbox, want all %d left for the next run", n, len(e.sb.docs))
	}
}

func TestE2ESIGTERMMidRun(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("none"))
	e.sb.numora.Generate(60, 11)
	e.sb.dv.SetLatency(40 * time.Millisecond)
	ids := e.sb.numora.OutboxIDs()
	// One document per $batch: 3 writers, so few documents are in flight
	// when the signal comes (with the default ten, 30 writers).
	conf := filepath.Join(e.dir, "one-per-batch.yaml")
	if err := os.WriteFile(conf, []byte("dynamics:\n  batch_documents: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, signalled := e.runUntilSignalled(t, `"msg":"document delivered"`,
		"run", "--config", conf, "--concurrency", "3", "--log-format", "json", "--summary-json", e.summaryPath())
	e.noSecrets(t, r.stdout+r.stderr)
	if !signalled || !strings.Contains(r.stdout, "stop requested") || r.code != exitSIGTERM {
		t.Fatalf("want a stopped run: %v", r)
	}
	untouched := 0
	for _, id := range ids {
		if e.deliveredAndReportedOrUntouched(t, id) {
			untouched++
		}
	}
	if untouched == 0 {
		t.Errorf("no document was left untouched: the stop did not stop intake")
	}
	sum := readSummary(t, e.summaryPath())
	if sum.Counts.Seen+untouched != len(ids) {
		t.Errorf("summary saw %d, %d untouched, of %d documents", sum.Counts.Seen, untouched, len(ids))
	}
}

// deliveredAndReportedOrUntouched checks that id has exactly one recorded
// outcome consistent with Dataverse, or none and no rows; it returns true
// for untouched documents.
func (e *e2e) deliveredAndReportedOrUntouched(t *testing.T, id string) bool {
	t.Helper()
	doc, _ := e.sb.numora.Document(id)
	set := map[string]string{"invoice_v2": "new_vendorinvoices", "receipt_v1": "new_receipts", "contract_v1": "new_contracts"}[doc.Schema]
	rows := 0
	for _, row := range e.sb.dv.Rows(set) {
		if row["new_numoradocumentid"] == id {
			rows++
		}
	}
	got := e.accepted(id)
	switch {
	case len(got) == 0 && rows == 0:
		return true
	case len(got) == 0:
		t.Errorf("%s: written (%d rows) but not reported", id, rows)
	case len(got) > 1:
		t.Errorf("%s: %d callbacks, want 1", id, len(got))
	case got[0].Status == numora.DeliverySucceeded && set != "new_contracts" && rows != 1:
		t.Errorf("%s: reported succeeded with %d rows", id, rows)
	case got[0].Status != numora.DeliverySucceeded && rows != 0:
		t.Errorf("%s: reported %s but %d rows exist", id, got[0].Status, rows)
	}
	return false
}

func TestE2EDispatchMode(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("delivered"))
	e.sb.numora.SetDispatch(numora.StatusPushSucceeded, 0)
	conf := filepath.Join(e.dir, "dispatch.yaml")
	if err := os.WriteFile(conf, []byte("run:\n  dispatch_poll: 10ms\n  dispatch_timeout: 20s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(t, nil, "dispatch", "--config", conf)
	if r.code != exitOK || !strings.Contains(r.stdout, "(dispatch)") || !strings.Contains(r.stdout, "delivered 22") {
		t.Errorf("dispatch: %v", r)
	}
	for table, n := range e.rowCounts() {
		if n != 0 {
			t.Errorf("dispatch mode wrote %d rows into %s itself", n, table)
		}
	}
}

func TestE2ELoopModeStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("delivered"))
	r, _ := e.runUntilSignalled(t, `"msg":"run finished"`, "run", "--interval", "1h", "--log-format", "json")
	if r.code != exitSIGTERM || strings.Count(r.stdout, "Run run-") != 1 {
		t.Errorf("exit %d, want 143 after one pass:\n%s", r.code, r.stdout)
	}
}

// runUntilSignalled runs the binary with args, sends it SIGTERM once the
// first log line containing trigger appears on stderr, and waits for it.
// signalled reports whether the trigger was seen.
func (e *e2e) runUntilSignalled(t *testing.T, trigger string, args ...string) (r result, signalled bool) {
	t.Helper()
	r = e.runWatching(t, e.env, func(line string) bool {
		signalled = signalled || strings.Contains(line, trigger)
		return signalled
	}, args...)
	return r, signalled
}

// runWatching runs the binary with env and args, passing each stderr line
// to watch, and sends SIGTERM the first time watch returns true. It waits
// for the process, killing it after two minutes.
func (e *e2e) runWatching(t *testing.T, env []string, watch func(line string) (stop bool), args ...string) result {
	t.Helper()
	return e.runSignalled(t, env, syscall.SIGTERM, watch, args...)
}

// runSignalled is runWatching sending sig.
func (e *e2e) runSignalled(t *testing.T, env []string, sig syscall.Signal, watch func(line string) (stop bool), args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir, cmd.Env = e.dir, env
	var stdout, stderr strings.Builder
	cmd.Stdout = &stdout
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(logs)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	stopped := false
	for sc.Scan() {
		stderr.WriteString(sc.Text() + "\n")
		if !stopped && watch(sc.Text()) {
			stopped = true
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = cmd.Wait()
	if ctx.Err() != nil {
		t.Errorf("the run was killed after two minutes")
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}
