-- Core domain: teams and memberships, tasks, comments, time entries. Every
-- rule of who may see or change what is a policy here; the handlers check the
-- same rules only to choose the right status code.

-- Team roles in rank order; a higher rank may do everything a lower one may.
create function private.team_role_rank(p_role text) returns int
    language sql immutable parallel safe
    set search_path = ''
    as $$ select case p_role when 'viewer' then 1 when 'member' then 2 when 'admin' then 3 when 'owner' then 4 else 0 end $$;

create table teams (
    team_id uuid not null,
    name text not null,
    created_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint teams_pkey primary key (team_id),
    constraint teams_name_length check (char_length(name) between 1 and 100),
    constraint teams_created_by_fkey foreign key (created_by) references users (user_id) on delete set null
);

create index teams_created_by_idx on teams (created_by);
create trigger teams_updated_at before update on teams for each row execute function trigger_updated_at();

create table team_members (
    team_id uuid not null,
    user_id uuid not null,
    role text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint team_members_pkey primary key (team_id, user_id),
    constraint team_members_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint team_members_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint team_members_role_check check (role in ('owner', 'admin', 'member', 'viewer'))
);

create index team_members_user_id_idx on team_members (user_id);
create trigger team_members_updated_at before update on team_members for each row execute function trigger_updated_at();

-- Membership lookups for policies. SECURITY DEFINER (owned by the BYPASSRLS
-- definer role) so that policies on team_members can read team_members without
-- recursing. Policies call them as `= any (array(select ...))`: an InitPlan,
-- evaluated once per query, that the planner can combine with indexes.
create function private.my_team_ids() returns setof uuid
    language sql stable security definer
    set search_path = ''
    as $$
        select tm.team_id from public.team_members tm
        where tm.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    $$;

create function private.my_team_ids_at_least(p_role text) returns setof uuid
    language sql stable security definer
    set search_path = ''
    as $$
        select tm.team_id from public.team_members tm
        where tm.user_id = nullif(current_setting('app.user_id', true), '')::uuid
          and private.team_role_rank(tm.role) >= private.team_role_rank(p_role)
    $$;

-- The caller's role in one team, or null.
create function private.my_team_role(p_team_id uuid) returns text
    language sql stable security definer
    set search_path = ''
    as $$
        select tm.role from public.team_members tm
        where tm.team_id = p_team_id
          and tm.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    $$;

create function private.is_team_member(p_team_id uuid, p_user_id uuid) returns boolean
    language sql stable security definer
    set search_path = ''
    as $$ select exists (select 1 from public.team_members tm where tm.team_id = p_team_id and tm.user_id = p_user_id) $$;

create function private.team_has_members(p_team_id uuid) returns boolean
    language sql stable security definer
    set search_path = ''
    as $$ select exists (select 1 from public.team_members tm where tm.team_id = p_team_id) $$;

-- Membership invariants that policies cannot express (they see only the new
-- row): nobody raises their own role, only owners touch owners, and a team
-- always keeps an owner.
create function private.team_members_guard() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    me uuid := nullif(current_setting('app.user_id', true), '')::uuid;
    my_role text;
    admin boolean := coalesce(nullif(current_setting('app.role', true), '') = 'admin', false);
begin
    if admin then
        null; -- global admins manage memberships freely; the owner rule below still holds
    elsif tg_op = 'UPDATE' then
        my_role := private.my_team_role(old.team_id);
        if new.user_id = me and private.team_role_rank(new.role) > private.team_role_rank(old.role) then
            raise exception 'nobody can raise their own team role' using errcode = '42501', constraint = 'team_members_no_self_promotion';
        end if;
        if (old.role = 'owner' or new.role = 'owner') and my_role is distinct from 'owner' then
            raise exception 'only owners change owners' using errcode = '42501', constraint = 'team_members_owner_only';
        end if;
    elsif tg_op = 'DELETE' then
        my_role := private.my_team_role(old.team_id);
        if old.role = 'owner' and old.user_id <> me and my_role is distinct from 'owner' then
            raise exception 'only owners remove owners' using errcode = '42501', constraint = 'team_members_owner_only';
        end if;
    elsif tg_op = 'INSERT' then
        my_role := private.my_team_role(new.team_id);
        if new.role = 'owner' and my_role is distinct from 'owner'
           and not (new.user_id = me and not private.team_has_members(new.team_id)) then
            raise exception 'only owners make owners' using errcode = '42501', constraint = 'team_members_owner_only';
        end if;
    end if;
    if tg_op = 'DELETE' then
        return old;
    end if;
    return new;
end;
$$;

create trigger team_members_guard before insert or update or delete on team_members
    for each row execute function private.team_members_guard();

create function private.team_keeps_an_owner() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    -- When the team itself is being deleted, its members go with it.
    if exists (select 1 from public.teams t where t.team_id = old.team_id)
       and not exists (select 1 from public.team_members tm where tm.team_id = old.team_id and tm.role = 'owner') then
        raise exception 'a team must keep at least one owner' using errcode = '23514', constraint = 'team_members_last_owner';
    end if;
    return null;
end;
$$;

create constraint trigger team_members_keep_owner after update or delete on team_members
    deferrable initially immediate
    for each row execute function private.team_keeps_an_owner();

alter table teams enable row level security;
alter table teams force row level security;

create policy teams_select on teams for select using (
    team_id = any (array(select private.my_team_ids()))
    or created_by = (select app.current_user_id())
    or (select app.is_admin()));
create policy teams_insert on teams for insert with check (
    created_by = (select app.current_user_id()) or (select app.is_admin()));
create policy teams_update on teams for update
    using (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()))
    with check (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));
create policy teams_delete on teams for delete
    using (team_id = any (array(select private.my_team_ids_at_least('owner'))) or (select app.is_admin()));

alter table team_members enable row level security;
alter table team_members force row level security;

create policy team_members_select on team_members for select using (
    team_id = any (array(select private.my_team_ids())) or (select app.is_admin()));
-- Admins and owners add members; a team's creator adds themselves as its first owner.
create policy team_members_insert on team_members for insert with check (
    team_id = any (array(select private.my_team_ids_at_least('admin')))
    or (select app.is_admin())
    or (user_id = (select app.current_user_id()) and role = 'owner'
        and exists (select 1 from teams t where t.team_id = team_members.team_id
                    and t.created_by = (select app.current_user_id()))));
create policy team_members_update on team_members for update
    using (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()))
    with check (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));
-- Admins and owners remove members; anyone may leave.
create policy team_members_delete on team_members for delete using (
    team_id = any (array(select private.my_team_ids_at_least('admin')))
    or user_id = (select app.current_user_id())
    or (select app.is_admin()));

-- Tasks ------------------------------------------------------------------

create table tasks (
    task_id uuid not null,
    team_id uuid,
    created_by uuid,
    assignee_id uuid,
    title text not null,
    description text,
    status text not null default 'todo',
    priority text not null default 'medium',
    due_at timestamptz,
    completed_at timestamptz,
    labels text[] not null default '{}',
    version bigint not null default 1,
    search tsvector generated always as (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', coalesce(description, '')), 'B')
    ) stored,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint tasks_pkey primary key (task_id),
    constraint tasks_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint tasks_created_by_fkey foreign key (created_by) references users (user_id) on delete set null,
    constraint tasks_assignee_id_fkey foreign key (assignee_id) references users (user_id) on delete set null,
    constraint tasks_title_length check (char_length(title) between 1 and 200),
    constraint tasks_description_length check (description is null or char_length(description) <= 20000),
    constraint tasks_status_check check (status in ('todo', 'in_progress', 'done', 'cancelled')),
    constraint tasks_priority_check check (priority in ('low', 'medium', 'high', 'urgent')),
    constraint tasks_completed_at_matches_status check ((status = 'done') = (completed_at is not null)),
    constraint tasks_labels_count check (cardinality(labels) <= 20)
);

create index tasks_team_id_created_idx on tasks (team_id, created_at desc, task_id desc);
create index tasks_created_by_idx on tasks (created_by, created_at desc, task_id desc);
create index tasks_assignee_id_idx on tasks (assignee_id, created_at desc, task_id desc);
create index tasks_due_at_idx on tasks (due_at);
create index tasks_search_idx on tasks using gin (search);
create index tasks_labels_idx on tasks using gin (labels);

create trigger tasks_updated_at before update on tasks for each row execute function trigger_updated_at();

-- completed_at follows status, and every update bumps the version behind ETags.
create function tasks_bookkeeping() returns trigger
    language plpgsql
    as $$
begin
    if new.status = 'done' then
        if tg_op = 'INSERT' or old.status is distinct from 'done' or new.completed_at is null then
            new.completed_at = coalesce(case when tg_op = 'UPDATE' and old.status = 'done' then old.completed_at end, now());
        end if;
    else
        new.completed_at = null;
    end if;
    if tg_op = 'UPDATE' then
        new.version = old.version + 1;
    end if;
    return new;
end;
$$;

create trigger tasks_bookkeeping before insert or update on tasks
    for each row execute function tasks_bookkeeping();

-- A team task's assignee must belong to the team, however the row was written.
create function private.tasks_assignee_in_team() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    if new.team_id is not null and new.assignee_id is not null
       and not private.is_team_member(new.team_id, new.assignee_id) then
        raise exception 'the assignee is not a member of the team'
            using errcode = '23514', constraint = 'tasks_assignee_in_team';
    end if;
    return new;
end;
$$;

create trigger tasks_assignee_in_team before insert or update of team_id, assignee_id on tasks
    for each row execute function private.tasks_assignee_in_team();

alter table tasks enable row level security;
alter table tasks force row level security;

-- Personal tasks: creator and assignee. Team tasks: every member.
create policy tasks_select on tasks for select using (
    (team_id is null and (created_by = (select app.current_user_id()) or assignee_id = (select app.current_user_id())))
    or team_id = any (array(select private.my_team_ids()))
    or (select app.is_admin()));
create policy tasks_insert on tasks for insert with check (
    (created_by = (select app.current_user_id())
     and (team_id is null or team_id = any (array(select private.my_team_ids_at_least('member')))))
    or (select app.is_admin()));
create policy tasks_update on tasks for update
    using (
        (team_id is null and (created_by = (select app.current_user_id()) or assignee_id = (select app.current_user_id())))
        or team_id = any (array(select private.my_team_ids_at_least('member')))
        or (select app.is_admin()))
    with check (
        (team_id is null and (created_by = (select app.current_user_id()) or assignee_id = (select app.current_user_id())))
        or team_id = any (array(select private.my_team_ids_at_least('member')))
        or (select app.is_admin()));
create policy tasks_delete on tasks for delete using (
    (team_id is null and created_by = (select app.current_user_id()))
    or team_id = any (array(select private.my_team_ids_at_least('admin')))
    or (team_id = any (array(select private.my_team_ids_at_least('member'))) and created_by = (select app.current_user_id()))
    or (select app.is_admin()));

-- Comments ---------------------------------------------------------------

create table comments (
    comment_id uuid not null,
    task_id uuid not null,
    author_id uuid,
    body text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    edited_at timestamptz,
    constraint comments_pkey primary key (comment_id),
    constraint comments_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint comments_author_id_fkey foreign key (author_id) references users (user_id) on delete set null,
    constraint comments_body_length check (char_length(body) between 1 and 10000)
);

create index comments_task_id_created_idx on comments (task_id, created_at, comment_id);
create index comments_author_id_idx on comments (author_id);
create trigger comments_updated_at before update on comments for each row execute function trigger_updated_at();

alter table comments enable row level security;
alter table comments force row level security;

-- The subquery on tasks is itself filtered by the tasks policy: a comment is
-- visible exactly when its task is.
create policy comments_select on comments for select using (
    exists (select 1 from tasks t where t.task_id = comments.task_id));
create policy comments_insert on comments for insert with check (
    (author_id = (select app.current_user_id())
     and exists (select 1 from tasks t where t.task_id = comments.task_id))
    or (select app.is_admin()));
create policy comments_update on comments for update
    using (author_id = (select app.current_user_id()))
    with check (author_id = (select app.current_user_id()));
create policy comments_delete on comments for delete using (
    author_id = (select app.current_user_id())
    or exists (select 1 from tasks t where t.task_id = comments.task_id
               and t.team_id = any (array(select private.my_team_ids_at_least('admin'))))
    or (select app.is_admin()));

-- Time entries -----------------------------------------------------------

create table time_entries (
    entry_id uuid not null,
    task_id uuid not null,
    user_id uuid not null,
    started_at timestamptz not null,
    ended_at timestamptz,
    note text,
    billable boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint time_entries_pkey primary key (entry_id),
    constraint time_entries_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint time_entries_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint time_entries_ends_after_start check (ended_at is null or ended_at > started_at),
    constraint time_entries_at_most_24h check (ended_at is null or ended_at - started_at <= interval '24 hours'),
    constraint time_entries_note_length check (note is null or char_length(note) <= 2000)
);

-- At most one running timer per user, whatever races the API sees.
create unique index time_entries_one_running_timer on time_entries (user_id) where ended_at is null;
create index time_entries_task_id_idx on time_entries (task_id, started_at);
create index time_entries_user_started_idx on time_entries (user_id, started_at);
create trigger time_entries_updated_at before update on time_entries for each row execute function trigger_updated_at();

alter table time_entries enable row level security;
alter table time_entries force row level security;

-- Your own entries always; team owners and admins see every entry on the team's tasks.
create policy time_entries_select on time_entries for select using (
    user_id = (select app.current_user_id())
    or exists (select 1 from tasks t where t.task_id = time_entries.task_id
               and t.team_id = any (array(select private.my_team_ids_at_least('admin'))))
    or (select app.is_admin()));
-- Tracking time needs a visible task you may work on: personal, or member+ in its team.
create policy time_entries_insert on time_entries for insert with check (
    (user_id = (select app.current_user_id())
     and exists (select 1 from tasks t where t.task_id = time_entries.task_id
                 and (t.team_id is null or t.team_id = any (array(select private.my_team_ids_at_least('member'))))))
    or (select app.is_admin()));
create policy time_entries_update on time_entries for update
    using (user_id = (select app.current_user_id()))
    with check (user_id = (select app.current_user_id()));
create policy time_entries_delete on time_entries for delete using (
    user_id = (select app.current_user_id())
    or exists (select 1 from tasks t where t.task_id = time_entries.task_id
               and t.team_id = any (array(select private.my_team_ids_at_least('admin'))))
    or (select app.is_admin()));

-- Teammates see each other's names (members lists, assignees, comment authors).
create policy users_select_teammates on users for select using (
    exists (select 1 from team_members tm
            where tm.user_id = users.user_id and tm.team_id = any (array(select private.my_team_ids()))));

-- Invitations by email: the id of one account, nothing else about it.
create function private.user_id_by_email(p_email text) returns uuid
    language sql stable security definer
    set search_path = ''
    as $$ select u.user_id from public.users u where u.email = p_email $$;

-- Ownership and privileges of the helpers --------------------------------

grant select on teams, team_members, tasks to taskflow_definer;

alter function private.my_team_ids() owner to taskflow_definer;
alter function private.my_team_ids_at_least(text) owner to taskflow_definer;
alter function private.my_team_role(uuid) owner to taskflow_definer;
alter function private.is_team_member(uuid, uuid) owner to taskflow_definer;
alter function private.team_has_members(uuid) owner to taskflow_definer;
alter function private.team_members_guard() owner to taskflow_definer;
alter function private.team_keeps_an_owner() owner to taskflow_definer;
alter function private.tasks_assignee_in_team() owner to taskflow_definer;
alter function private.user_id_by_email(text) owner to taskflow_definer;

revoke all on function private.my_team_ids() from public;
revoke all on function private.my_team_ids_at_least(text) from public;
revoke all on function private.my_team_role(uuid) from public;
revoke all on function private.is_team_member(uuid, uuid) from public;
revoke all on function private.team_has_members(uuid) from public;
revoke all on function private.team_members_guard() from public;
revoke all on function private.team_keeps_an_owner() from public;
revoke all on function private.tasks_assignee_in_team() from public;
revoke all on function private.user_id_by_email(text) from public;

grant execute on function private.team_role_rank(text) to taskflow_app, taskflow_definer;
grant execute on function private.my_team_ids() to taskflow_app;
grant execute on function private.my_team_ids_at_least(text) to taskflow_app;
grant execute on function private.my_team_role(uuid) to taskflow_app;
grant execute on function private.is_team_member(uuid, uuid) to taskflow_app;
grant execute on function private.team_has_members(uuid) to taskflow_app;
grant execute on function private.user_id_by_email(text) to taskflow_app;
