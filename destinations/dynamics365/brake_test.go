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

// The request-window brake is tested at three levels. window_test.go
// drives requestWindow on a fake clock with the requests in flight given
// by hand: when it brakes, whom it holds back, when it lets go, what it
// learns. TestWindowBrakeProbesOneAtATime runs a Destination against the
// emulator with its requests in flight placed one by one (the emulator's
// gate), so the number of 429s is fixed by the scenario, not by the
// scheduler. TestWindowBrakeAgainstTheEmulator then writes 400 invoices
// from 16 workers and asserts only what holds however the goroutines
// interleave: everything written once, every 429 honoured, and the
// throttling actually exercised.

// brakeEmu starts the emulator with a request limit of limit per 300 s
// and a destination against it adjusted by mod, sending through rec when
// it is not nil.
func brakeEmu(t *testing.T, limit int, mod func(*Config), rec *sendLog, opts ...dataversetest.Option) (*Destination, *dataversetest.Server) {
	t.Helper()
	opts = append([]dataversetest.Option{
		dataversetest.WithLimits(dataversetest.Limits{Requests: limit, Window: 300 * time.Second}),
	}, opts...)
	d, s, clock := emu(t, opts, mod, func(c *Config) {
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
	return d, s
}

func deliverInvoice(t *testing.T, d *Destination, number string) {
	t.Helper()
	if _, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, number, mapping.OnMissingFail)); err != nil {
		t.Errorf("invoice %s: %v", number, err)
	}
}

// TestWindowBrakeProbesOneAtATime: once a response says the server's
// window is nearly full, the destination sends one request at a time, so
// only the request that finds the window full is refused, and the budget
// it learns from that 429 keeps every later request inside the window.
//
// The window takes 20 requests. 14 are spent one after the other (no
// brake: the last answer leaves 6 with nothing in flight). Four more are
// held in flight together by the emulator's gate, then answered: they
// leave 5, 4, 3 and 2, and the one that says 2 comes with at most 3
// others in flight, so the destination brakes, whatever order the answers
// are read in. 30 deliveries then start at once, more than two $batch
// requests can carry (10 documents each): the brake lets one request go
// (accepted, 1 left), then another (accepted, 0 left), then a third,
// refused. However the scheduler interleaves the deliveries, and however
// many documents each $batch carries, that is one 429.
func TestWindowBrakeProbesOneAtATime(t *testing.T) {
	const limit = 20
	d, s := brakeEmu(t, limit, func(c *Config) { c.InitialConcurrency, c.MaxConcurrency = 4, 4 }, nil)
	sequential := 0
	for ; s.Stats().Requests < limit-6; sequential++ {
		deliverInvoice(t, d, fmt.Sprintf("INV-S%02d", sequential)) // the cold start's 3 tables and lookup, then 1 $batch each
	}
	if n := s.Stats().Requests; n != limit-6 {
		t.Fatalf("%d requests before the held ones, want %d", n, limit-6)
	}

	gate := s.HoldPath("$batch")
	var held []<-chan delivery
	for i := range 4 {
		// One at a time, so that each goes out alone, not in a shared $batch.
		held = append(held, deliverAsync(context.Background(), d, invoicePlan(mapping.ModeUpsert, fmt.Sprintf("INV-H%d", i), mapping.OnMissingFail)))
		<-gate.Arrived()
	}
	s.Unhold()
	for _, ch := range held {
		if r := <-ch; r.err != nil {
			t.Fatalf("held delivery: %v", r.err)
		}
	}
	d.window.mu.Lock()
	braking := d.window.brake != nil
	d.window.mu.Unlock()
	if !braking {
		t.Fatal("not braking after answers that left 2 of 20 requests with 3 others in flight")
	}

	var wg sync.WaitGroup
	const probed = 3 * MaxBatchDocuments
	for i := range probed {
		wg.Go(func() { deliverInvoice(t, d, fmt.Sprintf("INV-P%02d", i)) })
	}
	wg.Wait()
	if n := s.Stats().Throttled[codeRequestLimit]; n != 1 {
		t.Errorf("%d request-limit 429s, want 1: the probe that found the window full", n)
	}
	if n, want := s.Count("new_vendorinvoices"), sequential+4+probed; n != want {
		t.Errorf("%d invoices written, want %d", n, want)
	}
}

// TestWindowBrakeAgainstTheEmulator writes 400 invoices from 16 workers
// through a window of 40 requests per 300 s, with and without the header
// that says how many requests are left. How many requests the server
// refuses depends on how the requests overlap, so the test asserts only
// what must hold however the goroutines are scheduled:
//
//   - every invoice is written, exactly once, and no delivery fails;
//   - every 429 is honoured: a refused $batch is sent again only after its
//     Retry-After has passed on the destination's clock;
//   - the throttling was exercised: 400 invoices do not fit in windows of
//     40 requests unless time passes, and the destination's (fake) time
//     only moves when it waits, which it only does once told to, so at
//     least one request was refused for the request limit.
//
// How few 429s the brake lets through is TestWindowBrakeProbesOneAtATime's.
func TestWindowBrakeAgainstTheEmulator(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []dataversetest.Option
	}{
		{"with the remaining-requests header", nil},
		{"without it", []dataversetest.Option{dataversetest.WithoutBudgetHeaders()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &sendLog{}
			d, s := brakeEmu(t, 40, func(c *Config) { c.InitialConcurrency = 16 }, rec, tt.opts...)
			const n = 400
			work := make(chan int)
			var wg sync.WaitGroup
			for range 16 {
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
			written := map[any]int{}
			for _, r := range s.Rows("new_vendorinvoices") {
				written[r["new_invoicenumber"]]++
			}
			for i := range n {
				if k := written[fmt.Sprintf("INV-B%03d", i)]; k != 1 {
					t.Errorf("invoice INV-B%03d written %d times, want once", i, k)
				}
			}
			rec.checkHonoured(t)
			throttled := s.Stats().Throttled[codeRequestLimit]
			if throttled == 0 {
				t.Error("no request-limit 429: the test did not exercise the request window")
			}
			t.Logf("%d request-limit 429s", throttled)
		})
	}
}

// sendLog is the destination's transport in TestWindowBrakeAgainstTheEmulator:
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
