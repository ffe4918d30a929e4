package salesforce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/jwt"

	"github.com/numora/numora-connector/destinations"
)

// session is an access token and the instance URL it was issued for.
type session struct {
	token    string
	instance string
}

// tokens holds the current session. Salesforce tokens carry no expiry,
// so x/oauth2 would reuse one forever; instead a request answered 401
// INVALID_SESSION_ID invalidates the session it used and the next get
// fetches a fresh one.
type tokens struct {
	fetch func(ctx context.Context) (*oauth2.Token, error)
	mu    sync.Mutex
	cur   *session
	// instance is the last token's instance_url, kept when the session
	// is dropped (for record URLs).
	instance string
}

func newTokens(cfg Config, client *http.Client) *tokens {
	tokenURL := strings.TrimSuffix(cfg.MyDomainURL, "/") + "/services/oauth2/token"
	var src func(ctx context.Context) oauth2.TokenSource
	if cfg.Flow == FlowJWTBearer {
		jc := &jwt.Config{Email: cfg.ClientID, Subject: cfg.Username, PrivateKey: []byte(cfg.PrivateKey.Reveal()),
			Audience: cfg.Audience, TokenURL: tokenURL, Expires: 3 * time.Minute}
		src = jc.TokenSource
	} else {
		cc := &clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret.Reveal(),
			TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}
		src = cc.TokenSource
	}
	return &tokens{fetch: func(ctx context.Context) (*oauth2.Token, error) {
		// A new source per fetch: x/oauth2's sources cache a token
		// without expiry forever.
		return src(context.WithValue(ctx, oauth2.HTTPClient, client)).Token()
	}}
}

// get returns the current session, fetching one if there is none.
func (t *tokens) get(ctx context.Context) (*session, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur != nil {
		return t.cur, nil
	}
	tok, err := t.fetch(ctx)
	if err != nil {
		return nil, tokenError(err)
	}
	inst, _ := tok.Extra("instance_url").(string)
	u, perr := url.Parse(inst)
	if perr != nil || u.Scheme != "https" || u.Host == "" {
		return nil, permanent("crm_auth", fmt.Sprintf("the token response's instance_url %q is not an https URL", inst))
	}
	t.cur = &session{token: tok.AccessToken, instance: strings.TrimSuffix(inst, "/")}
	t.instance = t.cur.instance
	return t.cur, nil
}

// instanceURL returns the last session's instance URL, "" before any.
func (t *tokens) instanceURL() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.instance
}

// invalidate drops s if it is still the current session.
func (t *tokens) invalidate(s *session) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur == s {
		t.cur = nil
	}
}

// tokenError classifies a failed token request: refused credentials are
// permanent (configuration), anything else transient. The message names
// the OAuth error code, never the credentials.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := fmt.Sprintf("token endpoint answered %d %s: %s", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription)
		if re.Response.StatusCode >= 500 {
			return &destinations.Error{Class: destinations.Transient, Code: "crm_auth_unavailable", Message: msg}
		}
		return permanent("crm_auth", msg)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &destinations.Error{Class: destinations.Transient, Code: "crm_timeout", Message: "token request: " + err.Error(), Err: err}
	}
	if strings.Contains(err.Error(), "private key") || strings.Contains(err.Error(), "PEM") {
		return permanent("crm_auth", "the JWT bearer private key cannot be used: "+err.Error())
	}
	return &destinations.Error{Class: destinations.Transient, Code: "crm_auth_unavailable", Message: "token request: " + err.Error(), Err: err}
}
