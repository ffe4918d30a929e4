package dynamics365

import (
	"fmt"
	"strings"

	"github.com/numora/numora-connector/destinations"
)

// SignInKind says why getting a Dataverse token from Entra ID failed.
type SignInKind string

// Sign-in failure kinds.
const (
	// SignInRefused: Entra ID answered and refused the request (wrong
	// tenant, client id, secret, certificate or environment URL; an
	// expired secret; a disabled application). The configuration must
	// change; trying again does not help.
	SignInRefused SignInKind = "refused"
	// SignInUnreachable: the token service did not answer (connection
	// refused, DNS, timeout) or had an outage (HTTP 5xx, 429). Not a
	// credentials problem; trying again later may succeed.
	SignInUnreachable SignInKind = "unreachable"
	// SignInUntrusted: the token service's TLS certificate is not trusted
	// (a missing CA, or a TLS-inspecting proxy).
	SignInUntrusted SignInKind = "untrusted"
)

// SignInError is a failed Entra ID sign-in: the destination could not get
// a Dataverse token. Error is one line naming the AADSTS code (when Entra
// ID gave one), what is wrong and what to do; it never contains a secret
// or Entra's full description, which Description holds for debug logs.
// Check the kind with errors.As and Kind.
type SignInError struct {
	Kind SignInKind
	// AADSTS is Entra ID's error code (7000215), 0 when it gave none.
	AADSTS int
	// OAuthCode is the OAuth error ("invalid_client"), "" when none.
	OAuthCode string
	// Status is the token service's HTTP status, 0 when it did not answer.
	Status int
	// Problem says what is wrong; Fix says what to do, in one line.
	Problem, Fix string
	// Description is Entra ID's error_description, whole (or the start of
	// a body that is not Entra's JSON); TraceID and CorrelationID identify
	// the request for Microsoft support.
	Description, TraceID, CorrelationID string
	// Err is the underlying error.
	Err error

	cause string // a short technical cause: "connection refused", "HTTP 503"
}

// Error returns "dynamics365: Entra ID refused the sign-in (AADSTSn):
// problem — fix" or "dynamics365: Entra ID sign-in failed: problem — fix".
func (e *SignInError) Error() string { return "dynamics365: " + e.message() }

// Unwrap returns the underlying error.
func (e *SignInError) Unwrap() error { return e.Err }

// message is Error without the package prefix.
func (e *SignInError) message() string {
	var b strings.Builder
	switch {
	case e.Kind == SignInRefused && e.AADSTS != 0:
		fmt.Fprintf(&b, "Entra ID refused the sign-in (AADSTS%d)", e.AADSTS)
	case e.Kind == SignInRefused:
		b.WriteString("Entra ID refused the sign-in")
	default:
		b.WriteString("Entra ID sign-in failed")
	}
	b.WriteString(": " + e.Problem)
	if e.Fix != "" {
		b.WriteString(" — " + e.Fix)
	}
	return b.String()
}

// destinationError sorts the failure for the connector: a refusal or an
// untrusted certificate is Permanent ("auth_failed"), an unreachable token
// service Transient ("auth_unavailable"). err is the chain to wrap.
func (e *SignInError) destinationError(err error) *destinations.Error {
	if e.Kind == SignInUnreachable {
		return &destinations.Error{Class: destinations.Transient, Code: "auth_unavailable", Message: e.message(), Err: err}
	}
	return &destinations.Error{Class: destinations.Permanent, Code: "auth_failed", Message: e.message(), Err: err}
}

// signInFacts are the settings a fix quotes; any may be empty.
type signInFacts struct {
	auth, tenant, clientID, orgURL, authority string
	secret                                    string // only to scrub it from Entra's text
}

// signInFacts returns the destination's settings for sign-in messages.
func (d *Destination) signInFacts() signInFacts {
	f := signInFacts{auth: d.authName(), tenant: d.cfg.TenantID, clientID: d.cfg.ClientID,
		orgURL: d.cfg.OrgURL, authority: d.cfg.AuthorityHost}
	if !d.cfg.ClientSecret.IsZero() {
		f.secret = d.cfg.ClientSecret.Reveal()
	}
	return f
}

// withFacts returns a copy of e worded with f's settings and wrapping err.
func (e *SignInError) withFacts(f signInFacts, err error) *SignInError {
	c := *e
	c.Problem, c.Fix = explain(&c, f)
	c.Description = scrub(c.Description, f.secret)
	c.Err = err
	return &c
}

// scrub removes secret from s. Entra ID never quotes a secret; a proxy or
// a fake token service in between might.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[REDACTED]")
}
