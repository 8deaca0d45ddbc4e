#!/usr/bin/env bash
# The main job on the bundled samples: installs what is needed, builds, makes
# a signing key, and renders every sample issuance's pages into demo/ —
# PDFs as a printer would receive them and PNG previews over the blank form.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target certprint

demo=demo
mkdir -p "$demo"
[ -d "$demo/keys" ] || build/daemon/certprint keygen --keys "$demo/keys"
for sample in samples/*.json; do
  name=$(basename "$sample" .json)
  echo "== $name"
  build/daemon/certprint render "$sample" --out "$demo/$name" --keys "$demo/keys" --dpi 180
done
echo
echo "Open the previews: $demo/*/*.png (PDFs beside them)."
