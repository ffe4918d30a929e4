package salesforcetest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// jwtGrant is the JWT bearer grant type.
const jwtGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// Audiences JWT assertions may name (besides the server's own URL, which
// stands in for an Experience Cloud site).
var Audiences = []string{"https://login.salesforce.com", "https://test.salesforce.com"}

// serveToken is POST /services/oauth2/token for the client credentials and
// JWT bearer flows. The answer has instance_url and no expires_in or
// refresh_token, as Salesforce's.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.fault(r.Method, r.URL.Path)
	s.mu.Unlock()
	if f != nil {
		writeJSON(w, f.Status, map[string]string{"error": f.Code, "error_description": f.Message})
		return
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "bad form")
		return
	}
	var extra map[string]any
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		if r.PostForm.Get("client_id") != s.ClientID || r.PostForm.Get("client_secret") != s.ClientSecret {
			tokenError(w, "invalid_client", "invalid client credentials")
			return
		}
		extra = map[string]any{"token_format": "opaque"}
	case jwtGrant:
		if !s.validAssertion(r.PostForm.Get("assertion")) {
			tokenError(w, "invalid_grant", "invalid assertion")
			return
		}
		extra = map[string]any{"scope": "api"}
	default:
		tokenError(w, "unsupported_grant_type", "grant type not supported")
		return
	}
	writeJSON(w, 200, s.issue(extra))
}

func (s *Server) issue(extra map[string]any) map[string]any {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := "00DEMU0000000001!" + hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = true
	s.issued++
	s.mu.Unlock()
	out := map[string]any{"access_token": tok, "signature": base64.StdEncoding.EncodeToString(b[:8]),
		"instance_url": s.URL, "id": "https://login.salesforce.com/id/00DEMU000000001/005EMU000000001",
		"token_type": "Bearer", "issued_at": strconv.FormatInt(time.Now().UnixMilli(), 10)}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func tokenError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, 400, map[string]string{"error": code, "error_description": desc})
}

// validAssertion checks an RS256 JWT: signature by the configured key,
// iss the consumer key, sub the user, aud a login URL, exp not passed.
func (s *Server) validAssertion(a string) bool {
	parts := strings.Split(a, ".")
	if s.key == nil || len(parts) != 3 {
		return false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss, Sub, Aud string
		Exp           int64
	}
	if !decodeSegment(parts[0], &hdr) || !decodeSegment(parts[1], &claims) || hdr.Alg != "RS256" {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.key, crypto.SHA256, sum[:], sig) != nil {
		return false
	}
	audOK := slices.Contains(Audiences, claims.Aud) || claims.Aud == s.URL
	return audOK && claims.Iss == s.ClientID && claims.Sub == s.Username && claims.Exp > time.Now().Unix()
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	return err == nil && json.Unmarshal(b, v) == nil
}
