-- Trash (issue 17): DELETE /tasks/{id} moves a task and its subtasks to
-- the trash instead of deleting them. A trashed task keeps everything
-- (comments, time entries, relations, history, mentions); the server's
-- reads leave it out (lists, one task, subtask counts, blockers, summaries,
-- mentions) until it is restored, and its time still counts in reports.
-- Purged from the trash (DELETE /trash/{id}, or `taskflow prune` after
-- tasks.trash_days), it is deleted as before: its rows cascade.

alter table tasks add column trashed_at timestamptz;
alter table tasks add column trashed_by uuid;
-- The task whose DELETE put this one in the trash: itself for that task,
-- its ancestor for a subtask that went along. Restoring that task brings
-- back exactly the tasks that went with it.
alter table tasks add column trashed_with uuid;
alter table tasks add constraint tasks_trashed_by_fkey
    foreign key (trashed_by) references users (user_id) on delete set null;
alter table tasks add constraint tasks_trash_consistent check ((trashed_at is null) = (trashed_with is null));

-- GET /trash (what was deleted, newest first) and the prune.
create index tasks_trash_idx on tasks (trashed_at desc, task_id desc)
    where trashed_at is not null and trashed_with = task_id;
-- Restoring: the tasks that went with one.
create index tasks_trashed_with_idx on tasks (trashed_with) where trashed_with is not null;
-- Erasure's set null.
create index tasks_trashed_by_idx on tasks (trashed_by) where trashed_by is not null;

-- The tasks someone deleted (not those that went along), with what the
-- trash page shows of them. The reader's rights (RLS applies).
create view trash_roots with (security_invoker = true) as
    select t.task_id, t.team_id, t.project_id, t.parent_task_id, t.title, t.status, t.created_by,
           t.trashed_at, t.trashed_by, u.display_name as trashed_by_name,
           (select count(*) from tasks s where s.trashed_with = t.task_id and s.task_id <> t.task_id) as subtasks,
           exists (select 1 from tasks p where p.task_id = t.parent_task_id and p.trashed_at is not null)
               as parent_trashed
    from tasks t left join users u on u.user_id = t.trashed_by
    where t.trashed_at is not null and t.trashed_with = t.task_id;
revoke all on trash_roots from taskflow_app;
grant select on trash_roots to taskflow_app;

-- Progress counts the subtasks that are not in the trash.
create or replace function task_subtask_counts(p_task uuid) returns table (total bigint, done bigint)
    language sql stable
    as $$
        select count(*) filter (where c.status <> 'cancelled'), count(*) filter (where c.status = 'done')
        from public.tasks c where c.parent_task_id = p_task and c.trashed_at is null
    $$;

-- A subtask going to the trash or coming back changes its parent's counts
-- (and so its ETag), like one that moves or is done.
create or replace function private.tasks_touch_parent() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    -- Most status changes (todo to in progress) change no count.
    if tg_op = 'UPDATE' and new.parent_task_id is not distinct from old.parent_task_id
       and (new.status in ('done', 'cancelled')) = (old.status in ('done', 'cancelled'))
       and (new.status = 'done') = (old.status = 'done')
       and (new.trashed_at is null) = (old.trashed_at is null) then
        return null;
    end if;
    -- `set version = version`: the bookkeeping trigger moves it (and
    -- updated_at); no other column changes, so no other trigger has work.
    update public.tasks t set version = t.version
    where t.task_id in (case when tg_op <> 'INSERT' then old.parent_task_id end,
                        case when tg_op <> 'DELETE' then new.parent_task_id end);
    return null;
end;
$$;

drop trigger tasks_touch_parent on tasks;
create trigger tasks_touch_parent after insert or delete or update of parent_task_id, status, trashed_at on tasks
    for each row execute function private.tasks_touch_parent();

-- History: going to the trash (new value: when) and coming back (old value).
alter table task_events drop constraint task_events_field_check;
alter table task_events add constraint task_events_field_check check (
    field in ('title', 'description', 'status', 'priority', 'due_at', 'team_id', 'project_id', 'assignee_id',
              'assignee_ids', 'labels', 'watcher', 'parent_task_id', 'relation', 'blockers_overridden',
              'trashed_at'));

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
    v_overridden text := nullif(current_setting('taskflow.blockers_overridden', true), '');
begin
    if pg_trigger_depth() > 1 and current_setting('taskflow.erasing', true) = 'on' then
        return null;
    end if;
    foreach v_field in array array['title', 'description', 'status', 'priority', 'due_at', 'team_id',
                                   'project_id', 'assignee_ids', 'labels', 'parent_task_id', 'trashed_at'] loop
        if v_old -> v_field is distinct from v_new -> v_field then
            insert into public.task_events (task_id, actor_id, field, old_value, new_value)
            values (new.task_id, v_actor, v_field, v_old -> v_field, v_new -> v_field);
        end if;
    end loop;
    if v_overridden is not null and new.status = 'done' and old.status <> 'done' and pg_trigger_depth() = 1 then
        insert into public.task_events (task_id, actor_id, field, old_value, new_value)
        values (new.task_id, v_actor, 'blockers_overridden', null, v_overridden::jsonb);
    end if;
    return null;
end;
$$;

-- `taskflow prune`: the trash older than p_days goes for good (its tasks'
-- rows cascade). Runs as the definer: maintenance has no caller whose
-- RLS identity could see every team's trash.
create function private.prune_trash(p_days integer) returns bigint
    language sql volatile security definer
    set search_path = ''
    as $$
        with gone as (
            delete from public.tasks t
            where t.trashed_with = t.task_id and t.trashed_at < now() - make_interval(days => p_days)
            returning 1)
        select count(*) from gone
    $$;

grant select, delete on tasks to taskflow_definer;
alter function private.prune_trash(integer) owner to taskflow_definer;
revoke all on function private.prune_trash(integer) from public;
grant execute on function private.prune_trash(integer) to taskflow_app;
