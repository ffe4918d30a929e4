package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/internal/suggest"
)

// app is one invocation of the command: its streams and environment.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	stderrTTY      bool
	stderrWidth    func() int  // the terminal's columns, 0 when unknown (nil: unknown)
	line           *statusLine // the progress line on a terminal stderr
	// observers are added to the connector's (the --metrics-file writer).
	observers []connector.Observer
}

// command is one subcommand.
type command struct {
	name, synopsis string
	run            func(a *app, ctx context.Context, args []string) int
}

// commands lists the subcommands in help order.
func commands() []command {
	return []command{
		{"run", "deliver the outbox into Dataverse and report to Numora (one pass, or every --interval)", (*app).cmdRun},
		{"serve", "notify mode: receive Numora's executor notify and document webhooks, deliver durably", (*app).cmdServe},
		{"dispatch", "let Numora deliver: dispatch every outbox document and watch it", (*app).cmdDispatch},
		{"sandbox", "run the real job end to end against emulators on loopback", (*app).cmdSandbox},
		{"check", "prove the configuration: Numora key, Dataverse token and WhoAmI, mapping rules", (*app).cmdCheck},
		{"validate", "check the mapping rules (and, with --online, against Dataverse metadata)", (*app).cmdValidate},
		{"render", "show what the rules make of one result: the plan, or the exact Dataverse requests", (*app).cmdRender},
		{"version", "print the version and source revision (also --version)", (*app).cmdVersion},
		{"help", "show help for a command", (*app).cmdHelp},
	}
}

// main runs the command named by args[0] and returns the exit code.
func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		a.usage(a.stdout)
		return exitOK
	case "-version", "--version":
		return a.cmdVersion(ctx, args[1:])
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(a, ctx, args[1:])
		}
	}
	fmt.Fprintf(a.stderr, "numora-connector: unknown command %q%s\n\n", name, suggestCommand(name))
	a.usage(a.stderr)
	return exitUsage
}

func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, "numora-connector delivers documents reviewed in Numora into Dynamics 365 / Dataverse\n"+
		"and reports every outcome back to Numora.\n\nUsage:\n  numora-connector <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.synopsis)
	}
	fmt.Fprint(w, "\nRun \"numora-connector <command> --help\" for a command's flags and examples.\n"+
		"Exit codes: 0 all delivered or skipped · 1 the job is broken (documents left for retry or\n"+
		"            unreported, outage mid-run, breaker) · 2 usage, configuration or mapping error ·\n"+
		"            3 Numora or Dataverse unreachable or credentials refused · 4 worked, some documents'\n"+
		"            data refused (reported failed to Numora) · 130/143 stopped by SIGINT/SIGTERM.\n")
}

func (a *app) cmdHelp(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" {
			// --help prints to the flag set's output; send it to stdout.
			b := &app{stdout: a.stdout, stderr: a.stdout, getenv: a.getenv}
			return c.run(b, ctx, []string{"--help"})
		}
	}
	fmt.Fprintf(a.stderr, "numora-connector help: unknown command %q%s; \"numora-connector help\" lists them\n",
		args[0], suggestCommand(args[0]))
	return exitUsage
}

// suggestCommand returns ` (did you mean "x"?)` for a near miss, or "".
func suggestCommand(name string) string {
	names := make([]string, 0, len(commands()))
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return suggest.DidYouMean(name, names)
}

// parse parses args; ok is false when the command must end with code. A
// slip gets one line saying what is wrong, not the whole usage.
func (a *app) parse(fs *flagSet, args []string) (code int, ok bool) {
	mistake := flagMistake(fs, args)
	var err error
	if mistake == "" {
		usage, out := fs.Usage, fs.Output()
		fs.Usage = func() {}
		fs.SetOutput(io.Discard)
		err = fs.Parse(args)
		fs.Usage, mistake = usage, errorText(err)
		fs.SetOutput(out)
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return exitOK, false
	case mistake != "":
		fmt.Fprintf(a.stderr, "numora-connector %s: %s\nRun \"numora-connector %s --help\" for its flags.\n",
			fs.Name(), mistake, fs.Name())
		return exitUsage, false
	case fs.NArg() > 0:
		fmt.Fprintf(a.stderr, "numora-connector %s: %s\n", fs.Name(), unexpectedArg(fs, fs.Arg(0)))
		return exitUsage, false
	}
	return exitOK, true
}

// loadConfig builds the configuration (file < environment < flags),
// validates all of it for the command's needs, and returns the logger.
func (a *app) loadConfig(fs *flagSet, n needs) (*config, *slog.Logger, error) {
	cfg, warning, err := loadConfigFile(fs.config)
	if err != nil {
		return nil, nil, err
	}
	cfg.applyEnv(a.getenv)
	fs.apply(cfg)
	cfg.applyDefaults()
	if err := cfg.checkSecretFiles(); err != nil {
		return nil, nil, err
	}
	if _, err := cfg.readSecretFiles(); err != nil {
		return nil, nil, err
	}
	if problems := cfg.validate(n); len(problems) > 0 {
		return nil, nil, &usageError{msg: "invalid configuration:\n  " + strings.Join(problems, "\n  ")}
	}
	log := a.logger(cfg)
	if warning != "" {
		log.Warn(warning)
	}
	return cfg, log, nil
}

// fail prints err and returns its exit code.
func (a *app) fail(cmd string, err error) int {
	fmt.Fprintf(a.stderr, "numora-connector %s: %s\n", cmd, describeError(err))
	return errorExitCode(err)
}
