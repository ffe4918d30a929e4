package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
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
	report := func(what string, err error, failCode int) {
		if err == nil {
			fmt.Fprintf(a.stdout, "ok    %s\n", what)
			return
		}
		fmt.Fprintf(a.stdout, "FAIL  %s\n      %s\n", what, indent(describeError(err)))
		if errorExitCode(err) == exitUsage {
			failCode = exitUsage // a setting is wrong (say, an http:// authority host): not a service down
		}
		if code != exitUsage { // a configuration problem outranks a service down
			code = max(code, failCode)
		}
	}
	rules, err := loadRules(cfg, log, extras{})
	report("mapping rules "+cfg.Mappings+rulesNote(rules), err, exitUsage)
	report("Numora "+cfg.Numora.BaseURL+": API key accepted, outbox readable", a.checkNumora(ctx, cfg, log), exitUnavailable)
	report("Dataverse "+cfg.Dynamics.URL+": token obtained, WhoAmI answered", a.checkDataverse(ctx, cfg, log), exitUnavailable)
	return code
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

func (a *app) checkDataverse(ctx context.Context, cfg *config, log *slog.Logger) error {
	dst, err := newDestination(ctx, cfg, log, extras{})
	if err != nil {
		return err
	}
	defer dst.Close()
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	var c destinations.Checker = dst
	return c.Check(ctx)
}

// rulesNote is " (N schemas)" for loaded rules, else "".
func rulesNote(r *mapping.Rules) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf(" (schemas: %s; %d records)", strings.Join(r.Schemas(), ", "), len(r.Records()))
}

// indent puts continuation lines under the first.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n      ") }
