package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

const usageVersion = `Usage: numora-connector version   (or numora-connector --version)

Prints the module version, the source revision it was built from (commit,
commit date, "modified" when the checkout had uncommitted changes) and the
Go version, e.g.
  numora-connector v1.2.3 (rev 9578e29, 2026-12-05, modified) go1.26.8
A build from a checkout without a release tag shows a pseudo-version or
"devel"; a build without VCS information (-buildvcs=false, or outside a git
checkout) says "revision unknown".
`

func (a *app) cmdVersion(ctx context.Context, args []string) int {
	fs := newFlagSet("version", usageVersion, a.stderr)
	if code, ok := a.parse(fs, args); !ok {
		return code
	}
	fmt.Fprintln(a.stdout, versionString())
	return exitOK
}

// versionString describes this binary from its build information.
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(bi, runtime.Version())
}

// formatVersion is "numora-connector VERSION (rev REV, DATE[, modified])
// GOVERSION"; VERSION is "devel" for an unversioned build, and the
// parenthesis says "revision unknown" without VCS information.
func formatVersion(bi *debug.BuildInfo, goVersion string) string {
	version := "devel"
	var rev, date string
	var modified bool
	if bi != nil {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value[:min(7, len(s.Value))]
			case "vcs.time":
				date, _, _ = strings.Cut(s.Value, "T")
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev == "" {
		return fmt.Sprintf("numora-connector %s (revision unknown) %s", version, goVersion)
	}
	parts := []string{"rev " + rev}
	if date != "" {
		parts = append(parts, date)
	}
	if modified {
		parts = append(parts, "modified")
	}
	return fmt.Sprintf("numora-connector %s (%s) %s", version, strings.Join(parts, ", "), goVersion)
}
