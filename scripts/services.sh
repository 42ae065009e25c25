#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on the addresses TaskFlow is configured
# for. Order of preference: one already running; a Debian cluster that is
# installed but stopped; a project-local instance under .local/ from installed
# binaries; finally the Debian packages (when root and apt-get exist).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pg_host=${TASKFLOW_DATABASE__HOST:-127.0.0.1}
pg_port=${TASKFLOW_DATABASE__PORT:-5432}
redis_url=${TASKFLOW_REDIS__URL:-redis://127.0.0.1:6379}
redis_hostport=${redis_url#redis://}; redis_hostport=${redis_hostport%%/*}; redis_hostport=${redis_hostport##*@}
redis_host=${redis_hostport%%:*}; redis_port=${redis_hostport##*:}

log() { printf '[services] %s\n' "$*" >&2; }
is_local() { [ "$1" = 127.0.0.1 ] || [ "$1" = localhost ] || [ "$1" = ::1 ]; }

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: $*"
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  else
    log "cannot install $* (need root and apt-get); install it or point TASKFLOW_* at a running server"
    return 1
  fi
}

wait_for() { # host port what
  for _ in $(seq 1 60); do tcp_open "$1" "$2" && return 0; sleep 0.5; done
  log "$3 did not come up on $1:$2"; return 1
}

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do echo "$d"; return 0; done
  command -v initdb >/dev/null && dirname "$(command -v initdb)"
}

start_postgres() {
  if tcp_open "$pg_host" "$pg_port"; then return 0; fi
  is_local "$pg_host" || { log "PostgreSQL at $pg_host:$pg_port is not reachable"; return 1; }
  if command -v pg_lsclusters >/dev/null && [ -n "$(pg_lsclusters -h 2>/dev/null | awk -v p="$pg_port" '$3==p')" ]; then
    local ver name
    read -r ver name _ < <(pg_lsclusters -h | awk -v p="$pg_port" '$3==p')
    log "starting Debian cluster $ver/$name"
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || pg_ctlcluster "$ver" "$name" start >&2
    wait_for "$pg_host" "$pg_port" PostgreSQL; return
  fi
  local bindir; bindir=$(pg_bindir || true)
  if [ -z "$bindir" ]; then
    apt_install postgresql postgresql-client
    start_postgres; return
  fi
  # Project-local cluster: trust auth on loopback only, owned by an unprivileged
  # user because postgres refuses to run as root.
  local data="$root/.local/pg"
  local runas=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    runas=(runuser -u postgres --)
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising project-local PostgreSQL in $data"
    mkdir -p "$data"; [ ${#runas[@]} -eq 0 ] || chown postgres "$data"
    "${runas[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust >&2
  fi
  log "starting project-local PostgreSQL on $pg_port"
  "${runas[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $data" start >&2
  wait_for "$pg_host" "$pg_port" PostgreSQL
}

start_redis() {
  if tcp_open "$redis_host" "$redis_port"; then return 0; fi
  is_local "$redis_host" || { log "Redis at $redis_host:$redis_port is not reachable"; return 1; }
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$root/.local/redis"
  log "starting project-local Redis on $redis_port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    --dir "$root/.local/redis" --logfile "$root/.local/redis/redis.log" >&2
  wait_for "$redis_host" "$redis_port" Redis
}

command -v psql >/dev/null || apt_install postgresql-client
start_postgres
start_redis
log "PostgreSQL on $pg_host:$pg_port and Redis on $redis_host:$redis_port are up"
