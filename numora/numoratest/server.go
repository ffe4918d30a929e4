package numoratest

import (
	"context"
	crand "crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/numora/numora-connector/numora"
)

// Server is the emulator. URL and APIKey are what a client needs. The zero
// value is not usable; build one with New, NewServer or NewServerOn.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port", or "" for a Server
	// made with New and served by the caller.
	URL string
	// APIKey is the only key the server accepts.
	APIKey string

	cfg       settings
	hs        *httptest.Server
	done      chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	rng       *rand.Rand
	docs      []*doc
	byID      map[string]*doc
	faults    []*faultRule
	gate      *Gate
	requests  requestLog
	dispatchO numora.Status
	dispatchD time.Duration
	notify    *notifier // nil: no notifications are sent
	// rotatedKey replaces APIKey once set (RotateAPIKey).
	rotatedKey string
	// served counts every request received (the log keeps the last few).
	served atomic.Int64
	// accepted are the callbacks answered 2xx, in order; acceptedDocs
	// the documents among them; acceptedCh is closed (and replaced) at
	// each one, waking WaitAccepted.
	accepted     []AcceptedCallback
	acceptedDocs map[string]bool
	acceptedCh   chan struct{}
}

// New returns a Server that is not listening: use it as an http.Handler.
func New(opts ...Option) *Server {
	cfg := newSettings(opts)
	return &Server{APIKey: cfg.apiKey, cfg: cfg, done: make(chan struct{}),
		rng:          rand.New(rand.NewPCG(uint64(cfg.seed), 0x6e756d6f7261)),
		byID:         map[string]*doc{},
		acceptedDocs: map[string]bool{}, acceptedCh: make(chan struct{}),
		requests:  requestLog{limit: cfg.requestLog},
		dispatchO: cfg.dispatchOutcome, dispatchD: cfg.dispatchDelay}
}

// NewServer returns a Server listening on 127.0.0.1 (an httptest server).
// Close it when done.
func NewServer(opts ...Option) *Server {
	s := New(opts...)
	s.hs = httptest.NewServer(s)
	s.URL = s.hs.URL
	return s
}

// NewServerOn returns a Server listening on addr ("127.0.0.1:8090",
// "localhost:0"), which must be a loopback address.
func NewServerOn(addr string, opts ...Option) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("numoratest: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("numoratest: address %q is not a loopback address", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("numoratest: %w", err)
	}
	s := New(opts...)
	s.hs = httptest.NewUnstartedServer(s)
	s.hs.Listener.Close()
	s.hs.Listener = l
	s.hs.Start()
	s.URL = s.hs.URL
	return s, nil
}

// Close stops the server, cutting injected latency short. It is safe to
// call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.hs != nil {
			s.hs.Close()
		}
	})
}

// ServeHTTP handles one API request: request id, fault injection, API-key
// check, then the endpoint; every request lands in the request log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.served.Add(1)
	if s.cfg.latency > 0 {
		if s.sleep(r.Context(), s.cfg.latency); r.Context().Err() != nil {
			return
		}
	}
	rt := route(r)
	entry := Request{Method: r.Method, Path: r.URL.RequestURI(), Endpoint: rt.endpoint,
		RequestID: r.Header.Get("x-request-id"), AuthOK: s.authOK(r), UserAgent: r.UserAgent()}
	rid := entry.RequestID
	if rid == "" {
		rid = s.newRequestID()
	}
	w.Header().Set("x-request-id", rid)
	sw := &statusWriter{ResponseWriter: w}
	s.hold(r.Context(), rt.endpoint)
	f := s.pickFault(rt.endpoint)
	if f != nil {
		entry.Fault = f.describe()
		if f.Latency > 0 {
			s.sleep(r.Context(), f.Latency)
		}
	}
	status, dropConn := s.serveWithFault(&exchange{w: sw, r: r, rid: rid, route: rt, auth: entry.AuthOK}, f)
	entry.Status = status
	s.requests.add(&s.mu, entry) // before a drop, so the log is complete when the client sees it
	if dropConn {
		drop(w)
	}
}

// serveWithFault runs the endpoint unless the fault replaces it. It returns
// the status sent, or 0 and true when the connection must be dropped.
func (s *Server) serveWithFault(ex *exchange, f *Fault) (int, bool) {
	switch {
	case f == nil || (f.Status == 0 && !f.Drop && !f.raw()):
		s.serve(ex)
		return ex.w.status(), false
	case f.AfterHandling:
		rec := httptest.NewRecorder()
		s.serve(&exchange{w: &statusWriter{ResponseWriter: rec}, r: ex.r, rid: ex.rid, route: ex.route, auth: ex.auth})
	}
	if f.Drop {
		return 0, true
	}
	writeFault(ex.w, f, ex.rid)
	return ex.w.status(), false
}

// serve checks the key and runs the endpoint.
func (s *Server) serve(ex *exchange) {
	switch {
	case ex.route.handler == nil:
		writeError(ex.w, ex.route.status, ex.route.code, ex.route.message, ex.rid)
	case !ex.auth:
		writeError(ex.w, http.StatusUnauthorized, "unauthorized", "missing or invalid API key", ex.rid)
	default:
		ex.route.handler(s, ex)
	}
}

// authOK reports whether r carries "Authorization: Bearer <key>" with the
// key the server accepts: APIKey, or the last one RotateAPIKey set.
func (s *Server) authOK(r *http.Request) bool {
	got := []byte(r.Header.Get("Authorization"))
	want := []byte("Bearer " + s.acceptedKey())
	return subtle.ConstantTimeCompare(got, want) == 1
}

// newRequestID returns a server-side request id for requests without one.
func (s *Server) newRequestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "req_" + randomID(s.rng)
}

// sleep waits d on the server's clock, holding no lock, cut short when the
// request ends or the server closes.
func (s *Server) sleep(ctx context.Context, d time.Duration) {
	ctx, cancel := s.untilClosed(ctx)
	defer cancel()
	_ = s.cfg.clock.Sleep(ctx, d)
}

// untilClosed returns ctx, also cancelled when the server closes.
func (s *Server) untilClosed(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// now returns the server clock's time in UTC, to the millisecond.
func (s *Server) now() time.Time { return s.cfg.clock.Now().UTC().Truncate(time.Millisecond) }

// randomKey returns a fresh "sk_test_..." key.
func randomKey() string { return "sk_test_" + crand.Text() }
