-- Task history (issue 17): every change to a task's fields, who made it and
-- when, written by a trigger in the transaction of the change (so no writer
-- can forget it) and append-only for the app role: it may read the history
-- of the tasks it can read, and write none of it (the trigger writes with
-- definer's rights). Comments and time entries are read beside it from their
-- own tables; the task's creation from the task itself.

create table task_events (
    event_id uuid not null default gen_random_uuid(),
    task_id uuid not null,
    -- Who changed it: the transaction's identity; null once erased, or for
    -- changes made without one (migrations, maintenance).
    actor_id uuid,
    field text not null,
    old_value jsonb,
    new_value jsonb,
    -- clock_timestamp: the fields of one change keep the order they were
    -- recorded in, and a later change in the same transaction sorts after.
    occurred_at timestamptz not null default clock_timestamp(),
    constraint task_events_pkey primary key (event_id),
    constraint task_events_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint task_events_actor_id_fkey foreign key (actor_id) references users (user_id) on delete set null,
    constraint task_events_field_check check (field in ('title', 'description', 'status', 'priority', 'due_at',
                                                        'team_id', 'project_id', 'assignee_id', 'labels'))
);

-- task_id: the policy and the stream (newest first); actor_id: erasure's set null.
create index task_events_task_idx on task_events (task_id, occurred_at desc, event_id desc);
create index task_events_actor_idx on task_events (actor_id);

-- The default privileges gave DML; the app role only reads history.
revoke insert, update, delete, truncate on task_events from taskflow_app;

alter table task_events enable row level security;
alter table task_events force row level security;

-- A task's history is read by whoever can read the task (the subquery is
-- itself under the tasks policy), as its comments are.
create policy task_events_select on task_events for select using (
    exists (select 1 from tasks t where t.task_id = task_events.task_id));

-- One row per changed field. The values are JSON of the columns, so a
-- cleared field is JSON null and labels stay an array.
create function private.tasks_history() returns trigger
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
    foreach v_field in array array['title', 'description', 'status', 'priority', 'due_at', 'team_id',
                                   'project_id', 'assignee_id', 'labels'] loop
        if v_old -> v_field is distinct from v_new -> v_field then
            insert into public.task_events (task_id, actor_id, field, old_value, new_value)
            values (new.task_id, v_actor, v_field, v_old -> v_field, v_new -> v_field);
        end if;
    end loop;
    return null;
end;
$$;

create trigger tasks_history after update on tasks
    for each row execute function private.tasks_history();

grant select, insert on task_events to taskflow_definer;
alter function private.tasks_history() owner to taskflow_definer;
revoke all on function private.tasks_history() from public;
