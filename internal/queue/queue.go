// Package queue is the durable notification queue of notify mode: an
// embedded bbolt database holding one entry per document waiting for
// delivery, and the ids of the events already accepted.
//
// Put returns only after its transaction is committed and fsync'd, so a
// notification answered 2xx survives a crash. Concurrent Puts share one
// commit (bbolt's Batch), so the fsync cost is paid once per group rather
// than once per notification.
//
// De-duplication: an event id seen before (within EventTTL) is a
// duplicate and changes nothing; a notification for a document already
// queued bumps the entry's generation instead of adding a second entry, so
// a burst for one document delivers it once. Delivery always re-reads the
// document, so the latest state is what gets written.
//
// Take hands out ready entries, one document at a time (an entry in flight
// is not handed out again); Done removes the entry unless a newer
// notification arrived while it was in flight (then it is ready again, so
// that the newer state is read after it); Retry keeps it for later. What
// is in flight lives in memory only: after a crash every stored entry is
// ready again, which is how a restart resumes.
package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultEventTTL is how long accepted event ids are remembered.
const DefaultEventTTL = 72 * time.Hour

var (
	bucketDocs   = []byte("docs")
	bucketEvents = []byte("events")
)

// ErrClosed is returned by Take and Put after Close.
var ErrClosed = errors.New("queue: closed")

// Options tune Open; zero values are defaults.
type Options struct {
	// EventTTL is how long an event id is remembered for de-duplication;
	// default 72h.
	EventTTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OpenTimeout bounds the wait for the file lock another process holds;
	// default 5s.
	OpenTimeout time.Duration
}

// Queue is the durable queue. It is safe for concurrent use; one process
// at a time may open a file (bbolt holds an exclusive lock).
type Queue struct {
	db   *bolt.DB
	opts Options

	mu        sync.Mutex
	items     map[string]*Item // mirror of bucketDocs
	inFlight  map[string]bool
	changed   chan struct{} // closed and replaced when an entry may have become ready
	closed    bool
	lastPrune time.Time
}

// Open opens (or creates) the queue file at path and loads its entries:
// all of them are ready, whatever was in flight when the last process
// stopped.
func Open(path string, opts Options) (*Queue, error) {
	if opts.EventTTL <= 0 {
		opts.EventTTL = DefaultEventTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.OpenTimeout <= 0 {
		opts.OpenTimeout = 5 * time.Second
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.OpenTimeout})
	if err != nil {
		return nil, fmt.Errorf("queue: opening %s: %w", path, err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond // group concurrent Puts without holding a lone one for long
	q := &Queue{db: db, opts: opts, items: map[string]*Item{}, inFlight: map[string]bool{}, changed: make(chan struct{})}
	if err := q.load(); err != nil {
		db.Close()
		return nil, err
	}
	return q, nil
}

// load creates the buckets, prunes old event ids and reads the entries.
func (q *Queue) load() error {
	return q.db.Update(func(tx *bolt.Tx) error {
		docs, err := tx.CreateBucketIfNotExists(bucketDocs)
		if err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		if _, err := tx.CreateBucketIfNotExists(bucketEvents); err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		if err := pruneEvents(tx, q.opts.Now().Add(-q.opts.EventTTL)); err != nil {
			return err
		}
		q.lastPrune = q.opts.Now()
		return docs.ForEach(func(k, v []byte) error {
			it, err := decodeItem(k, v)
			if err != nil {
				return err
			}
			q.items[it.DocumentID] = it
			return nil
		})
	})
}

// Close closes the database. Entries in flight stay stored.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.signal()
	q.mu.Unlock()
	return q.db.Close()
}

// signal wakes the waiting Takes. The caller holds mu.
func (q *Queue) signal() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// Take waits until an entry is ready (stored, not in flight, its retry
// time passed), marks it in flight and returns a copy. It returns ctx's
// error when ctx ends, or ErrClosed.
func (q *Queue) Take(ctx context.Context) (Item, error) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return Item{}, ErrClosed
		}
		it, wait := q.next(q.opts.Now())
		if it != nil {
			q.inFlight[it.DocumentID] = true
			out := *it
			q.mu.Unlock()
			return out, nil
		}
		changed := q.changed
		q.mu.Unlock()
		if err := waitFor(ctx, changed, wait); err != nil {
			return Item{}, err
		}
	}
}

// next returns the oldest ready entry, or nil and how long until the
// earliest delayed one is due (0: none). The caller holds mu.
func (q *Queue) next(now time.Time) (*Item, time.Duration) {
	var best *Item
	var wait time.Duration
	for id, it := range q.items {
		if q.inFlight[id] {
			continue
		}
		if d := it.NotBefore.Sub(now); d > 0 {
			if wait == 0 || d < wait {
				wait = d
			}
			continue
		}
		if best == nil || it.before(best) {
			best = it
		}
	}
	return best, wait
}

// waitFor waits for changed, ctx or, when wait > 0, that long.
func waitFor(ctx context.Context, changed <-chan struct{}, wait time.Duration) error {
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-changed:
	case <-timeout:
	}
	return nil
}
