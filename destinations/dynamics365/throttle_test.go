package dynamics365

import (
	"context"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
)

// The connector's run summary reads the destination's throttle counters.
var _ destinations.ThrottleReporter = (*Destination)(nil)

func TestThrottling(t *testing.T) {
	tests := []struct {
		name       string
		statuses   []int // answers to successive $batch requests; then 200
		retryAfter time.Duration
		wantWaits  int
		wantWaited time.Duration
	}{
		{"not throttled", nil, 0, 0, 0},
		{"429 with Retry-After pauses the gate", []int{429}, 7 * time.Second, 1, 7 * time.Second},
		{"two 429s are two pauses", []int{429, 429}, 2 * time.Second, 2, 4 * time.Second},
		{"503 with Retry-After pauses the gate", []int{503}, 3 * time.Second, 1, 3 * time.Second},
		{"503 backoff waits count", []int{503, 503}, 0, 2, 1500 * time.Millisecond},
		{"400 is not a pause", []int{400}, 0, 0, 0},
		{"Retry-After beyond the budget still pauses everyone", []int{429}, 120 * time.Second, 1, 120 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, s, _ := emuWith(t, nil, nil)
			if _, err := d.entity(context.Background(), "new_vendorinvoicelines"); err != nil {
				t.Fatal(err)
			}
			failBatches(s, tt.statuses, tt.retryAfter, "0x80072322", "throttled")
			d.Deliver(context.Background(), lineOnlyPlan())
			waits, waited := d.Throttling()
			if waits != tt.wantWaits || waited != tt.wantWaited {
				t.Errorf("got %d waits, %v; want %d, %v", waits, waited, tt.wantWaits, tt.wantWaited)
			}
		})
	}
}

func TestPauseCounts(t *testing.T) {
	now := testStart
	var p pause
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
		now = now.Add(s.advance)
		p.extend(now, s.pause)
		if n, d := p.count, p.total; n != s.wantPauses || d != s.wantClosed {
			t.Errorf("%s: got %d pauses, %v closed; want %d, %v", s.name, n, d, s.wantPauses, s.wantClosed)
		}
	}
}
