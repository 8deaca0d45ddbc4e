#!/usr/bin/env bash
# The web console in a real browser: starts the private CUPS of
# tests/cups/cups_harness.sh and a certprintd on it (tokens for a clerk, a
# technician, the registry and a verifier; two printers on the one virtual
# printer, "desk" fed from a tray and "counter" a passbook printer), then
# runs console.test.mjs,
# which drives Debian's chromium with playwright-core (tools/). Screenshots
# of each screen go to SCREENSHOT_DIR. Fails, saying what is missing, when
# chromium or playwright-core is not installed (scripts/install-deps.sh).
#   tests/console/run_console_tests.sh BUILD_DIR SCREENSHOT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build=$(cd "$1" && pwd)
shots=$2
chromium=$(command -v chromium || true)
[ -n "$chromium" ] || { echo "console tests: chromium is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
playwright="$source_dir/tools/node_modules/playwright-core"
[ -f "$playwright/index.mjs" ] || { echo "console tests: $playwright is missing (run scripts/install-deps.sh)" >&2; exit 1; }
command -v node >/dev/null || { echo "console tests: node is not installed (run scripts/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/certprint-console-XXXXXX)
chmod 0755 "$work"
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  bash "$source_dir/tests/cups/cups_harness.sh" stop "$work/cups" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bash "$source_dir/tests/cups/cups_harness.sh" start "$work/cups" >"$work/harness.log" 2>&1 ||
  { cat "$work/harness.log" >&2; exit 1; }
. "$work/cups/harness.env"
"$build/daemon/certprint" keygen --keys "$work/keys" >/dev/null
secret() { head -c 30 /dev/urandom | base64 | tr -d '/+=\n'; }
export CLERK_TOKEN=$(secret) TECH_TOKEN=$(secret) REGISTRY_TOKEN=$(secret) VERIFIER_TOKEN=$(secret)
(umask 077 && printf 'clerk clerk-desk1 %s\ntechnician tech-li %s\nregistry registry-1 %s\nverifier verifier-1 %s\n' \
  "$CLERK_TOKEN" "$TECH_TOKEN" "$REGISTRY_TOKEN" "$VERIFIER_TOKEN" >"$work/tokens")

# certprintd on a port the kernel had free a moment ago; another try on
# another port if something took it first.
up() {
  CERTPRINT_TOKEN=$CLERK_TOKEN "$build/daemon/certprint" printers --url "http://127.0.0.1:$port" \
    >/dev/null 2>&1
}
for attempt in 1 2 3; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$build/daemon/certprintd" --listen "127.0.0.1:$port" --database "$work/certprint.db" \
    --keys "$work/keys" --tokens "$work/tokens" --templates "$source_dir/templates" \
    --printer "desk=raw,server=$CUPS_SERVER" \
    --printer "counter=raw,server=$CUPS_SERVER,feed=passbook" --stall-timeout 2 \
    >"$work/certprintd.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 300); do
    up && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  up && break
  kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=
  [ "$attempt" -lt 3 ] || { echo "console tests: certprintd did not start" >&2; cat "$work/certprintd.log" >&2; exit 1; }
done

mkdir -p "$shots"
export CONSOLE_URL="http://127.0.0.1:$port" CHROMIUM="$chromium" PLAYWRIGHT="$playwright/index.mjs" \
  SCREENSHOT_DIR=$(cd "$shots" && pwd) CUPS_SERVER SOURCE_DIR=$source_dir EVE_SPOOL \
  FAULT_FILE="$work/cups/fault"
status=0
node --test --test-concurrency=1 "$here/console.test.mjs" || status=$?
# The logs stay beside the screenshots, for a person to read afterwards.
cp "$work/certprintd.log" "$CUPS_LOG_DIR/error_log" "$shots/" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
  echo "--- certprintd.log (last lines)" >&2; tail -n 40 "$work/certprintd.log" >&2
  echo "--- cupsd error_log (last lines)" >&2; tail -n 40 "$CUPS_LOG_DIR/error_log" >&2 || true
  echo "--- the printer's log (last lines)" >&2; tail -n 20 "$work/cups/eve.log" >&2 || true
fi
exit "$status"
