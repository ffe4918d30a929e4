// Command numora-bench measures numora-connector against both emulators on
// loopback: throughput, requests per document, 429s, the ideal bound and
// the ratio to it, peak heap and RSS, and CPU per document.
//
// Run "numora-bench --help" for the flags, and see docs/performance.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
)

const usage = `Usage: numora-bench [flags]

Measures numora-connector against both emulators on loopback, each
answering after --latency per request. For each mode it seeds --docs
invoices with --lines line items, runs the connector's "run" command as a
child process (so its peak RSS and CPU time are its own), and prints one
table: documents per second, Dataverse and Numora requests per document,
429s, elapsed time, the ideal bound for the mode and the ratio
elapsed/ideal, peak heap and RSS, and CPU seconds per 1,000 documents. A
sequential baseline (one document and one request at a time) runs last, on
fresh emulators.

The connector measured is --binary, else a numora-connector next to this
executable, else one built from this module's source with "go build".
Progress goes to stderr, the table to stdout.

Modes: "open" has no service-protection limits; "limited" turns on
Dataverse's limits, scaled down (--limit-* flags); "exec" is "limited"
without the request limit and with --exec-mode-time of server execution
per operation, so that the execution budget binds. The connector is told the emulator's limits
(dynamics.limits; none in "open"), as a user configures Microsoft's
documented ones; --announce-limits=false leaves it Microsoft's defaults
(and lets a connector older than that setting run). See docs/performance.md for the bound's
formula.

Exit status: 0, or 1 when a document was not delivered or, with
--max-ratio, when a mode's elapsed/ideal exceeds it; 2 for a usage error.

Examples:
  go run ./cmd/numora-bench
  go run ./cmd/numora-bench --docs 50000 --mode open
  numora-bench --docs 200 --latency 5ms --baseline-docs 10 --max-ratio 2
  numora-bench --binary ./old-connector
`

// Exit codes.
const (
	exitOK       = 0
	exitProblems = 1 // a document not delivered, a ratio over --max-ratio, or an error
	exitUsage    = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{stdout: os.Stdout, stderr: os.Stderr, stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		stderrWidth: func() int {
			w, _, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return 0
			}
			return w
		}}
	code := b.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// bench is one invocation of the command: its streams.
type bench struct {
	stdout, stderr io.Writer
	stderrTTY      bool
	stderrWidth    func() int // the terminal's columns, 0 when unknown; nil: unknown
}

// benchOptions are the command's settings.
type benchOptions struct {
	env          envSpec
	mode         string
	concurrency  int
	baselineDocs int
	maxRatio     float64
	binary       string
	limits       dataversetest.Limits
	// execModeTime is the execution per operation in the "exec" mode.
	execModeTime time.Duration
	// announceLimits tells the connector the limits in the limited modes.
	announceLimits bool
	// batchDocuments is the connector's dynamics.batch_documents; 0 = its
	// default.
	batchDocuments int
}

// run measures each mode and the baseline, prints the table and returns
// the exit code.
func (b *bench) run(ctx context.Context, args []string) int {
	o, code, ok := b.flags(args)
	if !ok {
		return code
	}
	p := newProgress(b.stderr, b.stderrTTY)
	p.width = b.stderrWidth
	stopProgress := p.redraw(ctx, 200*time.Millisecond)
	defer stopProgress()
	fail := func(err error) int {
		stopProgress()
		fmt.Fprintf(b.stderr, "numora-bench: %v\n", err)
		return exitProblems
	}
	binary, cleanup, err := connectorBinary(ctx, o.binary, p)
	if err != nil {
		return fail(err)
	}
	defer cleanup()
	o.binary = binary
	rep := &benchReport{opts: o, started: time.Now()}
	for _, m := range o.modes() {
		row, err := benchMode(ctx, o, m, p)
		if err != nil {
			return fail(err)
		}
		rep.rows = append(rep.rows, row)
	}
	if o.baselineDocs > 0 {
		row, err := benchSequential(ctx, o, p)
		if err != nil {
			return fail(err)
		}
		rep.baseline = row
	}
	stopProgress()
	rep.write(b.stdout)
	return rep.exitCode(b.stderr)
}

func (b *bench) flags(args []string) (benchOptions, int, bool) {
	fs := flag.NewFlagSet("numora-bench", flag.ContinueOnError)
	fs.SetOutput(b.stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	o := benchOptions{}
	fs.IntVar(&o.env.docs, "docs", 5000, "documents to seed per mode (invoices)")
	fs.IntVar(&o.env.lines, "lines", 5, "line items per invoice")
	fs.Int64Var(&o.env.seed, "seed", 1, "generator seed")
	fs.DurationVar(&o.env.latency, "latency", 20*time.Millisecond, "latency added to every request by both emulators")
	fs.DurationVar(&o.env.execTime, "exec-time", 2*time.Millisecond, "Dataverse server execution time per operation (slept, and counted toward the execution limit)")
	fs.StringVar(&o.mode, "mode", "all", "open (no service-protection limits), limited, exec (limited, execution binding), both (open and limited) or all")
	fs.IntVar(&o.concurrency, "concurrency", 0, "the connector's --concurrency (default: its own default)")
	fs.IntVar(&o.baselineDocs, "baseline-docs", 50, "documents for the sequential baseline (0 skips it)")
	fs.Float64Var(&o.maxRatio, "max-ratio", 0, "exit 1 when a mode's elapsed/ideal exceeds this (0: no check)")
	fs.StringVar(&o.binary, "binary", "", "connector binary to measure (default: numora-connector next to this one, else built with go build)")
	fs.IntVar(&o.limits.Concurrent, "limit-concurrent", 52, "limited mode: concurrent requests")
	fs.IntVar(&o.limits.Requests, "limit-requests", 200, "limited mode: requests per window")
	fs.DurationVar(&o.limits.ExecTime, "limit-exec", 40*time.Second, "limited mode: execution time per window")
	fs.DurationVar(&o.limits.Window, "limit-window", 10*time.Second, "limited mode: the sliding window")
	fs.DurationVar(&o.execModeTime, "exec-mode-time", 20*time.Millisecond, "exec mode: server execution time per operation")
	fs.BoolVar(&o.announceLimits, "announce-limits", true, "tell the connector the emulator's limits (dynamics.limits; none in open mode)")
	fs.IntVar(&o.batchDocuments, "batch-documents", 0, "the connector's dynamics.batch_documents: documents one $batch may carry (1 turns coalescing off; 0: its default)")
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return o, exitOK, false
	case err != nil:
		return o, exitUsage, false // the flag package printed the problem and usage
	case fs.NArg() > 0:
		fmt.Fprintf(b.stderr, "numora-bench: unexpected argument %q\n", fs.Arg(0))
		return o, exitUsage, false
	}
	if err := o.validate(); err != nil {
		fmt.Fprintf(b.stderr, "numora-bench: %v\n", err)
		return o, exitUsage, false
	}
	return o, exitOK, true
}

func (o benchOptions) validate() error {
	switch {
	case o.env.docs < 1:
		return fmt.Errorf("--docs must be at least 1")
	case o.env.lines < 0 || o.env.lines > 100:
		return fmt.Errorf("--lines must be between 0 and 100")
	case o.modes() == nil:
		return fmt.Errorf("--mode must be open, limited, exec, both or all, not %q", o.mode)
	case o.env.latency < 0 || o.env.execTime < 0 || o.execModeTime < 0:
		return fmt.Errorf("--latency, --exec-time and --exec-mode-time must not be negative")
	}
	return nil
}

// mode is one measurement: Dataverse's limits on or off, and the server
// execution time per operation.
type mode struct {
	name     string
	limited  bool
	execTime time.Duration
}

// modes lists the modes --mode names, nil for an unknown name.
func (o benchOptions) modes() []mode {
	open := mode{"open", false, o.env.execTime}
	limited := mode{"limited", true, o.env.execTime}
	exec := mode{"exec", true, o.execModeTime}
	switch o.mode {
	case "open":
		return []mode{open}
	case "limited":
		return []mode{limited}
	case "exec":
		return []mode{exec}
	case "both":
		return []mode{open, limited}
	case "all":
		return []mode{open, limited, exec}
	}
	return nil
}

// concurrencyOf is the documents in flight the child runs with.
func (o benchOptions) concurrencyOf() int {
	if o.concurrency > 0 {
		return o.concurrency
	}
	return connector.DefaultConcurrency
}
