#!/usr/bin/env bash
# The API contract, proven from outside (issue 22):
#   1. spectral lints the OpenAPI document with its OpenAPI rules and the
#      OWASP API Security ruleset (.spectral.yaml): no errors; a canary copy
#      with limits removed must fail, so the request-limit rules are live.
#   2. openapi-typescript + openapi-fetch: a TypeScript client generated from
#      the document, compiled with tsc --strict, runs flow.ts against a real
#      server.
#   3. openapi-python-client: a Python client generated from the document
#      runs flow.py against the same server.
# Tools come from tests/contract/package-lock.json and PyPI
# (scripts/test-tools.sh). Run: make contract
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
eval "$(scripts/dev-env.sh)"
out=$root/target/contract
here=$root/tests/contract
rm -rf "$out" "$here/generated" "$here/build" "$here/python-client" && mkdir -p "$out" "$here/generated"
# shellcheck source=tests/lib/server.sh
. tests/lib/server.sh

cargo build --quiet --bin taskflow
"$bin" openapi > "$out/openapi.json"
echo "[contract] spectral (spectral:oas + OWASP API Security 2023): $(wc -c < "$out/openapi.json") bytes"
spectral=$here/node_modules/.bin/spectral
(cd "$here" && "$spectral" lint "$out/openapi.json" --ruleset .spectral.yaml --fail-severity error -f text > "$out/spectral.txt") || {
  cat "$out/spectral.txt"; echo "[contract] spectral found errors" >&2; exit 1; }
errors=$(grep -c ' error ' "$out/spectral.txt" || true)
warnings=$(grep -c ' warning ' "$out/spectral.txt" || true)
echo "  $errors errors, $warnings warnings (report: $out/spectral.txt)"
# The canary: the same document with three request limits removed must fail
# the taskflow-request-* rules, or those rules check nothing.
python3 - "$out/openapi.json" "$out/canary.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
del doc["components"]["schemas"]["LoginRequest"]["properties"]["password"]["maxLength"]
for p in doc["paths"]["/api/v1/tasks"]["get"]["parameters"]:
    p["schema"].pop("maxItems", None) if p["name"] == "status" else None
    p["schema"].pop("maximum", None) if p["name"] == "limit" else None
json.dump(doc, open(sys.argv[2], "w"))
PY
(cd "$here" && "$spectral" lint "$out/canary.json" --ruleset .spectral.yaml -f text > "$out/canary.txt") && {
  echo "[contract] the canary passed: the request-limit rules check nothing" >&2; exit 1; }
for rule in taskflow-request-string-limit taskflow-request-integer-limit taskflow-request-array-limit; do
  grep -q "$rule" "$out/canary.txt" || { echo "[contract] $rule did not catch the canary" >&2; exit 1; }
done
echo "  the canary (three limits removed) fails all three request-limit rules"

echo "[contract] TypeScript client: openapi-typescript, tsc --strict"
"$here/node_modules/.bin/openapi-typescript" "$out/openapi.json" -o "$here/generated/taskflow.d.ts" > "$out/openapi-typescript.log" 2>&1
"$here/node_modules/.bin/tsc" -p "$here/tsconfig.json"

echo "[contract] Python client: openapi-python-client"
openapi-python-client generate --path "$out/openapi.json" --config "$here/opc.yaml" \
  --output-path "$here/python-client" --overwrite > "$out/openapi-python-client.log" 2>&1 || {
  cat "$out/openapi-python-client.log"; exit 1; }
if grep -qi "warning" "$out/openapi-python-client.log"; then
  cat "$out/openapi-python-client.log"; echo "[contract] the Python generator warned about the document" >&2; exit 1
fi

start_server contract TASKFLOW_RATE_LIMITS__AUTH_PER_IP_PER_MINUTE=1000
BASE_URL="$base" node "$here/build/flow.js"
BASE_URL="$base" PYTHONPATH="$here/python-client" python3 "$here/flow.py"
echo "[contract] passed"
