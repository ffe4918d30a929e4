#!/usr/bin/env bash
# The queue's crash test with many trials: a child process is killed with
# SIGKILL after acknowledging half of 40 concurrent notices; every
# acknowledged notice must be stored. SOAK_TRIALS (default 40) trials, race
# detector on. Notify mode's process tests (TestFaultServe*) already run in
# make soak with the cmd/numora-connector fault matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK_TRIALS="${SOAK_TRIALS:-40}" go test -race -count=1 -run '^TestCrashAfterAcknowledgement$' -v ./internal/queue/ \
	| grep -E '^(--- |ok|FAIL|PASS)'
