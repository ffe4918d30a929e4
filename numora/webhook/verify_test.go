package webhook

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	now    = time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	secret = []byte("whsec_current")
	old    = []byte("whsec_previous")
	body   = []byte(`{"id":"evt_1","type":"document.reviewed","data":{"document_id":"doc_1"}}`)
)

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func TestVerify(t *testing.T) {
	sha512 := Scheme{Hash: HashSHA512, Signed: SignedBody, Encoding: EncodingBase64}
	tests := []struct {
		name    string
		secrets [][]byte
		scheme  Scheme
		header  string
		body    []byte
		want    Check // "" = accepted
	}{
		{"accepted", [][]byte{secret}, Scheme{}, Sign(Scheme{}, secret, unix(now), body), body, ""},
		{"accepted with ISO-8601 timestamp", [][]byte{secret}, Scheme{},
			Sign(Scheme{}, secret, "2026-03-24T02:58:00.000Z", body), body, ""},
		{"wrong secret", [][]byte{secret}, Scheme{}, Sign(Scheme{}, []byte("other"), unix(now), body), body, CheckMismatch},
		{"stale timestamp", [][]byte{secret}, Scheme{},
			Sign(Scheme{}, secret, unix(now.Add(-5*time.Minute-time.Second)), body), body, CheckStale},
		{"timestamp from the future", [][]byte{secret}, Scheme{},
			Sign(Scheme{}, secret, unix(now.Add(6*time.Minute)), body), body, CheckStale},
		{"at the tolerance edge", [][]byte{secret}, Scheme{},
			Sign(Scheme{}, secret, unix(now.Add(-5*time.Minute)), body), body, ""},
		{"tampered body", [][]byte{secret}, Scheme{}, Sign(Scheme{}, secret, unix(now), body),
			[]byte(strings.Replace(string(body), "doc_1", "doc_2", 1)), CheckMismatch},
		{"timestamp swapped after signing", [][]byte{secret}, Scheme{},
			strings.Replace(Sign(Scheme{}, secret, unix(now), body), unix(now), unix(now.Add(-time.Second)), 1), body, CheckMismatch},
		{"rotated: old secret still accepted", [][]byte{secret, old}, Scheme{}, Sign(Scheme{}, old, unix(now), body), body, ""},
		{"rotated out: old secret refused", [][]byte{secret}, Scheme{}, Sign(Scheme{}, old, unix(now), body), body, CheckMismatch},
		{"two v1 values, second matches", [][]byte{secret}, Scheme{},
			"t=" + unix(now) + ",v1=00ff,v1=" + strings.Split(Sign(Scheme{}, secret, unix(now), body), "v1=")[1], body, ""},
		{"missing header", [][]byte{secret}, Scheme{}, "", body, CheckMissing},
		{"no timestamp", [][]byte{secret}, Scheme{}, "v1=abcd", body, CheckMalformed},
		{"no signature", [][]byte{secret}, Scheme{}, "t=" + unix(now), body, CheckMalformed},
		{"unreadable timestamp", [][]byte{secret}, Scheme{}, "t=yesterday,v1=abcd", body, CheckMalformed},
		{"signature not hex", [][]byte{secret}, Scheme{}, "t=" + unix(now) + ",v1=zz", body, CheckMalformed},
		{"configured scheme", [][]byte{secret}, sha512, Sign(sha512, secret, unix(now), body), body, ""},
		{"default signature under another scheme", [][]byte{secret}, sha512, Sign(Scheme{}, secret, unix(now), body), body, CheckMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(Config{Secrets: tt.secrets, Scheme: tt.scheme, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			err = v.Verify(tt.header, tt.body)
			var we *Error
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Verify = %v, want nil", err)
			case tt.want == "":
			case !errors.As(err, &we):
				t.Fatalf("Verify = %v, want *Error with check %s", err, tt.want)
			case we.Check != tt.want:
				t.Fatalf("check = %s (%v), want %s", we.Check, err, tt.want)
			}
			for _, s := range tt.secrets {
				if err != nil && strings.Contains(err.Error(), string(s)) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
}

func TestSignKnownVector(t *testing.T) {
	// HMAC-SHA256("key", "1700000000.{}"), computed independently with openssl:
	// printf '1700000000.{}' | openssl dgst -sha256 -hmac key
	got := Sign(Scheme{}, []byte("key"), "1700000000", []byte("{}"))
	want := "t=1700000000,v1=" + knownVector
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestNewVerifierRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no secret", Config{}},
		{"empty secret", Config{Secrets: [][]byte{secret, {}}}},
		{"unknown hash", Config{Secrets: [][]byte{secret}, Scheme: Scheme{Hash: "md5"}}},
		{"unknown signed string", Config{Secrets: [][]byte{secret}, Scheme: Scheme{Signed: "body.timestamp"}}},
		{"unknown encoding", Config{Secrets: [][]byte{secret}, Scheme: Scheme{Encoding: "base32"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewVerifier(tt.cfg); err == nil {
				t.Error("NewVerifier = nil error, want one")
			}
		})
	}
}

const knownVector = "9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
