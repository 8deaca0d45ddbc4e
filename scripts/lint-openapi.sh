#!/usr/bin/env bash
# Lints docs/openapi.yaml with redocly (@redocly/cli at the version
# tools/package-lock.json pins, which scripts/install-deps.sh installs with
# `npm ci` in tools/), under the rules of redocly.yaml. Fails on any problem
# it does not explicitly ignore (.redocly.lint-ignore.yaml). Run by ctest.
#
#   bash scripts/lint-openapi.sh [SPEC]      SPEC: default docs/openapi.yaml
#
# It needs no network: telemetry and the update check are off, and where
# `unshare` may make a network namespace (as root, or with unprivileged
# user namespaces) it runs in one without a network, so it cannot reach out.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
spec=$(realpath "${1:-$root/docs/openapi.yaml}")

command -v npx >/dev/null ||
  { echo "lint-openapi: npx is missing: install Debian's nodejs and npm (bash scripts/install-deps.sh)" >&2; exit 1; }
bin=$root/tools/node_modules/.bin/redocly
[ -x "$bin" ] ||
  { echo "lint-openapi: $bin is missing: run bash scripts/install-deps.sh (npm ci in tools/)" >&2; exit 1; }
pinned=$(sed -n 's/.*"@redocly\/cli": "\([^"]*\)".*/\1/p' "$root/tools/package.json")
installed=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$root/tools/node_modules/@redocly/cli/package.json")
[ -n "$pinned" ] && [ "$installed" = "$pinned" ] ||
  { echo "lint-openapi: tools/ has @redocly/cli '$installed', tools/package.json pins '$pinned': run bash scripts/install-deps.sh" >&2; exit 1; }

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
offline=()
if unshare --net --map-root-user true 2>/dev/null; then
  offline=(unshare --net --map-root-user)
  echo "lint-openapi: redocly $installed, without a network (unshare --net)"
else
  echo "lint-openapi: redocly $installed (unshare cannot make a network namespace here; telemetry and update check off)"
fi
cd "$root/tools" || exit 1
"${offline[@]}" npx --no-install redocly lint --config "$root/redocly.yaml" "$spec"
