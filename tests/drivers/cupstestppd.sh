#!/usr/bin/env bash
# Every built PPD passes cupstestppd, with the built filter where CUPS will
# find it (an alternate root, -R).
#   cupstestppd.sh PPD_DIR FILTER
set -euo pipefail
ppd_dir=$1 filter=$2
command -v cupstestppd >/dev/null || { echo "cupstestppd is not installed (cups-client)"; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/cups/filter"
install -m 0755 "$filter" "$root/usr/lib/cups/filter/rastertopassbook"
count=0
for ppd in "$ppd_dir"/*.ppd; do
  cupstestppd -R "$root" "$ppd"
  count=$((count + 1))
done
[ "$count" -ge 6 ] || { echo "expected 6 PPDs in $ppd_dir, found $count"; exit 1; }
echo "$count PPDs pass cupstestppd"
