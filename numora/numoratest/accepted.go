package numoratest

import (
	"context"
	"time"
)

// AcceptedCallback is a delivery callback the server answered 2xx (a
// byte-identical replay included): the document and when, on the server's
// clock.
type AcceptedCallback struct {
	DocumentID string
	At         time.Time
}

// noteAccepted records an accepted callback for id. The caller holds the
// lock.
func (s *Server) noteAccepted(id string) {
	s.accepted = append(s.accepted, AcceptedCallback{DocumentID: id, At: s.now()})
	s.acceptedDocs[id] = true
	close(s.acceptedCh)
	s.acceptedCh = make(chan struct{})
}

// AcceptedCallbacks returns the callbacks answered 2xx so far, oldest
// first.
func (s *Server) AcceptedCallbacks() []AcceptedCallback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]AcceptedCallback(nil), s.accepted...)
}

// AcceptedCount returns how many callbacks were answered 2xx so far.
func (s *Server) AcceptedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.accepted)
}

// WaitAccepted waits until docs different documents have an accepted
// callback, or ctx ends (its error is returned).
func (s *Server) WaitAccepted(ctx context.Context, docs int) error {
	for {
		s.mu.Lock()
		n, ch := len(s.acceptedDocs), s.acceptedCh
		s.mu.Unlock()
		if n >= docs {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// RequestCount returns how many requests the server received, whatever
// the request log (WithRequestLog) keeps.
func (s *Server) RequestCount() int64 { return s.served.Load() }
