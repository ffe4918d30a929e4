package dynamics365

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/retry"
)

// A 429 whose Retry-After is longer than what is left of the request's
// retry budget still pauses every sender: the request gives up, but the
// destination sends nothing until the Retry-After has passed (Dataverse
// extends the penalty for clients that keep sending; dataverse.md §13). The
// emulator extends the penalty as Dataverse does, so a request sent during
// it would be refused and counted.
func TestRetryAfterBeyondBudgetStillPausesEveryone(t *testing.T) {
	d, s, clock := emu(t, []dataversetest.Option{dataversetest.WithPenaltyExtension()}, func(c *Config) {
		c.Retry = retry.Policy{MaxAttempts: 4, BaseDelay: time.Second, MaxDelay: 8 * time.Second, MaxTotalWait: time.Minute}
	})
	seedVendor(s)
	ctx := context.Background()
	if err := d.Check(ctx); err != nil {
		t.Fatal(err)
	}
	s.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Path: "$batch", Status: http.StatusTooManyRequests,
		Code: dataversetest.CodeRequests, RetryAfter: 120 * time.Second, Count: 1})
	_, err := d.Deliver(ctx, lineOnlyPlan())
	if ce := classify(err); ce == nil || ce.Code != "crm_429" || ce.Class != destinations.Transient {
		t.Fatalf("Deliver: %v, want a transient crm_429 (Retry-After beyond the budget)", err)
	}
	if got := d.admit.paused(); got != 120*time.Second {
		t.Fatalf("gate closed for %v after giving up, want the full 120s Retry-After", got)
	}
	before := len(s.Requests())
	sleeps := len(clock.Sleeps())
	if err := d.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if got := clock.Sleeps()[sleeps:]; len(got) == 0 || got[0] != 120*time.Second {
		t.Errorf("the next request slept %v, want 120s before sending", got)
	}
	if n := len(s.Requests()) - before; n != 1 {
		t.Errorf("%d requests after the pause, want 1 (WhoAmI)", n)
	}
	if n := s.PenaltyExtensions(); n != 0 {
		t.Errorf("%d requests sent during the 429's Retry-After (Dataverse extends the penalty), want 0", n)
	}
	if n, w := d.Throttling(); n != 1 || w != 120*time.Second {
		t.Errorf("Throttling() = %d, %v; want one 120s pause", n, w)
	}
}

// The client's request timeout stays above Dataverse's two-minute limit on
// one operation (dataverse.md §13, "The two-minute limit"): with equal
// timeouts a slow success could not be told from a failure.
func TestDefaultRequestTimeoutAboveTheServersLimit(t *testing.T) {
	const serverLimit = 2 * time.Minute
	d, _, _ := emu(t, nil, func(c *Config) { c.RequestTimeout = 0 })
	if got := d.cfg.RequestTimeout; got <= serverLimit {
		t.Errorf("default RequestTimeout %v, want above the server's %v", got, serverLimit)
	}
}
