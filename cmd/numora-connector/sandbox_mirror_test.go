package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/internal/logctx"
)

// mirrorID is the Dataverse sandbox's re-reviewed invoice.
var mirrorID = docID("invoice", 16)

// TestSandboxMirrorsTheReReview: polled and notified, the Dataverse sandbox
// first delivers the earlier version of the re-reviewed invoice (three line
// rows), then the run leaves exactly the reviewed lines in the emulated
// Dataverse, as its inspection API shows: the removed line's row deleted
// and the corrected line's row updated in place, in the same change set;
// the third row kept; the report marks the document ok with its note.
func TestSandboxMirrorsTheReReview(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"poll", "notify"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			sb, err := startSandbox(logctx.Discard())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(sb.close)
			var out, errs strings.Builder
			a := &app{stdout: &out, stderr: &errs, getenv: func(string) string { return "" }}
			cfg := &config{Log: logConfig{Level: "warn"}}
			cfg.applyDefaults()
			if code := a.sandboxRun(t.Context(), cfg, logctx.Discard(), sb, false, mode == "notify"); code != exitOK {
				t.Errorf("sandbox: exit %d\n%s\n%s", code, out.String(), errs.String())
			}
			if !regexp.MustCompile(`(?m)^  ok\s+` + mirrorID + `\s+succeeded\s+re-reviewed: li_2 removed, li_1's quantity ` +
				`corrected 3 → 2; the li_2 row is deleted and li_1's updated \(mirror\)$`).MatchString(out.String()) {
				t.Errorf("the report does not mark %s ok with its note:\n%s", mirrorID, out.String())
			}
			earlier := earlierLineRows(t, sb)
			checkMirroredRows(t, sb, earlier)
			checkOneChangeSet(t, sb.dv, earlier["li_2"], earlier["li_1"])
		})
	}
}

// earlierLineRows are the line rows the sandbox's earlier delivery of the
// re-reviewed invoice wrote, by line item id.
func earlierLineRows(t *testing.T, sb *sandbox) map[string]string {
	t.Helper()
	rc := sb.earlier[mirrorID]
	if rc == nil {
		t.Fatalf("no earlier version of %s delivered", mirrorID)
	}
	rows := map[string]string{}
	for _, r := range rc.Records {
		if r.Entity == "new_vendorinvoicelines" {
			rows[r.ItemID] = strings.ToLower(r.ID)
		}
	}
	if len(rows) != 3 || rows["li_1"] == "" || rows["li_2"] == "" || rows["li_3"] == "" {
		t.Fatalf("the earlier delivery wrote line rows %v, want li_1, li_2 and li_3", rows)
	}
	return rows
}

// checkMirroredRows: the document's line rows are li_1's (quantity 2,
// amount 190: corrected) and li_3's, under the GUIDs written earlier; li_2's
// row is gone; the invoice's total is the reviewed one.
func checkMirroredRows(t *testing.T, sb *sandbox, earlier map[string]string) {
	t.Helper()
	want := map[string][2]float64{earlier["li_1"]: {2, 190}, earlier["li_3"]: {40, 10}}
	got := map[string][2]float64{}
	for _, r := range sb.dv.Rows("new_vendorinvoicelines") {
		if r["new_numoradocumentid"] == mirrorID {
			got[strings.ToLower(fmt.Sprint(r["new_vendorinvoicelineid"]))] = [2]float64{number(t, r["new_quantity"]),
				number(t, r["new_amount"])}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("line rows (GUID → quantity, amount) %v, want %v", got, want)
	}
	if row, ok := sb.dv.Row("new_vendorinvoicelines", earlier["li_2"]); ok {
		t.Errorf("the removed line's row is still there: %v", row)
	}
	n := 0
	for _, r := range sb.dv.Rows("new_vendorinvoices") {
		if r["new_numoradocumentid"] == mirrorID {
			n++
			if total := number(t, r["new_totalamount"]); total != 200 {
				t.Errorf("invoice total %v, want the reviewed 200", total)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d invoice rows for %s, want 1", n, mirrorID)
	}
}

// checkOneChangeSet: the run deleted row gone and updated row kept in the
// same change set of one $batch (the update is the row's last write).
func checkOneChangeSet(t *testing.T, dv *dataversetest.Server, gone, kept string) {
	t.Helper()
	var del, upd *dataversetest.Request
	for _, r := range dv.Requests() {
		switch {
		case r.Method == "DELETE" && strings.Contains(strings.ToLower(r.URL), "new_vendorinvoicelines("+gone+")"):
			if del != nil {
				t.Errorf("the removed line's row deleted twice")
			}
			del = &r
		case r.Method == "PATCH" && strings.Contains(strings.ToLower(r.URL), "new_vendorinvoicelines("+kept+")"):
			upd = &r
		}
	}
	switch {
	case del == nil || upd == nil:
		t.Errorf("the request log lacks the DELETE (%v) or the PATCH (%v) of the lines' rows", del != nil, upd != nil)
	case !del.InBatch || del.Batch != upd.Batch || del.ChangeSet == 0 || del.ChangeSet != upd.ChangeSet:
		t.Errorf("DELETE in batch %d change set %d, PATCH in batch %d change set %d: want one change set",
			del.Batch, del.ChangeSet, upd.Batch, upd.ChangeSet)
	}
}

// number parses a stored numeric column value.
func number(t *testing.T, v any) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
	if err != nil {
		t.Errorf("column value %v: %v", v, err)
	}
	return f
}

// TestSandboxDocs: the Dataverse sandbox seeds each case with distinct ids,
// 22 to be delivered, among them one re-reviewed invoice whose earlier
// version has one line more and another value on a line it keeps.
func TestSandboxDocs(t *testing.T) {
	docs := sandboxDocs(time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC))
	ids := map[string]bool{}
	count := map[connector.Outcome]int{}
	var re []seeded
	for _, d := range docs {
		if ids[d.fixture.ID] {
			t.Errorf("%s seeded twice", d.fixture.ID)
		}
		ids[d.fixture.ID] = true
		count[d.want]++
		if d.earlier != nil {
			re = append(re, d)
		}
	}
	if len(docs) != 26 || count[connector.Delivered] != 22 || count[connector.Failed] != 2 || count[connector.Skipped] != 2 {
		t.Errorf("%d documents, outcomes %v", len(docs), count)
	}
	if len(re) != 1 || re[0].fixture.ID != mirrorID || re[0].check == nil {
		t.Fatalf("%d documents with an earlier version, want %s with a check", len(re), mirrorID)
	}
	now, before := re[0].fixture.LineItems, re[0].earlier.LineItems
	if len(now) != 2 || len(before) != 3 || now[0].ID != "li_1" || now[1].ID != "li_3" || before[1].ID != "li_2" {
		t.Fatalf("lines %+v now, %+v before", now, before)
	}
	if string(now[0].Fields["quantity"].Value) == string(before[0].Fields["quantity"].Value) {
		t.Errorf("li_1's quantity %s in both versions", now[0].Fields["quantity"].Value)
	}
	if re[0].fixture.Result.ReviewState.Version <= re[0].earlier.ReviewState.Version {
		t.Errorf("review_state versions: %d now, %d before", re[0].fixture.Result.ReviewState.Version, re[0].earlier.ReviewState.Version)
	}
}
