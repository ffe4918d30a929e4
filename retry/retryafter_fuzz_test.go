package retry

import (
	"testing"
	"time"
)

// FuzzParseRetryAfter: whatever a server sends, the wait is absent or
// between zero and the 1e9-second cap, never negative (NaN once was).
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "1.5", "-1", "NaN", "+Inf", "1e300", "Tue, 24 Mar 2026 03:00:05 GMT", "soon"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if !ok && d != 0 {
			t.Errorf("ParseRetryAfter(%q) = %v, false; want 0 when absent", v, d)
		}
		if d < 0 || d > time.Duration(1e9*float64(time.Second)) {
			t.Errorf("ParseRetryAfter(%q) = %v, %v: out of range", v, d, ok)
		}
	})
}

func TestParseRetryAfterRefusesNaN(t *testing.T) {
	for _, v := range []string{"NaN", "nan", "-NaN", "+Inf", "-Inf"} {
		if d, ok := ParseRetryAfter(v, time.Now()); ok || d != 0 {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want 0, false", v, d, ok)
		}
	}
}
