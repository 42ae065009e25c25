#!/usr/bin/env bash
# Cargo-built checkers CI needs after `make test` (cargo-llvm-cov for
# coverage, cargo-deny and cargo-audit for the dependency gates, cargo-mutants
# for mutation testing), installed
# when missing. .ci/run starts this at low priority in the background, so the
# compiles use the core the suites leave idle; coverage.sh and check-deps.sh
# still install for themselves if it failed.
set -euo pipefail
if ! command -v cargo-llvm-cov >/dev/null; then
  rustup component add llvm-tools
  cargo install --locked --quiet cargo-llvm-cov
fi
command -v cargo-deny >/dev/null || cargo install --locked --quiet cargo-deny
command -v cargo-audit >/dev/null || cargo install --locked --quiet cargo-audit
command -v cargo-mutants >/dev/null || cargo install --locked --quiet cargo-mutants
echo "[ci-tools] cargo-llvm-cov, cargo-deny, cargo-audit and cargo-mutants are installed"
