package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// connectorPackage is built when no connector binary is at hand.
const connectorPackage = "github.com/numora/numora-connector/cmd/numora-connector"

// connectorBinary returns the connector to measure and a func removing
// whatever it built: flag (--binary) when given; else numora-connector in
// this executable's directory (the two installed together); else one built
// from the module's source with "go build" (as under "go run
// ./cmd/numora-bench"). It says on stderr which one it measures.
func connectorBinary(ctx context.Context, flag string, p *progress) (string, func(), error) {
	nothing := func() {}
	if flag != "" {
		bin, err := absolute(flag)
		return bin, nothing, err
	}
	if exe, err := os.Executable(); err == nil {
		if sibling, ok := siblingOf(exe); ok {
			p.note("measuring " + sibling)
			return sibling, nothing, nil
		}
	}
	dir, err := os.MkdirTemp("", "numora-bench-bin-")
	if err != nil {
		return "", nothing, err
	}
	p.note("building numora-connector (go build " + connectorPackage + ")")
	bin, err := buildConnector(ctx, dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", nothing, err
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// absolute makes a path to a binary absolute: the child runs in the
// emulators' directory, where a relative one would not be found. A bare
// name is left for exec to look up in PATH.
func absolute(bin string) (string, error) {
	if !strings.ContainsRune(bin, '/') && !strings.ContainsRune(bin, filepath.Separator) {
		return bin, nil
	}
	return filepath.Abs(bin)
}

// siblingOf returns the numora-connector in exe's directory, if there is
// one.
func siblingOf(exe string) (string, bool) {
	sibling := filepath.Join(filepath.Dir(exe), "numora-connector"+exeSuffix())
	fi, err := os.Stat(sibling)
	return sibling, err == nil && fi.Mode().IsRegular()
}

// buildConnector builds the connector from source into dir.
func buildConnector(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "numora-connector"+exeSuffix())
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, connectorPackage).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building the connector (pass --binary, or run from the module's source): %w\n%s",
			err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}
