package notify

import (
	"context"
	"sync"
	"time"
)

// Probe is one readiness check; nil means it passes.
type Probe struct {
	Name  string
	Check func(ctx context.Context) error
}

// Readiness runs its probes at most once per Every and remembers the
// answer (a failure for at most 5s), so that frequent /readyz calls do not
// hammer Numora or Entra ID.
type Readiness struct {
	Probes []Probe
	// Every is how long an answer is kept; default 30s.
	Every time.Duration
	// Timeout bounds each probe; default 10s.
	Timeout time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time

	mu     sync.Mutex
	at     time.Time
	failed []string
}

// Check returns the failed probes as "name: error", none when ready.
func (r *Readiness) Check(ctx context.Context) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	keep := orDefault(r.Every, 30*time.Second)
	if len(r.failed) > 0 {
		keep = min(keep, 5*time.Second) // a failure is looked at again soon
	}
	if !r.at.IsZero() && now.Sub(r.at) < keep {
		return r.failed
	}
	r.failed = nil
	for _, p := range r.Probes {
		pctx, cancel := context.WithTimeout(ctx, orDefault(r.Timeout, 10*time.Second))
		if err := p.Check(pctx); err != nil {
			r.failed = append(r.failed, p.Name+": "+err.Error())
		}
		cancel()
	}
	r.at = now
	return r.failed
}

func (r *Readiness) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
