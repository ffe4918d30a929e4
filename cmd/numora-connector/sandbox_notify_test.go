package main

import (
	"os"
	"strings"
	"testing"
)

// TestE2ESandboxNotify: "sandbox --mode notify" (serve, the Numora
// emulator sending signed executor notifies and document.reviewed events)
// ends with every document as seeded, and from the documents' table on
// shows the report the polling sandbox shows: the same outcomes, the same
// Dataverse rows.
func TestE2ESandboxNotify(t *testing.T) {
	t.Parallel()
	e := &e2e{dir: t.TempDir()}
	e.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.dir}
	notify := e.run(t, nil, "sandbox", "--mode", "notify")
	if notify.code != exitOK || !strings.Contains(notify.stdout, "Every document behaved as seeded.") {
		t.Fatalf("sandbox --mode notify: %v", notify)
	}
	for _, want := range []string{"13 executor notifies, 13 document.reviewed",
		"seen 26 · succeeded 22 · skipped 2 · failed 2 · no outcome 0"} {
		if !strings.Contains(notify.stdout, want) {
			t.Errorf("no %q in the report:\n%s", want, notify.stdout)
		}
	}
	poll := e.run(t, nil, "sandbox")
	if poll.code != exitOK {
		t.Fatalf("sandbox: %v", poll)
	}
	if got, want := fromDocuments(notify.stdout), fromDocuments(poll.stdout); got == "" || got != want {
		t.Errorf("notify mode's report differs from polling's:\n--- notify\n%s\n--- poll\n%s", got, want)
	}
}

// fromDocuments is the report from its documents' table on.
func fromDocuments(report string) string {
	if i := strings.Index(report, "Documents (as Numora recorded them"); i >= 0 {
		return report[i:]
	}
	return ""
}
