// Package salesforcetest is an in-process emulator of the Salesforce REST
// API and its OAuth 2.0 token endpoint, for tests and the sandbox. It
// reproduces the request/response pairs of the Salesforce reference (see
// docs/salesforce.md): the client-credentials and JWT-bearer token flows
// (instance_url, no expires_in), upsert by external ID (201/200/300),
// Composite with allOrNone (per-subrequest results, rollback), relationship
// references by external ID, DELETE, SOQL queries, describe, /limits and
// the Sforce-Limit-Info header, and error bodies
// [{"message","errorCode","fields"}], with knobs for faults, expired
// sessions, the daily allocation and held requests. It serves TLS on
// loopback only.
package salesforcetest

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
)

// APIVersion is the REST API version the emulator is usually addressed
// with; it serves any vXX.X from v46.0 (upsert answers 200 on update).
const APIVersion = "v62.0"

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the My Domain URL (the token endpoint is
	// URL+"/services/oauth2/token") and the instance_url tokens name.
	URL string
	// ClientID and ClientSecret are the external client app's consumer key
	// and secret; Username is the user JWT assertions name.
	ClientID, ClientSecret, Username string

	srv  *httptest.Server
	addr string         // WithAddr; "" = any free loopback port
	key  *rsa.PublicKey // JWT bearer: the certificate's key; nil refuses the flow

	mu       sync.Mutex
	st       *store
	tokens   map[string]bool
	issued   int
	used     int
	max      int
	faults   []Fault
	pageSize int
	// cursors hold the records of queries beyond their first page.
	cursors   map[string]cursorState
	cursorSeq int
	gate      *Gate
	requests  []Request
}

// Option configures a Server.
type Option func(*Server)

// WithModel replaces DefaultModel.
func WithModel(objects []Object) Option {
	return func(s *Server) { s.st = newStore(objects) }
}

// WithPageSize sets how many records a query page holds (Salesforce:
// up to 2,000, the default).
func WithPageSize(n int) Option { return func(s *Server) { s.pageSize = n } }

// WithAddr listens on addr (a loopback "127.0.0.1:port"), for the
// sandbox, which needs a fixed address; NewServer panics if it cannot.
func WithAddr(addr string) Option { return func(s *Server) { s.addr = addr } }

// WithJWTKey accepts JWT bearer assertions signed by the private key of
// pub (the certificate uploaded to the app).
func WithJWTKey(pub *rsa.PublicKey) Option { return func(s *Server) { s.key = pub } }

// WithAllocation sets the daily API allocation: used of max requests.
func WithAllocation(used, max int) Option { return func(s *Server) { s.used, s.max = used, max } }

// NewServer starts an emulator on a loopback TLS listener. Close it when
// done; Client returns an *http.Client that trusts its certificate.
func NewServer(opts ...Option) *Server {
	s := &Server{ClientID: "3MVG9emulator.consumer.key", ClientSecret: "emulator-consumer-secret",
		Username: "integration@numora.example", tokens: map[string]bool{}, max: 100000,
		pageSize: 2000, cursors: map[string]cursorState{},
		st: newStore(DefaultModel())}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /services/oauth2/token", s.serveToken)
	mux.HandleFunc("/services/data/", s.serveData)
	s.srv = httptest.NewUnstartedServer(mux)
	if s.addr != "" {
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			panic(fmt.Sprintf("salesforcetest: listening on %s: %v", s.addr, err))
		}
		_ = s.srv.Listener.Close()
		s.srv.Listener = l
	}
	// URL is known before the server serves: handlers read it, and a
	// request may arrive at once (a client of an earlier server on a
	// reused port).
	s.URL = "https://" + s.srv.Listener.Addr().String()
	s.srv.StartTLS()
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client that trusts the emulator's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Certificate returns the server's TLS certificate, for a client's root
// CAs.
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/services/oauth2/token" }

// Request is one API request the emulator received.
type Request struct {
	Method, Path, Query, Body string
}

// Requests returns the API requests received so far (token requests not
// included), in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Usage returns the daily API requests used and the allocation.
func (s *Server) Usage() (used, max int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, s.max
}

// SetUsage sets the daily API requests used and the allocation.
func (s *Server) SetUsage(used, max int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used, s.max = used, max
}
