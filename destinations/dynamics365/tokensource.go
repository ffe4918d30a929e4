package dynamics365

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"
)

// tokenExpirySkew is how long before its expiry a token is replaced; the
// same five minutes MSAL uses.
const tokenExpirySkew = 5 * time.Minute

// azureTokenSource adapts an azidentity credential to oauth2.TokenSource.
// Token takes no context, so every fetch runs under the destination's
// lifetime context with its own timeout. With force set, the first fetch
// carries a claims challenge ("a token issued after now"), which makes
// MSAL's confidential and managed-identity clients skip their cache.
type azureTokenSource struct {
	ctx     context.Context
	cred    azcore.TokenCredential
	scopes  []string
	timeout time.Duration
	force   atomic.Bool
	issued  atomic.Pointer[string] // the last token fetched
}

// Token asks the credential for a token; failures are a *tokenError
// wrapping a *SignInError (parsed here, before singleflight shares it).
func (s *azureTokenSource) Token() (*oauth2.Token, error) {
	opts := policy.TokenRequestOptions{Scopes: s.scopes}
	force := s.force.Load()
	if force {
		opts.Claims = freshTokenClaims(time.Now())
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	at, err := s.cred.GetToken(ctx, opts)
	if err != nil {
		return nil, &tokenError{parseSignIn(err)}
	}
	if force {
		s.force.Store(false)
	}
	s.issued.Store(&at.Token)
	return &oauth2.Token{AccessToken: at.Token, TokenType: "Bearer", Expiry: at.ExpiresOn}, nil
}

// last returns the token most recently fetched, "" before the first.
func (s *azureTokenSource) last() string {
	if p := s.issued.Load(); p != nil {
		return *p
	}
	return ""
}

// tokenGen is one generation of the destination's token cache: an
// oauth2.ReuseTokenSourceWithExpiry over an azureTokenSource.
type tokenGen struct {
	az    *azureTokenSource
	reuse oauth2.TokenSource
	key   string // the generation's singleflight key
}

// tokenSource is the oauth2.TokenSource behind the destination's
// oauth2.Transport: a cached token (one fetch at a time, concurrent
// callers wait for it) that can also be invalidated. Dataverse may refuse
// a token MSAL still considers valid (revoked, or the emulator's "expire
// tokens" knob); oauth2.Transport does not react to a 401, so the
// destination calls invalidate, which replaces the whole cache with a new
// generation whose first fetch bypasses MSAL's cache (when the credential
// accepts claims).
type tokenSource struct {
	ctx     context.Context
	cred    azcore.TokenCredential
	scope   string
	timeout time.Duration
	claims  bool // the credential accepts a claims challenge
	cur     atomic.Pointer[tokenGen]
	gens    atomic.Uint64
	// fetch makes concurrent Token calls share one call of the cache, so
	// that callers who waited for a fetch get its result, failure included.
	fetch singleflight.Group
}

func newTokenSource(ctx context.Context, cred azcore.TokenCredential, scope string, timeout time.Duration, claims bool) *tokenSource {
	s := &tokenSource{ctx: ctx, cred: cred, scope: scope, timeout: timeout, claims: claims}
	s.cur.Store(s.newGen(false))
	return s
}

func (s *tokenSource) newGen(force bool) *tokenGen {
	az := &azureTokenSource{ctx: s.ctx, cred: s.cred, scopes: []string{s.scope}, timeout: s.timeout}
	az.force.Store(force && s.claims)
	return &tokenGen{az: az, reuse: oauth2.ReuseTokenSourceWithExpiry(nil, az, tokenExpirySkew),
		key: strconv.FormatUint(s.gens.Add(1), 10)}
}

// Token returns the cached token while it is valid for five more minutes,
// else a new one. Concurrent callers share one call, its failure included:
// while the token service is down, each wave of requests costs one token
// request rather than one per waiting request, one after the other (each
// of them retried inside azidentity), which stretched a run by minutes.
func (s *tokenSource) Token() (*oauth2.Token, error) {
	gen := s.cur.Load()
	v, err, _ := s.fetch.Do(gen.key, func() (any, error) { return gen.reuse.Token() })
	if err != nil {
		return nil, err
	}
	return v.(*oauth2.Token), nil
}

// invalidate discards bad, the token Dataverse refused ("" = whatever is
// current), so the next Token call fetches a fresh one. A token that was
// already replaced is ignored, so N requests failing at once with the same
// token cause one refresh.
func (s *tokenSource) invalidate(bad string) {
	gen := s.cur.Load()
	if bad != "" && gen.az.last() != bad {
		return
	}
	s.cur.CompareAndSwap(gen, s.newGen(true))
}

// freshTokenClaims is a claims challenge asking for a token issued at or
// after now (the form Entra ID uses for continuous access evaluation).
func freshTokenClaims(now time.Time) string {
	return fmt.Sprintf(`{"access_token":{"nbf":{"essential":true,"value":"%d"}}}`, now.Unix())
}
