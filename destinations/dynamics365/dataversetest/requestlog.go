package dataversetest

import (
	"maps"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one logged Web API request, or one operation inside a
// $batch (InBatch, with Batch = the Seq of the enclosing $batch).
type Request struct {
	Seq    int64 // arrival order, from 1
	Time   time.Time
	Method string
	// URL is the path and query as received (the request-line URL for a
	// batch operation); Path is the decoded path below the service root.
	URL, Path string
	// Header is the request's headers; Authorization is redacted to its
	// scheme.
	Header http.Header
	Body   string // first 64 KiB
	User   string // token subject; "" when authentication failed
	// Status is the response status; 0 when the connection was dropped.
	Status    int
	Code      string // Dataverse error code of an error response
	InBatch   bool
	Batch     int64  // Seq of the enclosing $batch
	ChangeSet int    // 1-based change set index within the batch; 0 = none
	ContentID string // Content-ID of a batch operation
	Ops       int    // for a $batch: operations in it
	Fault     string // "status", "drop" or "slow" when a fault was injected
	// RequestID is the id the response carried in REQ_ID and
	// x-ms-service-request-id; "" for a batch operation (a failed one
	// carries its own REQ_ID in its part of the $batch response).
	RequestID string
}

// Stats are the emulator's counters since start (or ResetCounters).
type Stats struct {
	Requests      int64            // Web API requests received, $batch = 1
	Operations    int64            // operations executed ($batch parts each count)
	Batches       int64            // $batch requests
	TokenRequests int64            // token endpoint calls
	Throttled     map[string]int64 // 429s by Dataverse code
	Unauthorized  int64            // 401s
	Faults        int64            // injected faults
}

const maxLoggedBody = 64 << 10

// requestLog is a bounded ring of recent requests plus the counters.
type requestLog struct {
	seq atomic.Int64

	mu        sync.Mutex
	cap       int
	entries   []Request
	next      int
	stats     Stats
	throttled map[string]int64
}

func newRequestLog(capacity int) *requestLog {
	return &requestLog{cap: capacity, throttled: map[string]int64{}}
}

func (l *requestLog) nextSeq() int64 { return l.seq.Add(1) }

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.InBatch {
		l.stats.Operations++
	} else {
		l.stats.Requests++
		if r.Ops > 0 {
			l.stats.Batches++
		} else if r.Status != http.StatusTooManyRequests && r.Status != http.StatusUnauthorized && r.Fault == "" {
			l.stats.Operations++
		}
	}
	switch {
	case r.Status == http.StatusTooManyRequests && !r.InBatch:
		l.throttled[r.Code]++
	case r.Status == http.StatusUnauthorized:
		l.stats.Unauthorized++
	}
	if r.Fault != "" {
		l.stats.Faults++
	}
	if l.cap <= 0 {
		return
	}
	if len(r.Body) > maxLoggedBody {
		r.Body = r.Body[:maxLoggedBody]
	}
	if len(l.entries) < l.cap {
		l.entries = append(l.entries, r)
		return
	}
	l.entries[l.next] = r
	l.next = (l.next + 1) % l.cap
}

func (l *requestLog) list() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Request, 0, len(l.entries))
	out = append(out, l.entries[l.next:]...)
	out = append(out, l.entries[:l.next]...)
	slices.SortStableFunc(out, func(a, b Request) int { return compareInt(a.Seq, b.Seq) })
	return out
}

func (l *requestLog) snapshot() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Throttled = maps.Clone(l.throttled)
	return s
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries, l.next, l.stats, l.throttled = nil, 0, Stats{}, map[string]int64{}
}

// loggedHeader copies h with Authorization reduced to its scheme.
func loggedHeader(h http.Header) http.Header {
	c := h.Clone()
	if a := c.Get("Authorization"); a != "" {
		scheme, _, _ := cutSpace(a)
		c.Set("Authorization", scheme+" [redacted]")
	}
	return c
}

func cutSpace(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
