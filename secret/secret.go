// Package secret holds values that must never reach a log line, an error
// string, a summary file or the output of fmt's %v, %+v and %#v verbs.
// It is public because the clients' configurations hold their keys and
// secrets as String: build one with New.
package secret

import "log/slog"

// redacted is what every formatting path prints instead of the value.
const redacted = "[REDACTED]"

// String is a secret string: an API key, a client secret or a token. Its zero
// value is the empty secret. Only Reveal returns the real value; String,
// GoString, LogValue, MarshalJSON, MarshalText and MarshalYAML print
// "[REDACTED]" (or "" for an empty secret, so a missing value stays visible).
type String struct{ v string }

// New wraps v.
func New(v string) String { return String{v: v} }

// Reveal returns the secret value. Call it only where the value is sent to
// the party it belongs to.
func (s String) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s String) IsZero() bool { return s.v == "" }

func (s String) mask() string {
	if s.v == "" {
		return ""
	}
	return redacted
}

// String implements fmt.Stringer.
func (s String) String() string { return s.mask() }

// GoString implements fmt.GoStringer, covering %#v.
func (s String) GoString() string { return `secret.String("` + s.mask() + `")` }

// LogValue implements slog.LogValuer.
func (s String) LogValue() slog.Value { return slog.StringValue(s.mask()) }

// MarshalText implements encoding.TextMarshaler (JSON and YAML use it too).
func (s String) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, so configuration files can
// carry secrets (a warning-worthy practice the config loader reports).
func (s *String) UnmarshalText(b []byte) error { s.v = string(b); return nil }
