package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
)

// Header is the header carrying the signature.
const Header = "X-Numora-Webhook-Signature"

// Scheme says how a signature is computed. The zero value is the default:
// HMAC-SHA256 over "<timestamp>.<raw body>", hex-encoded.
type Scheme struct {
	// Hash is "sha256" (default) or "sha512".
	Hash string `yaml:"hash"`
	// Signed is "timestamp.body" (default): the timestamp as sent, a dot and
	// the raw body; or "body": the raw body alone.
	Signed string `yaml:"signed"`
	// Encoding is "hex" (default) or "base64" (standard, padded).
	Encoding string `yaml:"encoding"`
}

// Scheme values.
const (
	HashSHA256          = "sha256"
	HashSHA512          = "sha512"
	SignedTimestampBody = "timestamp.body"
	SignedBody          = "body"
	EncodingHex         = "hex"
	EncodingBase64      = "base64"
)

// withDefaults fills the zero fields.
func (s Scheme) withDefaults() Scheme {
	if s.Hash == "" {
		s.Hash = HashSHA256
	}
	if s.Signed == "" {
		s.Signed = SignedTimestampBody
	}
	if s.Encoding == "" {
		s.Encoding = EncodingHex
	}
	return s
}

// Validate reports an unknown hash, signed string or encoding.
func (s Scheme) Validate() error {
	s = s.withDefaults()
	switch {
	case s.Hash != HashSHA256 && s.Hash != HashSHA512:
		return fmt.Errorf("webhook: hash %q: want sha256 or sha512", s.Hash)
	case s.Signed != SignedTimestampBody && s.Signed != SignedBody:
		return fmt.Errorf("webhook: signed string %q: want timestamp.body or body", s.Signed)
	case s.Encoding != EncodingHex && s.Encoding != EncodingBase64:
		return fmt.Errorf("webhook: encoding %q: want hex or base64", s.Encoding)
	}
	return nil
}

// String is the scheme in words, for logs and help.
func (s Scheme) String() string {
	s = s.withDefaults()
	return fmt.Sprintf("hmac-%s over %q, %s", s.Hash, s.Signed, s.Encoding)
}

// mac computes the raw HMAC of the signed string for ts and body.
func (s Scheme) mac(secret []byte, ts string, body []byte) []byte {
	newHash := sha256.New
	if s.Hash == HashSHA512 {
		newHash = func() hash.Hash { return sha512.New() }
	}
	m := hmac.New(newHash, secret)
	if s.Signed == SignedTimestampBody {
		m.Write([]byte(ts))
		m.Write([]byte{'.'})
	}
	m.Write(body)
	return m.Sum(nil)
}

// encode writes a MAC in the scheme's encoding.
func (s Scheme) encode(mac []byte) string {
	if s.Encoding == EncodingBase64 {
		return base64.StdEncoding.EncodeToString(mac)
	}
	return hex.EncodeToString(mac)
}

// decode reads a signature in the scheme's encoding.
func (s Scheme) decode(sig string) ([]byte, error) {
	if s.Encoding == EncodingBase64 {
		return base64.StdEncoding.DecodeString(sig)
	}
	return hex.DecodeString(sig)
}

// Sign returns the header value "t=<ts>,v1=<signature>" for body signed
// with secret at ts (as it will appear in the header) under scheme.
func Sign(scheme Scheme, secret []byte, ts string, body []byte) string {
	s := scheme.withDefaults()
	return "t=" + ts + ",v1=" + s.encode(s.mac(secret, ts, body))
}
