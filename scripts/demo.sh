#!/usr/bin/env bash
# The main job on the bundled samples, end to end on this machine:
# installs what is needed and builds; starts a private cupsd with a virtual
# printer and certprintd with its embedded defaults (SQLite store in demo/);
# submits the sample issuances as the registry would; prints them one-click
# in one batch as a clerk would; shows their status; downloads the previews;
# keeps what the printer received; a registry stand-in takes the signed
# callbacks, keeps each booklet's QR, and at the end scans every page 5 the
# printer received against its record; stops everything it started.
#   CERTPRINT_DEMO_BUILD_DIR=DIR  use that build, already built (ctest's
#                                 run): no install, no build
#   CERTPRINT_DEMO_DIR=DIR        where the results go (default demo/)
#   scripts/demo.sh --serve       afterwards, keep certprintd and the private
#                                 cupsd running, print the web console's
#                                 address and a clerk's and a technician's
#                                 token, until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."
serve=false
case "${1:-}" in
  "") ;;
  --serve) serve=true ;;
  *) echo "usage: scripts/demo.sh [--serve]" >&2; exit 2 ;;
esac

build=${CERTPRINT_DEMO_BUILD_DIR:-}
if [ -z "$build" ]; then
  build=$(pwd)/build
  bash scripts/install-deps.sh
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" --target certprint certprintd registry_standin
fi

demo=${CERTPRINT_DEMO_DIR:-$(pwd)/demo}
certprint=$build/daemon/certprint
standin=$build/tests/registry_standin
rm -rf "$demo"
mkdir -p "$demo"
chmod 0755 "$demo"

echo "== Keys and API tokens"
"$certprint" keygen --keys "$demo/keys"
registry_token=$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')
clerk_token=$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')
tech_token=$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')
# Owner-only from the start: certprintd refuses a token file others may read.
(umask 077 && printf 'registry registry-demo %s\nclerk clerk-demo %s\ntechnician tech-demo %s\n' \
  "$registry_token" "$clerk_token" "$tech_token" > "$demo/tokens")
chmod 0600 "$demo/tokens"

echo "== A private cupsd and a virtual printer"
harness=tests/cups/cups_harness.sh
daemon_pid=
standin_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  [ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null && wait "$standin_pid" 2>/dev/null || true
  bash "$harness" stop "$demo/cups"
}
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}
trap cleanup EXIT
bash "$harness" start "$demo/cups"
server=$(grep '^CUPS_SERVER=' "$demo/cups/harness.env" | cut -d= -f2)

echo "== The registry stand-in (takes the signed callbacks, keeps each booklet's QR)"
(umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$demo/callback-secret")
registry_port=$(free_port 8700)
# The stand-in is a test tool, not the product: under the sanitizer suite
# its Poppler/GLib allocations at exit are not ours to judge.
standin_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
"${standin_env[@]}" "$standin" serve --port "$registry_port" --secret-file "$demo/callback-secret" \
  --store "$demo/registry.json" >"$demo/registry.log" 2>&1 &
standin_pid=$!

echo "== certprintd"
port=$(free_port 8631)
"$build/daemon/certprintd" --listen "127.0.0.1:$port" --database "$demo/certprint.db" \
  --keys "$demo/keys" --tokens "$demo/tokens" --templates templates \
  --printer "desk=raw,server=$server" \
  --callback-url "http://127.0.0.1:$registry_port/events" \
  --callback-secret-file "$demo/callback-secret" >"$demo/certprintd.log" 2>&1 &
daemon_pid=$!
export CERTPRINT_URL="http://127.0.0.1:$port"
for _ in $(seq 300); do  # up to 30 s: a sanitized build starts slowly
  CERTPRINT_TOKEN=$clerk_token "$certprint" printers >/dev/null 2>&1 && break
  sleep 0.1
done
CERTPRINT_TOKEN=$clerk_token "$certprint" printers

echo "== The registry submits the samples"
CERTPRINT_TOKEN=$registry_token "$certprint" submit samples/marriage.json samples/divorce.json samples/replacement.json
ids=()
for f in samples/marriage.json samples/divorce.json samples/replacement.json; do
  ids+=("$(sed -n 's/.*"issuance_id": *"\([^"]*\)".*/\1/p' "$f" | head -n 1)")
done

echo "== A clerk prints them one-click, in one batch, on printer 'desk'"
CERTPRINT_TOKEN=$clerk_token "$certprint" batch "${ids[@]}" --printer desk

echo "== Status"
for id in "${ids[@]}"; do CERTPRINT_TOKEN=$clerk_token "$certprint" status "$id"; echo; done

echo "== Previews"
for id in "${ids[@]}"; do
  for holder in male female; do
    CERTPRINT_TOKEN=$clerk_token "$certprint" preview "$id" --holder "$holder" --out "$demo/previews/$id" 2>/dev/null || true
  done
done

mkdir -p "$demo/printed"
cp "$demo"/cups/eve-spool/*.pdf "$demo/printed/"
echo "== What the printer received (job order)"
ls -1v "$demo/printed" | sed 's/^/  /'

echo "== Every event reaches the registry"
for _ in $(seq 300); do
  undelivered=0
  for id in "${ids[@]}"; do
    n=$(CERTPRINT_TOKEN=$clerk_token "$certprint" status "$id" --json |
        { grep -o '"delivered": *false' || true; } | wc -l)
    undelivered=$((undelivered + n))
  done
  [ "$undelivered" -eq 0 ] && break
  sleep 0.2
done
[ "$undelivered" -eq 0 ] || { echo "demo: $undelivered event(s) never reached the registry stand-in" >&2; exit 1; }

echo "== The registry scans every page 5 received and looks its QR up in its record"
"${standin_env[@]}" "$standin" scan --store "$demo/registry.json" --printed "$demo/printed" | tee "$demo/verified.txt"
echo
echo "Look at: $demo/printed/     the documents the virtual printer received"
echo "         $demo/previews/    each booklet's pages over the blank form (PNG)"
echo "         $demo/registry.json     the registry stand-in's record: each booklet's QR"
echo "         $demo/verified.txt      page 5 by page 5: QR found, record matches"
echo "         $demo/certprintd.log, $demo/certprint.db (the daemon's log and store)"

if $serve; then
  echo
  echo "== The web console is at $CERTPRINT_URL/"
  echo "   sign in as the clerk:      $clerk_token"
  echo "   or as the technician:      $tech_token"
  echo "   certprintd and the private cupsd keep running until Ctrl-C."
  wait "$daemon_pid" || true
fi
