// Package dataversetest is an in-process emulator of the Dataverse
// (Dynamics 365) Web API and the Entra ID token service, for tests, the
// sandbox and benchmarks. It behaves as docs/dataverse-emulator.md and
// the Dataverse reference describe: a table model from
// testdata/tables.yaml, creates and upserts with conditional headers,
// @odata.bind, validation errors in Dataverse's shapes, $filter queries,
// $batch change sets, WhoAmI, EntityDefinitions, bearer-token checks,
// service-protection 429s, and seeded fault injection.
package dataversetest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the organization (environment) URL, e.g.
	// "https://127.0.0.1:41234"; the Web API is under URL+"/api/data/v9.2/"
	// and the token scope is URL+"/.default".
	URL string
	// AuthorityHost is the token service's authority host with a trailing
	// slash, for azcore's cloud.Configuration.ActiveDirectoryAuthorityHost
	// or AZURE_AUTHORITY_HOST.
	AuthorityHost string
	// TenantID, ClientID and ClientSecret are the registered application.
	TenantID, ClientID, ClientSecret string

	cfg    Config
	schema *schema
	ca     *authority
	tokens *tokenService
	store  *store
	limits *limiter
	faults *faultSet
	log    *requestLog
	ids    *idGen
	client *http.Client
	meta   map[string]*entityMeta // by logical name

	apiSrv, tokSrv *http.Server
	closeOnce      sync.Once

	down     atomic.Bool
	latency  atomic.Int64 // time.Duration
	execTime atomic.Int64 // time.Duration
	dop      atomic.Int64 // x-ms-dop-hint override; 0 = Config.DOPHint
	gate     atomic.Pointer[Gate]
}

// NewServer starts an emulator on loopback and panics if it cannot (like
// httptest.NewServer). Call Close when done, or pass WithCleanup(t).
func NewServer(opts ...Option) *Server {
	var cfg Config
	for _, o := range opts {
		o(&cfg)
	}
	s, err := Start(cfg)
	if err != nil {
		panic(err)
	}
	return s
}

// Start starts an emulator from cfg; it does not need a *testing.T, so
// the sandbox can run it on fixed loopback addresses.
func Start(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if cfg.Model == nil {
		cfg.Model = DefaultModel()
	}
	sch, err := compileModel(cfg.Model)
	if err != nil {
		return nil, err
	}
	ca, err := newAuthority(cfg.CADir)
	if err != nil {
		return nil, err
	}
	s := &Server{TenantID: cfg.TenantID, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		cfg: cfg, schema: sch, ca: ca, store: newStore(sch), limits: newLimiter(cfg.Limits, cfg.Now, cfg.ExtendPenalties),
		faults: newFaultSet(cfg.Seed), log: newRequestLog(cfg.RequestLog), ids: newIDGen(cfg.Seed),
		meta: buildMetadata(sch)}
	s.latency.Store(int64(cfg.Latency))
	s.execTime.Store(int64(cfg.ExecTime))
	if err := s.listen(); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.seedModel(); err != nil {
		s.Close()
		return nil, err
	}
	if cfg.Cleanup != nil {
		cfg.Cleanup.Cleanup(s.Close)
	}
	return s, nil
}

// listen opens both listeners and starts serving once both addresses are
// known: a request may arrive the moment a listener serves (a client of an
// earlier server on a reused port, say), and the token service reads URL.
func (s *Server) listen() error {
	tokLn, err := s.listenTLS(s.cfg.TokenAddr)
	if err != nil {
		return err
	}
	s.tokens = &tokenService{cfg: &s.cfg, base: "https://" + tokLn.Addr().String(), tokens: map[string]*issuedToken{},
		resource: func() string { return s.URL }}
	s.AuthorityHost = s.tokens.base + "/"
	s.tokSrv = &http.Server{Handler: s.tokens.handler(), ReadHeaderTimeout: 10 * time.Second}

	var apiLn net.Listener
	if s.cfg.PlainHTTP {
		apiLn, err = listenLoopback(s.cfg.Addr)
		s.URL = "http://"
	} else {
		apiLn, err = s.listenTLS(s.cfg.Addr)
		s.URL = "https://"
	}
	if err != nil {
		tokLn.Close()
		return err
	}
	s.URL += apiLn.Addr().String()
	s.apiSrv = &http.Server{Handler: http.HandlerFunc(s.serveAPI), ReadHeaderTimeout: 10 * time.Second,
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}}
	s.client = s.newClient()
	go func() { _ = s.tokSrv.Serve(tokLn) }()
	go func() { _ = s.apiSrv.Serve(apiLn) }()
	return nil
}

func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dataversetest: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("dataversetest: listen address %q is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dataversetest: %w", err)
	}
	return ln, nil
}

func (s *Server) listenTLS(addr string) (net.Listener, error) {
	ln, err := listenLoopback(addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	cert, err := s.ca.serverCert(host)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"},
		MinVersion: tls.VersionTLS12}), nil
}

// newClient returns a client trusting the emulator's CA, with keep-alive
// sized for parallel benchmarks.
func (s *Server) newClient() *http.Client {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: s.ca.pool(), MinVersion: tls.VersionTLS12},
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: tr}
}

// Close stops both servers and closes open connections.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		for _, srv := range []*http.Server{s.apiSrv, s.tokSrv} {
			if srv != nil {
				_ = srv.Close()
			}
		}
		if s.client != nil {
			s.client.CloseIdleConnections()
		}
	})
}

// Client returns an *http.Client that trusts the emulator's TLS
// certificates (token service and Web API). It sends no token.
func (s *Server) Client() *http.Client { return s.client }

// CACertPEM returns the emulator CA certificate in PEM form.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.ca.certPEM...) }

// CertPool returns a pool holding the emulator CA.
func (s *Server) CertPool() *x509.CertPool { return s.ca.pool() }

// WriteCAFile writes the CA certificate to path (for SSL_CERT_FILE).
func (s *Server) WriteCAFile(path string) error {
	if err := os.WriteFile(path, s.ca.certPEM, 0o644); err != nil {
		return fmt.Errorf("dataversetest: %w", err)
	}
	return nil
}

// Scope is the token scope for the Web API: URL + "/.default".
func (s *Server) Scope() string { return s.URL + "/.default" }

// TokenEndpoint is the tenant's token endpoint URL.
func (s *Server) TokenEndpoint() string { return s.tokens.tokenEndpoint() }

// seedModel stores the rows the model declares.
func (s *Server) seedModel() error {
	for _, td := range s.schema.tables {
		for _, r := range td.Rows {
			if _, err := s.SeedErr(td.EntitySet, r); err != nil {
				return err
			}
		}
	}
	return nil
}
