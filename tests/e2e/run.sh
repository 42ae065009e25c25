#!/usr/bin/env bash
# Browser end-to-end tests of the web frontend: a fresh database, a real
# `taskflow serve`, Debian's Chromium driven by playwright-core
# (tests/e2e/app.test.mjs). Screenshots and page-load figures go to
# target/e2e/. Tools are installed by scripts/test-tools.sh. Run: make e2e
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
eval "$(scripts/dev-env.sh)"
out=$root/target/e2e
rm -rf "$out" && mkdir -p "$out"
admin_url=${TASKFLOW_ADMIN_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db="taskflow_e2e_$$"
bin=target/debug/taskflow

cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  psql -X -q "$admin_url" -c "drop database if exists \"$db\" with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

cargo build --quiet --bin taskflow
psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "create database \"$db\" owner taskflow_owner"
TASKFLOW_DATABASE__NAME=$db "$bin" migrate >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TASKFLOW_DATABASE__NAME=$db TASKFLOW_APPLICATION__PORT=$port TASKFLOW_REDIS__KEY_PREFIX="taskflow-e2e-$$:" \
  "$bin" serve > "$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
BASE_URL="http://127.0.0.1:$port" OUT_DIR="$out" node tests/e2e/app.test.mjs
echo "[e2e] passed; screenshots and metrics.json in target/e2e/"
