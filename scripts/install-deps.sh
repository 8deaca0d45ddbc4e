#!/usr/bin/env bash
# Installs every Debian 12 package certprint needs to build, test and run,
# and brings each one listed here up to the archive's current version (a fresh
# machine gets Debian's newest security updates, so this one must too, or the
# tests here would pass against packages no new machine has).
# Run as root. Safe to run again.
set -euo pipefail

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
)

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
