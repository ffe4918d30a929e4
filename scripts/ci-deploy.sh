#!/usr/bin/env bash
# Checks the deployment examples under deploy/:
#   - Kubernetes: the nested module deploy/ (go vet, go test): every manifest
#     decoded strictly and evaluated at the restricted Pod Security Standard;
#   - systemd: `systemd-analyze security --offline=true` rates the service at
#     most 2.0, and `systemd-analyze verify` prints nothing (it exits 0 on
#     warnings, so its output is the verdict); no running systemd needed;
#   - cron: numora-connector-cron against a stub connector: what it prints
#     (what cron mails) and its exit code for each connector exit code, and
#     "lock held" told apart from a failed pass.
#
# Usage: scripts/ci-deploy.sh      (installs systemd's tools from apt if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# check_cron DIR: numora-connector-cron with a stub connector in DIR. Each
# case: the stub's exit code, the script's expected exit code, and what it
# must print (cron mails it), "-" for nothing.
check_cron() {
  local d=$1 code want_exit want_out out got_exit
  mkdir -p "$d/conf" "$d/state" "$d/log"
  printf 'NUMORA_BASE_URL=https://api.numora.example\n' >"$d/conf/env"
  cat >"$d/stub" <<'STUB'
#!/bin/sh
printf '%s\n' "$NUMORA_BASE_URL $NUMORA_API_KEY_FILE $AZURE_CLIENT_SECRET_FILE $*" >"$STUB_ARGS"
echo "connector output goes to the log"
[ "$STUB_CODE" = hang ] && exec sleep 600
[ "$STUB_CODE" = stubborn ] && { trap '' TERM; exec sleep 600; }
exit "$STUB_CODE"
STUB
  chmod 0755 "$d/stub"
  export NUMORA_CONNECTOR_BIN=$d/stub NUMORA_CONNECTOR_CONF=$d/conf NUMORA_CONNECTOR_STATE=$d/state \
    NUMORA_CONNECTOR_LOG=$d/log/connector.log STUB_ARGS=$d/args
  local cron=$root/deploy/numora-connector-cron
  while read -r code want_exit want_out; do
    out=$(STUB_CODE=$code NUMORA_CONNECTOR_TIME_LIMIT=0.5s NUMORA_CONNECTOR_KILL_AFTER=0.5s "$cron" 2>&1) && got_exit=0 || got_exit=$?
    if [ "$got_exit" != "$want_exit" ]; then
      fail "cron: connector exit $code: script exit $got_exit, want $want_exit"
    elif [ "$want_out" = - ] && [ -n "$out" ]; then
      fail "cron: connector exit $code: want no output (no mail), got: $out"
    elif [ "$want_out" != - ] && [[ "$out" != *"$want_out"* ]]; then
      fail "cron: connector exit $code: want output with \"$want_out\", got: $out"
    else
      pass
    fi
  done <<'CASES'
0 0 -
4 4 -
1 1 the job is broken
2 2 configuration or mapping error
3 3 unreachable, or credentials refused
143 143 stopped by a signal
hang 124 ran longer than 0.5s and was stopped
stubborn 137 ran longer than 0.5s and was killed
CASES
  local want="https://api.numora.example $d/conf/credentials/numora-api-key $d/conf/credentials/azure-client-secret run --log-format json --summary-json $d/state/last-run.json"
  [ "$(cat "$d/args")" = "$want" ] && pass || fail "cron: the connector got: $(cat "$d/args"); want: $want"
  grep -q 'connector output goes to the log' "$d/log/connector.log" && pass ||
    fail "cron: the log lacks the connector's output"
  # Lock held by another pass (this flock, around the script): exit 75 and
  # a message that says so, not "the job is broken"; the connector never ran.
  rm -f "$d/args"
  out=$(STUB_CODE=1 flock "$d/state/lock" "$cron" 2>&1) && got_exit=0 || got_exit=$?
  if [ "$got_exit" = 75 ] && [[ "$out" == *"previous pass still holds"* ]] && [ ! -e "$d/args" ]; then
    pass
  else
    fail "cron: lock held: exit $got_exit, output: $out"
  fi
  # The state directory gone: flock cannot open the lock (exit 66), said so.
  mv "$d/state" "$d/state.away"
  out=$(STUB_CODE=0 "$cron" 2>&1) && got_exit=0 || got_exit=$?
  [ "$got_exit" = 66 ] && [[ "$out" == *"cannot open the lock $d/state/lock"* ]] && pass ||
    fail "cron: no state directory: exit $got_exit, output: $out"
  mv "$d/state.away" "$d/state"
  rm "$d/conf/env"
  out=$(STUB_CODE=0 "$cron" 2>&1) && got_exit=0 || got_exit=$?
  [ "$got_exit" = 2 ] && [[ "$out" == *"cannot read $d/conf/env"* ]] && pass ||
    fail "cron: no env file: exit $got_exit, output: $out"
}

echo "== deploy module: go vet, go test (Kubernetes manifests)"
(cd deploy && go vet ./... && go test ./...) && pass || fail "deploy module"

if ! command -v systemd-analyze >/dev/null; then
  echo "== installing systemd (for systemd-analyze)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
fi
units=deploy/systemd

echo "== systemd-analyze security --offline=true (at most 2.0, every service)"
for unit in "$units"/*.service; do
  systemd-analyze security --offline=true --no-pager "$unit" | tail -1
  if systemd-analyze security --offline=true --threshold=20 "$unit" >/dev/null; then
    pass
  else
    fail "$(basename "$unit") is rated above 2.0"
  fi
done

echo "== systemd-analyze verify (every unit)"
# verify needs the ExecStart binary and systemd's own units: a scratch root
# holds both, so it checks the units as installed without touching this machine.
vroot=$(mktemp -d)
trap 'rm -rf "$vroot"' EXIT
mkdir -p "$vroot/usr/local/bin" "$vroot/etc/systemd/system" "$vroot/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$vroot/usr/lib/systemd/"
printf '#!/bin/sh\n' >"$vroot/usr/local/bin/numora-connector"
chmod 0755 "$vroot/usr/local/bin/numora-connector"
installed=()
for unit in "$units"/*.service "$units"/*.timer; do
  cp "$unit" "$vroot/etc/systemd/system/"
  installed+=("/etc/systemd/system/$(basename "$unit")")
done
out=$(systemd-analyze verify --man=no --root="$vroot" "${installed[@]}" 2>&1) &&
  [ -z "$out" ] && pass || fail "systemd-analyze verify: ${out:-exit status}"

echo "== cron: numora-connector-cron"
check_cron "$vroot/cron"
echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
