#!/usr/bin/env bash
# Dependency gates against the offline RustSec copy in ../shared/advisory-db
# (dated: advisories published after it are missing):
#   cargo audit                      known vulnerabilities and unmaintained crates
#   cargo deny --offline check       advisories, licenses, bans, sources
# Installs both tools when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI lays shared/ beside the clone; a developer's checkout may sit deeper.
db=${TASKFLOW_ADVISORY_DB:-}
if [ -z "$db" ]; then
  for candidate in ../shared/advisory-db ../../shared/advisory-db /work/shared/advisory-db; do
    [ -d "$candidate/crates" ] && { db=$candidate; break; }
  done
fi
[ -n "$db" ] && [ -d "$db/crates" ] || {
  echo "[check-deps] no RustSec advisory database found; set TASKFLOW_ADVISORY_DB" >&2
  exit 1
}
command -v cargo-audit >/dev/null || cargo install --locked cargo-audit
command -v cargo-deny >/dev/null || cargo install --locked cargo-deny

echo "--- cargo audit (advisory db: $(git -C "$db" log -1 --format=%cs 2>/dev/null || echo 'snapshot'))"
cargo audit --db "$db" --no-fetch --stale --deny warnings

echo "--- cargo deny"
# cargo-deny reads a git checkout under db-path named after the db URL's hash.
target=target/advisory-dbs/advisory-db-3157b0e258782691
if [ ! -d "$target/.git" ]; then
  rm -rf "$target"; mkdir -p "$target"
  cp -r "$db"/. "$target"/
  git -C "$target" init -q
  git -C "$target" add -A
  git -C "$target" -c user.email=ci@taskflow.invalid -c user.name=ci commit -qm snapshot
fi
cargo deny --offline check
