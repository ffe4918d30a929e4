package salesforcetest

import (
	"net/http"
	"strings"
)

// Fault makes matching requests fail: the next Times requests (top level
// or composite subrequests) whose "METHOD /path" (path after the version,
// e.g. "PATCH /sobjects/Invoice_Line__c/Line_Key__c/L1") contains Match
// get Status with the error body [{"message","errorCode"}]. The token
// endpoint matches as "POST /services/oauth2/token" and answers OAuth's
// {"error": Code, "error_description": Message}.
type Fault struct {
	Match   string
	Status  int
	Code    string
	Message string
	Times   int
}

// Common faults.
var (
	// LockRow is Salesforce's answer when another transaction holds a row.
	LockRow = Fault{Status: 400, Code: "UNABLE_TO_LOCK_ROW",
		Message: "unable to obtain exclusive access to this record or 1 records"}
	// Unavailable is a 503 during maintenance or overload.
	Unavailable = Fault{Status: 503, Code: "SERVER_UNAVAILABLE", Message: "Server is temporarily unavailable"}
	// ConcurrentLimit is the long-running-request concurrency limit.
	ConcurrentLimit = Fault{Status: 403, Code: "REQUEST_LIMIT_EXCEEDED",
		Message: "ConcurrentPerOrgLongTxn Limit exceeded."}
)

// Inject adds a fault: f fails the next f.Times matching requests (1 if
// Times is 0).
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, f)
}

// ClearFaults removes every injected fault, used up or not: the outage is
// over.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// FaultsLeft returns how many injected failures are still to come (the
// sum of the faults' remaining Times).
func (s *Server) FaultsLeft() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Times
	}
	return n
}

// fault returns the error of the first fault matching the request and
// uses it up, or nil. Called under the lock.
func (s *Server) fault(method, path string) *apiError {
	target := method + " " + path
	for i := range s.faults {
		f := &s.faults[i]
		if f.Times > 0 && strings.Contains(target, f.Match) {
			f.Times--
			return &apiError{Status: f.Status, Code: f.Code, Message: f.Message}
		}
	}
	return nil
}

// ExpireSessions invalidates every access token issued so far, as a
// session timeout or a revocation does: their next request gets 401
// INVALID_SESSION_ID.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = false
	}
}

// TokensIssued returns how many access tokens the token endpoint issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	return ok && s.tokens[tok]
}

// Gate holds one API request until released, so tests can act while a
// delivery is in flight without sleeping.
type Gate struct {
	match            string
	arrived, release chan struct{}
}

// Hold makes the next authenticated API request whose "METHOD /path"
// (path after the version, as for Fault) contains match wait at the
// returned gate.
func (s *Server) Hold(match string) *Gate {
	g := &Gate{match: match, arrived: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = g
	return g
}

// Arrived is closed once a request waits at the gate.
func (g *Gate) Arrived() <-chan struct{} { return g.arrived }

// Release lets the held request go on. Call it once.
func (g *Gate) Release() { close(g.release) }

// wait blocks the request at the pending gate, if it matches.
func (s *Server) wait(method, path string) {
	s.mu.Lock()
	g := s.gate
	if g == nil || !strings.Contains(method+" "+versionRE.ReplaceAllString(path, "$3"), g.match) {
		s.mu.Unlock()
		return
	}
	s.gate = nil
	s.mu.Unlock()
	close(g.arrived)
	<-g.release
}
