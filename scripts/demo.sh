#!/usr/bin/env bash
# The main job on the bundled samples, on a private CUPS: installs what is
# needed, builds, makes a signing key, renders every sample's pages with
# previews, starts a private cupsd with a virtual printer, prints the samples
# one-click through it as a clerk would, keeps what the printer received,
# and stops what it started. Everything lands in demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target certprint

demo=$(pwd)/demo
certprint=build/daemon/certprint
rm -rf "$demo/printed" "$demo/cups"
mkdir -p "$demo"
chmod 0755 "$demo"
[ -d "$demo/keys" ] || "$certprint" keygen --keys "$demo/keys"

echo "== Rendering previews"
for sample in samples/*.json; do
  name=$(basename "$sample" .json)
  "$certprint" render "$sample" --out "$demo/$name" --keys "$demo/keys" --dpi 180 | grep -v '^wrote'
done

echo "== Starting a private cupsd and a virtual printer"
harness=tests/cups/cups_harness.sh
trap 'bash "$harness" stop "$demo/cups"' EXIT
bash "$harness" start "$demo/cups"
server=$(grep '^CUPS_SERVER=' "$demo/cups/harness.env" | cut -d= -f2)

echo "== Printing the samples one-click, in one batch, on queue 'raw' (documents reach the printer untouched)"
"$certprint" print --direct samples/marriage.json samples/divorce.json samples/replacement.json \
  --printer raw --cups-server "$server" --keys "$demo/keys"

echo "== What the printer received"
mkdir -p "$demo/printed"
cp "$demo"/cups/eve-spool/*.pdf "$demo/printed/"
CUPS_SERVER=$server lpstat -W completed -o raw | sed 's/^/  /'
ls -1v "$demo/printed" | sed 's/^/  /'
echo
echo "Look at: $demo/<sample>/*.png (previews over the form, PDFs beside them)"
echo "         $demo/printed/ (the documents the virtual printer received, in job order)"
