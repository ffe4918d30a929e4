package dataversetest

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds a request body (a $batch of 1,000 operations fits).
const maxBody = 64 << 20

// serveAPI is the Web API entry point: headers, down switch, bearer
// token, service protection, latency, faults, then the operation.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	entry := Request{Seq: s.log.nextSeq(), Time: s.cfg.Now(), Method: r.Method, URL: r.URL.RequestURI()}
	if s.cfg.RequestLog > 0 {
		entry.Header, entry.Body = loggedHeader(r.Header), string(body)
	}
	entry.Path, _ = apiPrefix(r.URL.Path)
	entry.RequestID = s.setCommonHeaders(w.Header())
	resp := s.admitAndRun(w, r, body, &entry)
	if resp == nil {
		return // dropped connection, already logged
	}
	entry.Status, entry.Code = resp.status, resp.errCode
	s.log.add(entry)
	writeResponse(w, resp)
}

// setCommonHeaders sets the headers of every Web API response and returns
// its request id.
func (s *Server) setCommonHeaders(h http.Header) string {
	id := newRandomGUID()
	h["REQ_ID"] = []string{id}
	h["x-ms-service-request-id"] = []string{id}
	h["OData-Version"] = []string{"4.0"}
	h["x-ms-dop-hint"] = []string{strconv.Itoa(s.dopHint())}
	return id
}

func (s *Server) dopHint() int {
	if n := s.dop.Load(); n > 0 {
		return int(n)
	}
	if s.cfg.DOPHint > 0 {
		return s.cfg.DOPHint
	}
	if c := s.limits.get().Concurrent; c > 0 {
		return c
	}
	return 52
}

// admitAndRun returns the response to write, or nil when the connection
// was dropped.
func (s *Server) admitAndRun(w http.ResponseWriter, r *http.Request, body []byte, entry *Request) *response {
	if s.down.Load() {
		return errorResponse(http.StatusServiceUnavailable, "", "Service Unavailable")
	}
	if _, ok := apiPrefix(r.URL.Path); !ok {
		return segmentNotFound(strings.TrimPrefix(r.URL.Path, "/"))
	}
	user, bad := s.authenticate(r)
	if bad != nil {
		return bad
	}
	entry.User = user
	done, left, th := s.limits.admit(user)
	if !s.cfg.NoBudgetHeaders {
		setBudgetHeaders(w.Header(), left)
	}
	if th != nil {
		_ = s.cfg.Sleep(r.Context(), time.Duration(s.latency.Load()))
		return th.response()
	}
	ops := 0
	defer func() { done(time.Duration(s.execTime.Load()) * time.Duration(max(ops, 1))) }()
	if g := s.gate.Load(); g != nil && strings.HasPrefix(entry.Path, g.path) {
		g.wait(r.Context())
	}
	if err := s.cfg.Sleep(r.Context(), time.Duration(s.latency.Load())); err != nil {
		return errorResponse(http.StatusServiceUnavailable, "", "Request canceled by the client.")
	}
	resp, n := s.runWithFaults(w, r, body, entry)
	ops = n
	s.limits.penalizeFault(user, resp)
	return resp
}

// runWithFaults runs the request with the fault (if any) the rules pick.
func (s *Server) runWithFaults(w http.ResponseWriter, r *http.Request, body []byte, entry *Request) (*response, int) {
	fault := s.faults.pick(r.Method, entry.Path)
	if fault != nil && fault.Kind == FaultPass {
		fault = nil // exempted: served, logged and counted as if no rule matched
	}
	if fault != nil {
		entry.Fault = [...]string{"status", "drop", "slow", "", "response"}[fault.Kind]
		if resp, handled := s.faultBefore(w, r, fault, entry); handled {
			return resp, 0
		}
	}
	resp, ops := s.run(r, body, entry)
	if s.cfg.SleepExecTime {
		_ = s.cfg.Sleep(r.Context(), time.Duration(s.execTime.Load())*time.Duration(max(ops, 1)))
	}
	if fault != nil && fault.AfterWrite {
		return s.faultAfter(w, r, fault, resp, entry), ops
	}
	return resp, ops
}

// setBudgetHeaders adds the debugging x-ms-ratelimit-* headers.
func setBudgetHeaders(h http.Header, left budget) {
	if left.requests >= 0 {
		h["x-ms-ratelimit-burst-remaining-xrm-requests"] = []string{strconv.Itoa(left.requests)}
	}
	if left.execTime >= 0 {
		h["x-ms-ratelimit-time-remaining-xrm-requests"] = []string{strconv.FormatFloat(left.execTime.Seconds(), 'f', 2, 64)}
	}
}

// faultBefore applies a fault before the request runs; handled is false
// when the request should still run (AfterWrite faults, slow faults that
// waited).
func (s *Server) faultBefore(w http.ResponseWriter, r *http.Request, f *Fault, entry *Request) (*response, bool) {
	switch {
	case f.Kind == FaultStatus:
		return f.statusResponse(), true
	case f.AfterWrite:
		return nil, false
	case f.Kind == FaultResponse:
		return f.rawResponse(), true
	case f.Kind == FaultDrop:
		s.drop(w, entry)
		return nil, true
	}
	if err := s.cfg.Sleep(r.Context(), f.Delay); err != nil {
		return errorResponse(http.StatusServiceUnavailable, "", "Request canceled by the client."), true
	}
	return nil, false
}

func (s *Server) faultAfter(w http.ResponseWriter, r *http.Request, f *Fault, resp *response, entry *Request) *response {
	switch f.Kind {
	case FaultDrop:
		s.drop(w, entry)
		return nil
	case FaultResponse:
		return f.rawResponse()
	}
	_ = s.cfg.Sleep(r.Context(), f.Delay)
	return resp
}

// drop logs the request (status 0) and closes the connection.
func (s *Server) drop(w http.ResponseWriter, entry *Request) {
	s.log.add(*entry)
	dropConnection(w)
}

// dropConnection closes the client connection without a response.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := netConn(conn).(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // reset, like a crashed front end
	}
	_ = conn.Close()
}

func netConn(c net.Conn) net.Conn {
	if nc, ok := c.(interface{ NetConn() net.Conn }); ok {
		return nc.NetConn()
	}
	return c
}

// run executes the request: a $batch or one operation. n is the number of
// operations executed (for the execution-time budget).
func (s *Server) run(r *http.Request, body []byte, entry *Request) (*response, int) {
	if entry.Path == "$batch" {
		return s.batch(r, body, entry)
	}
	op, bad := newOperation(r.Method, r.URL.RequestURI(), r.Header, body)
	if bad != nil {
		return bad, 1
	}
	op.user = entry.User
	return s.execute(op, nil, nil), 1
}

func writeResponse(w http.ResponseWriter, resp *response) {
	for k, v := range resp.header {
		w.Header()[wireName(k)] = v
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// wireNames spell headers as Dataverse does (Go canonicalizes them).
var wireNames = map[string]string{"Odata-Entityid": "OData-EntityId", "Odata-Version": "OData-Version",
	"Req_id": "REQ_ID", "Etag": "ETag", "Www-Authenticate": "WWW-Authenticate"}

func wireName(k string) string {
	if w, ok := wireNames[k]; ok {
		return w
	}
	return k
}

// authenticate checks the bearer token and returns the user (the token's
// subject) or the 401 to send.
func (s *Server) authenticate(r *http.Request) (string, *response) {
	if s.cfg.NoAuth {
		return "anonymous", nil
	}
	scheme, tok, _ := cutSpace(r.Header.Get("Authorization"))
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", s.unauthorized("", "Bearer token is missing from the Authorization header.")
	}
	it := s.tokens.lookup(tok)
	switch {
	case it == nil:
		return "", s.unauthorized("", "The access token is invalid or was not issued for this environment.")
	case !s.cfg.Now().Before(it.expires):
		return "", s.unauthorized(codeTokenExpired, "The access token has expired.")
	case !sameResource(it.resource, s.URL):
		return "", s.unauthorized("", "The access token was issued for a different resource.")
	}
	return it.subject, nil
}

func (s *Server) unauthorized(code, message string) *response {
	resp := errorResponse(http.StatusUnauthorized, code, message)
	resp.header.Set("WWW-Authenticate", `Bearer authorization_uri=`+s.tokens.base+"/"+s.TenantID+
		`/oauth2/authorize, resource_id=`+s.URL+"/")
	return resp
}

// whoAmI serves the WhoAmI function (GET only).
func (s *Server) whoAmI(op *operation) *response {
	if op.method != http.MethodGet {
		return errorf(http.StatusNotFound, "", "No HTTP resource was found that matches the request URI '%s'.", s.serviceRoot()+"WhoAmI")
	}
	return jsonResponse(http.StatusOK, map[string]any{
		"@odata.context": s.serviceRoot() + "$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
		"BusinessUnitId": stableGUID("businessunit", s.TenantID),
		"UserId":         stableGUID("user", op.user),
		"OrganizationId": stableGUID("organization", s.URL),
	})
}
