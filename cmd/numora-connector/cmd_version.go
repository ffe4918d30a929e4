package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

const usageVersion = `Usage: numora-connector version

Prints the version, the source revision and the Go version.
`

func (a *app) cmdVersion(ctx context.Context, args []string) int {
	fs := newFlagSet("version", usageVersion, a.stderr)
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	fmt.Fprintln(a.stdout, versionString())
	return exitOK
}

// versionString is "numora-connector VERSION (REVISION[, modified]) GOVERSION".
func versionString() string {
	version, rev, dirty := "dev", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := "numora-connector " + version
	if rev != "" {
		if dirty {
			rev += ", modified"
		}
		out += " (" + rev + ")"
	}
	return out + " " + runtime.Version()
}
