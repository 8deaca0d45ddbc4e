#!/usr/bin/env bash
# The --help of every command: a usage line, the command's own options only,
# at least one example, and no word broken across lines.
#   tests/cli/help_cli.sh CERTPRINT CERTCAL CERTPRINTD
set -uo pipefail
certprint=$1
certcal=$2
certprintd=$3
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

check_help() {  # NAME TEXT
  local name=$1 text=$2
  grep -q "^usage: " <<<"$text" || fail "$name --help has no usage line"
  grep -q "^example" <<<"$text" || fail "$name --help gives no example"
}

for c in keygen render verify print submit batch status confirm void printers release preview stock \
         reconcile; do
  text=$("$certprint" "$c" --help 2>&1) || fail "certprint $c --help exits non-zero"
  check_help "certprint $c" "$text"
  grep -q -- "--args" <<<"$text" && fail "certprint $c --help shows an internal --args option"
done

for c in chart target fit verify show rollback; do
  text=$("$certcal" "$c" --help 2>&1) || fail "certcal $c --help exits non-zero"
  check_help "certcal $c" "$text"
done
# Each certcal command lists its own options, not the others'.
chart=$("$certcal" chart --help 2>&1)
grep -q -- "--mark" <<<"$chart" && fail "certcal chart --help lists fit's --mark"
grep -q -- "--token-file" <<<"$chart" && fail "certcal chart --help lists --token-file (chart is offline)"
fit=$("$certcal" fit --help 2>&1)
grep -q -- "--mark" <<<"$fit" || fail "certcal fit --help does not list --mark"
grep -q -- "--to " <<<"$fit" && fail "certcal fit --help lists rollback's --to"
show=$("$certcal" show --help 2>&1)
grep -q -- "--page" <<<"$show" && fail "certcal show --help lists --page"
"$certcal" frobnicate --help >/dev/null 2>&1 && fail "certcal accepts an unknown command"

daemon=$("$certprintd" --help 2>&1) || fail "certprintd --help exits non-zero"
check_help certprintd "$daemon"
# Words stay whole: these appear on one line each.
for token in "NAME=QUEUE" ",server=HOST:PORT" ",dpi=600|360x180" "monitor"; do
  grep -q -F -- "$token" <<<"$daemon" || fail "certprintd --help breaks or lacks \"$token\""
done
[ "$failed" -eq 0 ] && echo "help_cli: ok"
exit "$failed"
