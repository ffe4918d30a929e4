package dataversetest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// assertionSkew is the clock skew allowed on nbf and exp.
const assertionSkew = 5 * time.Minute

// jwtHeader is the header of a client assertion.
type jwtHeader struct {
	Alg     string `json:"alg"`
	X5t     string `json:"x5t"`
	X5tS256 string `json:"x5t#S256"`
}

// jwtClaims are the client-assertion claims Entra checks.
type jwtClaims struct {
	Aud any    `json:"aud"` // string or array
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Exp int64  `json:"exp"`
	Nbf int64  `json:"nbf"`
}

// checkAssertion verifies a private_key_jwt client assertion: signature
// against a trusted certificate, aud = token endpoint, iss = sub = client,
// time range.
func (ts *tokenService) checkAssertion(assertion, clientID string) *tokenError {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return &tokenError{400, "invalid_request", 50027, "JWT token is invalid or malformed."}
	}
	var h jwtHeader
	var c jwtClaims
	if decodeSegment(parts[0], &h) != nil || decodeSegment(parts[1], &c) != nil {
		return &tokenError{400, "invalid_request", 50027, "JWT token is invalid or malformed."}
	}
	cert := ts.certFor(h)
	if cert == nil {
		return &tokenError{401, "invalid_client", 700027, "The certificate with identifier used to sign the client assertion is not registered on application."}
	}
	if !verifySignature(cert, h.Alg, parts[0]+"."+parts[1], parts[2]) {
		return &tokenError{401, "invalid_client", 700027, "Client assertion failed signature validation."}
	}
	if !audienceMatches(c.Aud, ts.tokenEndpoint()) {
		return &tokenError{401, "invalid_client", 700016, "The client assertion audience is invalid; it must be the token endpoint " + ts.tokenEndpoint() + "."}
	}
	if c.Iss != clientID || c.Sub != clientID {
		return &tokenError{401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter."}
	}
	now := ts.cfg.Now()
	if time.Unix(c.Exp, 0).Add(assertionSkew).Before(now) || time.Unix(c.Nbf, 0).Add(-assertionSkew).After(now) {
		return &tokenError{401, "invalid_client", 700024, "Client assertion is not within its valid time range."}
	}
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// certFor finds the trusted certificate named by the x5t#S256 (SHA-256) or
// x5t (SHA-1) thumbprint, in standard or URL-safe base64.
func (ts *tokenService) certFor(h jwtHeader) *x509.Certificate {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	for _, c := range ts.certs {
		s256 := sha256.Sum256(c.Raw)
		s1 := sha1.Sum(c.Raw)
		if (h.X5tS256 != "" && thumbprintEqual(h.X5tS256, s256[:])) || (h.X5t != "" && thumbprintEqual(h.X5t, s1[:])) {
			return c
		}
	}
	return nil
}

func thumbprintEqual(enc string, sum []byte) bool {
	return enc == base64.StdEncoding.EncodeToString(sum) || enc == base64.RawURLEncoding.EncodeToString(sum) ||
		enc == base64.URLEncoding.EncodeToString(sum) || enc == base64.RawStdEncoding.EncodeToString(sum)
}

func verifySignature(cert *x509.Certificate, alg, signed, sig string) bool {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(sig, "="))
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(signed))
	switch alg {
	case "PS256":
		return rsa.VerifyPSS(pub, crypto.SHA256, sum[:], raw, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	case "RS256":
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], raw) == nil
	}
	return false
}

func audienceMatches(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return strings.EqualFold(a, want)
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok && strings.EqualFold(s, want) {
				return true
			}
		}
	}
	return false
}
