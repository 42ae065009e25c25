-- Subtasks (issue 17): a task may sit under another of the same team (a
-- personal task under another personal task of the same creator), at most
-- five levels below a top-level task, never under itself or its own
-- subtasks. The database holds the rule, whoever writes the row.

alter table tasks add column parent_task_id uuid;
alter table tasks add constraint tasks_parent_task_id_fkey
    foreign key (parent_task_id) references tasks (task_id) on delete cascade;

-- A task's subtasks in list order (GET /tasks/{id}/subtasks, the counts on
-- every task, the cascade); most tasks have no parent, hence partial.
create index tasks_parent_idx on tasks (parent_task_id, created_at desc, task_id desc)
    where parent_task_id is not null;

-- Where a task may sit. Definer's rights: the rule must see the whole tree,
-- whoever writes the row (the tree is one team's, so no answer reveals a
-- task the writer could not read).
create function private.tasks_parent_valid() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    v_team uuid;
    v_creator uuid;
    v_depth int;
    v_cycle boolean;
    v_height int;
begin
    if tg_op = 'UPDATE' and new.parent_task_id is not distinct from old.parent_task_id
       and new.team_id is not distinct from old.team_id then
        return new;
    end if;
    -- The subtasks follow the team rule too: a task that has some stays.
    if tg_op = 'UPDATE' and new.team_id is distinct from old.team_id
       and exists (select 1 from public.tasks c where c.parent_task_id = new.task_id) then
        raise exception 'a task with subtasks stays in its team: move or detach its subtasks first'
            using errcode = '23514', constraint = 'tasks_subtasks_same_team';
    end if;
    if new.parent_task_id is null then
        return new;
    end if;
    -- One tree change at a time: two concurrent moves (A under B, B under A)
    -- must not each pass the cycle check before the other commits.
    perform pg_advisory_xact_lock(hashtext('taskflow.task_tree'));
    select t.team_id, t.created_by into v_team, v_creator from public.tasks t where t.task_id = new.parent_task_id;
    if not found then
        raise exception 'no such parent task'
            using errcode = '23503', constraint = 'tasks_parent_task_id_fkey';
    end if;
    if v_team is distinct from new.team_id or (v_team is null and v_creator is distinct from new.created_by) then
        raise exception 'a subtask belongs to its parent''s team (a personal one to its creator)'
            using errcode = '23514', constraint = 'tasks_parent_same_team';
    end if;
    -- The parent's ancestors, the parent included: their number is the new
    -- task's depth (a top-level task is at depth 0).
    with recursive up (task_id, parent_task_id, depth) as (
        select t.task_id, t.parent_task_id, 1 from public.tasks t where t.task_id = new.parent_task_id
        union all
        select t.task_id, t.parent_task_id, up.depth + 1
        from up join public.tasks t on t.task_id = up.parent_task_id
        where up.task_id <> new.task_id and up.depth < 50
    )
    select max(up.depth), coalesce(bool_or(up.task_id = new.task_id), false) into v_depth, v_cycle from up;
    if v_cycle then
        raise exception 'a task cannot be a subtask of itself or of its own subtasks'
            using errcode = '23514', constraint = 'tasks_parent_cycle';
    end if;
    -- How deep the moved task's own subtasks go below it.
    with recursive down (task_id, depth) as (
        select c.task_id, 1 from public.tasks c where tg_op = 'UPDATE' and c.parent_task_id = new.task_id
        union all
        select c.task_id, down.depth + 1 from down join public.tasks c on c.parent_task_id = down.task_id
        where down.depth < 50
    )
    select coalesce(max(down.depth), 0) into v_height from down;
    if v_depth + v_height > 5 then
        raise exception 'subtasks nest at most 5 levels below a top-level task'
            using errcode = '23514', constraint = 'tasks_parent_depth';
    end if;
    return new;
end;
$$;

create trigger tasks_parent_valid before insert or update of parent_task_id, team_id on tasks
    for each row execute function private.tasks_parent_valid();

-- `subtasks: {total, done}` is counted when a task is read (under RLS, so
-- nobody learns of subtasks they cannot read); a subtask that appears,
-- goes, moves, or starts or stops counting as done or cancelled moves its
-- parent's version, so the parent's ETag follows what it shows.
create function private.tasks_touch_parent() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    -- Most status changes (todo to in progress) change no count.
    if tg_op = 'UPDATE' and new.parent_task_id is not distinct from old.parent_task_id
       and (new.status in ('done', 'cancelled')) = (old.status in ('done', 'cancelled'))
       and (new.status = 'done') = (old.status = 'done') then
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

create trigger tasks_touch_parent after insert or delete or update of parent_task_id, status on tasks
    for each row execute function private.tasks_touch_parent();

-- History: a move under another task (or out to the top) is a field change.
alter table task_events drop constraint task_events_field_check;
alter table task_events add constraint task_events_field_check check (
    field in ('title', 'description', 'status', 'priority', 'due_at', 'team_id', 'project_id', 'assignee_id',
              'assignee_ids', 'labels', 'watcher', 'parent_task_id'));

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
                                   'project_id', 'assignee_ids', 'labels', 'parent_task_id'] loop
        if v_old -> v_field is distinct from v_new -> v_field then
            insert into public.task_events (task_id, actor_id, field, old_value, new_value)
            values (new.task_id, v_actor, v_field, v_old -> v_field, v_new -> v_field);
        end if;
    end loop;
    return null;
end;
$$;

grant update (version) on tasks to taskflow_definer;
alter function private.tasks_parent_valid() owner to taskflow_definer;
alter function private.tasks_touch_parent() owner to taskflow_definer;
revoke all on function private.tasks_parent_valid() from public;
revoke all on function private.tasks_touch_parent() from public;

-- A task's progress: its subtasks that count (a cancelled one is no work
-- left, so counts in neither) and those done. The caller's rights (RLS
-- applies: only subtasks the reader can read), and a plain SQL table
-- function, so the planner inlines it into the statements that read tasks.
create function task_subtask_counts(p_task uuid) returns table (total bigint, done bigint)
    language sql stable
    as $$
        select count(*) filter (where c.status <> 'cancelled'), count(*) filter (where c.status = 'done')
        from public.tasks c where c.parent_task_id = p_task
    $$;
