package main

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/numora"
)

// report holds a fault case's figures for docs/reliability.md.
type report struct {
	faults, docs, passes, duplicates, lost int
}

// check runs every check of the fault matrix on a drained case and logs
// its figures (go test -v -run TestFault shows them).
func (f *faultEnv) check(t *testing.T) report {
	t.Helper()
	base := baselineOf(t, f.corpus)
	r := report{faults: f.faultCount(), docs: len(f.ids), passes: len(f.passes)}
	r.lost = f.checkOutcomes(t, base)
	r.duplicates = f.checkRows(t, base)
	f.checkExecutionIDs(t)
	f.checkSummaries(t)
	t.Logf("reliability %s: faults %d, documents %d, passes %d, duplicates %d, lost %d",
		t.Name(), r.faults, r.docs, r.passes, r.duplicates, r.lost)
	return r
}

// faultCount counts the faults the emulators injected: status, drop, slow
// and raw answers, natural 429s, and those the case counted itself.
func (f *faultEnv) faultCount() int {
	n := f.extraFaults
	for _, r := range f.sb.numora.Requests() {
		if r.Fault != "" && !strings.HasPrefix(r.Fault, "latency") {
			n++
		}
	}
	for _, r := range f.sb.dv.Requests() {
		if !r.InBatch && (r.Fault != "" || r.Status == 429) {
			n++
		}
	}
	return n
}

// checkOutcomes checks each document's end state against the fault-free
// baseline and Numora's state; it returns the number of documents lost
// (an outcome other than the baseline's).
func (f *faultEnv) checkOutcomes(t *testing.T, base *baseline) int {
	t.Helper()
	lost := 0
	outbox := f.sb.numora.OutboxIDs()
	for _, id := range f.ids {
		if got, want := f.outcome(id), base.outcomes[id]; got != want {
			lost++
			t.Errorf("%s: ended %q, want %q as without faults", id, got, want)
		}
		if msg := endState(f.accepted(id), slices.Contains(outbox, id)); msg != "" {
			t.Errorf("%s: %s", id, msg)
		}
	}
	return lost
}

// endState checks that a document ended succeeded (out of the outbox, with
// a record id), failed with a code and reason (still in the outbox),
// skipped with a reason (out of the outbox), or untouched in the outbox.
func endState(got []numora.Delivery, inOutbox bool) string {
	if len(got) == 0 {
		if !inOutbox {
			return "no callback, yet not in the outbox"
		}
		return ""
	}
	last := got[len(got)-1]
	switch {
	case last.Status == numora.DeliverySucceeded && (last.ExternalRecordID == "" || inOutbox):
		return fmt.Sprintf("succeeded with record %q, in outbox %v", last.ExternalRecordID, inOutbox)
	case last.Status == numora.DeliveryFailed && (last.ErrorCode == "" || last.ErrorMessage == "" || !inOutbox):
		return fmt.Sprintf("failed with code %q, reason %q, in outbox %v", last.ErrorCode, last.ErrorMessage, inOutbox)
	case last.Status == numora.DeliverySkipped && (last.ErrorMessage == "" || inOutbox):
		return fmt.Sprintf("skipped with reason %q, in outbox %v", last.ErrorMessage, inOutbox)
	}
	return ""
}

// businessKeys are the values no two rows of a table may share.
var businessKeys = map[string][][]string{
	"new_vendorinvoices":     {{"new_numoradocumentid"}, {"new_invoicenumber"}},
	"new_vendorinvoicelines": {{"new_invoiceid", "new_linenumber"}},
	"new_receipts":           {{"new_numoradocumentid"}},
	"new_contracts":          {{"new_contractnumber"}, {"new_numoradocumentid"}},
}

// checkRows compares the rows with the baseline's and looks for rows
// sharing a business key; it returns the number of duplicate or extra
// rows. Missing rows are errors too (the documents' outcomes count them).
func (f *faultEnv) checkRows(t *testing.T, base *baseline) int {
	t.Helper()
	dups := 0
	for _, table := range customTables {
		rows := f.sb.dv.Rows(table)
		for _, cols := range businessKeys[table] {
			seen := map[string]int{}
			for _, row := range rows {
				k := keyOf(row, cols)
				if seen[k]++; seen[k] == 2 {
					dups++
					t.Errorf("%s: two rows with %v = %s", table, cols, k)
				}
			}
		}
	}
	got := snapshotRows(f)
	for _, table := range customTables {
		extra, missing := diff(got[table], base.rows[table])
		for _, r := range extra {
			dups++
			t.Errorf("%s: row not written without faults (a duplicate or a changed row): %s", table, r)
		}
		for _, r := range missing {
			t.Errorf("%s: row missing (written without faults): %s", table, r)
		}
	}
	return dups
}

func keyOf(row map[string]any, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprint(row[c])
	}
	return strings.Join(parts, "|")
}

// snapshotRows renders every row of the custom tables canonically: sorted
// columns, the primary id left out for contracts (upserted by alternate
// key, so the emulator draws their GUIDs in arrival order).
func snapshotRows(f *faultEnv) map[string][]string {
	out := map[string][]string{}
	for _, table := range customTables {
		for _, row := range f.sb.dv.Rows(table) {
			keys := make([]string, 0, len(row))
			for k := range row {
				if !(table == "new_contracts" && k == "new_contractid") {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			var b strings.Builder
			for _, k := range keys {
				fmt.Fprintf(&b, "%s=%v ", k, row[k])
			}
			out[table] = append(out[table], strings.TrimSpace(b.String()))
		}
		sort.Strings(out[table])
	}
	return out
}

// diff returns the elements of the sorted multisets a and b found only in
// a (extra) and only in b (missing).
func diff(a, b []string) (extra, missing []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			extra = append(extra, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			missing = append(missing, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return extra, missing
}

// checkExecutionIDs checks every callback Numora received: the execution
// id is "<run id>-<document id>" for a run of this case, every attempt
// with one execution id carries the same bytes (retries replay the body),
// Numora accepted each execution id as new once, and never answered 409.
func (f *faultEnv) checkExecutionIDs(t *testing.T) {
	t.Helper()
	runs := map[string]bool{}
	for _, p := range f.passes {
		for _, id := range p.runIDs() {
			if runs[id] {
				t.Errorf("two passes share the run id %s", id)
			}
			runs[id] = true
		}
	}
	for _, id := range f.ids {
		bodies, fresh := map[string][]byte{}, map[string]bool{}
		for _, a := range f.sb.numora.Deliveries(id) {
			ex := a.Delivery.ExecutionID
			if run, ok := strings.CutSuffix(ex, "-"+id); !ok || !runs[run] {
				t.Errorf("%s: execution id %q is not <run id>-<document id> of a run of this case", id, ex)
			}
			if prev, ok := bodies[ex]; ok && !bytes.Equal(prev, a.Body) {
				t.Errorf("%s: execution id %s sent with two different bodies:\n%s\n%s", id, ex, prev, a.Body)
			}
			bodies[ex] = a.Body
			if a.StatusCode == 409 {
				t.Errorf("%s: Numora answered 409 to execution id %s", id, ex)
			}
			if a.StatusCode/100 == 2 && !a.Replay {
				if fresh[ex] {
					t.Errorf("%s: execution id %s accepted as new twice", id, ex)
				}
				fresh[ex] = true
			}
		}
	}
}

// checkSummaries checks each pass's JSON summary against Numora: the
// counts add up, every entry reporting a callback matches an accepted
// callback with its execution id, entries without one match none (unless
// answers were lost), and every accepted callback of the run has an entry.
func (f *faultEnv) checkSummaries(t *testing.T) {
	t.Helper()
	for i, p := range f.passes {
		if p.sum == nil {
			continue
		}
		s := p.sum
		checkCounts(t, i+1, s)
		listed := map[string]bool{}
		for _, e := range s.Entries {
			listed[e.DocumentID] = true
			f.checkEntry(t, i+1, s.RunID, e)
		}
		for _, id := range f.ids {
			for _, a := range f.sb.numora.Deliveries(id) {
				if a.StatusCode/100 == 2 && a.Delivery.ExecutionID == s.RunID+"-"+id && !listed[id] {
					t.Errorf("pass %d: %s was reported as %s but is not in the summary", i+1, id, a.Delivery.Status)
				}
			}
		}
	}
}

func checkCounts(t *testing.T, pass int, s *faultSummary) {
	t.Helper()
	var c connector.Counts
	for _, e := range s.Entries {
		c.Seen++
		switch e.Outcome {
		case connector.Delivered:
			c.Delivered++
		case connector.Skipped:
			c.Skipped++
		case connector.Failed:
			c.Failed++
		case connector.Ignored:
			c.Ignored++
		default:
			c.LeftForRetry++
		}
		if e.Written {
			c.Written++
		}
		if e.WrittenNotReported() {
			c.WrittenNotReported++
		}
	}
	if c != s.Counts {
		t.Errorf("pass %d: summary counts %+v, but its entries add up to %+v", pass, s.Counts, c)
	}
}

// checkEntry compares one summary entry with Numora's record of the run.
func (f *faultEnv) checkEntry(t *testing.T, pass int, runID string, e connector.Entry) {
	t.Helper()
	var accepted []numora.Delivery
	for _, a := range f.sb.numora.Deliveries(e.DocumentID) {
		if a.StatusCode/100 == 2 && a.Delivery.ExecutionID == runID+"-"+e.DocumentID {
			accepted = append(accepted, a.Delivery)
		}
	}
	switch {
	case e.Callback != "" && (len(accepted) == 0 || accepted[0].Status != e.Callback ||
		accepted[0].ExternalRecordID != e.ExternalRecordID || accepted[0].ErrorCode != e.ErrorCode):
		t.Errorf("pass %d: %s: summary says %s %q %q, Numora recorded %+v", pass, e.DocumentID, e.Callback,
			e.ExternalRecordID, e.ErrorCode, accepted)
	case e.Callback == "" && len(accepted) > 0 && !f.lostAnswers:
		t.Errorf("pass %d: %s: summary says nothing was reported (%s %s), Numora recorded %+v", pass,
			e.DocumentID, e.Outcome, e.ErrorCode, accepted)
	case e.Outcome == connector.Delivered && (e.Callback != numora.DeliverySucceeded || !e.Written):
		t.Errorf("pass %d: %s: delivered without a succeeded callback or a write: %+v", pass, e.DocumentID, e)
	case (e.Outcome == connector.Failed || e.Outcome == connector.Skipped) && e.ErrorMessage == "":
		t.Errorf("pass %d: %s: %s without a reason", pass, e.DocumentID, e.Outcome)
	}
}
