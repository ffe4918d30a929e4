#!/usr/bin/env bash
# Runs every Go fuzz target in the module for FUZZTIME each (default 3s).
# Usage: scripts/fuzz.sh [FUZZTIME]    e.g. scripts/fuzz.sh 5m
# New crashers land in the package's testdata/fuzz/ and then run as
# regression tests in every plain `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-${FUZZTIME:-3s}}
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "== fuzz $pkg $target ($fuzztime)"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 2s
  done
done
