package dataversetest

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tokenService is the Entra ID side: the OpenID configuration and the
// client-credentials token endpoint, plus the issued-token table the Web
// API validates bearer tokens against.
type tokenService struct {
	cfg      *Config
	base     string // https://127.0.0.1:port (no trailing slash)
	resource func() string

	requests atomic.Int64

	mu       sync.RWMutex
	tokens   map[string]*issuedToken
	history  []string // every token issued, for IssuedTokens
	certs    []*x509.Certificate
	outage   bool
	failNext int
	refusal  TokenRefusal
}

// issuedToken is what the emulator remembers of an access token.
type issuedToken struct {
	subject  string
	resource string
	expires  time.Time
}

func (ts *tokenService) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", ts.openIDConfiguration)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", ts.token)
	return mux
}

func (ts *tokenService) tokenEndpoint() string {
	return ts.base + "/" + ts.cfg.TenantID + "/oauth2/v2.0/token"
}

func (ts *tokenService) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if tenant != ts.cfg.TenantID || ts.refusing() == RefuseUnknownTenant {
		te := refusal(RefuseUnknownTenant, entraArgs{tenant: tenant})
		ts.fail(w, te.status, "invalid_tenant", te.aadsts, te.desc) // discovery says invalid_tenant
		return
	}
	root := ts.base + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        root + "/oauth2/v2.0/token",
		"authorization_endpoint":                root + "/oauth2/v2.0/authorize",
		"issuer":                                root + "/v2.0",
		"jwks_uri":                              root + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"tenant_region_scope":                   "EU",
	})
}

func (ts *tokenService) token(w http.ResponseWriter, r *http.Request) {
	ts.requests.Add(1)
	if ts.unavailable() {
		ts.fail(w, http.StatusServiceUnavailable, "temporarily_unavailable", 90033,
			"A transient error has occurred. Please try again.")
		return
	}
	if err := r.ParseForm(); err != nil {
		ts.fail(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	if te := ts.checkRequest(r); te != nil {
		ts.fail(w, te.status, te.code, te.aadsts, te.desc)
		return
	}
	resource, te := ts.checkScope(r.PostForm.Get("scope"))
	if te == nil {
		te = refusal(ts.refusing(), entraArgs{tenant: ts.cfg.TenantID, clientID: r.PostForm.Get("client_id"), resource: resource})
	}
	if te != nil {
		ts.fail(w, te.status, te.code, te.aadsts, te.desc)
		return
	}
	tok := ts.issue(r.PostForm.Get("client_id"), resource)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(ts.cfg.TokenLifetime / time.Second),
		"ext_expires_in": int(ts.cfg.TokenLifetime / time.Second),
		"access_token":   tok,
	})
}

// tokenError is an Entra error reply.
type tokenError struct {
	status int
	code   string
	aadsts int
	desc   string
}

func (ts *tokenService) checkRequest(r *http.Request) *tokenError {
	if tenant := r.PathValue("tenant"); tenant != ts.cfg.TenantID {
		return refusal(RefuseUnknownTenant, entraArgs{tenant: tenant})
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		return &tokenError{400, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", gt)}
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != ts.cfg.ClientID {
		return refusal(RefuseUnknownClient, entraArgs{tenant: ts.cfg.TenantID, clientID: id})
	}
	r.PostForm.Set("client_id", id)
	if assertion := r.PostForm.Get("client_assertion"); assertion != "" {
		if t := r.PostForm.Get("client_assertion_type"); t != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			return &tokenError{400, "invalid_request", 700025, "Client assertion type is invalid."}
		}
		return ts.checkAssertion(assertion, id)
	}
	if secret == "" {
		return &tokenError{401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
	}
	if secret != ts.cfg.ClientSecret {
		return refusal(RefuseWrongSecret, entraArgs{clientID: id})
	}
	return nil
}

// checkScope returns the resource of a "<resource>/.default" scope; MSAL
// adds openid, offline_access and profile, which are ignored.
func (ts *tokenService) checkScope(scope string) (string, *tokenError) {
	resource := ""
	for _, s := range strings.Fields(scope) {
		switch {
		case s == "openid" || s == "offline_access" || s == "profile" || s == "email":
		case strings.HasSuffix(s, "/.default") && resource == "":
			resource = strings.TrimSuffix(s, "/.default")
		default:
			return "", &tokenError{400, "invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", s)}
		}
	}
	if resource == "" {
		return "", &tokenError{400, "invalid_scope", 1002012, "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}
	}
	if !sameResource(resource, ts.resource()) {
		return "", refusal(RefuseUnknownResource, entraArgs{tenant: ts.cfg.TenantID, resource: resource})
	}
	return resource, nil
}

func sameResource(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

// refusing returns the refusal SetTokenRefusal set.
func (ts *tokenService) refusing() TokenRefusal {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	return ts.refusal
}

func (ts *tokenService) unavailable() bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.failNext > 0 {
		ts.failNext--
		return true
	}
	return ts.outage
}

// issue creates and remembers an access token. Tokens look like JWTs but
// are opaque to the emulator: only the issued-token table counts.
func (ts *tokenService) issue(subject, resource string) string {
	claims, _ := json.Marshal(map[string]any{"aud": resource, "appid": subject, "tid": ts.cfg.TenantID,
		"iss": ts.base + "/" + ts.cfg.TenantID + "/v2.0", "jti": rand.Text()})
	tok := "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(claims) + "." + rand.Text()
	ts.mu.Lock()
	ts.tokens[tok] = &issuedToken{subject: subject, resource: resource, expires: ts.cfg.Now().Add(ts.cfg.TokenLifetime)}
	ts.history = append(ts.history, tok)
	ts.mu.Unlock()
	return tok
}

// lookup returns a copy of the token's record (ExpireTokens changes the
// stored one under the lock), or nil when the emulator never issued it (or
// it was revoked).
func (ts *tokenService) lookup(tok string) *issuedToken {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	it := ts.tokens[tok]
	if it == nil {
		return nil
	}
	c := *it
	return &c
}

// fail writes an Entra ID error reply: error_description ends, as Entra's
// do, with the trace and correlation ids and the time on lines of their own
// (CRLF-separated).
func (ts *tokenService) fail(w http.ResponseWriter, status int, code string, aadsts int, desc string) {
	trace, corr := newRandomGUID(), newRandomGUID()
	now := ts.cfg.Now().UTC().Format("2006-01-02 15:04:05Z")
	writeJSON(w, status, map[string]any{
		"error": code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			aadsts, desc, trace, corr, now),
		"error_codes":    []int{aadsts},
		"timestamp":      now,
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      fmt.Sprintf("%s/error?code=%d", ts.base, aadsts),
	})
}
