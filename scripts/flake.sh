#!/usr/bin/env bash
# flake.sh N [go test args]: runs the test suite N times, each with
# -count=1 -shuffle=on, and prints "P passed, F failed" and the names of
# the tests that failed, with how often. Packages default to ./...; the
# output of each failed run is kept in a log whose path is printed.
#
#   scripts/flake.sh 20
#   scripts/flake.sh 10 -race ./destinations/...
set -uo pipefail
cd "$(dirname "$0")/.."

n=${1:-}
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/flake.sh N [go test args]" >&2
  exit 2
fi
shift
args=("$@")
packages=()
for a in "${args[@]}"; do
  case "$a" in ./*|github.com/*) packages+=("$a") ;; esac
done
[ ${#packages[@]} -eq 0 ] && args+=(./...)

logs=$(mktemp -d "${TMPDIR:-/tmp}/flake.XXXXXX")
passed=0 failed=0
for i in $(seq 1 "$n"); do
  log="$logs/run-$i.log"
  start=$(date +%s)
  if go test -count=1 -shuffle=on "${args[@]}" > "$log" 2>&1; then
    passed=$((passed + 1)); verdict=ok
    rm -f "$log"
  else
    failed=$((failed + 1)); verdict="FAIL (log: $log)"
  fi
  echo "run $i/$n: $verdict in $(( $(date +%s) - start ))s"
done

if [ "$failed" -gt 0 ]; then
  echo "failing tests:"
  cat "$logs"/run-*.log | grep -E -- '--- FAIL: |^panic: |test timed out' |
    sed -E 's/^ *--- FAIL: ([^ ]+).*/\1/' | sort | uniq -c | sort -rn
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
