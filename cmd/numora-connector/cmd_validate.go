package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

const usageValidate = `Usage: numora-connector validate [--mappings FILE] [--online]

Loads the mapping rules and reports every problem at once, each as
FILE:LINE:COL: message. With --online, also checks the rules against the
Dataverse environment's metadata (tables, columns, types, lengths, choice
values, alternate keys, navigation properties); that needs DYNAMICS_URL and
Azure credentials. Exit 0 when valid, 2 with the messages when not, 3 when
Dataverse cannot be reached for --online.

Examples:
  numora-connector validate
  numora-connector validate --mappings ./mappings.yaml --online
`

func (a *app) cmdValidate(ctx context.Context, args []string) int {
	fs := newFlagSet("validate", usageValidate, a.stderr)
	fs.configFlags()
	fs.mappingsFlag()
	fs.dynamicsFlags()
	online := fs.Bool("online", false, "also check the rules against Dataverse metadata")
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	cfg, log, err := a.loadConfig(fs, needs{dynamics: *online, mappings: true})
	if err != nil {
		return a.fail("validate", err)
	}
	rules, err := loadRules(cfg, log, extras{})
	if err != nil {
		return a.fail("validate", err)
	}
	for _, w := range rulesWarnings(cfg, rules) {
		fmt.Fprintf(a.stdout, "warning: %s\n", w)
	}
	if *online {
		if code := a.validateOnline(ctx, cfg, log, rules); code != exitOK {
			return code
		}
	}
	fmt.Fprintf(a.stdout, "%s: valid%s\n", cfg.Mappings, rulesNote(rules))
	return exitOK
}

// validateOnline checks the rules against the destination's metadata.
func (a *app) validateOnline(ctx context.Context, cfg *config, log *slog.Logger, rules *mapping.Rules) int {
	dst, err := newDestination(ctx, cfg, log, extras{})
	if err != nil {
		return a.fail("validate", err)
	}
	defer closeDestination(dst)
	mv, ok := dst.(destinations.MetadataValidator)
	if !ok {
		return a.fail("validate", errors.New("--online: this destination cannot validate against its metadata yet"))
	}
	problems, err := mv.ValidateRecords(ctx, rules.Records())
	if err != nil {
		k, _ := destinationKindOf(cfg)
		return a.fail("validate", &unavailableError{err: fmt.Errorf("reading %s metadata: %w", k.service, err)})
	}
	for _, p := range problems {
		fmt.Fprintln(a.stderr, p.String())
	}
	if len(problems) > 0 {
		fmt.Fprintf(a.stderr, "%d problem(s) against %s\n", len(problems), cfg.destinationLabel())
		return exitUsage
	}
	return exitOK
}
