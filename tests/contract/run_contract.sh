#!/usr/bin/env bash
# The contract test (ctest "API answers match docs/openapi.yaml"): runs the
# API test binaries with CERTPRINT_CONTRACT_LOG set to a fresh file, so that
# every answer they receive, called directly or over HTTP, is recorded
# (tests/support/contract_log.hpp); then checks each answer against
# docs/openapi.yaml (check_contract.py), and the routes http_server.cpp
# serves against its paths. It fails when a test binary fails (the answers
# would be incomplete), when no answer was recorded, when fewer than
# MIN_OPERATIONS operations were answered, or when one answer does not match.
#
#   bash tests/contract/run_contract.sh PYTHON OUT_DIR MIN_OPERATIONS TEST_BINARY...
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 4 ] || { echo "usage: run_contract.sh PYTHON OUT_DIR MIN_OPERATIONS TEST_BINARY..." >&2; exit 2; }
python=$1 out=$2 min=$3
shift 3

"$python" -c 'import jsonschema, yaml' 2>/dev/null ||
  { echo "run_contract: $python lacks jsonschema or yaml: apt-get install python3-jsonschema python3-yaml (bash scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$out" || exit 1
log=$out/answers.jsonl
rm -f "$log"
for binary in "$@"; do
  output=$out/$(basename "$binary").out
  echo "run_contract: $binary, answers into $log"
  if ! CERTPRINT_CONTRACT_LOG=$log "$binary" >"$output" 2>&1; then
    tail -n 40 "$output" >&2
    echo "run_contract: $binary failed (all of it in $output); the contract is checked on passing tests only" >&2
    exit 1
  fi
done
[ -s "$log" ] || { echo "run_contract: no answer was recorded in $log" >&2; exit 1; }
exec "$python" "$here/check_contract.py" --spec "$root/docs/openapi.yaml" \
  --routes "$root/daemon/api/http_server.cpp" --log "$log" --min-operations "$min"
