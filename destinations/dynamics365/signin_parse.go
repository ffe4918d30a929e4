package dynamics365

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// entraErrorBody is Entra ID's error reply.
type entraErrorBody struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
}

// parseSignIn sorts a credential's GetToken failure into a *SignInError
// worded without the destination's settings (withFacts adds them). It
// reads the token service's answer once, so call it where the error is
// made, before it is shared between goroutines.
func parseSignIn(err error) *SignInError {
	e := &SignInError{Kind: SignInRefused, Err: err}
	var af *azidentity.AuthenticationFailedError
	if errors.As(err, &af) && af.RawResponse != nil {
		e.Status = af.RawResponse.StatusCode
		e.parseBody(af.RawResponse)
		if isTransientStatus(e.Status, "") {
			e.Kind = SignInUnreachable
		}
	} else {
		e.Kind, e.cause = transportCause(err)
		if e.Kind == SignInRefused {
			e.AADSTS = aadstsIn(err.Error())
			e.Description = truncate(oneLine(err.Error()), 2000)
		}
	}
	e.Problem, e.Fix = explain(e, signInFacts{})
	return e
}

// parseBody fills the Entra fields from resp's body; a body that is not
// Entra's JSON (a proxy's HTML page) goes, cut short, into Description.
func (e *SignInError) parseBody(resp *http.Response) {
	body, err := runtime.Payload(resp)
	if err != nil {
		return
	}
	var b entraErrorBody
	if json.Unmarshal(body, &b) != nil || b.Error == "" {
		e.Description = truncate(strings.Join(strings.Fields(string(body)), " "), 2000)
		return
	}
	e.OAuthCode, e.Description, e.TraceID, e.CorrelationID = b.Error, b.Description, b.TraceID, b.CorrelationID
	if len(b.Codes) > 0 {
		e.AADSTS = b.Codes[0]
	}
}

// transportCause sorts a failure that carries no HTTP answer. The
// credential libraries keep the cause in the chain for a token request but
// only as text for OpenID discovery, so both are looked at.
func transportCause(err error) (SignInKind, string) {
	var (
		netErr    net.Error
		dnsErr    *net.DNSError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		verifyErr *tls.CertificateVerificationError
	)
	msg := err.Error()
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &verifyErr), has("x509: ", "tls: failed to verify"):
		return SignInUntrusted, "x509: " + afterLast(msg, "x509: ")
	case errors.As(err, &dnsErr), has("no such host"):
		return SignInUnreachable, "the token service's host name does not resolve"
	case errors.Is(err, syscall.ECONNREFUSED), has("connection refused"):
		return SignInUnreachable, "connection refused"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout(), has("timeout", "deadline exceeded"):
		return SignInUnreachable, "no answer in time"
	case isConnectionError(err), errors.As(err, &netErr), has("connection reset", "network is unreachable", "EOF", "broken pipe", "dial tcp"):
		return SignInUnreachable, "the connection failed"
	case errors.Is(err, context.Canceled):
		return SignInUnreachable, "canceled"
	}
	return SignInRefused, truncate(oneLine(msg), 300)
}

// aadstsPattern finds the code in a message that quotes Entra ID's answer
// as text (the Azure CLI, a custom credential).
var aadstsPattern = regexp.MustCompile(`\bAADSTS(\d{4,7})\b`)

// aadstsIn returns the first AADSTS code in msg, or 0.
func aadstsIn(msg string) int {
	m := aadstsPattern.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// afterLast returns the part of s after the last sep, without a trailing
// troubleshooting link, on one line.
func afterLast(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		s = s[i+len(sep):]
	}
	if i := strings.Index(s, ". To troubleshoot"); i >= 0 {
		s = s[:i]
	}
	return truncate(oneLine(s), 200)
}

// truncate cuts s to at most n bytes (on a rune boundary), marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
