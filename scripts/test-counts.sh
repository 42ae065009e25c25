#!/usr/bin/env bash
# The guide's functional gates, counted from what exists and ran: unit tests
# (the library's #[test]/#[case]/proptest functions, as the test harness
# lists them), integration tests (tests/api and tests/rls, listed the same
# way), browser end-to-end steps that passed in the last `tests/e2e/run.sh`
# (target/e2e/metrics.json), and line coverage from the last `make coverage`
# (target/coverage/summary.txt). Prints each against its gate and writes
# target/test-counts.json; it reports, it does not fail the build.
set -euo pipefail
cd "$(dirname "$0")/.."
listed() { cargo test --quiet "$@" -- --list 2>/dev/null | grep -c ': test$' || true; }
unit=$(listed --lib)
api=$(listed --test api)
rls=$(listed --test rls)
integration=$((api + rls))
e2e=$(python3 -c 'import json,sys; print(json.load(open("target/e2e/metrics.json")).get("steps_passed", 0))' 2>/dev/null || echo 0)
coverage=$(awk '/^TOTAL/ {gsub("%", "", $10); print $10}' target/coverage/summary.txt 2>/dev/null || true)
coverage=${coverage:-0}
gate() { # name value minimum
  if python3 -c "import sys; sys.exit(0 if float('$2') >= float('$3') else 1)"; then m="met"; else m="NOT met"; fi
  printf '[gates] %-12s %8s  (gate %s: %s)\n' "$1" "$2" "$3" "$m"
}
gate unit "$unit" 1000
gate integration "$integration" 100
gate e2e "$e2e" 50
gate coverage% "$coverage" 95
mkdir -p target
printf '{"unit": %s, "integration": %s, "api": %s, "rls": %s, "e2e_steps": %s, "line_coverage_percent": %s}\n' \
  "$unit" "$integration" "$api" "$rls" "$e2e" "$coverage" > target/test-counts.json
