package queue

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeNow is a settable clock.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeNow) add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func open(t *testing.T, path string, clock *fakeNow) *Queue {
	t.Helper()
	q, err := Open(path, Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func setup(t *testing.T) (*Queue, *fakeNow, string) {
	t.Helper()
	clock := &fakeNow{t: time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "queue.db")
	return open(t, path, clock), clock, path
}

func put(t *testing.T, q *Queue, doc, event string, want Result) {
	t.Helper()
	got, err := q.Put(Notice{DocumentID: doc, EventID: event, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Put(%s, %s) = %s, want %s", doc, event, got, want)
	}
}

// take takes an entry that must be ready now.
func take(t *testing.T, q *Queue) Item {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // nothing to wait for: a ready entry is returned before ctx is looked at
	it, err := q.Take(ctx)
	if err != nil {
		t.Fatalf("Take: %v, want a ready entry", err)
	}
	return it
}

// empty asserts that no entry is ready.
func empty(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if it, err := q.Take(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Take = %+v, %v; want no ready entry", it, err)
	}
}

func TestDeduplication(t *testing.T) {
	q, _, _ := setup(t)
	put(t, q, "doc_1", "evt_1", Accepted)
	put(t, q, "doc_1", "evt_1", Duplicate) // the same event retried
	put(t, q, "doc_1", "evt_2", Merged)    // another event, same document
	put(t, q, "doc_1", "", Merged)         // an executor notify without id
	put(t, q, "doc_2", "evt_3", Accepted)
	if s := q.Stats(); s.Depth != 2 {
		t.Fatalf("depth = %d, want 2", s.Depth)
	}
	first := take(t, q)
	second := take(t, q)
	if first.DocumentID != "doc_1" || second.DocumentID != "doc_2" {
		t.Fatalf("took %s then %s, want doc_1 then doc_2 (oldest first)", first.DocumentID, second.DocumentID)
	}
	empty(t, q) // each document is in flight once
	for _, it := range []Item{first, second} {
		if err := q.Done(it); err != nil {
			t.Fatal(err)
		}
	}
	empty(t, q)
	put(t, q, "doc_1", "evt_1", Duplicate) // remembered after delivery
	if s := q.Stats(); s.Depth != 0 {
		t.Fatalf("depth = %d, want 0", s.Depth)
	}
}

func TestNotificationDuringFlightIsDeliveredAgain(t *testing.T) {
	q, _, _ := setup(t)
	put(t, q, "doc_1", "evt_1", Accepted)
	it := take(t, q)
	put(t, q, "doc_1", "evt_2", Merged) // arrives while the first read may be stale
	empty(t, q)
	if err := q.Done(it); err != nil {
		t.Fatal(err)
	}
	again := take(t, q)
	if again.DocumentID != "doc_1" || again.Gen == it.Gen {
		t.Fatalf("took %+v, want doc_1 with a newer generation than %d", again, it.Gen)
	}
	if err := q.Done(again); err != nil {
		t.Fatal(err)
	}
	empty(t, q)
}

func TestRetry(t *testing.T) {
	q, clock, _ := setup(t)
	put(t, q, "doc_1", "", Accepted)
	it := take(t, q)
	n, err := q.Retry(it, clock.now().Add(time.Minute), true)
	if err != nil || n != 1 {
		t.Fatalf("Retry = %d, %v; want 1, nil", n, err)
	}
	empty(t, q)
	clock.add(time.Minute)
	it = take(t, q)
	if it.Attempts != 1 {
		t.Fatalf("attempts = %d, want 1", it.Attempts)
	}
	if _, err := q.Retry(it, clock.now().Add(time.Hour), true); err != nil {
		t.Fatal(err)
	}
	put(t, q, "doc_1", "", Merged) // a new notification makes it ready at once
	if it = take(t, q); it.Attempts != 2 {
		t.Fatalf("attempts = %d, want 2", it.Attempts)
	}
}

func TestResumeAfterReopen(t *testing.T) {
	q, clock, path := setup(t)
	put(t, q, "doc_1", "evt_1", Accepted)
	put(t, q, "doc_2", "evt_2", Accepted)
	take(t, q) // in flight when the process stops
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Put(Notice{DocumentID: "x"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close = %v, want ErrClosed", err)
	}
	q = open(t, path, clock)
	got := map[string]bool{take(t, q).DocumentID: true, take(t, q).DocumentID: true}
	if !got["doc_1"] || !got["doc_2"] {
		t.Fatalf("after reopen took %v, want doc_1 and doc_2", got)
	}
	put(t, q, "doc_1", "evt_1", Duplicate) // event ids survive too
}

func TestEventTTL(t *testing.T) {
	q, clock, path := setup(t)
	put(t, q, "doc_1", "evt_1", Accepted)
	if err := q.Done(take(t, q)); err != nil {
		t.Fatal(err)
	}
	q.Close()
	clock.add(DefaultEventTTL + time.Second)
	q = open(t, path, clock)
	put(t, q, "doc_1", "evt_1", Accepted) // forgotten after the TTL
}

func TestTakeWakesOnPut(t *testing.T) {
	q, _, _ := setup(t)
	got := make(chan Item)
	go func() {
		it, err := q.Take(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- it
	}()
	put(t, q, "doc_1", "", Accepted)
	if it := <-got; it.DocumentID != "doc_1" {
		t.Fatalf("took %s, want doc_1", it.DocumentID)
	}
}

func TestStats(t *testing.T) {
	q, clock, _ := setup(t)
	put(t, q, "doc_1", "", Accepted)
	clock.add(30 * time.Second)
	put(t, q, "doc_2", "", Accepted)
	take(t, q)
	want := Stats{Depth: 2, InFlight: 1, Oldest: 30 * time.Second}
	if got := q.Stats(); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
}
