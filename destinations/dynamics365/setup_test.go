package dynamics365

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/retry"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// fakeCredential issues tokens "tok1", "tok2", … and records the claims
// each request carried.
type fakeCredential struct {
	mu     sync.Mutex
	claims []string
	err    error
}

func (c *fakeCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return azcore.AccessToken{}, c.err
	}
	c.claims = append(c.claims, o.Claims)
	return azcore.AccessToken{Token: fmt.Sprintf("tok%d", len(c.claims)), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func (c *fakeCredential) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.claims...)
}

// newTestDestination applies mods to cfg and builds a destination with a
// fixed jitter (0.5), closed when the test ends.
func newTestDestination(t testing.TB, cfg Config, mods []func(*Config)) *Destination {
	t.Helper()
	for _, m := range mods {
		m(&cfg)
	}
	d, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	d.rand = func() float64 { return 0.5 }
	t.Cleanup(func() { d.Close() })
	return d
}

// testStart is the fake clocks' start.
var testStart = time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)

// unitRetry is the retry policy of the tests that count attempts and
// waits: 3 attempts, backoff 500 ms then 1 s (jitter fixed at 0.5), at most
// 1 min of waiting.
func unitRetry(c *Config) {
	c.Retry = retry.Policy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: 4 * time.Second, MaxTotalWait: time.Minute}
}

// emuCredential is a credential for the emulator that records the claims
// of each token request, as fakeCredential does: its first refused
// requests get a token the emulator never issued (the Web API answers
// 401), the others a valid one.
type emuCredential struct {
	fakeCredential
	s       *dataversetest.Server
	refused int
}

func (c *emuCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.fakeCredential.GetToken(ctx, o)
	if err != nil {
		return tok, err
	}
	if len(c.calls()) > c.refused {
		tok.Token = c.s.IssueToken()
	}
	return tok, nil
}

// emuWith starts the emulator and a destination that authenticates with
// cred (when not nil) and retries by unitRetry; mods adjust the config.
func emuWith(t *testing.T, cred *emuCredential, opts []dataversetest.Option, mods ...func(*Config)) (*Destination, *dataversetest.Server, *retry.FakeClock) {
	t.Helper()
	mods = append([]func(*Config){unitRetry}, mods...)
	if cred != nil {
		mods = append(mods, func(c *Config) { c.Credential = cred })
	}
	d, s, clock := emu(t, opts, mods...)
	if cred != nil {
		cred.s = s // New sends nothing: no token was asked for yet
	}
	return d, s, clock
}
