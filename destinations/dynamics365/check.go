package dynamics365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/numora/numora-connector/destinations"
)

// Identity is WhoAmI's answer: who the destination writes as.
type Identity struct {
	UserID         string `json:"UserId"`
	BusinessUnitID string `json:"BusinessUnitId"`
	OrganizationID string `json:"OrganizationId"`
}

// Check proves the configuration without writing, in two steps whose
// failures read differently (both are a *CheckError naming the step):
// StepSignIn, a token from Entra ID (a *SignInError below: refused
// credentials, a wrong environment URL, or a token service that cannot be
// reached), and StepWhoAmI ("token issued but Dataverse refused it": no
// application user for the client id in this environment, or no security
// role). The errors wrap *destinations.Error.
func (d *Destination) Check(ctx context.Context) error {
	_, err := d.WhoAmI(ctx)
	return err
}

// CheckStep names a step of Check.
type CheckStep string

// Check's steps, in order.
const (
	StepSignIn CheckStep = "sign-in" // getting a Dataverse token from Entra ID
	StepWhoAmI CheckStep = "WhoAmI"  // Dataverse accepting the token and answering WhoAmI
)

// CheckError is a failed Check or WhoAmI: the step that failed and why. Its
// message is the cause's.
type CheckError struct {
	Step CheckStep
	Err  error
}

func (e *CheckError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *CheckError) Unwrap() error { return e.Err }

// WhoAmI gets a token and calls WhoAmI, returning the application user's
// identity. Errors are worded as Check describes.
func (d *Destination) WhoAmI(ctx context.Context) (*Identity, error) {
	if err := d.firstToken(ctx); err != nil {
		return nil, &CheckError{Step: StepSignIn, Err: d.signInFailure(ctx, err)}
	}
	id, err := d.whoAmI(ctx)
	if err != nil {
		return nil, &CheckError{Step: StepWhoAmI, Err: err}
	}
	return id, nil
}

// signInFailure words a failed first token with the destination's
// settings, and logs Entra ID's whole answer at debug level.
func (d *Destination) signInFailure(ctx context.Context, err error) *SignInError {
	var se *SignInError
	if !errors.As(err, &se) {
		se = parseSignIn(err)
	}
	out := se.withFacts(d.signInFacts(), nil)
	out.Err = out.destinationError(err)
	d.logger.DebugContext(ctx, "dynamics365: sign-in failed", slog.String("kind", string(out.Kind)),
		slog.Int("status", out.Status), slog.Int("aadsts", out.AADSTS), slog.String("error", out.OAuthCode),
		slog.String("error_description", out.Description), slog.String("trace_id", out.TraceID),
		slog.String("correlation_id", out.CorrelationID), slog.String("auth", d.authName()),
		slog.String("tenant_id", d.cfg.TenantID), slog.String("client_id", d.cfg.ClientID),
		slog.String("authority_host", d.cfg.AuthorityHost))
	return out
}

// whoAmI calls WhoAmI with the token in hand.
func (d *Destination) whoAmI(ctx context.Context) (*Identity, error) {
	resp, err := d.call(ctx, &request{method: http.MethodGet, url: d.base + "WhoAmI", idempotent: true})
	if err != nil {
		var api *APIError
		if errors.As(err, &api) && (api.StatusCode == http.StatusUnauthorized || api.StatusCode == http.StatusForbidden) {
			return nil, fmt.Errorf("dynamics365: a token was issued but Dataverse refused it (HTTP %d): is client id %q an application user of %s with a security role? %w",
				api.StatusCode, d.cfg.ClientID, d.cfg.OrgURL, classify(err))
		}
		return nil, fmt.Errorf("dynamics365: WhoAmI on %s failed: %w", d.cfg.OrgURL, classify(err))
	}
	var id Identity
	if err := json.Unmarshal(resp.body, &id); err != nil || id.UserID == "" {
		return nil, fmt.Errorf("dynamics365: WhoAmI on %s answered without a user id%s: is the org URL a Dataverse environment?",
			d.cfg.OrgURL, requestIDSuffix(resp.requestID()))
	}
	d.logger.InfoContext(ctx, "dynamics365: connected", slog.String("org_url", d.cfg.OrgURL),
		slog.String("user_id", id.UserID), slog.Int("concurrency", d.admit.concurrencyLimit()),
		slog.String("request_id", resp.requestID()))
	return &id, nil
}

// firstToken gets a token, retrying a token service that is unavailable
// (not one that refuses the credentials) within the retry policy.
func (d *Destination) firstToken(ctx context.Context) error {
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		_, err := d.tokens.Token()
		if err == nil || classify(err).Class != destinations.Transient {
			return err
		}
		wait, ok := d.cfg.Retry.Wait(attempt, 0, waited, d.rand)
		if !ok {
			return err
		}
		waited += wait
		if serr := d.clock.Sleep(ctx, wait); serr != nil {
			return err
		}
	}
}

func (d *Destination) authName() string {
	if d.cfg.Credential != nil {
		return "custom credential"
	}
	return string(d.cfg.Auth)
}
