#!/usr/bin/env bash
# Writes the man pages certprintd(8), certprint(1) and certcal(1) from the
# programs' own --help with help2man, so a page cannot say other than the
# program does. certprint's and certcal's pages hold each command's --help.
#   scripts/make-man.sh VERSION CERTPRINTD CERTPRINT CERTCAL OUT_DIR
set -euo pipefail
if [ $# -ne 5 ]; then
  echo "usage: scripts/make-man.sh VERSION CERTPRINTD CERTPRINT CERTCAL OUT_DIR" >&2
  exit 2
fi
version=$1 certprintd=$2 certprint=$3 certcal=$4 out=$5
command -v help2man >/dev/null ||
  { echo "make-man: help2man is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The commands a tool's usage lists: "  name   what it does" lines.
commands_of() {
  "$1" --help | awk '/^  [a-z][a-z-]+ / { print $1 }' | awk '!seen[$0]++'
}

# One .SS per command with its --help, verbatim (roff escapes doubled).
commands_section() {
  local tool=$1
  echo "[COMMANDS]"
  for c in $(commands_of "$tool"); do
    echo ".SS $c"
    echo ".nf"
    "$tool" "$c" --help | sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\\&&/"
    echo ".fi"
  done
}

common_see_also() {
  cat <<'ROFF'
[SEE ALSO]
.BR certprintd (8),
.BR certprint (1),
.BR certcal (1),
.BR lpadmin (8).
The deployment guide, /usr/share/doc/certprint/deploy.md, and the API,
/usr/share/doc/certprint/api.md.
ROFF
}

{
  cat <<'ROFF'
[DESCRIPTION]
.B certprintd
renders the personal-information page and the QR page of each marriage or
divorce certificate booklet, prints them through CUPS in the prescribed
order, reports every step back to the issuance record, and serves the web
console clerks and technicians use. Run it as the systemd unit
.BR certprintd.service ;
.B certprintd --check
checks a configuration and every printer before it is started.
[FILES]
.TP
.I /etc/certprint/certprintd.conf
the configuration (INI: option = value, the long options below)
.TP
.I /etc/certprint/keys
the QR signing keys (key-ID.hex; keep a copy somewhere safe)
.TP
.I /etc/certprint/tokens
the API tokens, one "ROLE NAME SECRET" line each
.TP
.I /var/lib/certprint/certprint.db
the store: issuances, booklets, print jobs, events, calibration
ROFF
  common_see_also
} >"$work/certprintd.h2m"
{ commands_section "$certprint"; common_see_also; } >"$work/certprint.h2m"
{ commands_section "$certcal"; common_see_also; } >"$work/certcal.h2m"

page() {  # NAME SECTION DESCRIPTION PROGRAM
  help2man --no-info --no-discard-stderr --section="$2" --name="$3" \
    --version-string="$version" --source="certprint $version" \
    --manual="certprint" --include="$work/$1.h2m" "$4" >"$out/$1.$2"
}
page certprintd 8 "print server for marriage-registration certificate booklets" "$certprintd"
page certprint 1 "render, print, confirm and void certificate booklets" "$certprint"
page certcal 1 "calibrate the printers of certprintd" "$certcal"
# help2man dates each page with today; the package's pages carry the
# release's date instead, so that one version always builds the same pages.
sed -i -e "s/^\\.TH \\([^ ]*\\) \\([^ ]*\\) \"[^\"]*\"/.TH \\1 \\2 \"$(date -u -d @"${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)\"/" \
  "$out"/*.[18]
echo "make-man: $out/certprintd.8 $out/certprint.1 $out/certcal.1"
