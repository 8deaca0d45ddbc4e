#!/usr/bin/env bash
# Fails when a product source file is over 600 lines or a function over 60
# (clang-tidy's readability-function-size, body lines). Run by ctest.
#
#   bash scripts/check-sizes.sh BUILD_DIR     (a build with compile_commands.json)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: check-sizes.sh BUILD_DIR}
max_file_lines=600
max_function_lines=60
folders=(common issuance token layout calibration daemon drivers)

command -v clang-tidy >/dev/null || { echo "check-sizes: clang-tidy is not installed" >&2; exit 1; }
[ -f "$build/compile_commands.json" ] ||
  { echo "check-sizes: $build/compile_commands.json is missing" >&2; exit 1; }

failed=0
cd "$root"
while read -r lines file; do
  [ "$file" = total ] && continue
  if [ "$lines" -gt "$max_file_lines" ]; then
    echo "$file: $lines lines (at most $max_file_lines)" >&2
    failed=1
  fi
done < <(find "${folders[@]}" -name '*.cpp' -o -name '*.hpp' | xargs wc -l)

sources=$(find "${folders[@]}" -name '*.cpp' -not -path '*/fuzz/*')
config="{CheckOptions: [{key: readability-function-size.LineThreshold, value: $max_function_lines}]}"
long=$(echo "$sources" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet \
         --checks='-*,readability-function-size' --config="$config" 2>/dev/null |
       grep -E "warning: function|note: [0-9]+ lines")
if [ -n "$long" ]; then
  echo "$long" >&2
  failed=1
fi
count=$(echo "$sources" | wc -l)
[ "$failed" -eq 0 ] || { echo "check-sizes: files or functions too long (see above)" >&2; exit 1; }
echo "check-sizes: $count sources: no file over $max_file_lines lines, no function over $max_function_lines"
