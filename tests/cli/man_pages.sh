#!/usr/bin/env bash
# The man pages say what --help says: every long option of each program's
# --help, and of each of its commands', is in its man page, as is every
# command. The pages are made from --help at build time (scripts/make-man.sh);
# this checks that they were made from these programs and not left behind.
#   man_pages.sh MAN_DIR CERTPRINTD CERTPRINT CERTCAL
set -euo pipefail
man_dir=$1 certprintd=$2 certprint=$3 certcal=$4
fail() { echo "man_pages: FAIL: $*" >&2; exit 1; }

text_of() {  # the page without roff's escapes of - and fonts
  gzip -dc "$1" | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(aq/'"'"'/g'
}

check() {  # PAGE PROGRAM [COMMAND]
  local page=$1 program=$2 command=${3:-}
  local help
  help=$("$program" ${command:+"$command"} --help)
  for option in $(grep -o -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u); do
    grep -q -- "$option" <<<"$(text_of "$page")" ||
      fail "$(basename "$page"): $option of '$(basename "$program") ${command}' --help is missing"
  done
}

for page in certprintd.8.gz certprint.1.gz certcal.1.gz; do
  [ -s "$man_dir/$page" ] || fail "$man_dir/$page was not made"
done
check "$man_dir/certprintd.8.gz" "$certprintd"
for tool in certprint certcal; do
  program=$certprint
  [ "$tool" = certcal ] && program=$certcal
  page="$man_dir/$tool.1.gz"
  check "$page" "$program"
  for command in $("$program" --help | awk '/^  [a-z][a-z-]+ / { print $1 }' | sort -u); do
    grep -q "^\.SS $command\$" <(gzip -dc "$page") || fail "$tool.1: no section for '$command'"
    check "$page" "$program" "$command"
  done
done
echo "man_pages: certprintd(8), certprint(1) and certcal(1) hold every option --help lists"
