#!/usr/bin/env bash
# Installs every Debian 12 package certprint needs to build, test and run,
# and brings each one listed here up to the archive's current version (a fresh
# machine gets Debian's newest security updates, so this one must too, or the
# tests here would pass against packages no new machine has).
# Then installs the npm tools of tools/ (@redocly/cli, which lints
# docs/openapi.yaml; playwright-core, which drives chromium in the console's
# tests) exactly as tools/package-lock.json pins them (npm ci).
# Run as root. Safe to run again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  # toolchain
  build-essential cmake pkg-config git
  # rendering: Cairo, Pango, Poppler, libqrencode, a CJK serif font
  libcairo2-dev libpango1.0-dev libpoppler-glib-dev libqrencode-dev fonts-noto-cjk
  # records, tokens, options
  nlohmann-json3-dev libssl-dev libsqlite3-dev libboost-program-options-dev
  # the daemon: HTTP, systemd notification
  libcpp-httplib-dev libsystemd-dev
  # tests: openssl makes a throwaway TLS certificate
  openssl
  # tests: Catch2, zxing-cpp to scan rendered QR codes, poppler-utils for humans
  catch2 libzxing-dev poppler-utils
  # the passbook filter's fuzz smoke test: clang with libFuzzer; clang-tidy
  # measures function sizes (scripts/check-sizes.sh)
  clang libclang-rt-14-dev clang-tidy
  # CUPS: client library, a private cupsd and a virtual IPP printer for tests
  libcups2-dev cups-daemon cups-client cups-ipp-utils cups-ppdc cups-filters dbus
  # bench/reliability: step certprintd's wall clock back (libfaketime)
  faketime
  # benchmarks: CUPS's own rastertoepson, to measure the passbook driver against
  cups
  # docs/openapi.yaml: redocly lints it (npm, tools/); the contract test checks
  # the API's answers against it (tests/contract/: JSON Schema 2020-12, YAML)
  nodejs npm python3-jsonschema python3-yaml
  # the web console's tests: Debian's chromium, driven by playwright-core
  # (npm, tools/; it downloads no browser of its own)
  chromium
  # the Debian package: man pages from --help, CPack's dpkg-shlibdeps and
  # fakeroot, lintian, and a clean Debian 12 root to install it into
  help2man dpkg-dev fakeroot lintian debootstrap
)

# A nodejs from outside Debian (NodeSource's) brings its own npm and
# conflicts with Debian's npm package, and apt does not downgrade it to
# Debian's nodejs on its own: then that nodejs and its npm are used, and said.
if dpkg-query -W -f='${Status} ${Provides}\n' nodejs 2>/dev/null | grep -q '^install ok installed.*\bnpm\b'; then
  kept=()
  for p in "${packages[@]}"; do [ "$p" = npm ] || kept+=("$p"); done
  packages=("${kept[@]}")
  echo "install-deps: nodejs $(dpkg-query -W -f='${Version}' nodejs) is not Debian's and brings its own npm; using it, without Debian's npm package" >&2
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (it installs and upgrades: ${packages[*]})" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: updating the package lists"
apt-get update -qq
# 'install' of an installed package upgrades it to the candidate version, and
# with it any dependency whose version it pins (libcups2 with cups-daemon).
echo "install-deps: installing or upgrading ${#packages[@]} packages"
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

# Prove it: every listed package is at the archive's candidate version.
stale=()
for p in "${packages[@]}"; do
  installed=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
  candidate=$(apt-cache policy "$p" | sed -n 's/^  Candidate: //p')
  if [ -z "$installed" ] || [ "$installed" != "$candidate" ]; then
    stale+=("$p (installed '${installed:-none}', archive '$candidate')")
  fi
done
if [ ${#stale[@]} -ne 0 ]; then
  printf 'install-deps: not at the archive version: %s\n' "${stale[@]}" >&2
  exit 1
fi
echo "install-deps: all ${#packages[@]} packages at the archive's current version"

# The npm tools, as the lockfile pins them (node_modules is not in git).
command -v npm >/dev/null || { echo "install-deps: npm is missing after installing nodejs and npm" >&2; exit 1; }
echo "install-deps: installing tools/ with npm ci (node $(node --version), npm $(npm --version))"
if ! (cd "$root/tools" && npm ci --no-audit --no-fund --loglevel=error); then
  echo "install-deps: npm ci in $root/tools failed (see above)" >&2
  exit 1
fi
echo "install-deps: tools/ has @redocly/cli $(cd "$root/tools" && node -p 'require("@redocly/cli/package.json").version'), playwright-core $(cd "$root/tools" && node -p 'require("playwright-core/package.json").version')"
