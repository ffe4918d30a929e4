package dataversetest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// postToken sends a form to the token endpoint of tenant.
func postToken(t *testing.T, s *Server, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	u := s.AuthorityHost + tenant + "/oauth2/v2.0/token"
	resp, err := s.Client().PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return resp.StatusCode, m
}

func secretForm(s *Server) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret},
		"scope": {s.Scope() + " openid offline_access profile"}}
}

func TestTokenErrors(t *testing.T) {
	s := newTestServer(t)
	with := func(k, v string) url.Values {
		f := secretForm(s)
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	tests := []struct {
		name   string
		tenant string
		form   url.Values
		status int
		code   string
		aadsts string
	}{
		{"unknown tenant", "other", secretForm(s), 400, "invalid_request", "AADSTS90002"},
		{"grant type", s.TenantID, with("grant_type", "password"), 400, "unsupported_grant_type", "AADSTS70003"},
		{"unknown client", s.TenantID, with("client_id", "nobody"), 400, "unauthorized_client", "AADSTS700016"},
		{"wrong secret", s.TenantID, with("client_secret", "wrong"), 401, "invalid_client", "AADSTS7000215"},
		{"no secret", s.TenantID, with("client_secret", ""), 401, "invalid_client", "AADSTS7000218"},
		{"scope without .default", s.TenantID, with("scope", s.URL), 400, "invalid_scope", "AADSTS1002012"},
		{"no scope", s.TenantID, with("scope", "openid"), 400, "invalid_scope", "AADSTS1002012"},
		{"other resource", s.TenantID, with("scope", "https://contoso.crm.dynamics.com/.default"), 400, "invalid_resource", "AADSTS500011"},
		{"assertion type", s.TenantID, with("client_assertion", "x.y.z"), 400, "invalid_request", "AADSTS700025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, m := postToken(t, s, tt.tenant, tt.form)
			if status != tt.status || m["error"] != tt.code {
				t.Fatalf("got %d %v, want %d %s", status, m["error"], tt.status, tt.code)
			}
			desc, _ := m["error_description"].(string)
			if !strings.HasPrefix(desc, tt.aadsts+": ") || m["trace_id"] == nil || m["correlation_id"] == nil || m["error_codes"] == nil {
				t.Errorf("got body %v", m)
			}
			if strings.Contains(desc, s.ClientSecret) {
				t.Errorf("error description leaks the secret: %q", desc)
			}
		})
	}
}

func TestTokenSuccessShapesAndBasicAuth(t *testing.T) {
	s := newTestServer(t, WithTokenLifetime(2*time.Hour))
	status, m := postToken(t, s, s.TenantID, secretForm(s))
	if status != 200 || m["token_type"] != "Bearer" || m["expires_in"] != float64(7200) || m["access_token"] == "" {
		t.Fatalf("got %d %v", status, m)
	}
	f := secretForm(s)
	f.Del("client_secret")
	f.Del("client_id")
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.TokenEndpoint(), strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.ClientID, s.ClientSecret)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("basic auth: got %d", resp.StatusCode)
	}
	if got := s.TokenRequests(); got != 2 {
		t.Errorf("got %d token requests, want 2", got)
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	s := newTestServer(t)
	resp, err := s.Client().Get(s.AuthorityHost + s.TenantID + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	for _, k := range []string{"token_endpoint", "authorization_endpoint", "issuer"} {
		v, _ := m[k].(string)
		if !strings.HasPrefix(v, s.AuthorityHost+s.TenantID+"/") {
			t.Errorf("%s: got %q, want it on %s", k, v, s.AuthorityHost)
		}
	}
	if m["token_endpoint"] != s.TokenEndpoint() {
		t.Errorf("got token_endpoint %v, want %s", m["token_endpoint"], s.TokenEndpoint())
	}
	resp2, err := s.Client().Get(s.AuthorityHost + "other/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 400 {
		t.Errorf("unknown tenant: got %d, want 400", resp2.StatusCode)
	}
}

func TestTokenOutage(t *testing.T) {
	s := newTestServer(t)
	s.FailNextTokens(2)
	for i, want := range []int{503, 503, 200} {
		if status, m := postToken(t, s, s.TenantID, secretForm(s)); status != want {
			t.Errorf("request %d: got %d %v, want %d", i, status, m, want)
		}
	}
	s.SetTokenOutage(true)
	if status, m := postToken(t, s, s.TenantID, secretForm(s)); status != 503 || m["error"] != "temporarily_unavailable" {
		t.Errorf("outage: got %d %v", status, m)
	}
	s.SetTokenOutage(false)
	if status, _ := postToken(t, s, s.TenantID, secretForm(s)); status != 200 {
		t.Errorf("after outage: got %d", status)
	}
}

// signAssertion builds a client assertion like MSAL's, with overrides.
func signAssertion(t *testing.T, key *rsa.PrivateKey, cert *x509.Certificate, alg string, claims map[string]any) string {
	t.Helper()
	sum := sha256.Sum256(cert.Raw)
	h, _ := json.Marshal(map[string]any{"alg": alg, "typ": "JWT", "x5t#S256": base64.StdEncoding.EncodeToString(sum[:])})
	c, _ := json.Marshal(claims)
	signed := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(signed))
	var sig []byte
	var err error
	if alg == "PS256" {
		sig, err = rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func parseBundle(t *testing.T, bundle []byte) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	for b, rest := pem.Decode(bundle); b != nil; b, rest = pem.Decode(rest) {
		switch b.Type {
		case "CERTIFICATE":
			cert, _ = x509.ParseCertificate(b.Bytes)
		case "PRIVATE KEY":
			k, _ := x509.ParsePKCS8PrivateKey(b.Bytes)
			key = k.(*rsa.PrivateKey)
		}
	}
	return cert, key
}

func TestClientAssertionChecks(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	bundle, err := s.NewClientCertificate()
	if err != nil {
		t.Fatal(err)
	}
	cert, key := parseBundle(t, bundle)
	otherBundle, _, err := GenerateClientCertificate("untrusted")
	if err != nil {
		t.Fatal(err)
	}
	otherCert, otherKey := parseBundle(t, otherBundle)
	now := clock.Now().Unix()
	good := func() map[string]any {
		return map[string]any{"aud": s.TokenEndpoint(), "iss": s.ClientID, "sub": s.ClientID, "jti": "1", "nbf": now, "exp": now + 600}
	}
	set := func(k string, v any) map[string]any { m := good(); m[k] = v; return m }
	tests := []struct {
		name      string
		assertion string
		status    int
		aadsts    string
	}{
		{"PS256", signAssertion(t, key, cert, "PS256", good()), 200, ""},
		{"RS256 and array aud", signAssertion(t, key, cert, "RS256", set("aud", []string{"x", s.TokenEndpoint()})), 200, ""},
		{"untrusted certificate", signAssertion(t, otherKey, otherCert, "PS256", good()), 401, "AADSTS700027"},
		{"wrong key", signAssertion(t, otherKey, cert, "PS256", good()), 401, "AADSTS700027"},
		{"unknown alg", signAssertion(t, key, cert, "RS256", good())[:0] + "eyJhbGciOiJub25lIn0.e30.", 401, "AADSTS700027"},
		{"audience", signAssertion(t, key, cert, "PS256", set("aud", "https://elsewhere/token")), 401, "AADSTS700016"},
		{"issuer", signAssertion(t, key, cert, "PS256", set("iss", "someone")), 401, "AADSTS700021"},
		{"expired", signAssertion(t, key, cert, "PS256", set("exp", now-3600)), 401, "AADSTS700024"},
		{"not yet valid", signAssertion(t, key, cert, "PS256", set("nbf", now+3600)), 401, "AADSTS700024"},
		{"malformed", "not-a-jwt", 400, "AADSTS50027"},
		{"bad json", "e30.!!!.x", 400, "AADSTS50027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "scope": {s.Scope()},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {tt.assertion}}
			status, m := postToken(t, s, s.TenantID, f)
			if status != tt.status {
				t.Fatalf("got %d %v, want %d", status, m, tt.status)
			}
			if desc, _ := m["error_description"].(string); tt.aadsts != "" && !strings.HasPrefix(desc, tt.aadsts) {
				t.Errorf("got %q, want %s", desc, tt.aadsts)
			}
		})
	}
}

func TestBearerTokenValidation(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now), WithTokenLifetime(time.Hour))
	valid := s.IssueToken()
	other := s.tokens.issue(s.ClientID, "https://other.example")
	tests := []struct {
		name   string
		header string
		code   string
	}{
		{"missing", "", ""},
		{"not bearer", "Basic " + valid, ""},
		{"unknown", "Bearer nope", ""},
		{"other resource", "Bearer " + other, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &apiClient{t: t, s: s}
			r := c.call("GET", "WhoAmI", "", "Authorization", tt.header)
			wantError(t, r, http.StatusUnauthorized, tt.code)
			want := "Bearer authorization_uri=" + s.AuthorityHost + s.TenantID + "/oauth2/authorize, resource_id=" + s.URL + "/"
			if got := r.header.Get("WWW-Authenticate"); got != want {
				t.Errorf("got WWW-Authenticate %q, want %q", got, want)
			}
		})
	}
	c := &apiClient{t: t, s: s, token: valid}
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	clock.Advance(time.Hour)
	wantError(t, c.call("GET", "WhoAmI", ""), 401, codeTokenExpired)
	if got := s.Stats().Unauthorized; got != 5 {
		t.Errorf("got %d unauthorized, want 5", got)
	}
}

func TestExpireAndRevokeTokens(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	s.ExpireTokens()
	wantError(t, c.call("GET", "WhoAmI", ""), 401, codeTokenExpired)
	c.token = s.IssueToken()
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	s.RevokeTokens()
	wantError(t, c.call("GET", "WhoAmI", ""), 401, "")
}

func TestNoAuth(t *testing.T) {
	s := newTestServer(t, WithConfig(Config{NoAuth: true}))
	c := &apiClient{t: t, s: s}
	wantStatus(t, c.call("GET", "WhoAmI", ""), 200)
	if got := s.Requests()[0].User; got != "anonymous" {
		t.Errorf("got user %q, want anonymous", got)
	}
}
