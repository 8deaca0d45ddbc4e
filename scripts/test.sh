#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: installs what is
# needed, then builds and runs every test through ctest twice, each build in
# its own folder:
#   1. build/       the normal build, warnings as errors;
#   2. build-asan/  the same with AddressSanitizer (leaks included) and UBSan
#                   (CERTPRINT_SANITIZE=ON, no benchmarks). The programs the
#                   tests start (certprintd, certprint, the passbook filter
#                   under cupsd) are sanitized too; any memory error, leak or
#                   undefined behaviour stops that process and fails its test.
#   scripts/test.sh              both suites (what CI runs: .ci/run)
#   scripts/test.sh --normal     only the normal suite
#   scripts/test.sh --sanitize   only the sanitizer suite
# Both suites run even when the first fails; the exit status is non-zero when
# either failed, and the last line says which.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

suites=(normal sanitize)
case "${1:-}" in
  "") ;;
  --normal) suites=(normal) ;;
  --sanitize) suites=(sanitize) ;;
  *) echo "usage: scripts/test.sh [--normal | --sanitize]" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh

run_normal() {
  # The prefix /usr: the package test packages this build (scripts/package-deb.sh).
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCERTPRINT_WERROR=ON \
    -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
  cmake --build build -j"$(nproc)"
  (cd build && ctest --output-on-failure -j"$(nproc)")
}

run_sanitize() {
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCERTPRINT_WERROR=ON \
    -DCERTPRINT_SANITIZE=ON -DCERTPRINT_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$(nproc)"
  # Halt at the first report, with a stack. tests/lsan.supp names the leaks
  # inside system libraries that are not ours to fix (see the file).
  (cd build-asan &&
   ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:print_stacktrace=1 \
   LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0 \
   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
   ctest --output-on-failure -j"$(nproc)")
}

summary=()
failed=0
for suite in "${suites[@]}"; do
  echo "test.sh: the $suite suite"
  # Not `if ( ... )`: bash ignores set -e inside a condition, and a failed
  # build must not go on to test what an earlier build left.
  set +e
  ( set -e; "run_$suite" )
  status=$?
  set -e
  if [ "$status" -eq 0 ]; then
    summary+=("$suite passed")
  else
    summary+=("$suite FAILED")
    failed=1
  fi
done
echo "test.sh: ${summary[*]}"
exit "$failed"
