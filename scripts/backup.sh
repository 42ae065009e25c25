#!/usr/bin/env bash
# Backs up the TaskFlow database: pg_dump custom format, timestamped, with a
# SHA-256 checksum and a manifest of per-table row counts and content digests
# that restore.sh verifies against.
#
# Runs as a role not subject to RLS (a superuser, or a BYPASSRLS role): under
# FORCE ROW LEVEL SECURITY the owner and the app role would dump empty tables.
#
#   scripts/backup.sh [DATABASE] [OUT_DIR]      (default: taskflow, ./backups)
# Env: TASKFLOW_BACKUP_DATABASE_URL, a connection URL *without* a database name
#      (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
db=${1:-${TASKFLOW_DATABASE__NAME:-taskflow}}
out=${2:-backups}
base_url=${TASKFLOW_BACKUP_DATABASE_URL:-postgres://postgres@${TASKFLOW_DATABASE__HOST:-127.0.0.1}:${TASKFLOW_DATABASE__PORT:-5432}}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
file="$out/taskflow-$db-$stamp.dump"

pg_dump --format=custom --no-password --file="$file" "$base_url/$db"
"$root/scripts/table-digests.sh" "$base_url/$db" > "$file.manifest"
(cd "$out" && sha256sum "$(basename "$file")" "$(basename "$file").manifest" > "$(basename "$file").sha256")
echo "$file"
