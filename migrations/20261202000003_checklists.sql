-- Checklists (issue 17): the small steps inside a task that are not tasks of
-- their own. Whoever reads the task reads its checklist; whoever may edit
-- the task adds, ticks, reorders and removes items. Positions are dense
-- (0, 1, 2, ...) per task; the API keeps them so when it moves an item.

create table task_checklist_items (
    item_id uuid not null,
    task_id uuid not null,
    body text not null,
    position integer not null,
    done_at timestamptz,
    done_by uuid,
    created_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint task_checklist_items_pkey primary key (item_id),
    constraint task_checklist_items_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint task_checklist_items_done_by_fkey foreign key (done_by) references users (user_id) on delete set null,
    constraint task_checklist_items_created_by_fkey foreign key (created_by) references users (user_id) on delete set null,
    constraint task_checklist_items_body_length check (char_length(body) between 1 and 500),
    constraint task_checklist_items_position_check check (position between 0 and 99),
    -- Deferred: a move shifts the items between in one statement.
    constraint task_checklist_items_position_key unique (task_id, position) deferrable initially deferred
);

-- task_id: the policies and the list (its unique key leads with it too).
create index task_checklist_items_done_by_idx on task_checklist_items (done_by);
create index task_checklist_items_created_by_idx on task_checklist_items (created_by);

create trigger task_checklist_items_updated_at before update on task_checklist_items
    for each row execute function trigger_updated_at();

alter table task_checklist_items enable row level security;
alter table task_checklist_items force row level security;

-- Read with the task; written by those who may edit the task (the tasks
-- update policy's rule: the creator or assignee of a personal task, a
-- member or above of a team task).
create policy task_checklist_items_select on task_checklist_items for select using (
    exists (select 1 from tasks t where t.task_id = task_checklist_items.task_id));
create policy task_checklist_items_write on task_checklist_items for all
    using (exists (
        select 1 from tasks t where t.task_id = task_checklist_items.task_id
        and ((t.team_id is null and (t.created_by = (select app.current_user_id())
                                     or t.assignee_id = (select app.current_user_id())))
             or t.team_id = any (array(select private.my_team_ids_at_least('member')))
             or (select app.is_admin()))))
    with check (exists (
        select 1 from tasks t where t.task_id = task_checklist_items.task_id
        and ((t.team_id is null and (t.created_by = (select app.current_user_id())
                                     or t.assignee_id = (select app.current_user_id())))
             or t.team_id = any (array(select private.my_team_ids_at_least('member')))
             or (select app.is_admin()))));
