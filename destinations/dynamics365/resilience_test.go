package dynamics365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
	"github.com/numora/numora-connector/secret"
)

// lineOnlyPlan is one GUID-keyed record without binds.
func lineOnlyPlan() *mapping.Plan {
	return &mapping.Plan{DocumentID: "doc_2", Records: []mapping.Record{{Name: "line", Entity: "new_vendorinvoicelines",
		Mode: mapping.ModeUpsert, Key: identity("doc_1", "li_1"), Columns: []mapping.Column{str("new_name", "x")}}}}
}

// blockingClock is a fake clock whose Sleep reports each wait on sleeping
// and returns only when release is closed.
type blockingClock struct {
	*retry.FakeClock
	sleeping chan time.Duration
	release  chan struct{}
}

func (c *blockingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.sleeping <- d
	<-c.release
	return c.FakeClock.Sleep(ctx, d)
}

// webRequests counts the emulator's Web API requests ($batch = 1) whose
// path starts with prefix.
func webRequests(s *dataversetest.Server, prefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if !r.InBatch && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

func TestRetryAfterPausesTheWholeDestination(t *testing.T) {
	var clock *blockingClock
	d, s, _ := emuWith(t, nil, nil, func(c *Config) {
		clock = &blockingClock{FakeClock: c.Clock.(*retry.FakeClock), sleeping: make(chan time.Duration), release: make(chan struct{})}
		c.Clock = clock
	})
	if _, err := d.entity(context.Background(), "new_vendorinvoicelines"); err != nil {
		t.Fatal(err)
	}
	s.AddFault(dataversetest.Fault{Path: "$batch", Status: http.StatusTooManyRequests, Code: dataversetest.CodeRequests, RetryAfter: 7 * time.Second, Count: 1})
	errs := make(chan error, 2)
	go func() { _, err := d.Deliver(context.Background(), lineOnlyPlan()); errs <- err }()
	if got := <-clock.sleeping; got != 7*time.Second {
		t.Fatalf("first delivery waits %v, want the 7s Retry-After", got)
	}
	before := len(s.Requests())
	go func() { errs <- d.Check(context.Background()) }()
	if got := <-clock.sleeping; got != 7*time.Second {
		t.Fatalf("an unrelated request waits %v, want 7s: the whole destination pauses", got)
	}
	if after := len(s.Requests()); after != before {
		t.Errorf("%d requests sent during the pause, want 0", after-before)
	}
	close(clock.release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("after the pause: %v", err)
		}
	}
	// A request-limit 429 adjusts the request budget, not concurrency; and
	// this one came with two requests in the window, far under half the
	// budget: others share the window, and the pause alone paces.
	if got := d.admit.concurrencyLimit(); got != 4 {
		t.Errorf("concurrency limit %d after a request-limit 429, want 4 (unchanged)", got)
	}
	if req, _ := d.admit.budgets(); req != 6000 {
		t.Errorf("request budget %d after a 429 far under half of it, want 6000 (unchanged)", req)
	}
	if n, w := d.Throttling(); n != 1 || w != 7*time.Second {
		t.Errorf("Throttling() = %d, %v; want one 7s pause however many requests waited", n, w)
	}
}

// failBatches makes the emulator answer the next $batch requests with
// statuses, in order, each with retryAfter when it is set.
func failBatches(s *dataversetest.Server, statuses []int, retryAfter time.Duration, code, message string) {
	for _, st := range statuses {
		s.AddFault(dataversetest.Fault{Path: "$batch", Status: st, RetryAfter: retryAfter, Code: code, Message: message, Count: 1})
	}
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []int // answers to successive $batch requests; then 200
		retryAfter time.Duration
		plan       *mapping.Plan
		wantSleeps []time.Duration
		wantCode   string // "" = success
		wantTries  int
	}{
		{"503 twice then ok", []int{503, 503}, 0, lineOnlyPlan(), []time.Duration{500 * time.Millisecond, time.Second}, "", 3},
		{"attempts exhausted", []int{502, 504, 503}, 0, lineOnlyPlan(), []time.Duration{500 * time.Millisecond, time.Second}, "crm_503", 3},
		{"retry-after beyond budget", []int{429}, 120 * time.Second, lineOnlyPlan(), nil, "crm_429", 1},
		{"400 not retried", []int{400}, 0, lineOnlyPlan(), nil, "crm_400_0x80044331", 1},
		{"keyless row resent after 503 (its GUID is chosen)", []int{503}, 0, postPlan(), []time.Duration{500 * time.Millisecond}, "", 2},
		{"post resent after 429", []int{429}, 2 * time.Second, postPlan(), []time.Duration{2 * time.Second}, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, s, clock := emuWith(t, nil, nil)
			failBatches(s, tt.statuses, tt.retryAfter, "0x80044331", "nope")
			_, err := d.Deliver(context.Background(), tt.plan)
			if codeOf(err) != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if got := clock.Sleeps(); !equalDurations(got, tt.wantSleeps) {
				t.Errorf("sleeps %v, want %v", got, tt.wantSleeps)
			}
			if got := webRequests(s, "$batch"); got != tt.wantTries {
				t.Errorf("%d tries, want %d", got, tt.wantTries)
			}
		})
	}
}

func postPlan() *mapping.Plan {
	p := lineOnlyPlan()
	p.Records[0].Key = mapping.Key{Kind: mapping.KeyNone}
	return p
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestUnauthorizedRefreshesTokenOnce(t *testing.T) {
	tests := []struct {
		name    string
		refused int // tokens the emulator never issued, then valid ones
		wantErr string
	}{
		{"refresh fixes it", 1, ""},
		{"still refused", 2, "crm_401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred := &emuCredential{refused: tt.refused}
			d, s, _ := emuWith(t, cred, nil)
			err := d.Check(context.Background())
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || codeOf(err) != tt.wantErr) {
				t.Fatalf("Check: %v, want %q", err, tt.wantErr)
			}
			claims := cred.calls()
			if len(claims) != 2 || claims[0] != "" || !strings.Contains(claims[1], `"nbf"`) {
				t.Errorf("token requests with claims %q, want 2, the second forcing a fresh token", claims)
			}
			if n := webRequests(s, "WhoAmI"); n != 2 {
				t.Errorf("%d WhoAmI requests, want 2 (one retry after refresh)", n)
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), "a token was issued but Dataverse refused it") {
				t.Errorf("message %q does not say Dataverse refused the token", err)
			}
		})
	}
}

func TestTokenReusedAcrossRequests(t *testing.T) {
	d, s, _ := emuWith(t, nil, nil)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := d.Check(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := s.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for 20 concurrent calls, want 1", n)
	}
}

func TestTokenServiceRefusalIsReportedAsSuch(t *testing.T) {
	d, s, _ := emuWith(t, nil, nil, func(c *Config) { c.ClientSecret = secret.New("wrong-secret") })
	err := d.Check(context.Background())
	var se *SignInError
	if !errors.As(err, &se) || se.Kind != SignInRefused || se.AADSTS != 7000215 || !strings.Contains(err.Error(), "AZURE_CLIENT_SECRET") {
		t.Fatalf("Check: %v, want a refused sign-in naming AADSTS7000215 and AZURE_CLIENT_SECRET", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests sent without a token", n)
	}
	if c := destinations.Classify(err); c != destinations.Permanent {
		t.Errorf("class %v, want permanent", c)
	}
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	d, s, clock := emuWith(t, nil, nil, func(c *Config) {
		c.Retry.MaxAttempts = 1
		c.Breaker = BreakerConfig{Failures: 3, OpenTimeout: 30 * time.Second}
	})
	s.SetDown(true)
	ctx := context.Background()
	for range 3 {
		if err := d.Check(ctx); codeOf(err) != "crm_503" {
			t.Fatalf("got %v, want crm_503", err)
		}
	}
	sent := len(s.Requests())
	err := d.Check(ctx)
	if !errors.Is(err, destinations.ErrCircuitOpen) || d.BreakerState() != "open" {
		t.Fatalf("after 3 failures: %v, state %s; want circuit open", err, d.BreakerState())
	}
	if _, err := d.Deliver(ctx, lineOnlyPlan()); !errors.Is(err, destinations.ErrCircuitOpen) || codeOf(err) != "crm_circuit_open" {
		t.Errorf("Deliver while open: %v", err)
	}
	if len(s.Requests()) != sent {
		t.Errorf("requests sent while open")
	}
	clock.Advance(31 * time.Second)
	if err := d.Check(ctx); codeOf(err) != "crm_503" {
		t.Fatalf("half-open probe: %v, want it sent and failing", err)
	}
	if d.BreakerState() != "open" {
		t.Errorf("failed probe: state %s, want open again", d.BreakerState())
	}
	clock.Advance(31 * time.Second)
	s.SetDown(false)
	if err := d.Check(ctx); err != nil {
		t.Fatalf("probe after recovery: %v", err)
	}
	if d.BreakerState() != "half-open" {
		t.Errorf("state %s after a good read, want half-open (only a write closes it)", d.BreakerState())
	}
	if _, err := d.Deliver(ctx, lineOnlyPlan()); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
	if d.BreakerState() != "closed" {
		t.Errorf("state %s after a good write, want closed", d.BreakerState())
	}
}

// Dataverse answering reads while every $batch fails is an outage: the
// lookups between the failed writes do not keep the breaker closed.
func TestBreakerOpensWhenOnlyWritesFail(t *testing.T) {
	d, s, _ := emuWith(t, nil, nil, func(c *Config) {
		c.Retry.MaxAttempts = 1
		c.Breaker = BreakerConfig{Failures: 3, OpenTimeout: 30 * time.Second}
	})
	s.AddFault(dataversetest.Fault{Path: "$batch", Status: http.StatusServiceUnavailable})
	for i := range 3 {
		plan := invoicePlan(mapping.ModeUpsert, fmt.Sprintf("INV-%d", i), mapping.OnMissingNull)
		plan.Records[0].Binds[0].Lookup.Match[0] = str("accountnumber", fmt.Sprintf("DE%d", i)) // a fresh lookup: a read
		if _, err := d.Deliver(context.Background(), plan); codeOf(err) != "crm_503" {
			t.Fatalf("delivery %d: %v, want crm_503", i, err)
		}
	}
	if reads := webRequests(s, "accounts"); reads != 3 {
		t.Fatalf("%d lookups, want 3 reads between the writes", reads)
	}
	if d.BreakerState() != "open" {
		t.Errorf("state %s after 3 failed writes between good reads, want open", d.BreakerState())
	}
}

func TestBreakerIgnoresValidationErrors(t *testing.T) {
	d, s, _ := emuWith(t, nil, nil, func(c *Config) { c.Breaker = BreakerConfig{Failures: 2} })
	s.AddFault(dataversetest.Fault{Status: http.StatusBadRequest, Code: "0x80048d19", Message: "bad payload"})
	for range 10 {
		if err := d.Check(context.Background()); errors.Is(err, destinations.ErrCircuitOpen) {
			t.Fatal("breaker opened on 400s")
		}
	}
	if d.BreakerState() != "closed" {
		t.Errorf("state %s, want closed", d.BreakerState())
	}
}

func TestDopHintCapsConcurrency(t *testing.T) {
	d, s, _ := emuWith(t, nil, nil)
	s.SetDOPHint(2)
	if err := d.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		d.Check(context.Background())
	}
	if got := d.Concurrency(); got != 2 {
		t.Errorf("concurrency %d, want 2 (x-ms-dop-hint)", got)
	}
}

// codeOf returns err's callback code, "" for nil.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return classify(err).Code
}
