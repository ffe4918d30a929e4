package main

import (
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/internal/sandboxenv"
	"github.com/numora/numora-connector/numora"
)

// The Salesforce fault cases run the binary with destination: salesforce
// against the Numora and Salesforce emulators, faults injected, and check
// from first principles: every document ended succeeded (exactly one
// Invoice__c with exactly its lines), failed with a code and reason,
// skipped with a reason, or is still in the outbox (a failed, skipped or
// untouched document left nothing in the org: the composite request is
// all-or-none); and once drained, each document's outcome is the one it
// has without faults.

// sfCorpus is the Salesforce cases' documents: the Salesforce sandbox's
// seeded not to be delivered (a line key Salesforce refuses, a duplicate,
// an unknown vendor, an invoice number the rules refuse, receipts the
// rules do not map) plus sfGenerated generated with seed sfSeed.
const (
	sfGenerated = 30
	sfSeed      = 1717
)

// sfFastConfig makes retries quick; the budgets are the defaults. extra
// are more settings under "salesforce:".
func sfFastConfig(extra ...string) string {
	s := "numora:\n  retry: {base_delay: 20ms, max_delay: 200ms}\n" +
		"salesforce:\n  retry: {base_delay: 20ms, max_delay: 200ms}\n"
	for _, e := range extra {
		s += "  " + e + "\n"
	}
	return s + "run:\n  stop_grace: 10s\n"
}

// newSFFaultEnv starts the Numora and Salesforce emulators seeded with the
// corpus; conf is the connector.yaml ("" = sfFastConfig()).
func newSFFaultEnv(t *testing.T, conf string) *faultEnv {
	t.Helper()
	sb, err := startSandboxFor(logctx.Discard(), destSalesforce)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.close)
	var kept []seeded
	for _, d := range sb.docs {
		if d.want != connector.Delivered {
			kept = append(kept, d)
		} else if err := sb.numora.SetStatus(d.fixture.ID, numora.StatusPushSucceeded); err != nil {
			t.Fatal(err)
		}
	}
	sb.docs = kept
	sb.numora.Generate(sfGenerated, sfSeed)
	e := &e2e{sb: sb, dir: t.TempDir(), secrets: []string{sb.numora.APIKey, sb.sf.ClientSecret}}
	cert := filepath.Join(e.dir, "salesforce.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sb.sf.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	e.env = append(sandboxenv.SalesforceEnv(sb.numora.URL, sb.numora.APIKey, sb.sf, cert),
		"PATH="+os.Getenv("PATH"), "HOME="+e.dir,
		"CONNECTOR_MAPPINGS="+absPath(t, filepath.Join("..", "..", "mappings-salesforce.yaml")))
	if conf == "" {
		conf = sfFastConfig()
	}
	f := &faultEnv{e2e: e, ids: sb.numora.OutboxIDs(), conf: filepath.Join(e.dir, "faults.yaml")}
	if err := os.WriteFile(f.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

var (
	sfBaselineOnce sync.Once
	sfBaseline     map[string]string
)

// sfBaselineOutcomes delivers the corpus once per test binary without
// faults and returns each document's outcome.
func sfBaselineOutcomes(t *testing.T) map[string]string {
	t.Helper()
	sfBaselineOnce.Do(func() {
		f := newSFFaultEnv(t, "")
		f.drain(t, 1)
		out := map[string]string{}
		for _, id := range f.ids {
			out[id] = f.outcome(id)
		}
		sfBaseline = out
	})
	if sfBaseline == nil {
		t.Fatal("the fault-free Salesforce run failed")
	}
	return sfBaseline
}

// sfEnds counts the documents by end state.
type sfEnds struct{ succeeded, failed, skipped, untouched int }

// checkSalesforce checks every document's end state against Numora's
// outbox and the org, and that no line was written twice; it returns the
// counts.
func (f *faultEnv) checkSalesforce(t *testing.T) sfEnds {
	t.Helper()
	var n sfEnds
	outbox := f.sb.numora.OutboxIDs()
	for _, id := range f.ids {
		got, in := f.accepted(id), slices.Contains(outbox, id)
		if msg := endState(got, in); msg != "" {
			t.Errorf("%s: %s", id, msg)
		}
		succeeded := false
		switch {
		case len(got) == 0:
			n.untouched++
		case got[len(got)-1].Status == numora.DeliverySucceeded:
			n.succeeded, succeeded = n.succeeded+1, true
		case got[len(got)-1].Status == numora.DeliverySkipped:
			n.skipped++
		default:
			n.failed++
		}
		if msg := f.orgState(id, succeeded); msg != "" {
			t.Errorf("%s (%s): %s", id, f.outcome(id), msg)
		}
	}
	keys := map[string]bool{}
	for _, r := range f.sb.sf.Records("Invoice_Line__c") {
		k := fmt.Sprint(r["Line_Key__c"])
		if keys[k] {
			t.Errorf("two Invoice_Line__c records with Line_Key__c %s", k)
		}
		keys[k] = true
	}
	return n
}

// orgState checks what the org holds for document id: one Invoice__c with
// the document's lines when it succeeded as an invoice, nothing otherwise.
func (f *faultEnv) orgState(id string, succeeded bool) string {
	invoices := 0
	for _, r := range f.sb.sf.Records("Invoice__c") {
		if r["Numora_Document_Id__c"] == id {
			invoices++
		}
	}
	lines := len(f.sb.linesOf(id))
	res, ok := f.sb.numora.Result(id)
	if !ok {
		return "no result in Numora"
	}
	if !succeeded || res.Schema != "invoice_v2" {
		if invoices+lines > 0 {
			return fmt.Sprintf("%d Invoice__c and %d lines in the org, want none", invoices, lines)
		}
		return ""
	}
	if invoices != 1 || lines != len(res.LineItems) {
		return fmt.Sprintf("%d Invoice__c and %d lines in the org, want 1 and %d", invoices, lines, len(res.LineItems))
	}
	return ""
}

// checkAgainstBaseline compares each document's outcome with the
// fault-free run's: nothing was lost to the faults.
func (f *faultEnv) checkAgainstBaseline(t *testing.T) {
	t.Helper()
	base := sfBaselineOutcomes(t)
	for _, id := range f.ids {
		if got, want := f.outcome(id), base[id]; got != want {
			t.Errorf("%s: ended %q, want %q as without faults", id, got, want)
		}
	}
}

// lastPass is the case's last pass.
func (f *faultEnv) lastPass() passRun { return f.passes[len(f.passes)-1] }

// logEnds logs a case's figures.
func logEnds(t *testing.T, f *faultEnv, n sfEnds) {
	t.Helper()
	t.Logf("salesforce %s: documents %d, passes %d: succeeded %d, failed %d, skipped %d, untouched %d; "+
		"%d API requests, %d tokens", t.Name(), len(f.ids), len(f.passes), n.succeeded, n.failed, n.skipped, n.untouched,
		len(f.sb.sf.Requests()), f.sb.sf.TokensIssued())
}

// hasLine reports whether s has a line containing every part.
func hasLine(s string, parts ...string) bool {
	for line := range strings.SplitSeq(s, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}
