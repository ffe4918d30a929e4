package dynamics365

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTokenSourceInvalidate(t *testing.T) {
	tests := []struct {
		name       string
		claims     bool     // the credential accepts a claims challenge
		invalidate []string // tokens reported refused after the first fetch
		wantToken  string   // the token after the invalidations
		wantForced bool     // the second fetch carried a claims challenge
	}{
		{"refused token replaced", true, []string{"tok1"}, "tok2", true},
		{"same token refused twice refreshes once", true, []string{"tok1", "tok1", "tok1"}, "tok2", true},
		{"unknown token replaces the current one", true, []string{""}, "tok2", true},
		{"stale token ignored", true, []string{"tok0"}, "tok1", false},
		{"no claims for the Azure CLI", false, []string{"tok1"}, "tok2", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred := &fakeCredential{}
			s := newTokenSource(context.Background(), cred, "https://org.example/.default", time.Second, tt.claims)
			if tok, err := s.Token(); err != nil || tok.AccessToken != "tok1" {
				t.Fatalf("first Token: %v, %v; want tok1", tok, err)
			}
			for _, bad := range tt.invalidate {
				s.invalidate(bad)
			}
			tok, err := s.Token()
			if err != nil || tok.AccessToken != tt.wantToken {
				t.Fatalf("got %v, %v; want %s", tok, err, tt.wantToken)
			}
			calls := cred.calls()
			forced := len(calls) > 1 && strings.Contains(calls[1], `"nbf"`)
			if forced != tt.wantForced || calls[0] != "" {
				t.Errorf("token requests with claims %q, want the second forced: %v", calls, tt.wantForced)
			}
			if tok, _ := s.Token(); tok.AccessToken != tt.wantToken || len(cred.calls()) != len(calls) {
				t.Errorf("got %s after %d fetches, want %s reused", tok.AccessToken, len(cred.calls()), tt.wantToken)
			}
		})
	}
}

func TestTokenSourceConcurrentRefusalsRefreshOnce(t *testing.T) {
	cred := &fakeCredential{}
	s := newTokenSource(context.Background(), cred, "https://org.example/.default", time.Second, true)
	if _, err := s.Token(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			s.invalidate("tok1")
			if tok, err := s.Token(); err != nil || tok.AccessToken != "tok2" {
				t.Errorf("got %v, %v; want tok2", tok, err)
			}
		})
	}
	wg.Wait()
	if n := len(cred.calls()); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

func TestAzureTokenSourceForcesOnce(t *testing.T) {
	cred := &fakeCredential{}
	az := &azureTokenSource{ctx: context.Background(), cred: cred, scopes: []string{"s"}, timeout: time.Second}
	az.force.Store(true)
	cred.err = errors.New("AADSTS50000: down")
	if _, err := az.Token(); !errors.As(err, new(*tokenError)) {
		t.Fatalf("got %v, want a *tokenError", err)
	}
	cred.err = nil
	for range 2 {
		if _, err := az.Token(); err != nil {
			t.Fatal(err)
		}
	}
	calls := cred.calls()
	if len(calls) != 2 || !strings.Contains(calls[0], `"nbf"`) || calls[1] != "" {
		t.Errorf("claims %q, want the first successful fetch forced (a failed one keeps forcing) and the next plain", calls)
	}
	tok, err := az.Token()
	if err != nil || tok.TokenType != "Bearer" || tok.Expiry.IsZero() || az.last() != tok.AccessToken {
		t.Errorf("got %+v, %v; want a Bearer token with an expiry, remembered as the last", tok, err)
	}
}
