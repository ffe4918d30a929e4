package notify

import (
	"context"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
)

// TestRefusedDocumentsEchoIsNotDelivered: after the drainer reports a
// document failed (refused), a push.failed event for it within the echo
// window is acknowledged and not queued, so a document only a reviewer can
// fix does not loop; document.reviewed still queues it, and past the window
// a push.failed does again.
func TestRefusedDocumentsEchoIsNotDelivered(t *testing.T) {
	clock := now
	q := openQueue(t, at(&clock), "doc_bad")
	ctx, cancel := context.WithCancel(context.Background())
	var d *Drainer
	var seen []string
	outcomes := map[string]connector.Entry{"doc_bad": {Outcome: connector.Failed, ErrorCode: "crm_400_0x80044331", Callback: "failed"}}
	d = NewDrainer(DrainConfig{Queue: q, Serve: fakeServe(&d, outcomes, 1, cancel, &seen), Now: at(&clock),
		EchoWindow: 10 * time.Minute})
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	srv, c := startServer(t, Config{Queue: q, IsEcho: d.IsEcho})
	hooks := srv.URL + "/numora/webhooks"
	steps := []struct {
		name       string
		advance    time.Duration
		body       string
		status     int
		want       string
		wantQueued int
	}{
		{"push.failed right after the failed report", time.Minute, event("evt_1", "push.failed", "doc_bad"), 200, "echo", 0},
		{"a push.failed for another document", 0, event("evt_2", "push.failed", "doc_other"), 202, "accepted", 1},
		{"a re-review", 0, event("evt_3", "document.reviewed", "doc_bad"), 202, "accepted", 2},
		{"push.failed past the window", 10 * time.Minute, event("evt_4", "push.failed", "doc_bad"), 202, "coalesced", 2},
	}
	for _, st := range steps {
		clock = clock.Add(st.advance)
		status, a := post(t, hooks, st.body, sign(st.body))
		if status != st.status || a.Status != st.want {
			t.Errorf("%s: got %d %q, want %d %q", st.name, status, a.Status, st.status, st.want)
		}
		if depth := q.Stats().Depth; depth != st.wantQueued {
			t.Errorf("%s: queue depth %d, want %d", st.name, depth, st.wantQueued)
		}
	}
	if c["webhooks/echo"] != 1 {
		t.Errorf("counts %v, want one echo", c)
	}
}
