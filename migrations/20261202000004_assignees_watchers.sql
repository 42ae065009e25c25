-- Several assignees and watchers (issue 17).
--
-- Assignees are an array on the task rather than a table of their own: the
-- list reads them with the row (no join per task on the hot path), a PATCH
-- replaces them with the row's version, the policies test them in the row,
-- and history compares old and new like any other field. What a foreign key
-- would give (no unknown ids, nobody who is gone) the triggers below give:
-- every added id is checked against the team (or, for a personal task, the
-- creator's teams), leaving a team unassigns, and erasure unassigns.
--
-- Watchers are a table: who they are is not part of the task's state, and
-- each one watches or stops watching on their own.

-- The data moves with no trigger running (no history rows, no version
-- bump: nothing a person did) and under the owner's rights (the table
-- forces RLS).
alter table tasks disable trigger user;
alter table tasks no force row level security;

alter table tasks add column assignee_ids uuid[] not null default '{}';
update tasks set assignee_ids = array[assignee_id] where assignee_id is not null;

-- History keeps the single assignee's changes as they were recorded (the
-- previous release reads them while it still serves); changes from now on
-- are recorded as the list.
alter table task_events drop constraint task_events_field_check;
alter table task_events add constraint task_events_field_check
    check (field in ('title', 'description', 'status', 'priority', 'due_at', 'team_id', 'project_id',
                     'assignee_id', 'assignee_ids', 'labels', 'watcher'));

alter table tasks force row level security;
alter table tasks enable trigger user;

-- The policies that read the old column go with it, and come back reading
-- the new one: a personal task is its creator's and its assignees'.
drop policy tasks_select on tasks;
drop policy tasks_update on tasks;
drop policy task_checklist_items_write on task_checklist_items;
drop trigger tasks_assignee_in_team on tasks;
drop function private.tasks_assignee_in_team();

-- The previous release reads and writes `assignee_id` while it still
-- serves (blue/green: a migration keeps it working). The column stays one
-- release, kept in step by the trigger below, and goes in the next one.
create function private.tasks_assignee_sync() returns trigger
    language plpgsql
    set search_path = ''
    as $$
begin
    if tg_op = 'INSERT' then
        if new.assignee_ids = '{}' and new.assignee_id is not null then
            new.assignee_ids := array[new.assignee_id];
        end if;
    elsif new.assignee_ids is distinct from old.assignee_ids then
        null;
    elsif new.assignee_id is distinct from old.assignee_id then
        -- A writer of the single field: the list becomes that one person.
        new.assignee_ids := case when new.assignee_id is null then '{}'::uuid[] else array[new.assignee_id] end;
    end if;
    new.assignee_id := new.assignee_ids[1];
    return new;
end;
$$;

-- Named to sort before tasks_assignees_valid: the check sees the synced list.
create trigger tasks_assignee_sync before insert or update of assignee_id, assignee_ids on tasks
    for each row execute function private.tasks_assignee_sync();

alter table tasks add constraint tasks_assignees_count check (cardinality(assignee_ids) <= 20);
alter table tasks add constraint tasks_assignees_not_null check (array_position(assignee_ids, null) is null);

-- The policy column, `?assignee_id=` and the unassigning on leave and
-- erasure: every task by assignee.
create index tasks_assignee_ids_idx on tasks using gin (assignee_ids);
-- The list's "assigned to me" arm needs only personal tasks shared with
-- someone besides their creator (a team task comes through its team's arm,
-- a task of my own through the creator arm): a small index, read by
-- private.tasks_shared_with_me below.
create index tasks_shared_idx on tasks using gin (assignee_ids)
    where team_id is null and assignee_ids <> '{}' and assignee_ids <> array[created_by];

-- The tasks assigned to the caller, for the list: `@>` on an array is not
-- leakproof, so under the tasks policy the planner may not use it as an
-- index condition (it scanned every personal task instead); these read the
-- assignee indexes with definer's rights and hand the list ids, which
-- `task_id = any (...)` finds by primary key, the policy still applying.
-- They answer only about the caller, who is assigned to each task named.
create function private.my_assigned_task_ids() returns setof uuid
    language sql stable security definer
    set search_path = ''
    as $$
        select t.task_id from public.tasks t
        where t.assignee_ids @> array[nullif(current_setting('app.user_id', true), '')::uuid]
    $$;

-- Personal tasks someone shared with the caller, or the caller shared
-- (the predicate is the index's, word for word, so the index serves it).
create function private.tasks_shared_with_me() returns setof uuid
    language sql stable security definer
    set search_path = ''
    as $$
        select t.task_id from public.tasks t
        where t.team_id is null and t.assignee_ids <> '{}' and t.assignee_ids <> array[t.created_by]
          and t.assignee_ids @> array[nullif(current_setting('app.user_id', true), '')::uuid]
    $$;

create policy tasks_select on tasks for select using (
    (team_id is null and (created_by = (select app.current_user_id()) or (select app.current_user_id()) = any (assignee_ids)))
    or team_id = any (array(select private.my_team_ids()))
    or (select app.is_admin()));
create policy tasks_update on tasks for update
    using (
        (team_id is null and (created_by = (select app.current_user_id()) or (select app.current_user_id()) = any (assignee_ids)))
        or team_id = any (array(select private.my_team_ids_at_least('member')))
        or (select app.is_admin()))
    with check (
        (team_id is null and (created_by = (select app.current_user_id()) or (select app.current_user_id()) = any (assignee_ids)))
        or team_id = any (array(select private.my_team_ids_at_least('member')))
        or (select app.is_admin()));
create policy task_checklist_items_write on task_checklist_items for all
    using (exists (
        select 1 from tasks t where t.task_id = task_checklist_items.task_id
        and ((t.team_id is null and (t.created_by = (select app.current_user_id())
                                     or (select app.current_user_id()) = any (t.assignee_ids)))
             or t.team_id = any (array(select private.my_team_ids_at_least('member')))
             or (select app.is_admin()))))
    with check (exists (
        select 1 from tasks t where t.task_id = task_checklist_items.task_id
        and ((t.team_id is null and (t.created_by = (select app.current_user_id())
                                     or (select app.current_user_id()) = any (t.assignee_ids)))
             or t.team_id = any (array(select private.my_team_ids_at_least('member')))
             or (select app.is_admin()))));

-- Who may be assigned, however the row was written: on a team task a
-- member or above of the team (viewers do not do the work); on a personal
-- task its creator or someone who shares a team with the creator (no spam
-- into strangers' lists, no probe for valid user ids: unknown ids fail the
-- same way). Only ids the change adds are checked, so people assigned
-- before a rule (or demoted since) stay until someone changes the list;
-- a move to another team checks everyone against the new team.
create function private.tasks_assignees_valid() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    v_added uuid[];
    v_bad uuid;
begin
    -- Every PATCH names the column; most leave the list and team alone.
    if tg_op = 'UPDATE' and new.assignee_ids = old.assignee_ids and new.team_id is not distinct from old.team_id then
        return new;
    end if;
    if cardinality(new.assignee_ids) <> (select count(distinct a) from unnest(new.assignee_ids) a) then
        raise exception 'an assignee is named twice'
            using errcode = '23514', constraint = 'tasks_assignees_distinct';
    end if;
    if tg_op = 'UPDATE' and old.team_id is not distinct from new.team_id then
        v_added := array(select a from unnest(new.assignee_ids) a where a <> all (old.assignee_ids));
    else
        v_added := new.assignee_ids;
    end if;
    if cardinality(v_added) = 0 then
        return new;
    end if;
    if new.team_id is not null then
        select a into v_bad from unnest(v_added) a
        where not exists (select 1 from public.team_members tm
                          where tm.team_id = new.team_id and tm.user_id = a
                            and private.team_role_rank(tm.role) >= private.team_role_rank('member'))
        limit 1;
        if found then
            raise exception 'an assignee is not a member (or above) of the team'
                using errcode = '23514', constraint = 'tasks_assignee_in_team';
        end if;
        return new;
    end if;
    select a into v_bad from unnest(v_added) a
    where a is distinct from new.created_by
      and (new.created_by is null or not private.share_a_team(new.created_by, a))
    limit 1;
    if found then
        raise exception 'a personal task may be assigned to its creator or people who share a team with them'
            using errcode = '23514', constraint = 'tasks_personal_assignee';
    end if;
    return new;
end;
$$;

create trigger tasks_assignees_valid before insert or update of team_id, assignee_ids, assignee_id on tasks
    for each row execute function private.tasks_assignees_valid();

-- Watchers ----------------------------------------------------------------

create table task_watchers (
    task_id uuid not null,
    user_id uuid not null,
    created_at timestamptz not null default now(),
    constraint task_watchers_pkey primary key (task_id, user_id),
    constraint task_watchers_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint task_watchers_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade
);

-- task_id leads the primary key (the policies, a task's watchers);
-- user_id: the policies, what I watch, and leaving a team.
create index task_watchers_user_idx on task_watchers (user_id, task_id);

-- Existing tasks: their creators, assignees and commenters watch them from
-- now on, as they would have had watching existed (those who left a
-- task's team since are left out: they cannot read it). Read under the
-- owner's rights, as the move above.
alter table tasks no force row level security;
alter table comments no force row level security;
alter table team_members no force row level security;
insert into task_watchers (task_id, user_id)
select distinct s.task_id, s.user_id
from (select t.task_id, w as user_id from tasks t cross join lateral unnest(array[t.created_by] || t.assignee_ids) w
      union all
      select c.task_id, c.author_id from comments c) s
join tasks t on t.task_id = s.task_id
where s.user_id is not null
  and (t.team_id is null
       or exists (select 1 from team_members tm where tm.team_id = t.team_id and tm.user_id = s.user_id))
  and (t.team_id is not null or s.user_id = t.created_by or s.user_id = any (t.assignee_ids));
alter table team_members force row level security;
alter table comments force row level security;
alter table tasks force row level security;

alter table task_watchers enable row level security;
alter table task_watchers force row level security;

-- Whoever reads the task sees who watches it; each person starts and stops
-- watching only for themselves, and only tasks they can read. The automatic
-- watching (assignees, creators, commenters) is written by the triggers.
create policy task_watchers_select on task_watchers for select using (
    exists (select 1 from tasks t where t.task_id = task_watchers.task_id));
create policy task_watchers_insert on task_watchers for insert with check (
    user_id = (select app.current_user_id())
    and exists (select 1 from tasks t where t.task_id = task_watchers.task_id));
create policy task_watchers_delete on task_watchers for delete using (
    user_id = (select app.current_user_id()) or (select app.is_admin()));

-- The creator and everyone assigned watch the task; someone added later
-- starts watching when added (and may stop again). Watching is for people
-- who can read the task: taken off a personal task, or left behind by a
-- move to another team, they stop.
create function private.tasks_autowatch() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    -- Every PATCH names the columns; most leave the list and team alone.
    if tg_op = 'UPDATE' and old.assignee_ids = new.assignee_ids and old.team_id is not distinct from new.team_id then
        return null;
    end if;
    -- The creator at creation only: someone who stopped watching starts
    -- again by being assigned anew, not by someone else's change.
    insert into public.task_watchers (task_id, user_id)
    select new.task_id, w
    from unnest(case when tg_op = 'INSERT' then array[new.created_by] || new.assignee_ids
                     else new.assignee_ids end) w
    where w is not null
      and (tg_op = 'INSERT' or w <> all (old.assignee_ids))
    on conflict do nothing;
    if tg_op = 'INSERT' then
        return null;
    end if;
    if new.team_id is null then
        delete from public.task_watchers tw
        where tw.task_id = new.task_id
          and tw.user_id is distinct from new.created_by
          and tw.user_id <> all (new.assignee_ids);
    elsif old.team_id is distinct from new.team_id then
        delete from public.task_watchers tw
        where tw.task_id = new.task_id
          and not exists (select 1 from public.team_members tm
                          where tm.team_id = new.team_id and tm.user_id = tw.user_id);
    end if;
    return null;
end;
$$;

create trigger tasks_autowatch after insert or update of assignee_ids, assignee_id, team_id on tasks
    for each row execute function private.tasks_autowatch();

-- Whoever comments on a task watches it from then on.
create function private.comments_autowatch() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    if new.author_id is not null then
        insert into public.task_watchers (task_id, user_id) values (new.task_id, new.author_id)
        on conflict do nothing;
    end if;
    return null;
end;
$$;

create trigger comments_autowatch after insert on comments
    for each row execute function private.comments_autowatch();

-- Leaving a team (or being removed) unassigns you from its tasks and ends
-- your watching of them: both were there for someone who could read them.
create function private.team_members_left() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    -- A team being deleted takes its tasks along.
    if not exists (select 1 from public.teams t where t.team_id = old.team_id) then
        return null;
    end if;
    update public.tasks set assignee_ids = array_remove(assignee_ids, old.user_id)
    where team_id = old.team_id and assignee_ids @> array[old.user_id];
    delete from public.task_watchers tw
    using public.tasks t
    where tw.user_id = old.user_id and t.task_id = tw.task_id and t.team_id = old.team_id;
    return null;
end;
$$;

create trigger team_members_left after delete on team_members
    for each row execute function private.team_members_left();

-- Erasure: the account leaves every task it was assigned to, and the
-- history does not record that change (it would keep the erased id as a
-- value). The flag is read only by the history trigger, and only below
-- another trigger, so no statement of the app's own can go unrecorded.
create function private.users_unassign() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    perform set_config('taskflow.erasing', 'on', true);
    update public.tasks set assignee_ids = array_remove(assignee_ids, old.user_id)
    where assignee_ids @> array[old.user_id];
    perform set_config('taskflow.erasing', '', true);
    return old;
end;
$$;

create trigger users_unassign before delete on users
    for each row execute function private.users_unassign();

-- History: an assignee list is one field (old and new list); someone who
-- starts watching (new value) or stops (old value) is a "watcher" event.
create or replace function private.tasks_history() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    -- An identity that is no account (the nil id maintenance runs as) is
    -- recorded as nobody rather than failing the change.
    v_actor uuid := (select u.user_id from public.users u
                     where u.user_id = nullif(current_setting('app.user_id', true), '')::uuid);
    v_old jsonb := to_jsonb(old);
    v_new jsonb := to_jsonb(new);
    v_field text;
begin
    if pg_trigger_depth() > 1 and current_setting('taskflow.erasing', true) = 'on' then
        return null;
    end if;
    foreach v_field in array array['title', 'description', 'status', 'priority', 'due_at', 'team_id',
                                   'project_id', 'assignee_ids', 'labels'] loop
        if v_old -> v_field is distinct from v_new -> v_field then
            insert into public.task_events (task_id, actor_id, field, old_value, new_value)
            values (new.task_id, v_actor, v_field, v_old -> v_field, v_new -> v_field);
        end if;
    end loop;
    return null;
end;
$$;

create function private.task_watchers_history() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    v_actor uuid := (select u.user_id from public.users u
                     where u.user_id = nullif(current_setting('app.user_id', true), '')::uuid);
    v_task uuid := case when tg_op = 'INSERT' then new.task_id else old.task_id end;
    v_user uuid := case when tg_op = 'INSERT' then new.user_id else old.user_id end;
begin
    -- Only someone's own start or stop: watching that follows from another
    -- change (creating, assigning, commenting, leaving the team) is written
    -- by a trigger, and that change is the event. Foreign-key cascades do
    -- not count as trigger depth: a deleted task, or an erased person
    -- (whose id must not stay behind), is gone from its table by then.
    if pg_trigger_depth() > 1
       or not exists (select 1 from public.tasks t where t.task_id = v_task)
       or not exists (select 1 from public.users u where u.user_id = v_user) then
        return null;
    end if;
    insert into public.task_events (task_id, actor_id, field, old_value, new_value)
    values (v_task, v_actor, 'watcher',
            case when tg_op = 'DELETE' then to_jsonb(old.user_id) end,
            case when tg_op = 'INSERT' then to_jsonb(new.user_id) end);
    return null;
end;
$$;

create trigger task_watchers_history after insert or delete on task_watchers
    for each row execute function private.task_watchers_history();

grant select, insert, delete on task_watchers to taskflow_definer;
grant update (assignee_ids, assignee_id) on tasks to taskflow_definer;
alter function private.my_assigned_task_ids() owner to taskflow_definer;
alter function private.tasks_shared_with_me() owner to taskflow_definer;
revoke all on function private.my_assigned_task_ids() from public;
revoke all on function private.tasks_shared_with_me() from public;
grant execute on function private.my_assigned_task_ids() to taskflow_app;
grant execute on function private.tasks_shared_with_me() to taskflow_app;
alter function private.tasks_assignees_valid() owner to taskflow_definer;
alter function private.tasks_autowatch() owner to taskflow_definer;
alter function private.comments_autowatch() owner to taskflow_definer;
alter function private.team_members_left() owner to taskflow_definer;
alter function private.users_unassign() owner to taskflow_definer;
alter function private.task_watchers_history() owner to taskflow_definer;
revoke all on function private.tasks_assignees_valid() from public;
revoke all on function private.tasks_autowatch() from public;
revoke all on function private.comments_autowatch() from public;
revoke all on function private.team_members_left() from public;
revoke all on function private.users_unassign() from public;
revoke all on function private.tasks_assignee_sync() from public;
revoke all on function private.task_watchers_history() from public;
