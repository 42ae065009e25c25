#!/usr/bin/env bash
# Creates the cluster-wide roles and the database. Roles are not per-database,
# so this is a bootstrap step run with an admin connection, never a migration.
#
#   taskflow_owner    LOGIN; owns the schema and runs migrations
#   taskflow_app      LOGIN NOSUPERUSER NOBYPASSRLS; DML grants only, owns nothing
#   taskflow_definer  NOLOGIN BYPASSRLS; owns the few SECURITY DEFINER helpers
#
# Usage: scripts/db-bootstrap.sh [--for-tests]
#   --for-tests also lets the owner create and force-drop the per-test databases.
# Env: TASKFLOW_ADMIN_DATABASE_URL (default postgres://postgres@HOST:PORT/postgres),
#      TASKFLOW_DATABASE__{HOST,PORT,NAME,OWNER_PASSWORD,APP_PASSWORD}.
set -euo pipefail
for_tests=false
[ "${1:-}" = --for-tests ] && for_tests=true

host=${TASKFLOW_DATABASE__HOST:-127.0.0.1}
port=${TASKFLOW_DATABASE__PORT:-5432}
db=${TASKFLOW_DATABASE__NAME:-taskflow}
owner_pw=${TASKFLOW_DATABASE__OWNER_PASSWORD:?set TASKFLOW_DATABASE__OWNER_PASSWORD (make does it from .local/secrets.env)}
app_pw=${TASKFLOW_DATABASE__APP_PASSWORD:?set TASKFLOW_DATABASE__APP_PASSWORD}
admin_url=${TASKFLOW_ADMIN_DATABASE_URL:-postgres://postgres@$host:$port/postgres}

# Prefer the admin URL; on a fresh Debian install the superuser is reachable only
# through peer authentication on the socket, so fall back to that when root.
psql_admin=(psql "$admin_url")
if ! psql "$admin_url" -Atqc 'select 1' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
    psql_admin=(runuser -u postgres -- psql -p "$port")
  else
    echo "[db-bootstrap] cannot connect with TASKFLOW_ADMIN_DATABASE_URL=$admin_url" >&2
    exit 1
  fi
fi

"${psql_admin[@]}" -X -q -v ON_ERROR_STOP=1 \
  -v owner_pw="$owner_pw" -v app_pw="$app_pw" -v db="$db" -v for_tests="$for_tests" <<'SQL'
set client_min_messages = warning;
select 'create role taskflow_owner' where not exists (select from pg_roles where rolname = 'taskflow_owner') \gexec
select 'create role taskflow_app' where not exists (select from pg_roles where rolname = 'taskflow_app') \gexec
select 'create role taskflow_definer' where not exists (select from pg_roles where rolname = 'taskflow_definer') \gexec
alter role taskflow_owner with login nosuperuser nobypassrls nocreaterole password :'owner_pw';
alter role taskflow_app with login nosuperuser nobypassrls nocreatedb nocreaterole noinherit password :'app_pw';
alter role taskflow_definer with nologin nosuperuser bypassrls nocreatedb nocreaterole;
-- The owner hands the SECURITY DEFINER helpers to taskflow_definer in migrations.
grant taskflow_definer to taskflow_owner;
-- Only ever granted here, never revoked, so `make run` after `make test` keeps tests runnable.
select 'alter role taskflow_owner with createdb' where :'for_tests' = 'true' \gexec
select 'grant pg_signal_backend to taskflow_owner' where :'for_tests' = 'true' \gexec
select format('create database %I owner taskflow_owner', :'db')
  where not exists (select from pg_database where datname = :'db') \gexec
SQL
echo "[db-bootstrap] roles taskflow_owner, taskflow_app, taskflow_definer and database $db are ready" >&2
