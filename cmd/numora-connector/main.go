// Command numora-connector delivers documents reviewed in Numora into
// Dynamics 365 / Dataverse and reports every outcome back to Numora.
//
// Run "numora-connector help" for the commands, and see docs/cli.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	a := &app{
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		getenv:    os.Getenv,
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		stderrWidth: func() int {
			w, _, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
	}
	code := signalExitCode(ctx, a.main(ctx, os.Args[1:]))
	stop()
	os.Exit(code)
}

// signalContext returns a context cancelled by the first SIGINT or SIGTERM,
// with that signal as its cause (stoppedBy). A second signal ends the
// process at once, as without a handler.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-ch
		if !ok {
			return
		}
		cancel(stoppedBy{sig})
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}
