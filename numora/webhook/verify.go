package webhook

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a signature's timestamp may be from now.
const DefaultTolerance = 5 * time.Minute

// Check names the verification step that failed, for logs and metrics.
type Check string

// Checks, in the order they run.
const (
	CheckMissing   Check = "missing"   // no signature header
	CheckMalformed Check = "malformed" // no t= or v1=, or an unreadable timestamp or signature
	CheckStale     Check = "stale"     // the timestamp is outside the tolerance
	CheckMismatch  Check = "mismatch"  // no v1 value matches any secret
)

// Error is a failed verification. Its text names the check and never a
// secret or an expected signature.
type Error struct {
	Check  Check
	Detail string
}

func (e *Error) Error() string { return "webhook: signature " + string(e.Check) + ": " + e.Detail }

// Config configures a Verifier.
type Config struct {
	// Secrets are the shared secrets accepted, the current one and those
	// being rotated out. At least one, none empty.
	Secrets [][]byte
	// Scheme is how signatures are computed; zero is the default scheme.
	Scheme Scheme
	// Tolerance is how far a timestamp may be from Now; default 5 minutes.
	Tolerance time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Verifier checks signature headers. It is safe for concurrent use.
type Verifier struct {
	secrets   [][]byte
	scheme    Scheme
	tolerance time.Duration
	now       func() time.Time
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg Config) (*Verifier, error) {
	if len(cfg.Secrets) == 0 {
		return nil, errors.New("webhook: no secret")
	}
	for i, s := range cfg.Secrets {
		if len(s) == 0 {
			return nil, fmt.Errorf("webhook: secret %d is empty", i+1)
		}
	}
	if err := cfg.Scheme.Validate(); err != nil {
		return nil, err
	}
	v := &Verifier{secrets: cfg.Secrets, scheme: cfg.Scheme.withDefaults(), tolerance: cfg.Tolerance, now: cfg.Now}
	if v.tolerance <= 0 {
		v.tolerance = DefaultTolerance
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Verify checks header (the value of X-Numora-Webhook-Signature) against
// the raw body. It returns nil or an *Error.
func (v *Verifier) Verify(header string, body []byte) error {
	if strings.TrimSpace(header) == "" {
		return &Error{CheckMissing, "no " + Header + " header"}
	}
	ts, sigs, err := parseHeader(header)
	if err != nil {
		return err
	}
	at, err := parseTimestamp(ts)
	if err != nil {
		return err
	}
	if d := v.now().Sub(at).Abs(); d > v.tolerance {
		return &Error{CheckStale, fmt.Sprintf("timestamp %s is %v from now (tolerance %v)", ts, d.Round(time.Second), v.tolerance)}
	}
	return v.match(ts, sigs, body)
}

// match compares every v1 value with every secret's MAC, in constant time.
func (v *Verifier) match(ts string, sigs []string, body []byte) error {
	readable := false
	for _, secret := range v.secrets {
		want := v.scheme.mac(secret, ts, body)
		for _, s := range sigs {
			got, err := v.scheme.decode(s)
			if err != nil {
				continue
			}
			readable = true
			if hmac.Equal(got, want) {
				return nil
			}
		}
	}
	if !readable {
		return &Error{CheckMalformed, "no v1 value is " + v.scheme.Encoding}
	}
	return &Error{CheckMismatch, fmt.Sprintf("no v1 value matches any of the %d secret(s)", len(v.secrets))}
}

// parseHeader splits "t=…,v1=…[,v1=…]"; unknown keys (v0, future
// versions) are ignored.
func parseHeader(h string) (ts string, sigs []string, err error) {
	for part := range strings.SplitSeq(h, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
			continue
		case k == "t":
			ts = val
		case k == "v1" && val != "":
			sigs = append(sigs, val)
		}
	}
	switch {
	case ts == "":
		return "", nil, &Error{CheckMalformed, "no t= timestamp"}
	case len(sigs) == 0:
		return "", nil, &Error{CheckMalformed, "no v1= signature"}
	}
	return ts, sigs, nil
}

// parseTimestamp reads Unix seconds or ISO-8601.
func parseTimestamp(ts string) (time.Time, error) {
	if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
		return t, nil
	}
	return time.Time{}, &Error{CheckMalformed, fmt.Sprintf("timestamp %.40q is neither Unix seconds nor ISO-8601", ts)}
}
