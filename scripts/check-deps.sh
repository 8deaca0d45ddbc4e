#!/usr/bin/env bash
# Fails when an #include crosses a forbidden direction between the source
# tree's libraries (README, "Layout of the source"). Run by ctest.
#
#   bash scripts/check-deps.sh [ROOT]      ROOT: the source tree (default: this one)
#
# Each rule: a folder (its own files only, not its subfolders, when it ends
# in '/.'), and an extended regex of include targets its files must never
# name. A file's includes are the lines `#include <...>` or `#include "..."`.
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}

# folder | forbidden include targets | why
rules=(
  "common|^(issuance|token|layout|calibration|daemon|drivers)/|common depends on nothing of the project"
  "issuance|^(token|layout|calibration|daemon|drivers)/|the record knows nothing of tokens, layout or the daemon"
  "token|^(layout|calibration|daemon|drivers)/|tokens know nothing of layout or the daemon"
  "layout|^(issuance|token|calibration|daemon|drivers)/|sqlite3\.h|httplib\.h|^cups/|layout knows nothing of issuances, HTTP, SQL or CUPS"
  "calibration/.|^(daemon|drivers)/|sqlite3\.h|httplib\.h|^cups/|calibration is pure: targets and fits"
  "drivers|^(common|issuance|token|layout|calibration|daemon)/|cupsd runs the filter alone: it uses nothing of the others"
  "daemon/booklet|^daemon/(store|printing|engine|api|client|offline|service)/|sqlite3\.h|httplib\.h|^cups/|booklet: record to pages; never the store, CUPS or HTTP"
  "daemon/printing/.|^daemon/(store|printing/cups|engine|api|client|offline|service)/|nlohmann/|sqlite3\.h|httplib\.h|^cups/|printing: never the store, JSON or <cups/...>"
  "daemon/printing/cups|^daemon/(store|engine|api|client|offline|service)/|sqlite3\.h|httplib\.h|printing/cups: never the store or HTTP"
  "daemon/store|^(layout|calibration|token)/|^daemon/(booklet|printing|engine|api|client|offline|service)/|httplib\.h|^cups/|store: never CUPS, layout or HTTP"
  "daemon/stock|^(layout|calibration|token)/|^daemon/(booklet|printing|engine|api|client|offline|service)/|^daemon/store/sqlite|sqlite3\.h|httplib\.h|^cups/|stock: the ledger's arithmetic over the store's facts, nothing else"
  "daemon/report|^(layout|calibration|token|issuance)/|^daemon/(booklet|printing|store|engine|api|client|offline|service)/|sqlite3\.h|httplib\.h|^cups/|report: draws a reconciliation it is given; never the store, HTTP or CUPS"
  "daemon/console|^(issuance|token|layout|calibration|drivers)/|^daemon/|sqlite3\.h|httplib\.h|^cups/|console: the web files and their lookup, nothing of the daemon"
  "daemon/engine|^daemon/(api|client|offline|service)/|httplib\.h|sqlite3\.h|^cups/|engine: never the HTTP server, auth, SQLite or libcups"
  "daemon/api|^daemon/(client|offline|service)/|^daemon/store/sqlite|sqlite3\.h|^cups/|api: never SQLite or libcups"
  "daemon/client|^daemon/(booklet|printing|store|engine|api|offline|service)/|sqlite3\.h|^cups/|client: never anything server-side"
  "daemon/offline|^daemon/(store|engine|api|client|service)/|sqlite3\.h|httplib\.h|offline: never the store or HTTP"
  "daemon/service|^daemon/(client|offline)/|^daemon/store/sqlite|sqlite3\.h|httplib\.h|^cups/|service: wiring through the libraries' own headers"
)

# Headers internal to a library, and the one folder allowed to include them.
internal=(
  "daemon/store/sqlite_|daemon/store"
  "daemon/engine/print_run\.hpp|daemon/engine"
  "daemon/api/request\.hpp|daemon/api"
  "daemon/printing/cups/cups_ipp\.hpp|daemon/printing/cups"
)

failed=0
files_in() {  # FOLDER [own-only]
  local dir=$1
  if [ "${2:-}" = own ]; then
    find "$root/$dir" -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.hpp' \)
  else
    find "$root/$dir" -type f \( -name '*.cpp' -o -name '*.hpp' \)
  fi
}

checked=0
for rule in "${rules[@]}"; do
  folder=${rule%%|*}
  rest=${rule#*|}
  why=${rest##*|}
  pattern=${rest%|*}
  own=
  if [[ $folder == */. ]]; then folder=${folder%/.}; own=own; fi
  if [ ! -d "$root/$folder" ]; then
    echo "check-deps: folder $folder is missing from $root" >&2
    failed=1
    continue
  fi
  while IFS= read -r f; do
    checked=$((checked + 1))
    while IFS= read -r hit; do
      [ -z "$hit" ] && continue
      line=${hit%%:*}
      target=${hit#*:}
      if [[ $target =~ $pattern ]]; then
        echo "${f#"$root"/}:$line: includes \"$target\" ($why)" >&2
        failed=1
      fi
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$f" |
             sed 's/^\([0-9]*\):[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1:\2/')
  done < <(files_in "$folder" $own)
done

for entry in "${internal[@]}"; do
  header=${entry%%|*}
  owner=${entry#*|}
  while IFS= read -r hit; do
    file=${hit%%:*}
    rel=${file#"$root"/}
    [[ $rel == "$owner"/* ]] && continue
    echo "$rel: includes ${header//\\/}... (internal to $owner/)" >&2
    failed=1
  done < <(grep -rlE "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"$header" "$root" \
             --include='*.cpp' --include='*.hpp' --exclude-dir=build --exclude-dir=.git \
             --exclude-dir=tests --exclude-dir=bench || true)
done

# The three outside libraries, each named by one room only.
only=(
  "sqlite3\.h|daemon/store"
  "cups/|daemon/printing/cups drivers"
  "httplib\.h|daemon/api daemon/client"
)
for entry in "${only[@]}"; do
  header=${entry%%|*}
  owners=${entry#*|}
  while IFS= read -r file; do
    rel=${file#"$root"/}
    allowed=
    for o in $owners; do [[ $rel == "$o"/* ]] && allowed=yes; done
    [ -n "$allowed" ] && continue
    echo "$rel: includes <${header//\\/}...> (only $owners may)" >&2
    failed=1
  done < <(grep -rlE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<$header" \
             "$root/common" "$root/issuance" "$root/token" "$root/layout" "$root/calibration" \
             "$root/daemon" "$root/drivers" --include='*.cpp' --include='*.hpp' || true)
done

if [ "$failed" -ne 0 ]; then
  echo "check-deps: include directions broken (see above)" >&2
  exit 1
fi
echo "check-deps: $checked files, ${#rules[@]} rules: every include points the allowed way"
