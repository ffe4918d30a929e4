package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/numora"
)

// customTables are the tables the default mapping writes.
var customTables = []string{"new_vendorinvoices", "new_vendorinvoicelines", "new_receipts", "new_contracts"}

func (e *e2e) rowCounts() map[string]int {
	m := map[string]int{}
	for _, t := range customTables {
		m[t] = e.sb.dv.Count(t)
	}
	return m
}

// accepted returns the delivery callbacks Numora accepted for id.
func (e *e2e) accepted(id string) []numora.Delivery {
	var out []numora.Delivery
	for _, a := range e.sb.numora.Deliveries(id) {
		if a.StatusCode/100 == 2 && !a.Replay {
			out = append(out, a.Delivery)
		}
	}
	return out
}

func TestE2EHappyPathAndIdempotentRerun(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("delivered"))
	r := e.run(t, nil, "run", "--summary-json", e.summaryPath(), "--log-level", "debug")
	if r.code != exitOK {
		t.Fatalf("first run: %v", r)
	}
	first := e.rowCounts()
	if first["new_vendorinvoices"] != 13 || first["new_receipts"] != 5 || first["new_contracts"] != 4 {
		t.Errorf("rows after the first run: %v, want 13 invoices, 5 receipts, 4 contracts", first)
	}
	for _, d := range e.sb.docs {
		if got := e.accepted(d.fixture.ID); len(got) != 1 || got[0].Status != numora.DeliverySucceeded {
			t.Errorf("%s: callbacks %+v, want one succeeded", d.fixture.ID, got)
		}
	}
	// Nothing left in the outbox: a second run does nothing.
	if r := e.run(t, nil, "run"); r.code != exitOK || !strings.Contains(r.stdout, "seen 0") {
		t.Errorf("second run: %v", r)
	}
	// Numora offers every document again: re-delivery touches the same rows.
	for _, d := range e.sb.docs {
		if err := e.sb.numora.SetStatus(d.fixture.ID, numora.StatusReviewed); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.run(t, nil, "run"); r.code != exitOK {
		t.Fatalf("re-delivery run: %v", r)
	}
	if again := e.rowCounts(); !equalCounts(again, first) {
		t.Errorf("rows after re-delivery %v, want unchanged %v", again, first)
	}
	for _, d := range e.sb.docs {
		got := e.accepted(d.fixture.ID)
		if len(got) != 2 || got[0].ExecutionID == got[1].ExecutionID {
			t.Errorf("%s: callbacks %+v, want two with distinct execution ids", d.fixture.ID, got)
		}
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// summaryFile is the JSON summary as the binary writes it.
type summaryFile struct {
	RunID   string            `json:"run_id"`
	Entries []connector.Entry `json:"entries"`
	Counts  connector.Counts  `json:"counts"`
}

func readSummary(t *testing.T, path string) summaryFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s summaryFile
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary JSON: %v\n%s", err, b)
	}
	return s
}

func TestE2EEveryOutcomeClass(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	r := e.run(t, nil, "run", "--summary-json", e.summaryPath())
	if r.code != exitRefused {
		t.Fatalf("want exit 4 (two seeded refusals, reported failed): %v", r)
	}
	sum := readSummary(t, e.summaryPath())
	entries := map[string]connector.Entry{}
	for _, en := range sum.Entries {
		entries[en.DocumentID] = en
	}
	for _, d := range e.sb.docs {
		id := d.fixture.ID
		got := e.accepted(id)
		en := entries[id]
		if len(got) != 1 {
			t.Errorf("%s: %d callbacks, want 1", id, len(got))
			continue
		}
		cb := got[0]
		if outcomeOf(cb) != d.want || !strings.HasPrefix(cb.ErrorCode, d.code) {
			t.Errorf("%s: callback %s %q, want %s %q", id, cb.Status, cb.ErrorCode, d.want, d.code)
		}
		if en.Outcome != d.want || en.ErrorCode != cb.ErrorCode || en.ExecutionID != cb.ExecutionID ||
			en.ExternalRecordID != cb.ExternalRecordID {
			t.Errorf("%s: summary entry %+v does not match the callback %+v", id, en, cb)
		}
		if cb.Status == numora.DeliverySucceeded && cb.ExternalURL == "" {
			t.Errorf("%s: succeeded without external_url", id)
		}
		if (cb.Status == numora.DeliverySkipped || cb.Status == numora.DeliveryFailed) && cb.ErrorMessage == "" {
			t.Errorf("%s: %s without a reason", id, cb.Status)
		}
		e.checkRow(t, d, cb)
	}
	want := connector.Counts{Seen: 26, Delivered: 22, Skipped: 2, Failed: 2, Written: 22}
	if sum.Counts != want {
		t.Errorf("summary counts %+v, want %+v", sum.Counts, want)
	}
}

// checkRow checks that a delivered document's primary row exists under the
// reported id, and that other documents wrote nothing.
func (e *e2e) checkRow(t *testing.T, d seeded, cb numora.Delivery) {
	t.Helper()
	set := map[string]string{"invoice_v2": "new_vendorinvoices", "receipt_v1": "new_receipts", "contract_v1": "new_contracts"}[d.fixture.Schema]
	if cb.Status == numora.DeliverySucceeded {
		row, ok := e.sb.dv.Row(set, cb.ExternalRecordID)
		if !ok || row["new_numoradocumentid"] != d.fixture.ID {
			t.Errorf("%s: no %s row %s for the document (row %v)", d.fixture.ID, set, cb.ExternalRecordID, row)
		}
		return
	}
	for _, row := range e.sb.dv.Rows(set) {
		if row["new_numoradocumentid"] == d.fixture.ID {
			t.Errorf("%s: %s but a %s row exists", d.fixture.ID, cb.Status, set)
		}
	}
}

func TestE2EDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("delivered"))
	r := e.run(t, nil, "run", "--dry-run")
	if r.code != exitOK || !strings.Contains(r.stdout, "would write") || !strings.Contains(r.stdout, "$batch") {
		t.Errorf("dry run: %v", r)
	}
	for table, n := range e.rowCounts() {
		if n != 0 {
			t.Errorf("dry run wrote %d rows into %s", n, table)
		}
	}
	for _, d := range e.sb.docs {
		if n := len(e.sb.numora.Deliveries(d.fixture.ID)); n != 0 {
			t.Errorf("%s: %d callbacks in a dry run", d.fixture.ID, n)
		}
	}
}

// TestE2ESandbox: the binary's sandbox ends with every document as seeded;
// its report shows the re-reviewed invoice's mirror (one row removed, the
// document checked in the emulated Dataverse and marked ok) and the rows
// left. TestSandboxMirrorsTheReReview inspects those rows in the emulator.
func TestE2ESandbox(t *testing.T) {
	t.Parallel()
	e := newE2E(t, only("none"))
	r := e.run(t, nil, "sandbox")
	if r.code != exitOK || !strings.Contains(r.stdout, "Every document behaved as seeded.") {
		t.Errorf("sandbox: %v", r)
	}
	for _, want := range []string{"seen 26 · delivered 22 · skipped 2 · failed 2", "3 updated · 1 removed",
		"Dataverse new_vendorinvoices (13 rows, 32 new_vendorinvoicelines)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in the report:\n%s", want, r.stdout)
		}
	}
	if line := regexp.MustCompile(`(?m)^  (\S+)\s+` + mirrorID + `\s+(.*)$`).FindStringSubmatch(r.stdout); line == nil ||
		line[1] != "ok" || !strings.Contains(line[2], "the li_2 row is deleted and li_1's updated (mirror)") {
		t.Errorf("%s: not reported ok with its note: %q", mirrorID, line)
	}
}

// TestE2EDryRunPredictsTheRun: on the sandbox's documents a dry run comes
// to the same counts as the real run after it, and the same outcome and
// error code for each document (it runs the lookups, and checks values
// against the columns' metadata: the invoice number Dataverse refuses is
// predicted), says "would deliver / would skip / would fail", and never
// logs a delivery.
func TestE2EDryRunPredictsTheRun(t *testing.T) {
	t.Parallel()
	e := newE2E(t, nil)
	dryPath := filepath.Join(e.dir, "dry.json")
	dry := e.run(t, nil, "run", "--dry-run", "--log-format", "json", "--summary-json", dryPath)
	for _, w := range []string{"would be delivered", "would be skipped", "would fail"} {
		if !strings.Contains(dry.stderr, "dry run: document "+w) {
			t.Errorf("the dry run's log never says %q", w)
		}
	}
	if strings.Contains(dry.stderr, `"msg":"document delivered"`) || !strings.Contains(dry.stdout, "would deliver") {
		t.Errorf("a dry run logs what would happen, never a delivery:\n%s", dry.stderr)
	}
	real := e.run(t, nil, "run", "--summary-json", e.summaryPath())
	drySum, realSum := readSummary(t, dryPath), readSummary(t, e.summaryPath())
	got, want := drySum.Counts, realSum.Counts
	got.Written, want.Written = 0, 0
	if got != want || dry.code != real.code {
		t.Errorf("dry run counts %+v (exit %d), real run %+v (exit %d)\n--- dry\n%s\n--- real\n%s", got, dry.code,
			want, real.code, dry.stdout, real.stdout)
	}
	predicted := map[string]string{}
	for _, en := range drySum.Entries {
		predicted[en.DocumentID] = string(en.Outcome) + " " + en.ErrorCode
	}
	for _, en := range realSum.Entries {
		if p, w := predicted[en.DocumentID], string(en.Outcome)+" "+en.ErrorCode; p != w {
			t.Errorf("%s: the dry run predicted %q, the run did %q", en.DocumentID, p, w)
		}
	}
	if len(realSum.Entries) != len(drySum.Entries) || len(realSum.Entries) != len(e.sb.docs) {
		t.Errorf("%d entries in the dry run, %d in the run, %d documents", len(drySum.Entries), len(realSum.Entries), len(e.sb.docs))
	}
}
