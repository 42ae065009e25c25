#!/usr/bin/env bash
# How the time report's database time grows with the entries in its range
# (issue 16): one team of 10 people and 1,000 tasks with a rate, the same 30
# days holding 16,000, 64,000 and 256,000 entries, and the report statement
# of src/db/time_entries.rs run as taskflow_app with the owner's identity,
# through the hourly rollups (person and calendar groupings) and through the
# entries (the same statement with an empty rollup span, as task and label
# groupings and half-hour zones run it). Median execution time of 5 runs per
# case (EXPLAIN ANALYZE, TIMING OFF), jit off as the app connects; the plans
# of the largest case go to the same file. Run: make report-scaling
# (writes target/load/report-scaling.md; a scratch database, dropped after).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(scripts/dev-env.sh)"
db=taskflow_report_scaling
out=target/load/report-scaling.md
mkdir -p target/load
admin_url=${TASKFLOW_ADMIN_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
psql -X -q "$admin_url" -c "drop database if exists $db with (force)" -c "create database $db owner taskflow_owner"
trap 'psql -X -q "$admin_url" -c "drop database if exists $db with (force)" >/dev/null' EXIT
as_owner() { PGPASSWORD=$TASKFLOW_DATABASE__OWNER_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U taskflow_owner "$db" "$@"; }
as_app() { PGPASSWORD=$TASKFLOW_DATABASE__APP_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U taskflow_app "$db" "$@"; }

# The schema, as `taskflow migrate` leaves it.
as_owner -c "create table _sqlx_migrations (version bigint primary key, description text not null,
  installed_on timestamptz not null default now(), success boolean not null, checksum bytea not null,
  execution_time bigint not null)"
for f in migrations/*.sql; do as_owner -f "$f" >/dev/null; done

# Ten people (UTC), a team they are in, 1,000 tasks, a rate. The owner is
# subject to forced RLS: an admin identity, as `taskflow seed` uses.
as_owner >/dev/null <<'SQL'
begin;
select set_config('app.user_id', md5('scale-user-0')::uuid::text, true), set_config('app.role', 'admin', true);
insert into users (user_id, email, display_name, password_hash, time_zone)
select md5('scale-user-' || i)::uuid, 'scale-' || i || '@example.test', 'Person ' || i, 'x', 'UTC'
from generate_series(0, 9) i;
insert into teams (team_id, name, created_by) values (md5('scale-team')::uuid, 'Scale', md5('scale-user-0')::uuid);
insert into team_members (team_id, user_id, role)
select md5('scale-team')::uuid, md5('scale-user-' || i)::uuid, case when i = 0 then 'owner' else 'member' end
from generate_series(0, 9) i;
insert into tasks (task_id, team_id, created_by, title)
select md5('scale-task-' || i)::uuid, md5('scale-team')::uuid, md5('scale-user-0')::uuid, 'Task ' || i
from generate_series(0, 999) i;
insert into rates (rate_id, team_id, hourly_rate, currency, effective_from, created_by)
values (gen_random_uuid(), md5('scale-team')::uuid, 9500, 'EUR', '2000-01-01', md5('scale-user-0')::uuid);
commit;
SQL

team=$(as_owner -At -c "select md5('scale-team')::uuid")
owner=$(as_owner -At -c "select md5('scale-user-0')::uuid")
# The range: the last 30 whole UTC days.
to=$(as_owner -At -c "select date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'")
from=$(as_owner -At -c "select (date_trunc('day', now() at time zone 'UTC') - interval '30 days') at time zone 'UTC'")

# The statement of db::time_entries::report, parameters in the same order.
statement=$(sed -n '/^        r#"with e as materialized (/,/where \$6::text is not null"#,/p' src/db/time_entries.rs \
  | sed -e 's/^        r#"//' -e 's/"#,$//' -e 's/ as "\([a-z_]*\)!"/ as \1/g' -e 's/ as "end"/ as end_/')
[ -n "$statement" ] || { echo "the report statement was not found in src/db/time_entries.rs" >&2; exit 1; }

run_case() { # grouping, then, calendar, rolled_from, rolled_to → median ms
  local grouping=$1 then=$2 calendar=$3 rf=$4 rt=$5
  as_app -At <<SQL | grep -o 'Execution Time: [0-9.]*' | awk '{print $3}' | sort -n | sed -n 3p
set jit = off;
begin;
select set_config('app.user_id', '$owner', true), set_config('app.role', 'member', true);
prepare r(uuid, timestamptz, timestamptz, text, text, text, timestamptz, timestamptz) as $statement;
$(for _ in 1 2 3 4 5; do echo "explain (analyze, timing off) execute r('$team', '$from', '$to', '$grouping', $then, $calendar, '$rf', '$rt');"; done)
rollback;
SQL
}

{
  echo "### The time report against the entries in its range, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "One team of 10 people, 1,000 tasks, the last 30 whole UTC days; median of 5 runs, ms of database time."
  echo
  echo "| entries in range | rollup rows | by user, rollups | by user, entries | by day, rollups | by day, entries | by task (entries) |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} > "$out"

for n in 16000 64000 256000; do
  echo "[report-scaling] $n entries" >&2
  as_owner >/dev/null <<SQL
begin;
select set_config('app.user_id', '$owner', true), set_config('app.role', 'admin', true);
truncate time_entries, time_entry_rates, time_rollups;
-- Spread evenly over the 30 days: person i % 10 on task i % 1000, 1 to 30 minutes.
insert into time_entries (entry_id, task_id, user_id, started_at, ended_at, billable)
select gen_random_uuid(), md5('scale-task-' || (i % 1000))::uuid, md5('scale-user-' || (i % 10))::uuid,
       '$from'::timestamptz + (i::float8 / $n) * interval '30 days' - interval '1 hour',
       '$from'::timestamptz + (i::float8 / $n) * interval '30 days' - interval '1 hour' + (1 + i % 30) * interval '1 minute',
       i % 3 <> 0
from generate_series(1, $n) i;
commit;
vacuum (analyze) time_entries, time_entry_rates, time_rollups, tasks;
SQL
  in_range=$(as_owner -At -c "begin; select set_config('app.role','admin',true); select count(*) from time_entries where started_at >= '$from' and started_at < '$to'; commit" | tail -1)
  rows=$(as_owner -At -c "begin; select set_config('app.role','admin',true); select count(*) from time_rollups where hour >= '$from' and hour < '$to'; commit" | tail -1)
  user_r=$(run_case user null null "$from" "$to")
  user_e=$(run_case user null null "$to" "$to")
  day_r=$(run_case day null "'day'" "$from" "$to")
  day_e=$(run_case day null "'day'" "$to" "$to")
  task_e=$(run_case task null null "$to" "$to")
  echo "| $in_range | $rows | $user_r | $user_e | $day_r | $day_e | $task_e |" >> "$out"
done

{
  echo
  echo "Plans at the largest size (as taskflow_app, the owner's identity, jit off):"
  echo
  echo '```'
  for mode in rollups entries; do
    rf=$from; [ "$mode" = entries ] && rf=$to
    echo "== by day, through the $mode"
    as_app -At <<SQL | sed -n '1,400p' | grep -v '^$'
set jit = off;
begin;
select set_config('app.user_id', '$owner', true), set_config('app.role', 'member', true);
prepare r(uuid, timestamptz, timestamptz, text, text, text, timestamptz, timestamptz) as $statement;
explain (analyze, buffers, timing off, costs off) execute r('$team', '$from', '$to', 'day', null, 'day', '$rf', '$to');
rollback;
SQL
  done
  echo '```'
} >> "$out"
cat "$out"
