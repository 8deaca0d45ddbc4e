#!/usr/bin/env bash
# certprint void cannot be undone, so it asks first: at a terminal it waits
# for "yes"; without a terminal it refuses unless --yes says the caller has
# asked already. Nothing is sent before that (the daemon here is a port
# where nothing listens: reaching it shows the void went ahead).
#   tests/cli/void_cli.sh CERTPRINT_BINARY
set -uo pipefail
certprint=$1
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
command -v script >/dev/null || { echo "void_cli: script (util-linux) is missing" >&2; exit 1; }
export CERTPRINT_TOKEN=void-cli-0123456789abcdef
args=(void 440106-20260512-0001 --holder female --reason "ink smudge" --new-stock-serial 4400269999
      --url http://127.0.0.1:9)

out=$("$certprint" "${args[@]}" </dev/null 2>&1); status=$?
[ "$status" -eq 2 ] || fail "without a terminal and without --yes: exit $status, expected 2"
grep -q -- "--yes" <<<"$out" || fail "the refusal does not say --yes: $out"
grep -q "does not answer" <<<"$out" && fail "the void was sent without confirmation"

out=$("$certprint" "${args[@]}" --yes </dev/null 2>&1)
grep -q "does not answer" <<<"$out" || fail "with --yes the void was not sent: $out"

# At a terminal (script gives the command one): anything but "yes" stops it.
command_line=$(printf '%q ' "$certprint" "${args[@]}")
out=$(echo no | script -qec "$command_line" /dev/null 2>&1)
grep -q "This cannot be undone" <<<"$out" || fail "no question at a terminal: $out"
grep -q "not voided" <<<"$out" || fail "answering no did not stop it: $out"
grep -q "does not answer" <<<"$out" && fail "answering no still sent the void"
out=$(echo yes | script -qec "$command_line" /dev/null 2>&1)
grep -q "does not answer" <<<"$out" || fail "answering yes did not send the void: $out"

[ "$failed" -eq 0 ] && echo "void_cli: ok"
exit "$failed"
