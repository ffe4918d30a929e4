package queue

import (
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Result says what Put did with a notification.
type Result string

// Put results.
const (
	Accepted  Result = "accepted"  // a new entry
	Merged    Result = "merged"    // the document was already queued: one delivery, latest state
	Duplicate Result = "duplicate" // the event id was seen before: nothing changed
)

// Notice is one notification to store.
type Notice struct {
	DocumentID string
	EventID    string // "" when the sender gave none
	Source     string
}

// Put stores n durably: when it returns nil, the commit is on disk.
func (q *Queue) Put(n Notice) (Result, error) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return "", ErrClosed
	}
	q.mu.Unlock()
	now := q.opts.Now()
	var res Result
	err := q.db.Batch(func(tx *bolt.Tx) error { // Batch may run this more than once
		var err error
		res, err = store(tx, n, now)
		return err
	})
	if err != nil {
		return "", err
	}
	if res != Duplicate {
		q.refresh(n.DocumentID, false)
	}
	q.maybePrune(now)
	return res, nil
}

// store records n's event id and creates or bumps its document's entry.
func store(tx *bolt.Tx, n Notice, now time.Time) (Result, error) {
	if n.EventID != "" {
		ev := tx.Bucket(bucketEvents)
		if ev.Get([]byte(n.EventID)) != nil {
			return Duplicate, nil
		}
		if err := ev.Put([]byte(n.EventID), stamp(now)); err != nil {
			return "", err
		}
	}
	docs := tx.Bucket(bucketDocs)
	gen, err := docs.NextSequence() // unique across deletes: Done never removes a newer entry
	if err != nil {
		return "", err
	}
	it := &Item{DocumentID: n.DocumentID, Gen: gen, First: gen, Received: now, Source: n.Source}
	res := Accepted
	if v := docs.Get([]byte(n.DocumentID)); v != nil {
		old, err := decodeItem([]byte(n.DocumentID), v)
		if err != nil {
			return "", err
		}
		it.Received, it.First, it.Attempts, res = old.Received, old.First, old.Attempts, Merged
	}
	return res, docs.Put([]byte(n.DocumentID), it.encode())
}

// Done ends the delivery of it: the entry is removed, unless a newer
// notification arrived meanwhile (then it is ready again).
func (q *Queue) Done(it Item) error {
	return q.settle(it, func(cur *Item) *Item { return nil })
}

// Retry keeps it for another attempt at notBefore (sooner if a newer
// notification arrives), counting a failed attempt when count is set, and
// returns the attempts counted so far.
func (q *Queue) Retry(it Item, notBefore time.Time, count bool) (int, error) {
	attempts := it.Attempts
	err := q.settle(it, func(cur *Item) *Item {
		next := *cur
		next.NotBefore = notBefore
		if count {
			next.Attempts++
		}
		attempts = next.Attempts
		return &next
	})
	return attempts, err
}

// Release gives an entry taken but not attempted back, unchanged.
func (q *Queue) Release(it Item) {
	q.mu.Lock()
	delete(q.inFlight, it.DocumentID)
	if !q.closed {
		q.signal()
	}
	q.mu.Unlock()
}

// settle writes what update makes of the entry (nil: delete) when its
// generation is still it.Gen; a newer entry is left ready.
func (q *Queue) settle(it Item, update func(cur *Item) *Item) error {
	err := q.db.Batch(func(tx *bolt.Tx) error {
		docs := tx.Bucket(bucketDocs)
		v := docs.Get([]byte(it.DocumentID))
		if v == nil {
			return nil
		}
		cur, err := decodeItem([]byte(it.DocumentID), v)
		if err != nil {
			return err
		}
		if cur.Gen != it.Gen {
			return nil // a newer notification: ready now
		}
		if next := update(cur); next != nil {
			return docs.Put([]byte(it.DocumentID), next.encode())
		}
		return docs.Delete([]byte(it.DocumentID))
	})
	q.refresh(it.DocumentID, true)
	return err
}

// refresh copies the committed entry of id into the in-memory mirror
// (ending its flight when done is set) and wakes the waiting Takes. It
// reads under mu, after the caller's commit, so the last refresh of a key
// always leaves the latest committed state, whatever order concurrent
// commits and refreshes ran in.
func (q *Queue) refresh(id string, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if done {
		delete(q.inFlight, id)
	}
	if q.closed {
		return
	}
	var it *Item
	_ = q.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketDocs).Get([]byte(id)); v != nil {
			it, _ = decodeItem([]byte(id), v)
		}
		return nil
	})
	if it == nil {
		delete(q.items, id)
	} else {
		q.items[id] = it
	}
	q.signal()
}

// maybePrune forgets event ids older than EventTTL, at most once an hour.
func (q *Queue) maybePrune(now time.Time) {
	q.mu.Lock()
	due := now.Sub(q.lastPrune) >= time.Hour
	if due {
		q.lastPrune = now
	}
	q.mu.Unlock()
	if due {
		_ = q.db.Update(func(tx *bolt.Tx) error { return pruneEvents(tx, now.Add(-q.opts.EventTTL)) })
	}
}

func pruneEvents(tx *bolt.Tx, before time.Time) error {
	ev := tx.Bucket(bucketEvents)
	c := ev.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) == 8 && time.Unix(0, int64(binary.BigEndian.Uint64(v))).Before(before) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	return nil
}

func stamp(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

// Stats are the queue's figures for metrics.
type Stats struct {
	Depth    int           // entries stored, in flight included
	InFlight int           // entries being delivered
	Oldest   time.Duration // age of the oldest entry; 0 when empty
}

// Stats returns the current figures.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := Stats{Depth: len(q.items), InFlight: len(q.inFlight)}
	now := q.opts.Now()
	for _, it := range q.items {
		s.Oldest = max(s.Oldest, now.Sub(it.Received))
	}
	return s
}

// ReleaseAll gives back every entry in flight, unchanged: the pass that
// took them ended without attempting them.
func (q *Queue) ReleaseAll() {
	q.mu.Lock()
	clear(q.inFlight)
	if !q.closed {
		q.signal()
	}
	q.mu.Unlock()
}

// Ping reports whether the queue can be read: ErrClosed after Close.
func (q *Queue) Ping() error {
	q.mu.Lock()
	closed := q.closed
	q.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return q.db.View(func(*bolt.Tx) error { return nil })
}
