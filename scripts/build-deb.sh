#!/usr/bin/env bash
# Builds the Debian package certprint_<version>_amd64.deb from this tree:
# installs what the build needs (scripts/install-deps.sh), builds the
# programs alone (no tests, no benchmarks) in build-deb/ for the prefix /usr,
# and packages them into dist/ (scripts/package-deb.sh).
#   bash scripts/build-deb.sh [--no-deps]
# Install it with: apt install ./dist/certprint_<version>_amd64.deb
# (docs/deploy.md goes on from there).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  "") bash scripts/install-deps.sh ;;
  --no-deps) ;;
  *) echo "usage: bash scripts/build-deb.sh [--no-deps]" >&2; exit 2 ;;
esac
cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DCERTPRINT_BUILD_TESTS=OFF -DCERTPRINT_BUILD_BENCH=OFF >/dev/null
cmake --build build-deb -j"$(nproc)"
bash scripts/package-deb.sh build-deb dist
