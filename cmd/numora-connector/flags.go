package main

import (
	"flag"
	"fmt"
	"io"
	"time"
)

// flagSet is a flag.FlagSet whose flags override the configuration only
// when given on the command line.
type flagSet struct {
	*flag.FlagSet
	overrides map[string]func(*config)
	config    string
}

func newFlagSet(name string, usage string, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), overrides: map[string]func(*config){}}
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

func (f *flagSet) str(name, usage string, set func(*config, string)) {
	v := f.String(name, "", usage)
	f.overrides[name] = func(c *config) { set(c, *v) }
}

func (f *flagSet) num(name, usage string, set func(*config, int)) {
	v := f.Int(name, 0, usage)
	f.overrides[name] = func(c *config) { set(c, *v) }
}

func (f *flagSet) dur(name, usage string, set func(*config, time.Duration)) {
	v := f.Duration(name, 0, usage)
	f.overrides[name] = func(c *config) { set(c, *v) }
}

// apply overrides c with the flags given.
func (f *flagSet) apply(c *config) {
	f.Visit(func(fl *flag.Flag) {
		if o := f.overrides[fl.Name]; o != nil {
			o(c)
		}
	})
}

// Flag groups, registered per command.

func (f *flagSet) configFlags() {
	f.StringVar(&f.config, "config", "", "config file (default ./connector.yaml when it exists)")
	f.str("log-format", "log format: auto (text on a terminal, else JSON), text or json", func(c *config, v string) { c.Log.Format = v })
	f.str("log-level", "log level: debug, info, warn or error (default info)", func(c *config, v string) { c.Log.Level = v })
}

func (f *flagSet) mappingsFlag() {
	f.str("mappings", "mapping rules file (default ./mappings.yaml, env CONNECTOR_MAPPINGS)", func(c *config, v string) { c.Mappings = v })
}

func (f *flagSet) numoraFlags() {
	f.str("numora-url", "Numora API base URL (env NUMORA_BASE_URL)", func(c *config, v string) { c.Numora.BaseURL = v })
	f.str("provider", "Numora provider name (default dynamics365, env NUMORA_PROVIDER)", func(c *config, v string) { c.Numora.Provider = v })
}

func (f *flagSet) dynamicsFlags() {
	f.str("dynamics-url", "Dataverse environment URL (env DYNAMICS_URL)", func(c *config, v string) { c.Dynamics.OrgURL = v })
}

func (f *flagSet) runFlags() {
	f.num("concurrency", "documents read and mapped at once; their writes and callbacks wait beside (default 48)", func(c *config, v int) { c.Run.Concurrency = v })
	f.num("page-size", "outbox page size (default 100)", func(c *config, v int) { c.Numora.PageSize = v })
	f.dur("interval", "run a pass every interval, forever (default: one pass)", func(c *config, v time.Duration) { c.Run.Interval = v })
	f.dur("stop-grace", "time documents in flight get to finish after SIGINT/SIGTERM (default 30s)", func(c *config, v time.Duration) { c.Run.StopGrace = v })
	f.str("summary-json", "write the run summary as JSON to this file", func(c *config, v string) { c.Run.SummaryJSON = v })
	f.num("refused-exit-code", "exit code of a run that worked but had documents' data refused (default 4; 0 for Kubernetes)",
		func(c *config, v int) { c.Run.RefusedExitCode = &v })
}
