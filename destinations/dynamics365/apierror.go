package dynamics365

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/numora/numora-connector/retry"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// APIError is a Dataverse Web API error response: the HTTP status and the
// {"error":{"code","message"}} body. Code is Dataverse's hex code
// ("0x80044331"), often "" or "0x0"; branch on StatusCode first. Inside a
// $batch, Method and URL are the failing part's and ContentID names it.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	// RequestID is the server's request id (x-ms-service-request-id or
	// REQ_ID; inside a $batch, the part's, else the $batch response's).
	RequestID string
	// RetryAfter is the Retry-After the server asked for, or 0.
	RetryAfter time.Duration
	Method     string
	URL        string
	ContentID  string
}

// Error returns "dynamics365: METHOD URL: 400 0x80044331: message" with the
// URL's query left out.
func (e *APIError) Error() string {
	code := ""
	if e.Code != "" {
		code = " " + e.Code
	}
	return fmt.Sprintf("dynamics365: %s %s: %d%s: %s", e.Method, redactURL(e.URL), e.StatusCode, code, e.Message)
}

// errorEnvelope is the OData error body.
type errorEnvelope struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// newAPIError builds the error for a failed response; body is at most
// maxErrorBody bytes of it.
func newAPIError(method, rawURL string, status int, h http.Header, body []byte, now time.Time) *APIError {
	e := &APIError{StatusCode: status, Method: method, URL: rawURL, RequestID: requestID(h)}
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil && (env.Error.Code != "" || env.Error.Message != "") {
		e.Code, e.Message = env.Error.Code, env.Error.Message
	} else {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 300 {
			e.Message = e.Message[:300] + "…"
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.Message == "" { // a status without a name (550) and no body
		e.Message = fmt.Sprintf("HTTP status %d", status)
	}
	if d, ok := retry.ParseRetryAfter(h.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	return e
}

func requestID(h http.Header) string {
	for _, k := range []string{"x-ms-service-request-id", "REQ_ID", "x-ms-request-id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// maxIDMessage bounds the message in front of a request id, so that the id
// survives the connector cutting messages at 1,000 bytes.
const maxIDMessage = 800

// withRequestID appends "(request id …)" to msg when id is known,
// shortening msg (on a rune boundary) to maxIDMessage bytes first.
func withRequestID(msg, id string) string {
	if id == "" {
		return msg
	}
	if len(msg) > maxIDMessage {
		cut := maxIDMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg + requestIDSuffix(id)
}

// requestIDSuffix is " (request id …)", or "" when id is unknown.
func requestIDSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (request id " + id + ")"
}

// redactURL drops the query (filter values are business data, not needed in
// an error string) and any user info.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
