package dynamics365

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
)

// lineOnlyPlan is one GUID-keyed record without binds.
func lineOnlyPlan() *mapping.Plan {
	return &mapping.Plan{DocumentID: "doc_2", Records: []mapping.Record{{Name: "line", Entity: "new_vendorinvoicelines",
		Mode: mapping.ModeUpsert, Key: mapping.Key{Kind: mapping.KeyID, ID: line1ID}, Columns: []mapping.Column{str("new_name", "x")}}}}
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

func TestRetryAfterPausesTheWholeDestination(t *testing.T) {
	f := newFakeDataverse(t)
	var batches atomic.Int32
	f.before = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/data/v9.2/$batch" && batches.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, 429, `{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}`)
			return true
		}
		return false
	}
	clock := &blockingClock{FakeClock: retry.NewFakeClock(testStart), sleeping: make(chan time.Duration), release: make(chan struct{})}
	d, _, _ := setup(t, f, func(c *Config) { c.Clock = clock })
	if _, err := d.entity(context.Background(), "new_vendorinvoicelines"); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	go func() { _, err := d.Deliver(context.Background(), lineOnlyPlan()); errs <- err }()
	if got := <-clock.sleeping; got != 7*time.Second {
		t.Fatalf("first delivery waits %v, want the 7s Retry-After", got)
	}
	before := len(f.log())
	go func() { errs <- d.Check(context.Background()) }()
	if got := <-clock.sleeping; got != 7*time.Second {
		t.Fatalf("an unrelated request waits %v, want 7s: the whole destination pauses", got)
	}
	if after := len(f.log()); after != before {
		t.Errorf("%d requests sent during the pause, want 0", after-before)
	}
	close(clock.release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("after the pause: %v", err)
		}
	}
	if d.limiter.current() >= 4 {
		t.Errorf("concurrency limit %d after a 429, want it lowered below 4", d.limiter.current())
	}
	if n, w := d.Throttling(); n != 1 || w != 7*time.Second {
		t.Errorf("Throttling() = %d, %v; want one 7s pause however many requests waited", n, w)
	}
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []int // answers to successive $batch requests; then 200
		retryAfter string
		plan       *mapping.Plan
		wantSleeps []time.Duration
		wantCode   string // "" = success
		wantTries  int
	}{
		{"503 twice then ok", []int{503, 503}, "", lineOnlyPlan(), []time.Duration{500 * time.Millisecond, time.Second}, "", 3},
		{"attempts exhausted", []int{502, 504, 503}, "", lineOnlyPlan(), []time.Duration{500 * time.Millisecond, time.Second}, "crm_503", 3},
		{"retry-after beyond budget", []int{429}, "120", lineOnlyPlan(), nil, "crm_429", 1},
		{"400 not retried", []int{400}, "", lineOnlyPlan(), nil, "crm_400_0x80044331", 1},
		{"keyless row resent after 503 (its GUID is chosen)", []int{503}, "", postPlan(), []time.Duration{500 * time.Millisecond}, "", 2},
		{"post resent after 429", []int{429}, "2", postPlan(), []time.Duration{2 * time.Second}, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDataverse(t)
			var n atomic.Int32
			f.before = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != "/api/data/v9.2/$batch" {
					return false
				}
				i := int(n.Add(1)) - 1
				if i >= len(tt.statuses) {
					return false
				}
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				writeJSON(w, tt.statuses[i], `{"error":{"code":"0x80044331","message":"nope"}}`)
				return true
			}
			d, clock, _ := setup(t, f)
			_, err := d.Deliver(context.Background(), tt.plan)
			if codeOf(err) != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if got := clock.Sleeps(); !equalDurations(got, tt.wantSleeps) {
				t.Errorf("sleeps %v, want %v", got, tt.wantSleeps)
			}
			if got := int(n.Load()); got != tt.wantTries {
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
		name       string
		goodToken  string // "" = every token refused
		wantErr    string
		wantTokens int
	}{
		{"refresh fixes it", "tok2", "", 2},
		{"still refused", "", "crm_401_0x8005f101", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDataverse(t)
			var calls atomic.Int32
			f.before = func(w http.ResponseWriter, r *http.Request) bool {
				calls.Add(1)
				if r.Header.Get("Authorization") != "Bearer "+tt.goodToken {
					writeJSON(w, 401, `{"error":{"code":"0x8005F101","message":"The access token has expired."}}`)
					return true
				}
				return false
			}
			d, _, cred := setup(t, f)
			err := d.Check(context.Background())
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || codeOf(err) != tt.wantErr) {
				t.Fatalf("Check: %v, want %q", err, tt.wantErr)
			}
			claims := cred.calls()
			if len(claims) != tt.wantTokens || claims[0] != "" || !strings.Contains(claims[1], `"nbf"`) {
				t.Errorf("token requests with claims %q, want %d, the second forcing a fresh token", claims, tt.wantTokens)
			}
			if calls.Load() != 2 {
				t.Errorf("%d WhoAmI requests, want 2 (one retry after refresh)", calls.Load())
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), "a token was issued but Dataverse refused it") {
				t.Errorf("message %q does not say Dataverse refused the token", err)
			}
		})
	}
}

func TestTokenReusedAcrossRequests(t *testing.T) {
	f := newFakeDataverse(t)
	d, _, cred := setup(t, f)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.Check(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(cred.calls()); n != 1 {
		t.Errorf("%d token requests for 20 concurrent calls, want 1", n)
	}
}

func TestTokenServiceRefusalIsReportedAsSuch(t *testing.T) {
	f := newFakeDataverse(t)
	d, _, cred := setup(t, f)
	cred.err = errors.New("AADSTS7000215: Invalid client secret provided")
	err := d.Check(context.Background())
	var se *SignInError
	if !errors.As(err, &se) || se.Kind != SignInRefused || se.AADSTS != 7000215 || !strings.Contains(err.Error(), "AZURE_CLIENT_SECRET") {
		t.Fatalf("Check: %v, want a refused sign-in naming AADSTS7000215 and AZURE_CLIENT_SECRET", err)
	}
	if len(f.log()) != 0 {
		t.Errorf("requests sent without a token: %v", f.log())
	}
	if c := destinations.Classify(err); c != destinations.Permanent {
		t.Errorf("class %v, want permanent", c)
	}
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	f := newFakeDataverse(t)
	var status atomic.Int32
	status.Store(503)
	f.before = func(w http.ResponseWriter, r *http.Request) bool {
		if s := int(status.Load()); s != 200 {
			writeJSON(w, s, `{"error":{"code":"","message":"down"}}`)
			return true
		}
		return false
	}
	d, clock, _ := setup(t, f, func(c *Config) {
		c.Retry.MaxAttempts = 1
		c.Breaker = BreakerConfig{Failures: 3, OpenTimeout: 30 * time.Second}
	})
	ctx := context.Background()
	for range 3 {
		if err := d.Check(ctx); codeOf(err) != "crm_503" {
			t.Fatalf("got %v, want crm_503", err)
		}
	}
	sent := len(f.log())
	err := d.Check(ctx)
	if !errors.Is(err, destinations.ErrCircuitOpen) || d.BreakerState() != "open" {
		t.Fatalf("after 3 failures: %v, state %s; want circuit open", err, d.BreakerState())
	}
	if _, err := d.Deliver(ctx, lineOnlyPlan()); !errors.Is(err, destinations.ErrCircuitOpen) || codeOf(err) != "crm_circuit_open" {
		t.Errorf("Deliver while open: %v", err)
	}
	if len(f.log()) != sent {
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
	status.Store(200)
	if err := d.Check(ctx); err != nil {
		t.Fatalf("probe after recovery: %v", err)
	}
	if d.BreakerState() != "closed" {
		t.Errorf("state %s after a good probe, want closed", d.BreakerState())
	}
}

func TestBreakerIgnoresValidationErrors(t *testing.T) {
	f := newFakeDataverse(t)
	f.before = func(w http.ResponseWriter, r *http.Request) bool {
		writeJSON(w, 400, `{"error":{"code":"0x80048d19","message":"bad payload"}}`)
		return true
	}
	d, _, _ := setup(t, f, func(c *Config) { c.Breaker = BreakerConfig{Failures: 2} })
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
	f := newFakeDataverse(t)
	f.before = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("x-ms-dop-hint", "2")
		return false
	}
	d, _, _ := setup(t, f)
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
