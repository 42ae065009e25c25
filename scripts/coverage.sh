#!/usr/bin/env bash
# Line coverage of src/ over the whole cargo test suite (unit, API and RLS
# tests, including the server processes some tests start), by cargo-llvm-cov.
# Writes target/coverage/summary.txt (per file) and lcov.info; prints the total.
# It reports; it does not fail on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-llvm-cov >/dev/null; then
  rustup component add llvm-tools >&2
  cargo install --locked cargo-llvm-cov >&2
fi
mkdir -p target/coverage
cargo llvm-cov clean --workspace >/dev/null 2>&1 || true
cargo llvm-cov --all-targets --no-report
ignore='(tests|benches)/|/\.cargo/registry/'
cargo llvm-cov report --ignore-filename-regex "$ignore" --summary-only > target/coverage/summary.txt
cargo llvm-cov report --ignore-filename-regex "$ignore" --lcov --output-path target/coverage/lcov.info
echo "[coverage] per file: target/coverage/summary.txt; lcov: target/coverage/lcov.info"
grep -E '^TOTAL' target/coverage/summary.txt | awk '{print "[coverage] src/ line coverage: " $10 " (" $9 " of " $8 " lines missed)"}' || true
# In CI the instrumented build (a second copy of every crate) is only needed
# for the report just written; the steps after it need the disk more.
if [ "${CI:-}" = true ]; then rm -rf target/llvm-cov-target; fi
