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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	a := &app{
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		getenv:    os.Getenv,
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	os.Exit(a.main(ctx, os.Args[1:]))
}
