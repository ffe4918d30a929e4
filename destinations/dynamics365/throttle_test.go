package dynamics365

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/retry"
)

// The connector's run summary reads the destination's throttle counters.
var _ connector.ThrottleReporter = (*Destination)(nil)

func TestThrottling(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []int // answers to successive $batch requests; then 200
		retryAfter string
		wantWaits  int
		wantWaited time.Duration
	}{
		{"not throttled", nil, "", 0, 0},
		{"429 with Retry-After pauses the gate", []int{429}, "7", 1, 7 * time.Second},
		{"two 429s are two pauses", []int{429, 429}, "2", 2, 4 * time.Second},
		{"503 with Retry-After pauses the gate", []int{503}, "3", 1, 3 * time.Second},
		{"503 backoff waits count", []int{503, 503}, "", 2, 1500 * time.Millisecond},
		{"400 is not a pause", []int{400}, "", 0, 0},
		{"Retry-After beyond the budget still pauses everyone", []int{429}, "120", 1, 120 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeDataverse(t)
			var n atomic.Int32
			f.before = func(w http.ResponseWriter, r *http.Request) bool {
				i := int(n.Add(1)) - 1
				if r.URL.Path != "/api/data/v9.2/$batch" || i >= len(tt.statuses) {
					return false
				}
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				writeJSON(w, tt.statuses[i], `{"error":{"code":"0x80072322","message":"throttled"}}`)
				return true
			}
			d, _, _ := setup(t, f)
			if _, err := d.entity(context.Background(), "new_vendorinvoicelines"); err != nil {
				t.Fatal(err)
			}
			n.Store(0)
			d.Deliver(context.Background(), lineOnlyPlan())
			waits, waited := d.Throttling()
			if waits != tt.wantWaits || waited != tt.wantWaited {
				t.Errorf("got %d waits, %v; want %d, %v", waits, waited, tt.wantWaits, tt.wantWaited)
			}
		})
	}
}

func TestGateCountsPauses(t *testing.T) {
	clock := retry.NewFakeClock(testStart)
	g := &gate{clock: clock}
	steps := []struct {
		name       string
		advance    time.Duration // before the pause
		pause      time.Duration
		wantPauses int
		wantClosed time.Duration
	}{
		{"first pause", 0, 7 * time.Second, 1, 7 * time.Second},
		{"shorter pause inside it", time.Second, 2 * time.Second, 1, 7 * time.Second},
		{"longer pause extends it", time.Second, 10 * time.Second, 1, 12 * time.Second},
		{"pause after it ended", 20 * time.Second, 5 * time.Second, 2, 17 * time.Second},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		g.pause(s.pause)
		if n, d := g.stats(); n != s.wantPauses || d != s.wantClosed {
			t.Errorf("%s: got %d pauses, %v closed; want %d, %v", s.name, n, d, s.wantPauses, s.wantClosed)
		}
	}
}
