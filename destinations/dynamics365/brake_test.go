package dynamics365

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
)

// deliverAll delivers n invoices, 16 at a time, against an emulator with
// a window of 40 requests per 300 s (time is a fake clock; only the
// emulator's 5 ms latency is real, so that requests overlap), and returns
// how many requests it refused for the request limit.
func deliverAll(t *testing.T, n int, opts ...dataversetest.Option) int {
	t.Helper()
	opts = append([]dataversetest.Option{
		dataversetest.WithLimits(dataversetest.Limits{Requests: 40, Window: 300 * time.Second}),
		dataversetest.WithLatency(5 * time.Millisecond),
	}, opts...)
	d, s, _ := emu(t, opts, func(c *Config) {
		c.InitialConcurrency = 16
		c.Retry.MaxTotalWait = time.Hour
	})
	seedVendor(s)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range work {
				plan := invoicePlan(mapping.ModeUpsert, fmt.Sprintf("INV-B%03d", i), mapping.OnMissingFail)
				if _, err := d.Deliver(context.Background(), plan); err != nil {
					t.Errorf("invoice %d: %v", i, err)
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	if got := s.Count("new_vendorinvoices"); got != n {
		t.Errorf("%d invoices written, want %d", got, n)
	}
	return int(s.Stats().Throttled[codeRequestLimit])
}

// TestWindowBrakeAgainstTheEmulator: without the remaining-requests header,
// the requests in flight when the server's window fills are refused (here
// again in later windows too: the fake clock adds up the Retry-After waits
// of concurrent documents, so late 429s of a burst find an empty window and
// unlearn the budget). With the header, the destination sends one request
// at a time as the window nears full, only the one that finds it full is
// refused, and the budget it learns from that 429 refuses none after.
func TestWindowBrakeAgainstTheEmulator(t *testing.T) {
	braked := deliverAll(t, 400)
	unbraked := deliverAll(t, 400, dataversetest.WithoutBudgetHeaders())
	t.Logf("429s: %d with the header, %d without", braked, unbraked)
	if braked < 1 || braked > 2 {
		t.Errorf("%d request-limit 429s with the header, want 1 (2 at most: a request already on its way)", braked)
	}
	if unbraked <= braked {
		t.Errorf("%d 429s without the header, %d with it: the test did not exercise the brake", unbraked, braked)
	}
}
