package dynamics365

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/numora/numora-connector/retry"
)

// downCredential is a token service that is down: every GetToken takes a
// while (azidentity retries inside) and fails.
type downCredential struct {
	calls atomic.Int32
	delay time.Duration
}

func (c *downCredential) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.calls.Add(1)
	select {
	case <-time.After(c.delay): // the slowness of a failing token request (synctest's fake time)
	case <-ctx.Done():
	}
	return azcore.AccessToken{}, errors.New("AADSTS90033: temporarily unavailable")
}

// TestTokenOutageCallersShareOneFetch: requests waiting for a token while
// a fetch fails get that failure; they must not each fetch again, one after
// the other (a token-service outage then stretched a run to minutes).
//
// It runs in a synctest bubble: the failing fetch's 300 ms pass only once
// every caller is blocked, so all eight have joined the fetch in flight
// however the scheduler runs them, and exactly one token request is made.
func TestTokenOutageCallersShareOneFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cred := &downCredential{delay: 300 * time.Millisecond}
		s := newTokenSource(context.Background(), cred, "https://org.example/.default", 5*time.Second, true)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := s.Token(); !errors.As(err, new(*tokenError)) {
					t.Errorf("got %v, want the token error", err)
				}
			})
		}
		wg.Wait()
		if n := cred.calls.Load(); n != 1 {
			t.Errorf("8 concurrent callers made %d token requests, want them to share one", n)
		}
		if _, err := s.Token(); err == nil {
			t.Error("a later caller got a token from a service that is down")
		}
		if n := cred.calls.Load(); n != 2 {
			t.Errorf("%d token requests, want 2: a caller after the failed fetch fetches again", n)
		}
	})
}

// TestTokenOutageOneRequestPerAttempt: while the token service is down,
// one attempt of a request makes one token request; azcore's own retries
// (three more, with backoff) multiplied the destination's.
func TestTokenOutageOneRequestPerAttempt(t *testing.T) {
	d, s, _ := emu(t, nil, func(c *Config) { c.Retry.MaxAttempts = 1 })
	s.SetTokenOutage(true)
	err := d.Check(context.Background())
	if ce := classify(err); ce == nil || ce.Code != "auth_unavailable" {
		t.Fatalf("got %v, want auth_unavailable", err)
	}
	if n := s.TokenRequests(); n != 1 {
		t.Errorf("one attempt made %d token requests, want 1", n)
	}
}

// TestCheckRidesOutATokenServiceBlip: the preflight retries a token
// service that is unavailable, and says "unavailable", not "refused the
// credentials", when it stays down.
func TestCheckRidesOutATokenServiceBlip(t *testing.T) {
	fast := func(c *Config) {
		c.Clock = retry.SystemClock{}
		c.Retry = retry.Policy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	}
	d, s, _ := emu(t, nil, fast)
	s.FailNextTokens(2)
	if err := d.Check(context.Background()); err != nil {
		t.Fatalf("Check after two failed token requests: %v", err)
	}
	d, s, _ = emu(t, nil, fast)
	s.SetTokenOutage(true)
	err := d.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "token service is unavailable") || strings.Contains(err.Error(), "refused") {
		t.Errorf("got %v, want the token service named unavailable", err)
	}
	if n := s.TokenRequests(); n != 4 {
		t.Errorf("%d token requests, want 4 (the retry policy's attempts)", n)
	}
}
