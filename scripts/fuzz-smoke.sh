#!/usr/bin/env bash
# Builds one libFuzzer target with clang (ASan + UBSan) and runs it for a
# while (default 20 s) from its seed corpus. Exits non-zero on any crash,
# hang, leak, sanitizer report or broken property; the input that did it is
# kept in the output folder as crash-*, leak-*, timeout-* or oom-*.
#   scripts/fuzz-smoke.sh [SECONDS] [TARGET]
# TARGET:
#   raster  (default) the passbook filter, rastertopassbook's CUPS raster input
#           (drivers/fuzz/raster_fuzz.cpp; seeds drivers/fuzz/corpus/)
#   intake  issuance intake: parse_issuance, the canonical round trip and the
#           info-page fields (issuance/fuzz/intake_fuzz.cpp; seeds samples/*.json
#           and issuance/fuzz/corpus/)
# Binaries, the growing corpus and the log go to $CERTPRINT_FUZZ_DIR/TARGET
# (default build/fuzz/TARGET), never into the repository. The last lines
# printed include libFuzzer's stat::number_of_executed_units.
# CERTPRINT_FUZZ_RUNS=N also ends the run after N executions (whichever of
# the time and the count comes first), for the long runs:
#   CERTPRINT_FUZZ_RUNS=10000000 scripts/fuzz-smoke.sh 36000 intake
# CERTPRINT_FUZZ_TIMEOUT=S sets the seconds one input may take before it is
# reported as a hang (default 10); give a run at low priority beside a build
# more, or a starved moment reads as a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
target=${2:-raster}
command -v clang++ >/dev/null || { echo "fuzz-smoke: clang++ is not installed"; exit 1; }
out=${CERTPRINT_FUZZ_DIR:-build/fuzz}/$target
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I.)

case "$target" in
  raster)
    sources=(drivers/escp.cpp drivers/filter.cpp drivers/raster_guard.cpp drivers/fuzz/raster_fuzz.cpp)
    libs=($(cups-config --libs))
    # Seeds: two small valid pages (180x180 and 360x180) from the daemon's
    # CUPS raster encoder.
    seeds=(drivers/fuzz/corpus/*)
    options=(-max_len=65536 -rss_limit_mb=1024)
    # libcups sizes a buffer from each page header before the filter can judge
    # it, so the filter's guard (drivers/raster_guard.cpp) judges every page's
    # header on its way to libcups and ends the stream before a bad one: no
    # header reaches libcups that asks for more than a passbook line. An
    # allocation that big is now a finding, so ASan reports it rather than
    # return null (max_allocation_size_mb only caps what a bug could ask for).
    asan=max_allocation_size_mb=256
    ;;
  intake)
    sources=(issuance/record.cpp issuance/parse.cpp issuance/canonical.cpp issuance/id_number.cpp
             issuance/json_fields.cpp issuance/text.cpp common/result.cpp issuance/fuzz/intake_fuzz.cpp)
    libs=()
    # Seeds: the shipped samples and hand-made edge cases (deep nesting, huge
    # numbers, invalid UTF-8, duplicate keys...). 16 KiB reaches every rule
    # but the 64 KiB document limit, which tests/issuance covers.
    seeds=(samples/*.json issuance/fuzz/corpus/*)
    options=(-max_len=16384 -rss_limit_mb=2048 -dict=issuance/fuzz/intake.dict)
    asan=detect_leaks=1
    ;;
  *)
    echo "fuzz-smoke: unknown target '$target' (expected raster or intake)" >&2
    exit 2
    ;;
esac

mkdir -p "$out/corpus"
# One object per source, two at a time: the intake sources are template-heavy.
# An object older than its source or any header is built again (find -L: the
# docs test's copy of the tree links these folders).
objects=()
for source in "${sources[@]}"; do
  object="$out/obj/${source//\//_}.o"
  mkdir -p "$out/obj"
  objects+=("$object")
  if [ ! -f "$object" ] || [ "$source" -nt "$object" ] || [ "$0" -nt "$object" ] ||
     [ -n "$(find -L issuance common drivers -name '*.hpp' -newer "$object" -print -quit)" ]; then
    clang++ "${flags[@]}" -c "$source" -o "$object" &
    [ "$(jobs -rp | wc -l)" -lt 2 ] || wait -n
  fi
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; done
clang++ "${flags[@]}" "${objects[@]}" "${libs[@]}" -o "$out/${target}_fuzz"
cp "${seeds[@]}" "$out/corpus/"

log="$out/fuzz.log"
if [ -n "${CERTPRINT_FUZZ_RUNS:-}" ]; then
  case "$CERTPRINT_FUZZ_RUNS" in
    *[!0-9]* | "") echo "fuzz-smoke: CERTPRINT_FUZZ_RUNS must be a count, not '$CERTPRINT_FUZZ_RUNS'" >&2; exit 2 ;;
  esac
  options+=(-runs="$CERTPRINT_FUZZ_RUNS")
fi
status=0
ASAN_OPTIONS=$asan UBSAN_OPTIONS=print_stacktrace=1 \
"$out/${target}_fuzz" -max_total_time="$seconds" -timeout="${CERTPRINT_FUZZ_TIMEOUT:-10}" -print_final_stats=1 \
  -artifact_prefix="$out/" "${options[@]}" "$out/corpus" >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 80 "$log"
  echo "fuzz-smoke: $target failed (exit $status); log $log, input in $out/ (crash-*, leak-*, ...)"
  exit 1
fi
tail -n 12 "$log"
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
echo "fuzz-smoke: $target: no crash in ${runs:-?} executions (a limit of $seconds s${CERTPRINT_FUZZ_RUNS:+ or $CERTPRINT_FUZZ_RUNS executions})"
