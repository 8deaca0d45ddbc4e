#!/usr/bin/env bash
# scripts/demo.sh --serve: after the demo, certprintd stays up with the web
# console's address and a clerk's and a technician's token printed; those
# tokens sign in; Ctrl-C (SIGINT) stops certprintd and the private cupsd.
#   tests/cli/demo_serve.sh BUILD_DIR DEMO_DIR
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1 demo=$2
out=$(mktemp /tmp/certprint-demo-serve-XXXXXX)
fail() { echo "FAIL: $*" >&2; echo "--- demo output" >&2; tail -n 30 "$out" >&2; exit 1; }
CERTPRINT_DEMO_BUILD_DIR=$build CERTPRINT_DEMO_DIR=$demo setsid bash "$root/scripts/demo.sh" --serve \
  >"$out" 2>&1 &
pid=$!
trap 'kill -INT -- -$pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 600); do
  grep -q "web console is at" "$out" && break
  kill -0 "$pid" 2>/dev/null || fail "the demo ended before serving"
  sleep 0.2
done
url=$(sed -n 's/.*web console is at \(http[^ ]*\)\/$/\1/p' "$out")
clerk=$(sed -n 's/.*sign in as the clerk: *//p' "$out")
tech=$(sed -n 's/.*or as the technician: *//p' "$out")
[ -n "$url" ] && [ -n "$clerk" ] && [ -n "$tech" ] || fail "no address or tokens printed"
check() {  # URL TOKEN: the page loads and the token signs in
  python3 - "$@" <<'PY'
import sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
page = urllib.request.urlopen(url + "/", timeout=10)
assert page.status == 200 and b"<html" in page.read(), "no console page"
req = urllib.request.Request(url + "/console/session", data=b"", method="POST",
                             headers={"Authorization": "Bearer " + token})
answer = urllib.request.urlopen(req, timeout=10)
assert answer.status == 201, answer.status
assert "certprint_session=" in answer.headers.get("Set-Cookie", "")
PY
}
check "$url" "$clerk" || fail "the clerk's token does not sign in at $url"
check "$url" "$tech" || fail "the technician's token does not sign in at $url"
sleep 2
kill -0 "$pid" 2>/dev/null || fail "the demo did not keep serving"
kill -INT -- -"$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "Ctrl-C did not end the demo"
python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1] + '/', timeout=3)" "$url" \
  2>/dev/null && fail "certprintd still answers after Ctrl-C"
echo "demo_serve: ok ($url)"
