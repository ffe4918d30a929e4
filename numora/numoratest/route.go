package numoratest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Endpoint names an API endpoint for fault injection and the request log.
type Endpoint string

// The emulated endpoints. AnyEndpoint matches all of them in Fail.
const (
	EndpointOutbox   Endpoint = "outbox"   // GET /v1/delivery/outbox
	EndpointDocument Endpoint = "document" // GET /v1/documents/{id}
	EndpointResult   Endpoint = "result"   // GET /v1/documents/{id}/result
	EndpointDelivery Endpoint = "delivery" // POST /v1/documents/{id}/delivery
	EndpointDispatch Endpoint = "dispatch" // POST /v1/documents/{id}/dispatch
	EndpointUnknown  Endpoint = "unknown"  // anything else (404 or 405)
	AnyEndpoint      Endpoint = "*"
)

// routed is a request matched to an endpoint, or the error to answer.
type routed struct {
	endpoint Endpoint
	id       string // document id, unescaped
	handler  func(*Server, *exchange)
	status   int // with code and message when handler is nil
	code     string
	message  string
}

// exchange is one request being answered.
type exchange struct {
	w     *statusWriter
	r     *http.Request
	rid   string
	route routed
	auth  bool
}

// route matches r on its escaped path, so document ids may hold any byte.
func route(r *http.Request) routed {
	seg := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	var rt routed
	method := http.MethodGet
	switch {
	case len(seg) == 3 && seg[0] == "v1" && seg[1] == "delivery" && seg[2] == "outbox":
		rt = routed{endpoint: EndpointOutbox, handler: (*Server).handleOutbox}
	case len(seg) == 3 && seg[0] == "v1" && seg[1] == "documents":
		rt = routed{endpoint: EndpointDocument, handler: (*Server).handleDocument}
	case len(seg) == 4 && seg[0] == "v1" && seg[1] == "documents":
		rt, method = documentSub(seg[3])
	}
	if rt.handler == nil {
		return routed{endpoint: EndpointUnknown, status: http.StatusNotFound, code: "not_found", message: "no such endpoint"}
	}
	if len(seg) >= 3 && rt.endpoint != EndpointOutbox {
		id, err := url.PathUnescape(seg[2])
		if err != nil || id == "" {
			return routed{endpoint: rt.endpoint, status: http.StatusNotFound, code: "not_found", message: "bad document id"}
		}
		rt.id = id
	}
	if r.Method != method {
		return routed{endpoint: rt.endpoint, status: http.StatusMethodNotAllowed, code: "invalid_payload",
			message: "method " + r.Method + " not allowed"}
	}
	return rt
}

// documentSub matches /v1/documents/{id}/<sub> and its method.
func documentSub(sub string) (routed, string) {
	switch sub {
	case "result":
		return routed{endpoint: EndpointResult, handler: (*Server).handleResult}, http.MethodGet
	case "delivery":
		return routed{endpoint: EndpointDelivery, handler: (*Server).handleDelivery}, http.MethodPost
	case "dispatch":
		return routed{endpoint: EndpointDispatch, handler: (*Server).handleDispatch}, http.MethodPost
	}
	return routed{}, ""
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	code int
}

// WriteHeader records code.
func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// status returns the status sent, 200 if none was written.
func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// writeJSON sends v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_error", "encoding response: "+err.Error(), "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// apiError is the documented error body.
type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// writeError sends the documented error body.
func writeError(w http.ResponseWriter, status int, code, message, rid string) {
	var e apiError
	e.Error.Code, e.Error.Message, e.Error.RequestID = code, message, rid
	writeJSON(w, status, e)
}
