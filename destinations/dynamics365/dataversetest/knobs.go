package dataversetest

import (
	"context"
	"crypto/x509"
	"fmt"
	"sync"
	"time"
)

// SetDown switches the Web API to answering every request with 503 (true)
// or back to normal (false).
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// SetLatency changes the latency added to every Web API request.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// SetExecTime changes the simulated execution time per operation.
func (s *Server) SetExecTime(d time.Duration) { s.execTime.Store(int64(d)) }

// SetDOPHint changes the x-ms-dop-hint header value (0 = back to
// Config.DOPHint). Dataverse's hint is per web server while the limits are
// per user, so a hint above the concurrency limit is realistic.
func (s *Server) SetDOPHint(n int) { s.dop.Store(int64(max(n, 0))) }

// SetLimits changes the service-protection limits (history is kept).
func (s *Server) SetLimits(l Limits) { s.limits.set(l) }

// Limits returns the effective limits (defaults filled in).
func (s *Server) Limits() Limits { return s.limits.get() }

// FreezeWindows stops the service-protection windows from sliding with the
// clock: requests and execution time fill a window whatever the machine's
// speed, and the windows move on only by the Retry-After of each 429 the
// server answers (a client that honours it sends again no earlier). Tests
// use it so that a limit is reached, and left behind, the same way on a
// slow, loaded machine as on a fast one.
func (s *Server) FreezeWindows() { s.limits.freeze() }

// Throttles receives the error code of each 429 the service-protection
// limits answer (not injected faults), in order; it keeps the first 4,096
// nobody has received.
func (s *Server) Throttles() <-chan string { return s.limits.throttles }

// ResetLimits forgets every user's request and execution-time history.
func (s *Server) ResetLimits() { s.limits.reset() }

// AddFault adds a fault-injection rule; rules are tried in order.
func (s *Server) AddFault(f Fault) { s.faults.add(f) }

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() { s.faults.clear() }

// SetTokenOutage makes the token endpoint answer 503
// temporarily_unavailable (true) or work again (false).
func (s *Server) SetTokenOutage(down bool) {
	s.tokens.mu.Lock()
	s.tokens.outage = down
	s.tokens.mu.Unlock()
}

// FailNextTokens makes the next n token requests fail with 503.
func (s *Server) FailNextTokens(n int) {
	s.tokens.mu.Lock()
	s.tokens.failNext = n
	s.tokens.mu.Unlock()
}

// ExpireTokens makes every token issued so far expired: the Web API
// answers 401 (code 0x8005F101) until the client gets a new token.
func (s *Server) ExpireTokens() {
	now := s.cfg.Now()
	s.tokens.mu.Lock()
	for _, t := range s.tokens.tokens {
		t.expires = now
	}
	s.tokens.mu.Unlock()
}

// RevokeTokens forgets every token issued so far: the Web API answers 401
// as for a token it never issued.
func (s *Server) RevokeTokens() {
	s.tokens.mu.Lock()
	clear(s.tokens.tokens)
	s.tokens.mu.Unlock()
}

// IssuedTokens returns every access token the token service (or
// IssueToken) has issued, expired and revoked ones included, oldest first:
// tests grep logs and outputs for them.
func (s *Server) IssuedTokens() []string {
	s.tokens.mu.RLock()
	defer s.tokens.mu.RUnlock()
	return append([]string(nil), s.tokens.history...)
}

// IssueToken returns a valid access token for the Web API without a token
// request (not counted in TokenRequests).
func (s *Server) IssueToken() string { return s.tokens.issue(s.ClientID, s.URL) }

// TrustClientCertificate registers cert for the certificate credential of
// ClientID.
func (s *Server) TrustClientCertificate(cert *x509.Certificate) {
	s.tokens.mu.Lock()
	s.tokens.certs = append(s.tokens.certs, cert)
	s.tokens.mu.Unlock()
}

// NewClientCertificate generates an RSA client certificate, trusts it, and
// returns the PEM bundle (certificate + PKCS#8 key) for
// azidentity.ParseCertificates or AZURE_CLIENT_CERTIFICATE_PATH.
func (s *Server) NewClientCertificate() ([]byte, error) {
	pemBytes, cert, err := GenerateClientCertificate("dataversetest client " + s.ClientID)
	if err != nil {
		return nil, err
	}
	s.TrustClientCertificate(cert)
	return pemBytes, nil
}

// Gate holds admitted Web API requests (after the service-protection
// check, before execution) until Release, so tests can create in-flight
// requests deterministically.
type Gate struct {
	path    string // only requests whose path starts with it wait
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

// Hold installs a gate: every admitted request then waits for Release.
// Each waiting request sends once on Arrived.
func (s *Server) Hold() *Gate { return s.HoldPath("") }

// HoldPath is Hold for the requests whose decoded path below the service
// root starts with prefix ("$batch" holds the writes and lets lookups,
// metadata and WhoAmI through).
func (s *Server) HoldPath(prefix string) *Gate {
	g := &Gate{path: prefix, arrived: make(chan struct{}, 1024), release: make(chan struct{})}
	s.gate.Store(g)
	return g
}

// Arrived receives one value per request that reached the gate.
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Release lets every held request (and later ones) through.
func (g *Gate) Release() { g.once.Do(func() { close(g.release) }) }

func (g *Gate) wait(ctx context.Context) {
	select {
	case g.arrived <- struct{}{}:
	default:
	}
	select {
	case <-g.release:
	case <-ctx.Done():
	}
}

// Unhold removes the gate (after releasing it).
func (s *Server) Unhold() {
	if g := s.gate.Swap(nil); g != nil {
		g.Release()
	}
}

// String describes the server without secrets.
func (s *Server) String() string {
	return fmt.Sprintf("dataversetest.Server{URL: %s, AuthorityHost: %s}", s.URL, s.AuthorityHost)
}
