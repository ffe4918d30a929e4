package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora"
)

const usageCheck = `Usage: numora-connector check [flags]

Proves the configuration without writing anything: the Numora API key is
accepted (one outbox page is read), a Dataverse token is obtained and WhoAmI
answers, and the mapping rules load. Exit 0 when all pass, 2 for a
configuration or mapping problem, 3 when a service is unreachable or refuses
the credentials.

Examples:
  numora-connector check
  NUMORA_API_KEY=sk_live_... DYNAMICS_URL=https://contoso.crm.dynamics.com numora-connector check
`

// checkTimeout bounds each probe of check.
const checkTimeout = 60 * time.Second

func (a *app) cmdCheck(ctx context.Context, args []string) int {
	fs := newFlagSet("check", usageCheck, a.stderr)
	fs.configFlags()
	fs.mappingsFlag()
	fs.numoraFlags()
	fs.dynamicsFlags()
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	cfg, log, err := a.loadConfig(fs, needs{numora: true, dynamics: true, mappings: true})
	if err != nil {
		return a.fail("check", err)
	}
	code := exitOK
	report := func(subject, okText string, err error, failText func(error) string, failCode int) {
		if err == nil {
			fmt.Fprintf(a.stdout, "ok    %s: %s\n", subject, okText)
			return
		}
		fmt.Fprintf(a.stdout, "FAIL  %s: %s\n      %s\n", subject, failText(err), indent(describeError(err)))
		if errorExitCode(err) == exitUsage {
			failCode = exitUsage // a setting is wrong (say, an http:// authority host): not a service down
		}
		if code != exitUsage { // a configuration problem outranks a service down
			code = max(code, failCode)
		}
	}
	rules, err := loadRules(cfg, log, extras{})
	report("mapping rules "+cfg.Mappings, "loaded"+rulesNote(rules), err, func(error) string { return "not loaded" }, exitUsage)
	report("Numora "+cfg.Numora.BaseURL, "API key accepted, outbox readable", a.checkNumora(ctx, cfg, log), numoraStep, exitUnavailable)
	k, _ := destinationKindOf(cfg)
	report(cfg.destinationLabel(), cmp.Or(k.checked, "answered"), a.checkDestination(ctx, cfg, log), dataverseStep, exitUnavailable)
	return code
}

// numoraStep names what failed in the Numora probe.
func numoraStep(err error) string {
	var api *numora.APIError
	var dec *numora.DecodeError
	switch {
	case errors.As(err, &api) && (api.StatusCode == http.StatusUnauthorized || api.StatusCode == http.StatusForbidden):
		return fmt.Sprintf("API key refused (HTTP %d): set NUMORA_API_KEY (or the file NUMORA_API_KEY_FILE names) to a key of this Numora account", api.StatusCode)
	case errors.As(err, &api):
		return fmt.Sprintf("reading the outbox failed (HTTP %d)", api.StatusCode)
	case errors.As(err, &dec):
		return "the answer is not Numora's API: check NUMORA_BASE_URL"
	case errorExitCode(err) == exitUsage:
		return "configuration"
	}
	return "unreachable"
}

// dataverseStep names what failed in the Dataverse probe: the settings,
// the Entra ID sign-in or WhoAmI.
func dataverseStep(err error) string {
	var ce *dynamics365.CheckError
	var se *dynamics365.SignInError
	switch {
	case errors.As(err, &se) && se.Kind == dynamics365.SignInRefused:
		return "sign-in to Entra ID refused (no token; WhoAmI not tried)"
	case errors.As(err, &se):
		return "sign-in to Entra ID failed (no token; WhoAmI not tried)"
	case errors.As(err, &ce) && ce.Step == dynamics365.StepWhoAmI:
		return "signed in to Entra ID, but WhoAmI failed"
	case errorExitCode(err) == exitUsage:
		return "configuration"
	}
	return "failed"
}

func (a *app) checkNumora(ctx context.Context, cfg *config, log *slog.Logger) error {
	src, err := newNumora(cfg, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	for _, err := range src.Outbox(ctx, cfg.Numora.Provider, 1) {
		return err // the first page answered (or failed); that is enough
	}
	return nil
}

func (a *app) checkDestination(ctx context.Context, cfg *config, log *slog.Logger) error {
	dst, err := newDestination(ctx, cfg, log, extras{})
	if err != nil {
		return err
	}
	defer closeDestination(dst)
	c, ok := dst.(destinations.Checker)
	if !ok {
		return nil // nothing to prove without writing
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	return c.Check(ctx)
}

// rulesNote is " (schemas: …; N records)" for loaded rules, else "".
func rulesNote(r *mapping.Rules) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf(" (schemas: %s; %d records)", strings.Join(r.Schemas(), ", "), len(r.Records()))
}

// indent puts continuation lines under the first.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n      ") }
