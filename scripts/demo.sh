#!/usr/bin/env bash
# The main job on the bundled samples, end to end on this machine:
# installs what is needed and builds; starts a private cupsd with a virtual
# printer and certprintd with its embedded defaults (SQLite store in demo/);
# submits the sample issuances as the registry would; prints them one-click
# in one batch as a clerk would; shows their status; downloads the previews;
# keeps what the printer received; stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target certprint certprintd

demo=$(pwd)/demo
certprint=$(pwd)/build/daemon/certprint
rm -rf "$demo"
mkdir -p "$demo"
chmod 0755 "$demo"

echo "== Keys and API tokens"
"$certprint" keygen --keys "$demo/keys"
registry_token=$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')
clerk_token=$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')
# Owner-only from the start: certprintd refuses a token file others may read.
(umask 077 && printf 'registry registry-demo %s\nclerk clerk-demo %s\n' "$registry_token" \
  "$clerk_token" > "$demo/tokens")
chmod 0600 "$demo/tokens"

echo "== A private cupsd and a virtual printer"
harness=tests/cups/cups_harness.sh
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  bash "$harness" stop "$demo/cups"
}
trap cleanup EXIT
bash "$harness" start "$demo/cups"
server=$(grep '^CUPS_SERVER=' "$demo/cups/harness.env" | cut -d= -f2)

echo "== certprintd"
port=8631
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
build/daemon/certprintd --listen "127.0.0.1:$port" --database "$demo/certprint.db" \
  --keys "$demo/keys" --tokens "$demo/tokens" --templates templates \
  --printer "desk=raw,server=$server" >"$demo/certprintd.log" 2>&1 &
daemon_pid=$!
export CERTPRINT_URL="http://127.0.0.1:$port"
for _ in $(seq 100); do
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
echo
echo "Look at: $demo/printed/     the documents the virtual printer received"
echo "         $demo/previews/    each booklet's pages over the blank form (PNG)"
echo "         $demo/certprintd.log, $demo/certprint.db (the daemon's log and store)"
