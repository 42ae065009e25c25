#!/usr/bin/env bash
# Mutation testing (cargo-mutants) of the code whose unit tests must catch
# mistakes on their own: src/domain and the mechanism files of src/auth.
# Each mutant runs the library's unit tests only (`--lib`): one incremental
# build, no server.
#   scripts/mutants.sh            every mutant in scope (make mutants; about an hour on 2 cores)
#   scripts/mutants.sh --in-diff  only mutants on lines the last commit changed (CI)
# Results: target/mutants/mutants.out/{caught,missed,timeout,unviable}.txt.
# Fails when a mutant is missed: add the test that catches it, or, when the
# mutant is equivalent, exclude it in .cargo/mutants.toml with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
export SQLX_OFFLINE=true
# Debug info is not needed to run tests, and linking without it is faster.
export CARGO_PROFILE_DEV_DEBUG=0
command -v cargo-mutants >/dev/null || cargo install --locked --quiet cargo-mutants
scope=(src/domain/*.rs src/auth/password.rs src/auth/jwt.rs src/auth/totp.rs src/auth/rate_limit.rs src/auth/oidc.rs)
files=()
for f in "${scope[@]}"; do files+=(-f "$f"); done
mkdir -p target/mutants
args=("${files[@]}" --jobs 1 --timeout 60 --output target/mutants)
if [ "${1:-}" = "--in-diff" ]; then
  base=$(git rev-parse --verify --quiet HEAD~1 || true)
  if [ -z "$base" ]; then echo "[mutants] no parent commit: nothing to compare"; exit 0; fi
  git diff "$base" HEAD -- "${scope[@]}" > target/mutants/last-commit.diff
  if [ ! -s target/mutants/last-commit.diff ]; then
    echo "[mutants] the last commit changed nothing in scope (${scope[*]}): no mutants to run"
    exit 0
  fi
  args+=(--in-diff target/mutants/last-commit.diff)
fi
n=$(cargo mutants --list "${args[@]}" 2>/dev/null | wc -l)
echo "[mutants] $n mutants to test"
[ "$n" -gt 0 ] || exit 0
started=$(date +%s)
status=0
cargo mutants "${args[@]}" -- --lib || status=$?
out=target/mutants/mutants.out
# grep -c prints 0 and fails on an empty file: one number either way.
count() { if [ -f "$out/$1.txt" ]; then grep -c . "$out/$1.txt" || true; else echo 0; fi; }
echo "[mutants] caught $(count caught), missed $(count missed), timeout $(count timeout), unviable $(count unviable) in $(( $(date +%s) - started )) s"
if [ "$(count missed)" -gt 0 ]; then
  echo "[mutants] missed (no test failed):"; sed 's/^/  /' "$out/missed.txt"
fi
exit "$status"
