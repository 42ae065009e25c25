# Sourced by the suites that drive a real server from outside (tests/blackbox,
# tests/e2e): a fresh migrated database, `taskflow serve` on a free port with
# its log in $out/server.log, both removed on exit.
#   start_server NAME [VAR=value ...]   sets $base and $server_pid
#   stop_server                         SIGTERM and wait (so the log is complete)
# Expects $root and $out; runs after `eval "$(scripts/dev-env.sh)"`.

admin_url=${TASKFLOW_ADMIN_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
bin=target/debug/taskflow

stop_server() {
  if [ -n "${server_pid:-}" ]; then
    kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

cleanup_server() {
  stop_server
  [ -n "${db:-}" ] && psql -X -q "$admin_url" -c "drop database if exists \"$db\" with (force)" >/dev/null 2>&1 || true
}
trap cleanup_server EXIT

start_server() {
  local name=$1
  shift
  db="taskflow_${name}_$$"
  cargo build --quiet --bin taskflow
  psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "create database \"$db\" owner taskflow_owner"
  TASKFLOW_DATABASE__NAME=$db "$bin" migrate >/dev/null 2>&1
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  env TASKFLOW_DATABASE__NAME="$db" TASKFLOW_APPLICATION__PORT="$port" TASKFLOW_REDIS__KEY_PREFIX="taskflow-$name-$$:" \
    "$@" "$bin" serve > "$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "$base/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "[$name] the server did not become ready; see $out/server.log" >&2
  return 1
}
