package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
)

// TestE2ESandboxSalesforce runs "sandbox --destination salesforce" through
// the binary, polling and notified: every document behaves as seeded, the
// mirror deleted the removed line, and Salesforce's refusal is reported
// with its code.
func TestE2ESandboxSalesforce(t *testing.T) {
	t.Parallel()
	docs := salesforceDocs(time.Now())
	for _, mode := range []string{"poll", "notify"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := &e2e{dir: t.TempDir()}
			e.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.dir}
			r := e.run(t, nil, "sandbox", "--destination", "salesforce", "--mode", mode)
			if r.code != exitOK || !strings.Contains(r.stdout, "Every document behaved as seeded.") {
				t.Fatalf("sandbox: %v", r)
			}
			for _, d := range docs {
				line := regexp.MustCompile(`(?m)^  (\S+)\s+` + d.fixture.ID + `\s.*$`).FindStringSubmatch(r.stdout)
				if line == nil || line[1] != "ok" {
					t.Errorf("%s: not reported ok: %q", d.fixture.ID, line)
				}
			}
			for _, want := range []string{"failed crm_400_string_too_long (as seeded)", "skipped lookup_missing (as seeded)",
				"skipped skip_rule (as seeded)", "Salesforce Invoice__c (9 records, 22 Invoice_Line__c)"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("no %q in the report:\n%s", want, r.stdout)
				}
			}
		})
	}
}

// TestSalesforceSandboxDocs: the Salesforce sandbox seeds each case once
// (delivered invoices, a mirror, a refusal, skips) with distinct ids.
func TestSalesforceSandboxDocs(t *testing.T) {
	docs := salesforceDocs(time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC))
	ids := map[string]bool{}
	count := map[connector.Outcome]int{}
	earlier := 0
	for _, d := range docs {
		if ids[d.fixture.ID] {
			t.Errorf("%s seeded twice", d.fixture.ID)
		}
		ids[d.fixture.ID] = true
		count[d.want]++
		if d.earlier != nil {
			earlier++
		}
	}
	if count[connector.Delivered] != 9 || count[connector.Failed] != 2 || count[connector.Skipped] != 4 || earlier != 1 {
		t.Errorf("outcomes %v, %d with an earlier version", count, earlier)
	}
}
