#!/usr/bin/env bash
# Installs every Debian 12 package certprint needs to build, test and run.
# Run as root. Safe to run again: installed packages are left as they are.
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
  # the passbook filter's fuzz smoke test: clang with libFuzzer
  clang libclang-rt-14-dev
  # CUPS: client library, a private cupsd and a virtual IPP printer for tests
  libcups2-dev cups-daemon cups-client cups-ipp-utils cups-ppdc cups-filters dbus
  # benchmarks: CUPS's own rastertoepson, to measure the passbook driver against
  cups
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
