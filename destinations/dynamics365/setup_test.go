package dynamics365

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

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

// setup starts handler on loopback and returns a destination writing to it
// with a fake credential and a fake clock; mods adjust the config.
func setup(t *testing.T, handler http.Handler, mods ...func(*Config)) (*Destination, *retry.FakeClock, *fakeCredential) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	clock := retry.NewFakeClock(testStart)
	cred := &fakeCredential{}
	cfg := Config{
		OrgURL:     srv.URL,
		Credential: cred,
		HTTPClient: srv.Client(),
		Clock:      clock,
		Retry:      retry.Policy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: 4 * time.Second, MaxTotalWait: time.Minute},
	}
	d := newTestDestination(t, cfg, mods)
	return d, clock, cred
}
