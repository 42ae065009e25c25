#!/usr/bin/env bash
# The default task list's statement without and with extra conditions,
# under pgbench on the `make load` dataset, as the app role with a random
# load user's RLS identity per transaction (as `begin_as` sets it): what a
# condition added to the hot list query costs, measured rather than assumed.
#
#   benches/list-filter.sh            # the assigned-to-me arm and filter, by which index (issue 17)
#   benches/list-filter.sh subtasks   # the default page without and with its subtask counts (issue 17)
#   benches/list-filter.sh find       # one task (tasks.find) and the default page, before and with mentions and the trash (issue 17)
#   CLIENTS=64 SECONDS_EACH=15 benches/list-filter.sh
#
# Writes target/load/list-filter.txt (list-filter-subtasks.txt). Run after `make load` has seeded
# taskflow_load, with nothing else running (the machine's two cores are the
# bottleneck either way; compare the two lines of one run, not across runs).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/dev-env.sh)"
db=${LOAD_DB:-taskflow_load}
clients=${CLIENTS:-64}
seconds=${SECONDS_EACH:-15}
out=target/load/list-filter${1:+-$1}.txt
mkdir -p target/load
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cols="t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status, t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.created_at as sort_time, null::int as sort_rank"
# The statement db::tasks::list builds for the default page (sort
# -created_at, 50 + 1): `$1` is a condition added to every arm, `$2` the
# arm of tasks assigned to the caller.
list() {
  local extra=$1 assigned=$2
  cat <<SQL
select * from (
  (select $cols from unnest(array(select private.my_team_ids())) as mine(team_id)
   cross join lateral (select * from tasks t where t.team_id = mine.team_id and not t.project_archived$extra order by t.created_at desc, t.task_id desc limit 51) t)
  union
  (select $cols from tasks t where t.created_by = (select app.current_user_id()) and not t.project_archived$extra order by t.created_at desc, t.task_id desc limit 51)
  union
  (select $cols from tasks t where $assigned and not t.project_archived$extra order by t.created_at desc, t.task_id desc limit 51)
) page order by sort_time desc, task_id desc limit 51;
SQL
}

# The one-arm statement db::tasks::list builds for `?assignee_id=me`.
single() {
  cat <<SQL
select $cols from tasks t where true and not t.project_archived and t.task_id = any (array(select private.my_assigned_task_ids())) order by t.created_at desc, t.task_id desc limit 51;
SQL
}

# The default page with the subtask counts of its rows, as db::tasks::list
# reads them since subtasks.
counted() {
  echo "select page.*, s.total as subtasks_total, s.done as subtasks_done from ("
  list "" "$1" | sed 's/;$//'
  echo ") page cross join lateral task_subtask_counts(page.task_id) s order by page.sort_time desc, page.task_id desc;"
}

# One task as db::tasks::find reads it: `$1` the columns added to it, `$2`
# the condition (a task of one of the user's teams, picked first in the
# same transaction either way).
found() {
  cat <<SQL
select t.task_id as tid from tasks t where t.team_id = (select private.my_team_ids() limit 1)
  order by t.created_at desc offset :k limit 1 \\gset
select t.*, s.total as subtasks_total, s.done as subtasks_done$1
  from tasks t cross join lateral task_subtask_counts(t.task_id) s where t.task_id = :tid$2;
SQL
}

script() {
  cat <<SQL
\\set u random(0, 999)
\\set k random(0, 49)
begin;
select set_config('app.user_id', md5('load-user-' || :u)::uuid::text, true), set_config('app.role', 'member', true);
$(case "$1" in single) single | tr '\n' ' ' ;; counted) counted "$2" | tr '\n' ' ' ;; find) found "$2" "$3" ;; *) list "$1" "$2" | tr '\n' ' ' ;; esac)
commit;
SQL
}

# The assigned arm and the `?assignee_id=me` condition as first written
# (`@>` on the array: not leakproof, so under the tasks policy no index
# condition), by ids from the definer functions (which read the GIN
# indexes; rows by primary key) in each arm, and as kept: the shared-tasks
# arm by ids, and `?assignee_id=me` as one arm over the ids.
me="array[(select app.current_user_id())]"
script "" "t.team_id is null and t.assignee_ids @> $me" >"$work/arm-contains.sql"
script "" "t.task_id = any (array(select private.tasks_shared_with_me()))" >"$work/arm-ids.sql"
kept_arm="t.task_id = any (array(select private.tasks_shared_with_me()))"
script " and t.assignee_ids @> $me" "$kept_arm" >"$work/me-contains.sql"
script " and t.task_id = any (array(select private.my_assigned_task_ids()))" "$kept_arm" >"$work/me-ids.sql"
script single "" >"$work/me-single.sql"
script "" "$kept_arm" >"$work/page-plain.sql"
script counted "$kept_arm" >"$work/page-counted.sql"
script find "" "" >"$work/find-plain.sql"
script find ", description_mentions(t.task_id) as mentions" " and t.trashed_at is null" >"$work/find-always.sql"
script find ", case when strpos(t.description, '@') > 0 then description_mentions(t.task_id) end as mentions" \
  " and t.trashed_at is null" >"$work/find-kept.sql"
script "" "$kept_arm" >"$work/page-before-trash.sql"
script " and t.trashed_at is null" "$kept_arm" >"$work/page-trash.sql"
mode=${1:-assignees}

export PGPASSWORD=$TASKFLOW_DATABASE__APP_PASSWORD
run() {
  pgbench -n -h 127.0.0.1 -U taskflow_app -c "$clients" -j 2 -T "$seconds" -M prepared -f "$1" "$db" 2>&1 |
    awk '/^latency average/ {lat=$4} /^tps/ {tps=$3} END {printf "%.0f tx/s, %.2f ms average latency", tps, lat}'
}
{
  echo "# benches/list-filter.sh, $(date -u +%FT%TZ), $clients clients, $seconds s each, database $db"
  echo "# tasks with assignees: $(psql -X -At -h 127.0.0.1 -U taskflow_app "$db" -c "select set_config('app.role', 'admin', false); select count(*) filter (where assignee_ids <> '{}') || ' of ' || count(*) || ', personal ' || count(*) filter (where team_id is null) from tasks" | tail -1)"
  echo "# subtasks: $(psql -X -At -h 127.0.0.1 -U taskflow_app "$db" -c "select set_config('app.role', 'admin', false); select count(*) filter (where parent_task_id is not null) || ' of ' || count(*) from tasks" | tail -1)"
  # Alternated, twice each, so a drift of the machine shows as a spread.
  for round in 1 2; do
    if [ "$mode" = find ]; then
      echo "one task as before mentions and the trash, round $round: $(run "$work/find-plain.sql")"
      echo "one task with its description's mentions always, not in the trash, round $round: $(run "$work/find-always.sql")"
      echo "one task with its description's mentions when it has an @, not in the trash (kept), round $round: $(run "$work/find-kept.sql")"
      echo "default page as before the trash, round $round: $(run "$work/page-before-trash.sql")"
      echo "default page leaving out the trash (kept), round $round: $(run "$work/page-trash.sql")"
      continue
    fi
    if [ "$mode" = subtasks ]; then
      echo "default page without subtask counts, round $round: $(run "$work/page-plain.sql")"
      echo "default page with subtask counts (kept), round $round: $(run "$work/page-counted.sql")"
      continue
    fi
    echo "default page, assigned arm by @>, round $round: $(run "$work/arm-contains.sql")"
    echo "default page, assigned arm by ids (kept), round $round: $(run "$work/arm-ids.sql")"
    echo "assignee_id=me by @>, round $round: $(run "$work/me-contains.sql")"
    echo "assignee_id=me by ids in each arm, round $round: $(run "$work/me-ids.sql")"
    echo "assignee_id=me, one arm by ids (kept), round $round: $(run "$work/me-single.sql")"
  done
} | tee "$out"
