package dynamics365

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
)

// The budgets are tested at two levels. admission_test.go drives each
// rule on a fake clock with the requests in flight given by hand. The
// tests here run a Destination against the emulator, whose limits share
// the destination's fake clock, and assert what holds however the
// goroutines interleave: everything written once, every 429 honoured, and
// with a budget that matches the server's, no request refused at all
// (the destination counts each request longer than the server does).

// budgetEmu starts the emulator with a request limit of serverLimit per
// 300 s and a destination that budgets ownLimit per 300 s, adjusted by
// mod, sending through rec when it is not nil.
func budgetEmu(t *testing.T, serverLimit, ownLimit int, mod func(*Config), rec *sendLog, opts ...dataversetest.Option) (*Destination, *dataversetest.Server, *retry.FakeClock) {
	t.Helper()
	opts = append([]dataversetest.Option{
		dataversetest.WithLimits(dataversetest.Limits{Requests: serverLimit, Window: 300 * time.Second}),
		// The fake clock adds up the sleeps of every worker, so the fake
		// time can pass a token's hour between a token's issue and its
		// use a moment later; token expiry is tested elsewhere.
		dataversetest.WithTokenLifetime(1000 * time.Hour),
	}, opts...)
	if mod == nil {
		mod = func(*Config) {}
	}
	d, s, clock := emu(t, opts, mod, func(c *Config) {
		c.Limits = Limits{Requests: ownLimit, Window: 300 * time.Second}
		// Every Retry-After of a full window is taken, however many a
		// delivery meets: how many depends on the scheduling, and the
		// tests assert that nothing is lost, not how many retries it took.
		c.Retry.MaxAttempts, c.Retry.MaxTotalWait = 100, 100*time.Hour
		if rec != nil {
			c.HTTPClient = &http.Client{Transport: rec} // its base is set below, before any request
		}
	})
	if rec != nil {
		rec.base, rec.clock = s.Client().Transport, clock
	}
	seedVendor(s)
	return d, s, clock
}

func deliverInvoice(t *testing.T, d *Destination, number string) {
	t.Helper()
	if _, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, number, mapping.OnMissingFail)); err != nil {
		t.Errorf("invoice %s: %v", number, err)
	}
}

// TestFirstWindowIsPacedNotLearned: with the server's budget configured,
// the first window is kept from its first request. One delivery at a time
// through a window of 8 requests per 300 s: once half the budget is spent,
// each $batch that could carry more documents waits for the budget's even
// pace (300 s / 8) since the request before (rule 5); the request past the
// budget waits until the window's first request has left it (rule 3);
// none is refused.
func TestFirstWindowIsPacedNotLearned(t *testing.T) {
	const limit = 8
	d, s, clock := budgetEmu(t, limit, limit, nil, nil)
	i := 0
	for ; s.Stats().Requests < limit; i++ {
		deliverInvoice(t, d, fmt.Sprintf("INV-%02d", i)) // the cold start's requests, then one $batch each
	}
	deliverInvoice(t, d, "INV-NEXT")
	const pace = 300 * time.Second / limit
	sleeps := clock.Sleeps()
	if len(sleeps) < 2 {
		t.Fatalf("waits %v, want paced requests, then one waiting for the window", sleeps)
	}
	var waited time.Duration
	for _, w := range sleeps[:len(sleeps)-1] {
		if w != pace {
			t.Errorf("waits %v: want each but the last to be the pace, %v", sleeps, pace)
		}
		waited += w
	}
	if last := sleeps[len(sleeps)-1]; last != 300*time.Second-waited {
		t.Errorf("the request past the budget waited %v, want %v: until the window's first request left it", last, 300*time.Second-waited)
	}
	if n := s.Stats().Throttled[codeRequestLimit]; n != 0 {
		t.Errorf("%d request-limit 429s, want none", n)
	}
	if n, want := s.Count("new_vendorinvoices"), i+1; n != want {
		t.Errorf("%d invoices written, want %d", n, want)
	}
}

// TestHeadersOnlySlowDown: a destination that budgets the default 6,000
// requests against a server that takes 6 is held back by the
// x-ms-ratelimit-* headers before the server refuses anything, for at most
// probeAfter: then one request goes, the server refuses it, and its
// Retry-After pauses the destination until the server's window has room.
// Headers that say nothing is left cannot stall a run for the whole of a
// (possibly wrong) configured window.
func TestHeadersOnlySlowDown(t *testing.T) {
	d, s, clock := budgetEmu(t, 6, 6000, nil, nil)
	for i := range 5 {
		deliverInvoice(t, d, fmt.Sprintf("INV-%02d", i))
	}
	sleeps := clock.Sleeps()
	if len(sleeps) == 0 || sleeps[0] != probeAfter {
		t.Fatalf("waits %v: want the headers to hold the destination back for %v first", sleeps, probeAfter)
	}
	var holds int64
	for _, w := range sleeps {
		if w == probeAfter {
			holds++
		}
	}
	if n := s.Stats().Throttled[codeRequestLimit]; n > holds {
		t.Errorf("%d request-limit 429s, want at most one per hold (%d): waits %v", n, holds, sleeps)
	}
	if n := s.Count("new_vendorinvoices"); n != 5 {
		t.Errorf("%d invoices written, want 5", n)
	}
	if req, _ := d.admit.budgets(); req >= 6000 {
		t.Errorf("request budget %d: want the headers' lower one", req)
	}
}

// writeConcurrently delivers n invoices from workers goroutines.
func writeConcurrently(t *testing.T, d *Destination, workers, n int) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range work {
				deliverInvoice(t, d, fmt.Sprintf("INV-B%03d", i))
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// checkWrittenOnce fails t unless invoices INV-B000 to n-1 were each
// written once.
func checkWrittenOnce(t *testing.T, s *dataversetest.Server, n int) {
	t.Helper()
	written := map[any]int{}
	for _, r := range s.Rows("new_vendorinvoices") {
		written[r["new_invoicenumber"]]++
	}
	for i := range n {
		if k := written[fmt.Sprintf("INV-B%03d", i)]; k != 1 {
			t.Errorf("invoice INV-B%03d written %d times, want once", i, k)
		}
	}
}

// headerModes are the emulator with and without the x-ms-ratelimit-*
// headers that say how much of the window is left (Dataverse does not
// promise them).
var headerModes = []struct {
	name string
	opts []dataversetest.Option
}{
	{"with the remaining-budget headers", nil},
	{"without them", []dataversetest.Option{dataversetest.WithoutBudgetHeaders()}},
}

// TestBudgetKeepsToTheServersWindow writes 400 invoices from 16 workers
// through a window of 40 requests per 300 s that the destination knows,
// with and without the headers that say how much is left: not one
// request is refused, however the requests overlap.
func TestBudgetKeepsToTheServersWindow(t *testing.T) {
	for _, tt := range headerModes {
		t.Run(tt.name, func(t *testing.T) {
			d, s, clock := budgetEmu(t, 40, 40, func(c *Config) { c.InitialConcurrency = 16 }, nil, tt.opts...)
			writeConcurrently(t, d, 16, 400)
			checkWrittenOnce(t, s, 400)
			if n := s.Stats().Throttled[codeRequestLimit]; n != 0 {
				t.Errorf("%d request-limit 429s, want none", n)
			}
			if len(clock.Sleeps()) == 0 {
				t.Error("no wait: the test did not exercise the request budget")
			}
		})
	}
}

// TestBudgetAboveTheServersLimit: a destination told the window takes 80
// requests writes 400 invoices through one that takes 40. It is refused
// (the test asserts that, so that it exercises the 429 path), honours
// every Retry-After, and loses and repeats nothing, with and without the
// headers that say how much is left.
func TestBudgetAboveTheServersLimit(t *testing.T) {
	for _, tt := range headerModes {
		t.Run(tt.name, func(t *testing.T) {
			rec := &sendLog{}
			// One document per $batch: 400 requests, whatever the
			// scheduling. Coalesced, how many requests 400 documents
			// take depends on how they meet, and a lucky run could stay
			// under the server's 40 and never be refused.
			d, s, _ := budgetEmu(t, 40, 80, func(c *Config) { c.InitialConcurrency, c.BatchDocuments = 16, 1 }, rec, tt.opts...)
			writeConcurrently(t, d, 16, 400)
			checkWrittenOnce(t, s, 400)
			rec.checkHonoured(t)
			throttled := s.Stats().Throttled[codeRequestLimit]
			if throttled == 0 && len(tt.opts) > 0 {
				t.Error("no request-limit 429: the test did not exercise the refusals")
			}
			t.Logf("%d request-limit 429s", throttled)
		})
	}
}

// sendLog is the destination's transport in TestBudgetAboveTheServersLimit:
// it records, on the destination's clock, when each $batch was sent and
// when one was refused with a 429 and for how long. A $batch body is
// unique (its boundary is a fresh UUID) and a retry resends it unchanged,
// so the body names the request across its attempts.
type sendLog struct {
	base  http.RoundTripper
	clock retry.Clock

	mu     sync.Mutex
	events []sendEvent
}

// sendEvent is a $batch sent (refused false) or refused.
type sendEvent struct {
	body       string
	at         time.Time
	refused    bool
	retryAfter time.Duration
}

func (l *sendLog) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Path, "/$batch") {
		return l.base.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	l.add(sendEvent{body: string(body), at: l.clock.Now()})
	resp, err := l.base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		l.add(sendEvent{body: string(body), at: l.clock.Now(), refused: true, retryAfter: time.Duration(secs) * time.Second})
	}
	return resp, err
}

func (l *sendLog) add(e sendEvent) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// checkHonoured fails t unless every refused $batch was sent again, and
// not before its Retry-After had passed.
func (l *sendLog) checkHonoured(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.events {
		if !e.refused {
			continue
		}
		if e.retryAfter <= 0 {
			t.Errorf("a 429 without a Retry-After")
		}
		resent := false
		for _, next := range l.events[i+1:] {
			if next.body == e.body && !next.refused {
				if early := e.at.Add(e.retryAfter).Sub(next.at); early > 0 {
					t.Errorf("a $batch refused with Retry-After %v was sent again %v early", e.retryAfter, early)
				}
				resent = true
				break
			}
		}
		if !resent {
			t.Errorf("a $batch refused with a 429 was never sent again")
		}
	}
}
