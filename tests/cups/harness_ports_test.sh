#!/usr/bin/env bash
# The private CUPS harness starts even when the port it picked is taken
# between its probe and the server's bind (another test's server or a
# client's local port). A port held bound but not listening looks free to the
# probe and still refuses the bind: handed out first (CUPS_HARNESS_PORTS), it
# must cost a retry, not a failed start. The first port goes to ippeveprinter,
# the next to cupsd.
#   tests/cups/harness_ports_test.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/certprint-harness-ports-XXXXXX)
chmod 0755 "$work"
holder_pid=
cleanup() {
  bash "$here/cups_harness.sh" stop "$work/cups" >/dev/null 2>&1
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Hold two ports: bound, never listening, until this test ends.
python3 - "$work/held" <<'PY' &
import socket, sys, time
held = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(" ".join(str(s.getsockname()[1]) for s in held))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)
PY
holder_pid=$!
for _ in $(seq 100); do [ -f "$work/held" ] && break; sleep 0.05; done
[ -f "$work/held" ] || fail "could not hold two ports"
read -r eve_held cups_held <"$work/held"

CUPS_HARNESS_PORTS="$eve_held $cups_held" bash "$here/cups_harness.sh" start "$work/cups" \
  >"$work/start.log" 2>&1 || fail "the harness did not start with its first ports taken: $(cat "$work/start.log")"
. "$work/cups/harness.env"
grep -q "ippeveprinter could not use port $eve_held" "$work/start.log" ||
  fail "ippeveprinter was not tried on the held port $eve_held: $(cat "$work/start.log")"
grep -q "cupsd could not use port $cups_held" "$work/start.log" ||
  fail "cupsd was not tried on the held port $cups_held: $(cat "$work/start.log")"
[ "$EVE_PORT" != "$eve_held" ] || fail "ippeveprinter reported on the held port $eve_held"
[ "$CUPS_PORT" != "$cups_held" ] || fail "cupsd reported on the held port $cups_held"
CUPS_SERVER=$CUPS_SERVER lpstat -r | grep -q "scheduler is running" || fail "cupsd does not answer on $CUPS_SERVER"
ipptool -q "$EVE_URI" get-printer-attributes.test || fail "ippeveprinter does not answer on $EVE_URI"
echo "harness_ports: ok (held $eve_held and $cups_held; started on $EVE_PORT and $CUPS_PORT)"
