package salesforcetest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

func queryEscape(s string) string { return url.QueryEscape(s) }

func TestSessionsFaultsAndAllocation(t *testing.T) {
	c := newClient(t, WithAllocation(0, 3))
	c.s.Inject(Fault{Match: "GET /limits", Status: 503, Code: "SERVER_UNAVAILABLE"})
	if st, body, _ := c.do("GET", "/limits", ""); st != 503 || !strings.Contains(body, "SERVER_UNAVAILABLE") {
		t.Fatalf("fault: %d %s", st, body)
	}
	if st, _, usage := c.do("GET", "/limits", ""); st != 200 || usage != "api-usage=2/3" {
		t.Fatalf("after the fault: %d %s", st, usage)
	}
	c.s.ExpireSessions()
	if st, body, _ := c.do("GET", "/limits", ""); st != 401 || !strings.Contains(body, `"errorCode":"INVALID_SESSION_ID"`) {
		t.Fatalf("expired: %d %s", st, body)
	}
	c.s.SetUsage(3, 3)
	c2 := newClientFor(t, c.s)
	if st, body, _ := c2.do("GET", "/limits", ""); st != 403 || !strings.Contains(body, "TotalRequests Limit exceeded") {
		t.Fatalf("exhausted: %d %s", st, body)
	}
	if used, max := c.s.Usage(); used != 3 || max != 3 || c.s.TokensIssued() != 2 {
		t.Fatalf("usage %d/%d, %d tokens", used, max, c.s.TokensIssued())
	}
}

func newClientFor(t *testing.T, s *Server) *client {
	status, body := post(t, s, url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
	var tok map[string]any
	if status != 200 || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("token: %d %s", status, body)
	}
	return &client{t: t, s: s, tok: tok["access_token"].(string)}
}

func TestHold(t *testing.T) {
	c := newClient(t)
	g := c.s.Hold("GET /limits")
	done := make(chan int, 1)
	go func() { st, _, _ := c.do("GET", "/limits", ""); done <- st }()
	<-g.Arrived()
	if n := len(c.s.Requests()); n != 0 {
		t.Fatalf("%d requests handled while held", n)
	}
	g.Release()
	if st := <-done; st != 200 || len(c.s.Requests()) != 1 {
		t.Fatalf("released: %d", st)
	}
}

func signJWT(t *testing.T, key *rsa.PrivateKey, alg string, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestTokenEndpoint(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	s := NewServer(WithJWTKey(&key.PublicKey))
	defer s.Close()
	exp := time.Now().Add(3 * time.Minute).Unix()
	good := map[string]any{"iss": s.ClientID, "sub": s.Username, "aud": "https://login.salesforce.com", "exp": exp}
	with := func(k string, val any) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		m[k] = val
		return m
	}
	jwtForm := func(a string) url.Values {
		return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}}
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"jwt", jwtForm(signJWT(t, key, "RS256", good)), 200, `"scope":"api"`},
		{"jwt own site audience", jwtForm(signJWT(t, key, "RS256", with("aud", s.URL))), 200, "access_token"},
		{"jwt expired", jwtForm(signJWT(t, key, "RS256", with("exp", time.Now().Add(-time.Minute).Unix()))), 400, "invalid_grant"},
		{"jwt wrong user", jwtForm(signJWT(t, key, "RS256", with("sub", "x@y"))), 400, "invalid_grant"},
		{"jwt wrong audience", jwtForm(signJWT(t, key, "RS256", with("aud", "https://evil"))), 400, "invalid_grant"},
		{"jwt alg", jwtForm(signJWT(t, key, "RS512", good)), 400, "invalid_grant"},
		{"jwt garbage", jwtForm("a.b.c"), 400, "invalid_grant"},
		{"jwt bad signature", jwtForm(signJWT(t, key, "RS256", good)[:40] + "x.y"), 400, "invalid_grant"},
		{"client credentials wrong", url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID}, "client_secret": {"x"}}, 400, "invalid_client"},
		{"password grant", url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		st, body := post(t, s, tt.form)
		if st != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s: %d %s", tt.name, st, body)
		}
	}
	resp, err := s.Client().Get(s.URL + "/services/data/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("versions: %v", err)
	}
	resp.Body.Close()
}

func TestFixedAddress(t *testing.T) {
	s := NewServer(WithAddr("127.0.0.1:0"))
	defer s.Close()
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || s.Certificate() == nil {
		t.Fatalf("URL %s", s.URL)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	defer func() {
		if recover() == nil {
			t.Error("a taken address did not panic")
		}
	}()
	NewServer(WithAddr(taken.Addr().String()))
}

func TestClearFaults(t *testing.T) {
	c := newClient(t)
	c.s.Inject(Fault{Match: "GET /limits", Status: 503, Code: "SERVER_UNAVAILABLE", Times: 5})
	if st, _, _ := c.do("GET", "/limits", ""); st != 503 {
		t.Fatalf("first: %d", st)
	}
	if n := c.s.FaultsLeft(); n != 4 {
		t.Fatalf("%d faults left, want 4", n)
	}
	c.s.ClearFaults()
	if st, _, _ := c.do("GET", "/limits", ""); st != 200 || c.s.FaultsLeft() != 0 {
		t.Fatalf("after ClearFaults: %d, %d left", st, c.s.FaultsLeft())
	}
}
