#!/usr/bin/env bash
# certprint render as a person runs it, with every option the README shows:
# the options are registered, do what they say, and a bad value is refused
# naming the option.
#   tests/cli/render_cli.sh CERTPRINT_BINARY SOURCE_DIR
set -euo pipefail
certprint=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$certprint" keygen --keys "$work/keys" >/dev/null
"$certprint" render "$src/samples/marriage.json" --out "$work/plain" --keys "$work/keys" \
  --holder male >/dev/null
id=$(ls "$work/plain" | sed -n 's/-male-info.pdf$//p')
[ -n "$id" ] || fail "render wrote no ISSUANCE_ID-male-info.pdf: $(ls "$work/plain")"

# An office's scan of a blank (here: a one-page PDF of the right size) under
# the previews; the printed PDF stays without it.
"$certprint" render "$src/samples/marriage.json" --out "$work/over" --keys "$work/keys" \
  --dpi 360x180 --holder male --raster \
  --form-info "$work/plain/$id-male-info.pdf" --form-page5 "$work/plain/$id-male-info.pdf" \
  >"$work/over.log" 2>&1 || fail "render with --form-info/--form-page5 failed: $(cat "$work/over.log")"
for f in "$id-male-info.pdf" "$id-male-page5.pdf" "$id-male-info.png" "$id-male-page5.png" \
         "$id-male-info.pbm" "$id-male-page5.pbm"; do
  [ -s "$work/over/$f" ] || fail "render with the forms wrote no $f"
done
# The scan shows through on page 5's preview: it is no longer the plain one.
cmp -s "$work/plain/$id-male-page5.png" "$work/over/$id-male-page5.png" &&
  fail "page 5's preview over the scan is the same as without it"

# A scan that is not there is named.
if "$certprint" render "$src/samples/marriage.json" --out "$work/missing" --keys "$work/keys" \
     --form-info "$work/no-such.pdf" >"$work/missing.log" 2>&1; then
  fail "render accepted a missing --form-info file"
fi
grep -q "no-such.pdf" "$work/missing.log" || fail "the refusal does not name the file: $(cat "$work/missing.log")"
echo "render_cli: ok"
