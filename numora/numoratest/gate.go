package numoratest

import (
	"context"
	"sync"
)

// Gate holds the requests to one endpoint until Release, so tests can put
// workers in a known state (every one waiting in a callback, say) without
// sleeps. Build one with Server.Hold.
type Gate struct {
	endpoint Endpoint
	arrived  chan struct{}
	release  chan struct{}
	once     sync.Once
}

// Hold installs a gate: every request to endpoint (or AnyEndpoint) then
// waits, before it is handled, until Release or until its client gives
// up. Each waiting request sends once on Arrived. A new Hold replaces the
// previous gate, releasing it.
func (s *Server) Hold(endpoint Endpoint) *Gate {
	g := &Gate{endpoint: endpoint, arrived: make(chan struct{}, 1024), release: make(chan struct{})}
	s.mu.Lock()
	prev := s.gate
	s.gate = g
	s.mu.Unlock()
	if prev != nil {
		prev.Release()
	}
	return g
}

// Unhold removes the gate, releasing the requests it holds.
func (s *Server) Unhold() {
	s.mu.Lock()
	g := s.gate
	s.gate = nil
	s.mu.Unlock()
	if g != nil {
		g.Release()
	}
}

// Arrived receives one value per request that reached the gate.
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Release lets every held request (and later ones) through.
func (g *Gate) Release() { g.once.Do(func() { close(g.release) }) }

// hold waits at the gate, if one holds endpoint.
func (s *Server) hold(ctx context.Context, endpoint Endpoint) {
	s.mu.Lock()
	g := s.gate
	s.mu.Unlock()
	if g == nil || (g.endpoint != AnyEndpoint && g.endpoint != endpoint) {
		return
	}
	select {
	case g.arrived <- struct{}{}:
	default:
	}
	select {
	case <-g.release:
	case <-ctx.Done():
	case <-s.done:
	}
}
