-- Relations between tasks (issue 17): one task blocks, relates to or
-- duplicates another. Stored once, from the side it was made on; the
-- other side reads it inverted (blocked_by, duplicated_by). A relation is
-- seen only by someone who can see both tasks, and made only between tasks
-- the maker can see, by someone who may change the task it starts from.

create table task_relations (
    relation_id uuid not null default gen_random_uuid(),
    kind text not null,
    task_id uuid not null,
    other_task_id uuid not null,
    created_by uuid,
    created_at timestamptz not null default now(),
    constraint task_relations_pkey primary key (relation_id),
    constraint task_relations_kind_check check (kind in ('blocks', 'relates_to', 'duplicates')),
    constraint task_relations_not_self check (task_id <> other_task_id),
    constraint task_relations_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint task_relations_other_task_id_fkey
        foreign key (other_task_id) references tasks (task_id) on delete cascade,
    constraint task_relations_created_by_fkey foreign key (created_by) references users (user_id) on delete set null
);

-- Two tasks are related at most once per kind, whichever side made it (a
-- blocks b and b blocks a is a cycle anyway).
create unique index task_relations_pair_key
    on task_relations (kind, least(task_id, other_task_id), greatest(task_id, other_task_id));
-- Both sides: the policies, a task's relations, the cascades; the blocks
-- edges out of a task (the cycle walk) and into it (its open blockers).
create index task_relations_task_idx on task_relations (task_id, kind);
create index task_relations_other_idx on task_relations (other_task_id, kind);
-- Erasure's set null.
create index task_relations_created_by_idx on task_relations (created_by);

-- Relations are made and removed, never edited.
revoke update, truncate on task_relations from taskflow_app;

alter table task_relations enable row level security;
alter table task_relations force row level security;

-- Whether the caller may change a task (the tasks_update policy's rule):
-- invoker's rights, so the task must also be visible to them.
create function private.task_writable(p_task uuid) returns boolean
    language sql stable
    as $$
        select exists (
            select 1 from public.tasks t where t.task_id = p_task
            and ((t.team_id is null and (t.created_by = (select app.current_user_id())
                                         or (select app.current_user_id()) = any (t.assignee_ids)))
                 or t.team_id = any (array(select private.my_team_ids_at_least('member')))
                 or (select app.is_admin())))
    $$;
grant execute on function private.task_writable(uuid) to taskflow_app;

-- Both tasks visible (each subquery under the tasks policy).
create policy task_relations_select on task_relations for select using (
    exists (select 1 from tasks t where t.task_id = task_relations.task_id)
    and exists (select 1 from tasks t where t.task_id = task_relations.other_task_id));
-- Made in one's own name, from a task one may change, to one one can see.
create policy task_relations_insert on task_relations for insert with check (
    created_by = (select app.current_user_id())
    and private.task_writable(task_id)
    and exists (select 1 from tasks t where t.task_id = task_relations.other_task_id));
-- Removed by whoever sees both and may change either.
create policy task_relations_delete on task_relations for delete using (
    exists (select 1 from tasks t where t.task_id = task_relations.task_id)
    and exists (select 1 from tasks t where t.task_id = task_relations.other_task_id)
    and (private.task_writable(task_id) or private.task_writable(other_task_id)));

-- The blocks path from one task to another, if there is one: every edge,
-- whoever can see it (a cycle is a cycle even through tasks the writer
-- cannot see; the service names only those they can). Ids in order, both
-- ends included.
create function private.blocks_path(p_from uuid, p_to uuid) returns uuid[]
    language sql stable security definer
    set search_path = ''
    as $$
        with recursive walk (task_id, path) as (
            select p_from, array[p_from]
            union all
            select r.other_task_id, w.path || r.other_task_id
            from walk w join public.task_relations r on r.task_id = w.task_id and r.kind = 'blocks'
            where r.other_task_id <> all (w.path) and cardinality(w.path) < 1000
        )
        select w.path from walk w where w.task_id = p_to order by cardinality(w.path) limit 1
    $$;
revoke all on function private.blocks_path(uuid, uuid) from public;
grant execute on function private.blocks_path(uuid, uuid) to taskflow_app;

-- No blocks cycle, however the row was written; one blocks change at a
-- time, so two concurrent ones cannot close a cycle between them.
create function private.task_relations_acyclic() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    if new.kind <> 'blocks' then
        return new;
    end if;
    perform pg_advisory_xact_lock(hashtext('taskflow.task_blocks'));
    if private.blocks_path(new.other_task_id, new.task_id) is not null then
        raise exception 'this would close a cycle of blocking tasks'
            using errcode = '23514', constraint = 'task_relations_blocks_cycle';
    end if;
    return new;
end;
$$;

create trigger task_relations_acyclic before insert or update of kind, task_id, other_task_id on task_relations
    for each row execute function private.task_relations_acyclic();

-- History: a relation made or removed is an event of both tasks, each
-- from its own side ({"kind": "blocked_by", "task_id": <the other>}).
alter table task_events drop constraint task_events_field_check;
alter table task_events add constraint task_events_field_check check (
    field in ('title', 'description', 'status', 'priority', 'due_at', 'team_id', 'project_id', 'assignee_id',
              'assignee_ids', 'labels', 'watcher', 'parent_task_id', 'relation', 'blockers_overridden'));

create function private.task_relations_history() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    v_actor uuid := (select u.user_id from public.users u
                     where u.user_id = nullif(current_setting('app.user_id', true), '')::uuid);
    v_row public.task_relations := case when tg_op = 'INSERT' then new else old end;
    v_inverse text := case v_row.kind when 'blocks' then 'blocked_by' when 'duplicates' then 'duplicated_by'
                                       else v_row.kind end;
    v_side jsonb := jsonb_build_object('kind', v_row.kind, 'task_id', v_row.other_task_id);
    v_other_side jsonb := jsonb_build_object('kind', v_inverse, 'task_id', v_row.task_id);
begin
    -- A deleted task takes its relations with it: that is no event of the
    -- task left (whose history would name a task that is gone).
    if pg_trigger_depth() > 1
       or not exists (select 1 from public.tasks t where t.task_id = v_row.task_id)
       or not exists (select 1 from public.tasks t where t.task_id = v_row.other_task_id) then
        return null;
    end if;
    insert into public.task_events (task_id, actor_id, field, old_value, new_value)
    values (v_row.task_id, v_actor, 'relation',
            case when tg_op = 'DELETE' then v_side end, case when tg_op = 'INSERT' then v_side end),
           (v_row.other_task_id, v_actor, 'relation',
            case when tg_op = 'DELETE' then v_other_side end, case when tg_op = 'INSERT' then v_other_side end);
    return null;
end;
$$;

create trigger task_relations_history after insert or delete on task_relations
    for each row execute function private.task_relations_history();

-- A task moved to done past open blockers (the service sets
-- taskflow.blockers_overridden, in the transaction of the move, to the
-- blockers the mover saw): recorded beside the status change.
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
                                   'project_id', 'assignee_ids', 'labels', 'parent_task_id'] loop
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

grant select on task_relations to taskflow_definer;
alter function private.blocks_path(uuid, uuid) owner to taskflow_definer;
alter function private.task_relations_acyclic() owner to taskflow_definer;
alter function private.task_relations_history() owner to taskflow_definer;
revoke all on function private.task_relations_acyclic() from public;
revoke all on function private.task_relations_history() from public;
