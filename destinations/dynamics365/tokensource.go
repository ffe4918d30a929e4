package dynamics365

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// tokenExpirySkew is how long before its expiry a token is replaced; the
// same five minutes MSAL uses.
const tokenExpirySkew = 5 * time.Minute

// token is an access token and its expiry.
type token struct {
	value  string
	expiry time.Time
}

// tokenSource adapts the destination's azidentity credential to a cached
// token source (the oauth2.TokenSource + ReuseTokenSourceWithExpiry shape)
// that can also be invalidated: Dataverse may refuse a token MSAL still
// considers valid (revoked, or the emulator's "expire tokens" knob), and
// MSAL's cache would hand the same token back. After invalidate, the next
// fetch asks the credential with a claims challenge ("a token issued after
// now"), which makes MSAL's confidential and managed-identity clients skip
// their cache.
//
// Requests carry no context into Token (as with oauth2.TokenSource), so
// fetches run under the destination's lifetime context with their own
// timeout. One fetch runs at a time; concurrent callers wait for it.
type tokenSource struct {
	ctx     context.Context
	cred    azcore.TokenCredential
	scope   string
	timeout time.Duration
	claims  bool             // the credential accepts a claims challenge
	now     func() time.Time // wall clock: token expiries are real times

	mu          sync.Mutex
	cur         *token
	force       bool   // the next fetch must bypass the credential's cache
	invalidated string // the token most recently invalidated
}

func newTokenSource(ctx context.Context, cred azcore.TokenCredential, scope string, timeout time.Duration, claims bool) *tokenSource {
	return &tokenSource{ctx: ctx, cred: cred, scope: scope, timeout: timeout, claims: claims, now: time.Now}
}

// Token returns the cached token while it is valid for five more minutes,
// else a new one.
func (s *tokenSource) Token() (token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && s.now().Add(tokenExpirySkew).Before(s.cur.expiry) {
		return *s.cur, nil
	}
	opts := policy.TokenRequestOptions{Scopes: []string{s.scope}}
	if s.force && s.claims {
		opts.Claims = freshTokenClaims(s.now())
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	at, err := s.cred.GetToken(ctx, opts)
	if err != nil {
		return token{}, &tokenError{err}
	}
	s.force = false
	s.cur = &token{value: at.Token, expiry: at.ExpiresOn}
	return *s.cur, nil
}

// invalidate discards bad, the token Dataverse refused ("" = whatever is
// current), so the next Token call fetches a fresh one. A token that was
// already replaced or invalidated is ignored, so N requests failing at once
// with the same token cause one refresh.
func (s *tokenSource) invalidate(bad string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || (bad != "" && (bad == s.invalidated || bad != s.cur.value)) {
		return
	}
	s.invalidated = s.cur.value
	s.cur = nil
	s.force = true
}

// freshTokenClaims is a claims challenge asking for a token issued at or
// after now (the form Entra ID uses for continuous access evaluation).
func freshTokenClaims(now time.Time) string {
	return fmt.Sprintf(`{"access_token":{"nbf":{"essential":true,"value":"%d"}}}`, now.Unix())
}

// bearerTransport adds the destination's token to each request, the job
// oauth2.Transport does (x/oauth2 v0.38 needs a newer go directive than
// go.mod has).
type bearerTransport struct {
	source *tokenSource
	base   http.RoundTripper
}

// RoundTrip sends a clone of req with an Authorization header.
func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.source.Token()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	r2 := req.Clone(req.Context())
	r2.Header.Set("Authorization", "Bearer "+tok.value)
	return t.base.RoundTrip(r2)
}
