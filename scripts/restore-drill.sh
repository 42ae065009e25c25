#!/usr/bin/env bash
# The restore drill CI runs: seed a database, back it up, restore it into a
# new one, verify every table, then run the smoke test against a server on the
# restored copy. Leaves nothing behind.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(scripts/dev-env.sh)"
base_url=${TASKFLOW_BACKUP_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}
export TASKFLOW_BACKUP_DATABASE_URL=$base_url
src="taskflow_drill_src_$$"; dst="taskflow_drill_dst_$$"; out=$(mktemp -d)
bin=${TASKFLOW_BIN:-target/debug/taskflow}
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
  for d in "$src" "$dst"; do psql -X -q "$base_url/postgres" -c "drop database if exists \"$d\" with (force)" || true; done
  rm -rf "$out"
}
trap cleanup EXIT

cargo build --quiet --bin taskflow
psql -X -q -v ON_ERROR_STOP=1 "$base_url/postgres" -c "create database \"$src\" owner taskflow_owner"
TASKFLOW_DATABASE__NAME=$src "$bin" migrate >/dev/null
TASKFLOW_DATABASE__NAME=$src "$bin" seed --profile staging | tail -1

dump=$(scripts/backup.sh "$src" "$out")
echo "[drill] backup: $dump ($(du -h "$dump" | cut -f1)); $(wc -l < "$dump.manifest") tables in the manifest"
scripts/restore.sh "$dump" "$dst"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TASKFLOW_DATABASE__NAME=$dst TASKFLOW_APPLICATION__PORT=$port "$bin" serve > "$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
"$bin" smoke --base-url "http://127.0.0.1:$port"
# A seeded account from the backup can still sign in on the restored copy.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/v1/auth/login" \
  -H 'content-type: application/json' \
  -d '{"email":"admin@staging.taskflow.test","password":"taskflow-staging-password"}')
[ "$code" = 200 ] || { echo "[drill] FAILED: seeded login on the restored copy answered $code" >&2; exit 1; }
echo "[drill] restore drill passed"
