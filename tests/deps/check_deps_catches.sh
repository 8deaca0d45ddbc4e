#!/usr/bin/env bash
# The include-direction check must be able to fail: on a copy of the tree
# with forbidden includes planted, it must name each one and exit non-zero.
set -uo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src"/{common,issuance,token,layout,calibration,drivers,daemon} "$tmp"/
bash "$src/scripts/check-deps.sh" "$tmp" >/dev/null || { echo "the clean copy fails"; exit 1; }
echo '#include "daemon/store/store.hpp"' >>"$tmp/daemon/printing/plan.cpp"
echo '#include <sqlite3.h>' >>"$tmp/daemon/api/api.cpp"
echo '#include <httplib.h>' >>"$tmp/daemon/engine/outbox.cpp"
echo '#include "daemon/store/sqlite_db.hpp"' >>"$tmp/daemon/service/daemon.cpp"
echo '#include "issuance/record.hpp"' >>"$tmp/layout/qr.cpp"
out=$(bash "$src/scripts/check-deps.sh" "$tmp" 2>&1)
rc=$?
[ "$rc" -ne 0 ] || { echo "check-deps passed a tree with forbidden includes"; exit 1; }
for want in "daemon/printing/plan.cpp" "daemon/api/api.cpp" "daemon/engine/outbox.cpp" \
            "daemon/service/daemon.cpp" "layout/qr.cpp"; do
  grep -q "^$want" <<<"$out" || { echo "check-deps did not name $want:"; echo "$out"; exit 1; }
done
echo "check-deps named all 5 planted includes"
