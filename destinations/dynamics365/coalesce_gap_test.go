package dynamics365

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
)

// docKey marks a Deliver's context with its document, so that heldClock
// can tell whose wait it is.
type docKey struct{}

// heldClock is a fake clock whose sleeps on a marked context wait until
// the test releases that document: the test chooses which waiting Deliver
// goes first. Unmarked sleeps are the fake clock's.
type heldClock struct {
	*retry.FakeClock

	mu       sync.Mutex
	released map[string]chan struct{}
	sleeping map[string]int
	changed  chan struct{}
}

func newHeldClock() *heldClock {
	return &heldClock{FakeClock: retry.NewFakeClock(time.Now()), released: map[string]chan struct{}{},
		sleeping: map[string]int{}, changed: make(chan struct{})}
}

func (c *heldClock) Sleep(ctx context.Context, d time.Duration) error {
	doc, ok := ctx.Value(docKey{}).(string)
	if !ok {
		return c.FakeClock.Sleep(ctx, d)
	}
	c.mu.Lock()
	rel := c.releaseOf(doc)
	c.sleeping[doc]++
	c.notify()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.sleeping[doc]--
		c.notify()
		c.mu.Unlock()
	}()
	select {
	case <-rel:
		c.Advance(d)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// releaseOf returns the channel that releases doc; c.mu is held.
func (c *heldClock) releaseOf(doc string) chan struct{} {
	if c.released[doc] == nil {
		c.released[doc] = make(chan struct{})
	}
	return c.released[doc]
}

func (c *heldClock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// release lets doc's sleeps, now and later, end.
func (c *heldClock) release(doc string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.releaseOf(doc))
}

// awaitSleeping waits until each of docs sleeps.
func (c *heldClock) awaitSleeping(docs ...string) {
	for {
		c.mu.Lock()
		all, changed := true, c.changed
		for _, doc := range docs {
			all = all && c.sleeping[doc] > 0
		}
		c.mu.Unlock()
		if all {
			return
		}
		<-changed
	}
}

// gapBound bounds the wait for a delivery that must finish. It is
// generous (the deliveries are a few loopback requests): it only turns a
// Deliver that waits forever into a failure instead of a hung test.
const gapBound = 30 * time.Second

// TestLeftOutChangeSetIsStillSent: a document whose Deliver is admitted
// first while ten older change sets wait sends those ten (a $batch holds
// at most MaxBatchDocuments), whose own Deliveries then stop waiting for
// admission. Nobody else is left to send the eleventh: its own Deliver
// must ask for another request for it rather than wait forever (issue 13).
// The order is the test's: every Deliver waits out a Retry-After pause on
// heldClock, and only the eleventh is released.
func TestLeftOutChangeSetIsStillSent(t *testing.T) {
	clock := newHeldClock()
	d, s, _ := emu(t, []dataversetest.Option{dataversetest.WithClock(clock.Now)}, func(c *Config) {
		c.Clock, c.MaxConcurrency, c.InitialConcurrency = clock, 1, 1
	})
	seedVendor(s)
	ctx := context.Background()
	if _, err := d.Deliver(ctx, invoicePlan(mapping.ModeUpsert, "INV-WARM", mapping.OnMissingFail)); err != nil {
		t.Fatalf("warm-up delivery: %v", err)
	}
	// X's write gets a 429 whose Retry-After pauses every sender.
	s.AddFault(dataversetest.Fault{Kind: dataversetest.FaultStatus, Status: http.StatusTooManyRequests,
		Code: dataversetest.CodeConcurrency, Path: "$batch", RetryAfter: time.Second, Count: 1})
	x := deliverAsync(context.WithValue(ctx, docKey{}, "X"), d, invoicePlan(mapping.ModeUpsert, "INV-X", mapping.OnMissingFail))
	clock.awaitSleeping("X")
	docs := make([]string, MaxBatchDocuments+1)
	waiting := make([]<-chan delivery, len(docs))
	for i := range docs {
		docs[i] = fmt.Sprintf("INV-%02d", i)
		waiting[i] = deliverAsync(context.WithValue(ctx, docKey{}, docs[i]), d,
			invoicePlan(mapping.ModeUpsert, docs[i], mapping.OnMissingFail))
		queued(d, i+1) // queued in this order, oldest first
	}
	clock.awaitSleeping(docs...)
	last := docs[len(docs)-1]
	clock.release(last) // the newest goes first and sends the ten oldest
	timeout := time.After(gapBound)
	for i, ch := range waiting {
		select {
		case r := <-ch:
			if r.err != nil {
				t.Errorf("%s: %v", docs[i], r.err)
			}
		case <-timeout:
			t.Fatalf("%s not delivered after %v: its Deliver waits for a sender that never comes", docs[i], gapBound)
		}
	}
	clock.release("X")
	if r := <-x; r.err != nil {
		t.Errorf("INV-X: %v", r.err)
	}
	for _, doc := range docs {
		if _, ok := findInvoice(s, doc); !ok {
			t.Errorf("%s not written", doc)
		}
	}
}
