#!/usr/bin/env bash
# Builds the passbook filter's libFuzzer target with clang and runs it for a
# short while (default 20 s) from a seed corpus of valid rasters. Exits
# non-zero on any crash, hang or sanitizer report.
#   scripts/fuzz-smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
command -v clang++ >/dev/null || { echo "fuzz-smoke: clang++ is not installed"; exit 1; }
out=build/fuzz
mkdir -p "$out/corpus"
clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. \
  drivers/escp.cpp drivers/filter.cpp drivers/fuzz/raster_fuzz.cpp $(cups-config --libs) -o "$out/raster_fuzz"
# Seeds: two small valid pages (180x180 and 360x180) from the daemon's
# CUPS raster encoder; new finds go to the build folder, not the repository.
cp drivers/fuzz/corpus/* "$out/corpus/"
# libcups sizes a buffer from each page header before the filter can judge
# it; the filter guards the first header itself, and for later ones relies
# on the allocation failing cleanly, as it does in production.
ASAN_OPTIONS=allocator_may_return_null=1 \
"$out/raster_fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=65536 \
  -print_final_stats=1 "$out/corpus" 2>&1 | tail -n 12
echo "fuzz-smoke: no crash in $seconds s"
