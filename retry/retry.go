// Package retry holds the backoff arithmetic shared by the project's HTTP
// clients: exponential backoff with full jitter, Retry-After parsing (delta
// seconds or HTTP date) and a clock that tests replace. Which errors are
// retryable is decided by each client, next to its own error type.
//
// It is public because the clients' configurations (numora.Config,
// dynamics365.Config) take a Policy and a Clock: a program or a test outside
// this module builds them with this package.
package retry

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy bounds the retries of one call. The zero value of each field means
// its default; see Normalize.
type Policy struct {
	// MaxAttempts is the number of tries including the first; default 5.
	MaxAttempts int `yaml:"max_attempts"`
	// BaseDelay is the backoff before the second try; default 500ms. The
	// ceiling doubles per try and the wait is drawn uniformly from
	// [0, ceiling) ("full jitter").
	BaseDelay time.Duration `yaml:"base_delay"`
	// MaxDelay caps one backoff wait; default 30s. A Retry-After above it
	// is still honoured as long as MaxTotalWait allows.
	MaxDelay time.Duration `yaml:"max_delay"`
	// MaxTotalWait caps the sum of waits for one call; default 2m. A wait
	// that would exceed it ends the call with the last error instead.
	MaxTotalWait time.Duration `yaml:"max_total_wait"`
}

// Normalize returns p with zero fields replaced by their defaults.
func (p Policy) Normalize() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxTotalWait <= 0 {
		p.MaxTotalWait = 2 * time.Minute
	}
	return p
}

// Backoff returns the full-jitter wait before try number attempt+1, where
// attempt counts the tries made so far (1 after the first failure). r must
// return a float in [0, 1); nil uses math/rand/v2.
func (p Policy) Backoff(attempt int, r func() float64) time.Duration {
	p = p.Normalize()
	if r == nil {
		r = rand.Float64
	}
	ceiling := p.BaseDelay
	for i := 1; i < attempt && ceiling < p.MaxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.MaxDelay)
	return time.Duration(r() * float64(ceiling))
}

// Wait decides the wait before the next try. retryAfter is the server's
// Retry-After (0 when absent); it wins over the computed backoff. waited is
// the total already waited for this call. ok is false when the call must
// give up: attempts exhausted or the total wait would exceed MaxTotalWait.
func (p Policy) Wait(attempt int, retryAfter, waited time.Duration, r func() float64) (d time.Duration, ok bool) {
	p = p.Normalize()
	if attempt >= p.MaxAttempts {
		return 0, false
	}
	d = retryAfter
	if d <= 0 {
		d = p.Backoff(attempt, r)
	}
	if waited+d > p.MaxTotalWait {
		return 0, false
	}
	return d, true
}

// ParseRetryAfter reads a Retry-After header value: delta-seconds ("120",
// fractional values are accepted) or an HTTP date, relative to now. It
// returns false for an absent, malformed or negative value; a date in the
// past yields 0 and true.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if !(secs >= 0 && secs <= maxRetryAfter.Seconds()) { // NaN fails both
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	t, err := http.ParseTime(v)
	if err != nil || t.Sub(now) > maxRetryAfter { // a date centuries ahead saturated Sub
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// maxRetryAfter is the longest Retry-After taken as meant (about 31 years).
const maxRetryAfter = 1e9 * time.Second
