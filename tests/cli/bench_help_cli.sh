#!/usr/bin/env bash
# Every benchmark's command line, as a person meets it: --help gives a usage
# line, its options and an example (exit 0); an option it does not have, or
# a bad value, is refused naming it (exit 2), not ignored.
#   tests/cli/bench_help_cli.sh BENCH_DIR
set -uo pipefail
dir=$1
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

for bench in render_bench print_bench daemon_bench driver_bench reliability; do
  text=$("$dir/$bench" --help 2>&1)
  status=$?
  [ "$status" -eq 0 ] || fail "$bench --help exits $status"
  grep -q "^usage: $bench" <<<"$text" || fail "$bench --help has no usage line: $(head -n 3 <<<"$text")"
  grep -q "^example" <<<"$text" || fail "$bench --help gives no example"
  grep -q -- "--help" <<<"$text" || fail "$bench --help does not list its options"
  text=$("$dir/$bench" --no-such-option 2>&1)
  status=$?
  [ "$status" -eq 2 ] || fail "$bench --no-such-option exits $status, expected 2"
  grep -q -- "no-such-option" <<<"$text" || fail "$bench does not name the unknown option: $(head -n 3 <<<"$text")"
done
# A value out of range is named with the option.
for call in "render_bench --booklets 0" "print_bench --runs 0" "daemon_bench --clients 0"; do
  text=$($dir/$call 2>&1)
  status=$?
  [ "$status" -eq 2 ] || fail "$call exits $status, expected 2"
  option=$(awk '{print $2}' <<<"$call")
  grep -q -- "$option" <<<"$text" || fail "$call: the refusal does not name $option: $(head -n 3 <<<"$text")"
done
[ "$failed" -eq 0 ] && echo "bench_help_cli: ok"
exit "$failed"
