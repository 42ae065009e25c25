#!/usr/bin/env bash
# The default task list's statement without and with extra conditions,
# under pgbench on the `make load` dataset, as the app role with a random
# load user's RLS identity per transaction (as `begin_as` sets it): what a
# condition added to the hot list query costs, measured rather than assumed.
#
#   benches/list-filter.sh            # the archived-projects condition, two ways (issue 17)
#   CLIENTS=64 SECONDS_EACH=15 benches/list-filter.sh
#
# Writes target/load/list-filter.txt. Run after `make load` has seeded
# taskflow_load, with nothing else running (the machine's two cores are the
# bottleneck either way; compare the two lines of one run, not across runs).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/dev-env.sh)"
db=${LOAD_DB:-taskflow_load}
clients=${CLIENTS:-64}
seconds=${SECONDS_EACH:-15}
out=target/load/list-filter.txt
mkdir -p target/load
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cols="t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_id, t.title, t.description, t.status, t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.created_at as sort_time, null::int as sort_rank"
# The statement db::tasks::list builds for the default page (sort
# -created_at, 50 + 1) with `$1` where the extra condition goes.
list() {
  local extra=$1
  cat <<SQL
select * from (
  (select $cols from unnest(array(select private.my_team_ids())) as mine(team_id)
   cross join lateral (select * from tasks t where t.team_id = mine.team_id$extra order by t.created_at desc, t.task_id desc limit 51) t)
  union
  (select $cols from tasks t where t.created_by = (select app.current_user_id())$extra order by t.created_at desc, t.task_id desc limit 51)
  union
  (select $cols from tasks t where t.assignee_id = (select app.current_user_id())$extra order by t.created_at desc, t.task_id desc limit 51)
) page order by sort_time desc, task_id desc limit 51;
SQL
}

script() {
  cat <<SQL
\\set u random(0, 999)
begin;
select set_config('app.user_id', md5('load-user-' || :u)::uuid::text, true), set_config('app.role', 'member', true);
$(list "$1" | tr '\n' ' ')
commit;
SQL
}

# The condition as first written (a lookup of the caller's archived
# projects in every arm) and as kept (a column the triggers maintain).
lookup=" and (t.project_id is null or t.project_id <> all(array(select p.project_id from projects p where p.archived_at is not null)))"
column=" and not t.project_archived"
script "" >"$work/before.sql"
script "$lookup" >"$work/lookup.sql"
script "$column" >"$work/column.sql"

export PGPASSWORD=$TASKFLOW_DATABASE__APP_PASSWORD
run() {
  pgbench -n -h 127.0.0.1 -U taskflow_app -c "$clients" -j 2 -T "$seconds" -M prepared -f "$1" "$db" 2>&1 |
    awk '/^latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "%.0f tx/s, %.2f ms average latency", tps, lat}'
}
{
  echo "# benches/list-filter.sh, $(date -u +%FT%TZ), $clients clients, $seconds s each, database $db"
  echo "# archived projects: $(psql -X -At -h 127.0.0.1 -U taskflow_app "$db" -c "select set_config('app.role', 'admin', false); select count(*) filter (where archived_at is not null) || ' of ' || count(*) from projects" | tail -1)"
  # Alternated, twice each, so a drift of the machine shows as a spread.
  for round in 1 2; do
    echo "no condition, round $round: $(run "$work/before.sql")"
    echo "archived projects by lookup, round $round: $(run "$work/lookup.sql")"
    echo "archived projects by column, round $round: $(run "$work/column.sql")"
  done
} | tee "$out"
