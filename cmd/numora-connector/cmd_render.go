package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/secret"
)

const usageRender = `Usage: numora-connector render --result RESULT.json [--mappings FILE] [--format json|http]

Shows what the rules make of one Numora result (the body of
GET /v1/documents/{id}/result): the plan as JSON, or with --format http the
exact Dataverse requests the connector would send (the $batch change set,
lookups shown as the queries they would run). Sends nothing; --format http
uses DYNAMICS_URL for the URLs when set (credentials are not needed).
Exit 0 for a plan or a skip, 1 when the document cannot be mapped, 2 for
usage or rules errors.

Examples:
  numora-connector render --result mapping/testdata/invoice-basic/result.json
  numora-connector render --mappings ./mappings.yaml --result result.json --format http
`

// placeholderOrg is the org URL of rendered requests when none is configured.
const placeholderOrg = "https://your-org.crm.dynamics.com"

func (a *app) cmdRender(ctx context.Context, args []string) int {
	fs := newFlagSet("render", usageRender, a.stderr)
	fs.configFlags()
	fs.mappingsFlag()
	fs.dynamicsFlags()
	resultPath := fs.String("result", "", "a Numora result JSON file (required)")
	format := fs.String("format", "json", "json (the plan) or http (the Dataverse requests)")
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	if err := renderFlags(*resultPath, *format); err != nil {
		return a.fail("render", err)
	}
	cfg, log, err := a.loadConfig(fs, needs{mappings: true})
	if err != nil {
		return a.fail("render", err)
	}
	rules, err := loadRules(cfg, log, extras{})
	if err != nil {
		return a.fail("render", err)
	}
	res, err := readResult(*resultPath)
	if err != nil {
		return a.fail("render", err)
	}
	if !slices.Contains(rules.Schemas(), res.Schema) {
		fmt.Fprintf(a.stdout, "skipped: %s maps no schema %q (it maps %s); a run reports such a document skipped\n",
			cfg.Mappings, res.Schema, strings.Join(rules.Schemas(), ", "))
		return exitOK
	}
	plan, err := rules.Render(res)
	var skip *mapping.SkipError
	switch {
	case errors.As(err, &skip):
		fmt.Fprintf(a.stdout, "skipped: %s\n", skip.Reason)
		return exitOK
	case err != nil:
		return a.fail("render", err)
	}
	if *format == "http" {
		return a.renderHTTP(ctx, cfg, log, plan)
	}
	return a.printJSON(plan)
}

func (a *app) printJSON(v any) int {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return a.fail("render", err)
	}
	return exitOK
}

// renderHTTP prints the requests through the destination's Previewer. No
// request is sent, so a credential that is never used stands in when none
// is configured.
func (a *app) renderHTTP(ctx context.Context, cfg *config, log *slog.Logger, plan *mapping.Plan) int {
	c := *cfg
	if c.Dynamics.OrgURL == "" {
		c.Dynamics.OrgURL = placeholderOrg
	}
	if c.Dynamics.Auth == "" && c.Dynamics.ClientSecret.IsZero() && c.Dynamics.CertificatePath == "" {
		c.Dynamics.Auth, c.Dynamics.TenantID, c.Dynamics.ClientID = "client_secret", "render", "render"
		c.Dynamics.ClientSecret = secret.New("unused-by-render")
	}
	dst, err := newDestination(ctx, &c, log, extras{})
	if err != nil {
		return a.fail("render", err)
	}
	defer closeDestination(dst)
	pv, ok := dst.(destinations.Previewer)
	if !ok {
		return a.fail("render", &usageError{msg: "--format http: this destination cannot show its requests; use --format json"})
	}
	if err := pv.Preview(ctx, plan, a.stdout); err != nil {
		return a.fail("render", err)
	}
	return exitOK
}
