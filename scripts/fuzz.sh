#!/usr/bin/env bash
# Runs every Go fuzz target in the module for FUZZTIME each (default 3s).
# Usage: scripts/fuzz.sh [FUZZTIME]    e.g. scripts/fuzz.sh 5m, scripts/fuzz.sh 20000x
#
# FUZZTIME is a duration or an execution count (Nx). CI uses a count: with a
# duration, Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" as the time runs out (go.dev/issue/75804, fixed in Go
# 1.27), a race in the toolchain and never a crasher. A count sets no deadline.
# For durations, such a failure is retried once when it wrote no crasher.
#
# New crashers land in the package's testdata/fuzz/ and then run as
# regression tests in every plain `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-${FUZZTIME:-3s}}
case "$fuzztime" in *x) minimize=200x ;; *) minimize=2s ;; esac

# fuzz_once PKG TARGET: runs one target, printing its output; exit status 3
# marks the coordinator's deadline race (no crasher written).
fuzz_once() {
  local pkg=$1 target=$2 dir out status
  dir="$(go list -f '{{.Dir}}' "$pkg")/testdata/fuzz/$target"
  local before; before=$(ls "$dir" 2>/dev/null | wc -l)
  out=$(mktemp)
  status=0
  go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" >"$out" 2>&1 || status=$?
  cat "$out"
  if [ "$status" -ne 0 ] && [ "$(ls "$dir" 2>/dev/null | wc -l)" -eq "$before" ] &&
    grep -q '^    context deadline exceeded$' "$out"; then
    status=3
  fi
  rm -f "$out"
  return "$status"
}

for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "== fuzz $pkg $target ($fuzztime)"
    status=0; fuzz_once "$pkg" "$target" || status=$?
    if [ "$status" -eq 3 ]; then
      echo "== $target: the fuzz coordinator's deadline race (go.dev/issue/75804), no crasher written; once more"
      status=0; fuzz_once "$pkg" "$target" || status=$?
    fi
    [ "$status" -eq 0 ] || exit 1
  done
done
