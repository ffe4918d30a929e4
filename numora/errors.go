package numora

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// APIError is a non-2xx answer from Numora, decoded from the documented
// error body {"error": {"code", "message", "request_id"}}. Code and Message
// are empty when the body was not that envelope (a proxy's HTML page, say);
// Message then holds the start of the body. RequestID is the server's
// request_id, or its x-request-id header. RetryAfter is the parsed
// retry-after header, 0 when absent.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	RetryAfter time.Duration
	Method     string
	URL        string
}

// Error returns "numora: METHOD URL: status code: message (request_id id)".
func (e *APIError) Error() string {
	s := fmt.Sprintf("numora: %s %s: %d", e.Method, e.URL, e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request_id " + e.RequestID + ")"
	}
	return s
}

// Transient reports whether retrying the same request later may succeed:
// 408, 429 and 5xx other than 501.
func (e *APIError) Transient() bool {
	s := e.StatusCode
	return s == http.StatusRequestTimeout || s == http.StatusTooManyRequests ||
		(s >= 500 && s != http.StatusNotImplemented)
}

// DecodeError is a 2xx answer the client could not read: a content type
// other than JSON, malformed or truncated JSON, or a body over the size
// limit (Err wraps ErrResponseTooLarge). It is permanent.
type DecodeError struct {
	Method      string
	URL         string
	StatusCode  int
	ContentType string
	RequestID   string
	Err         error
}

// Error returns "numora: METHOD URL: status: reading response (content type ...): cause".
func (e *DecodeError) Error() string {
	s := fmt.Sprintf("numora: %s %s: %d: reading response (content type %q)", e.Method, e.URL, e.StatusCode, e.ContentType)
	if e.RequestID != "" {
		s += " (request_id " + e.RequestID + ")"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// ErrResponseTooLarge is wrapped by errors for bodies over the client's
// limits: 1 MiB for error bodies, 32 MiB for results, 8 MiB otherwise.
var ErrResponseTooLarge = errors.New("numora: response body too large")

// ErrOutboxGone is wrapped (together with the *APIError) when the outbox
// answers 404 or 410: the workspace has moved to delivery routes, where
// Numora notifies an executor instead of being polled.
var ErrOutboxGone = errors.New("numora: the delivery outbox is not available in this workspace " +
	"(it uses delivery routes); run the connector in notify mode")

// ErrOtherOrigin is wrapped when a URL from Numora (result_url,
// dispatch_url) or a redirect points away from the configured base URL's
// origin. The request is not sent: the API key never leaves that origin.
var ErrOtherOrigin = errors.New("numora: refusing a URL on another origin")

// IsTransient reports whether err may go away if the same call is tried
// again later: an *APIError with status 408, 429 or 5xx (except 501),
// network errors and timeouts (connection refused or reset, a body cut
// short), and context cancellation or deadline (the
// work was not done). Refused origins, TLS certificate problems, decode
// errors, invalid input and other 4xx are permanent.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, ErrOtherOrigin) || errors.Is(err, ErrInvalidDelivery) {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Transient()
	}
	var de *DecodeError
	if errors.As(err, &de) || errors.Is(err, errRedirect) || badCertificate(err) {
		return false
	}
	var te *transportError
	var ne net.Error
	return errors.As(err, &te) || errors.As(err, &ne)
}

// transportError is a request that got no complete answer: connection
// refused or reset, a timeout, a body cut short. It is transient unless it
// wraps a refused redirect or a certificate problem.
type transportError struct{ err error }

// Error returns "numora: " and the *url.Error's text.
func (e *transportError) Error() string { return "numora: " + e.err.Error() }

// Unwrap returns the *url.Error.
func (e *transportError) Unwrap() error { return e.err }

// errRedirect marks a redirect the client's CheckRedirect refused.
var errRedirect = errors.New("numora: redirect refused")

// IsConflict reports whether err is Numora's 409 conflict: for the delivery
// callback, the execution_id was already used with different data (a
// byte-identical replay is not an error).
func IsConflict(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusConflict
}

// badCertificate reports TLS verification failures, which retrying won't fix.
func badCertificate(err error) bool {
	var (
		unknown   x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		hostname  x509.HostnameError
		verifying *tls.CertificateVerificationError
	)
	return errors.As(err, &unknown) || errors.As(err, &invalid) ||
		errors.As(err, &hostname) || errors.As(err, &verifying)
}
