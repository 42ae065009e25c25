#!/usr/bin/env bash
# Restores a backup into a *fresh* database, migrates it, and verifies that
# every table's row count and content digest match the backup's manifest.
#
#   scripts/restore.sh BACKUP.dump TARGET_DATABASE
# Env: TASKFLOW_BACKUP_DATABASE_URL as for backup.sh; TASKFLOW_* for `taskflow migrate`;
#      TASKFLOW_BIN (default target/debug/taskflow, else taskflow on PATH).
set -euo pipefail
dump=${1:?usage: restore.sh BACKUP.dump TARGET_DATABASE}
target=${2:?usage: restore.sh BACKUP.dump TARGET_DATABASE}
base_url=${TASKFLOW_BACKUP_DATABASE_URL:-postgres://postgres@${TASKFLOW_DATABASE__HOST:-127.0.0.1}:${TASKFLOW_DATABASE__PORT:-5432}}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TASKFLOW_BIN:-$root/target/debug/taskflow}
[ -x "$bin" ] || bin=$(command -v taskflow)

echo "[restore] verifying checksum"
(cd "$(dirname "$dump")" && sha256sum --check --quiet "$(basename "$dump").sha256")

exists=$(psql -X -At "$base_url/postgres" -c "select 1 from pg_database where datname = '$target'")
[ -z "$exists" ] || { echo "[restore] refused: database $target exists; restore only into a fresh one" >&2; exit 1; }
psql -X -q -v ON_ERROR_STOP=1 "$base_url/postgres" -c "create database \"$target\" owner taskflow_owner"

echo "[restore] restoring $dump into $target"
pg_restore --exit-on-error --no-password --dbname="$base_url/$target" "$dump"

echo "[restore] migrating (a no-op unless the backup predates this binary)"
(cd "$root" && TASKFLOW_DATABASE__NAME="$target" "$bin" migrate >/dev/null)

echo "[restore] verifying row counts and digests"
if ! diff <("$root/scripts/table-digests.sh" "$base_url/$target") "$dump.manifest"; then
  echo "[restore] FAILED: restored data differs from the backup manifest" >&2
  exit 1
fi
echo "[restore] $target verified: $(wc -l < "$dump.manifest") tables match"
