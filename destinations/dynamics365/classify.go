package dynamics365

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/numora/numora-connector/destinations"
)

// Dataverse codes that change the class a status alone would give.
const (
	codeDuplicateDetected = "0x80040333" // duplicate-detection rule hit, sent as HTTP 500
)

// tokenError marks a failure to get a token, as opposed to Dataverse
// refusing a request.
type tokenError struct{ err error }

func (e *tokenError) Error() string {
	if se, ok := e.err.(*SignInError); ok {
		return se.Error()
	}
	return "dynamics365: getting a token: " + e.err.Error()
}
func (e *tokenError) Unwrap() error { return e.err }

// classify is the one place that decides what a failure means: it returns
// err as a *destinations.Error with its Class and callback code. Transient:
// 408, 429, 500 (except duplicate detection), 502, 503, 504, network errors,
// timeouts, cancellation, an unreachable token service. Permanent: every
// other status (400 validation, 401 after a token refresh, 403 privileges,
// 404, 412), refused credentials, untrusted certificates. nil stays nil.
func classify(err error) *destinations.Error {
	if err == nil {
		return nil
	}
	var de *destinations.Error
	if errors.As(err, &de) {
		return de
	}
	var api *APIError
	if errors.As(err, &api) {
		return classifyAPI(api, err)
	}
	var te *tokenError
	if errors.As(err, &te) {
		return classifyToken(te, err)
	}
	return classifyTransport(err)
}

func classifyAPI(e *APIError, err error) *destinations.Error {
	out := &destinations.Error{Class: destinations.Permanent, Message: e.Message, Err: err}
	switch {
	case isTransientStatus(e.StatusCode, e.Code):
		out.Class = destinations.Transient
		out.Code = fmt.Sprintf("crm_%d", e.StatusCode)
		out.RetryAfter = e.RetryAfter
	case e.Code != "" && e.Code != "0x0":
		out.Code = fmt.Sprintf("crm_%d_%s", e.StatusCode, strings.ToLower(e.Code))
	default:
		out.Code = fmt.Sprintf("crm_%d", e.StatusCode)
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		out.Message = "Dataverse refused a freshly issued token (is there an application user for this client id?): " + e.Message
	case http.StatusForbidden:
		out.Message = "the application user lacks a privilege (check its security role): " + e.Message
	}
	out.Message = withRequestID(out.Message, e.RequestID)
	return out
}

// isTransientStatus reports whether a response status means "try again".
func isTransientStatus(status int, code string) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	case http.StatusInternalServerError:
		return !strings.EqualFold(code, codeDuplicateDetected)
	}
	return false
}

func classifyToken(e *tokenError, err error) *destinations.Error {
	var se *SignInError
	if !errors.As(e, &se) {
		se = parseSignIn(e.err)
	}
	return se.destinationError(err)
}

// classifyTransport sorts errors that carry no HTTP status.
func classifyTransport(err error) *destinations.Error {
	t := func(code, msg string) *destinations.Error {
		return &destinations.Error{Class: destinations.Transient, Code: code, Message: msg, Err: err}
	}
	var (
		netErr    net.Error
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		verifyErr *tls.CertificateVerificationError
	)
	switch {
	case errors.Is(err, destinations.ErrCircuitOpen):
		return t("crm_circuit_open", "Dataverse is failing; the circuit breaker stopped sending requests")
	case errors.Is(err, context.Canceled):
		return t("canceled", "canceled")
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return t("crm_timeout", "Dataverse did not answer in time")
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &verifyErr):
		return &destinations.Error{Class: destinations.Permanent, Code: "crm_tls",
			Message: "TLS certificate not trusted: " + oneLine(err.Error()), Err: err}
	case errors.As(err, &netErr), isConnectionError(err):
		return t("crm_unavailable", "Dataverse unreachable: "+oneLine(err.Error()))
	}
	return t("crm_error", oneLine(err.Error()))
}

func isConnectionError(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

// oneLine squeezes a multi-line message onto one line, at most 400 bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}
