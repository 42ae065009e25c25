-- EXPLAIN ANALYZE of the hot queries on the load dataset, as the app role
-- with a member's RLS identity, exactly as `begin_as` sets it. The statements
-- are copies of the ones in src/db/ (tasks.rs list/find, comments.rs list,
-- time_entries.rs report: see below); keep them in step when those change.
-- Run: make explain (writes target/load/explain.txt).
\set ON_ERROR_STOP on
\pset pager off
begin;
select set_config('app.user_id', md5('load-user-7')::uuid::text, true) as user_id,
       set_config('app.role', 'member', true) as role \gset

\echo '== tasks.list: default page (sort -created_at, 50 + 1): three arms, each limited (the assigned arm: personal tasks, ids by tasks_shared_idx, rows by primary key), archived projects left out; then the subtask counts of the page rows (tasks_parent_idx)'
explain (analyze, buffers, costs off)
select page.*, s.total as subtasks_total, s.done as subtasks_done from (
select * from (
  (select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status,
       t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.parent_task_id, t.created_at as sort_time, null::int as sort_rank
   from unnest(array(select private.my_team_ids())) as mine(team_id)
   cross join lateral (select * from tasks t where t.team_id = mine.team_id and not t.project_archived order by t.created_at desc, t.task_id desc limit 51) t)
  union
  (select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status,
       t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.parent_task_id, t.created_at as sort_time, null::int as sort_rank
   from tasks t where t.created_by = (select app.current_user_id()) and not t.project_archived order by t.created_at desc, t.task_id desc limit 51)
  union
  (select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status,
       t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.parent_task_id, t.created_at as sort_time, null::int as sort_rank
   from tasks t where t.task_id = any (array(select private.tasks_shared_with_me())) and not t.project_archived order by t.created_at desc, t.task_id desc limit 51)
) page order by sort_time desc, task_id desc limit 51
) page cross join lateral task_subtask_counts(page.task_id) s order by page.sort_time desc, page.task_id desc;

\echo '== tasks.list: assignee_id=me, status=todo|in_progress: one arm, ids by tasks_assignee_ids_idx (private.my_assigned_task_ids), rows by primary key'
explain (analyze, buffers, costs off)
select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status,
       t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.created_at as sort_time, null::int as sort_rank
from tasks t
where true and not t.project_archived and t.status = any (array['todo', 'in_progress'])
  and t.task_id = any (array(select private.my_assigned_task_ids()))
order by t.created_at desc, t.task_id desc limit 51;

\echo '== tasks.list: full-text q=deploy'
explain (analyze, buffers, costs off)
select * from (
  (select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status,
       t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.created_at as sort_time, null::int as sort_rank
   from unnest(array(select private.my_team_ids())) as mine(team_id)
   cross join lateral (select * from tasks t where t.team_id = mine.team_id and t.search @@ websearch_to_tsquery('simple', 'deploy') and not t.project_archived order by t.created_at desc, t.task_id desc limit 21) t)
  union
  (select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status,
       t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.created_at as sort_time, null::int as sort_rank
   from tasks t where t.created_by = (select app.current_user_id()) and t.search @@ websearch_to_tsquery('simple', 'deploy') and not t.project_archived order by t.created_at desc, t.task_id desc limit 21)
  union
  (select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status,
       t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.created_at as sort_time, null::int as sort_rank
   from tasks t where t.task_id = any (array(select private.tasks_shared_with_me())) and t.search @@ websearch_to_tsquery('simple', 'deploy') and not t.project_archived order by t.created_at desc, t.task_id desc limit 21)
) page order by sort_time desc, task_id desc limit 21;

\echo '== tasks.list: project_id=<an open project of one of the member teams>: one arm on tasks_project_idx, RLS filters'
explain (analyze, buffers, costs off)
select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status,
       t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.created_at as sort_time, null::int as sort_rank
from tasks t
where true and t.project_id = (select p.project_id from projects p where p.archived_at is null order by p.project_id limit 1)
order by t.created_at desc, t.task_id desc limit 51;

\echo '== tasks.find'
explain (analyze, buffers, costs off)
select task_id, team_id, project_id, created_by, assignee_ids, title, description, status, priority, due_at,
       completed_at, labels, version, created_at, updated_at
from tasks where task_id = md5('load-task-' || 1 * 200 + 1)::uuid;

\echo '== comments.list'
explain (analyze, buffers, costs off)
select c.comment_id, c.task_id, c.author_id, u.display_name, c.body, c.created_at, c.updated_at, c.edited_at
from comments c left join users u on u.user_id = c.author_id
where c.task_id = md5('load-task-201')::uuid
order by c.created_at, c.comment_id limit 51;

-- The time report's plans, through the hourly rollups and through the entries,
-- come from `make report-scaling` (benches/report-scaling.sh), which runs the
-- statement taken from src/db/time_entries.rs itself.
rollback;
