package numoratest

import "sync"

// Request is one request the server received, as the request log keeps it.
type Request struct {
	Method   string
	Path     string // escaped path and query, as sent
	Endpoint Endpoint
	// Status is the status answered; 0 when the connection was dropped.
	Status int
	// RequestID is the x-request-id the client sent ("" if none).
	RequestID string
	// AuthOK reports whether "Authorization: Bearer <APIKey>" was sent.
	AuthOK    bool
	UserAgent string
	// Fault describes the injected fault ("status 429", "drop",
	// "latency 1s"), "" if none.
	Fault string
}

// requestLog is a ring of the last limit requests.
type requestLog struct {
	limit int
	buf   []Request
	next  int // index of the oldest entry once buf is full
}

// add appends r, dropping the oldest entry when full; mu guards the log.
func (l *requestLog) add(mu *sync.Mutex, r Request) {
	mu.Lock()
	defer mu.Unlock()
	if len(l.buf) < l.limit {
		l.buf = append(l.buf, r)
		return
	}
	l.buf[l.next] = r
	l.next = (l.next + 1) % l.limit
}

// all returns the entries oldest first.
func (l *requestLog) all() []Request {
	out := make([]Request, 0, len(l.buf))
	out = append(out, l.buf[l.next:]...)
	return append(out, l.buf[:l.next]...)
}

// Requests returns the logged requests, oldest first (the last
// WithRequestLog of them).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests.all()
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests.buf, s.requests.next = nil, 0
}
