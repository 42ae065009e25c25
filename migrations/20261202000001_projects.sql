-- Projects (issue 17): a team's tasks grouped into projects. A team task
-- belongs to at most one project of its own team (the composite foreign key
-- holds "of its own team" for every writer); a personal task to none. An
-- archived project keeps its tasks readable and editable but takes no new
-- ones; a project is deleted only once no task is in it (the foreign key
-- refuses otherwise, and a team's deletion still takes both along).

create table projects (
    project_id uuid not null,
    team_id uuid not null,
    name text not null,
    description text,
    archived_at timestamptz,
    created_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint projects_pkey primary key (project_id),
    -- The target of tasks' (team_id, project_id) key; its leading team_id
    -- also serves the policies.
    constraint projects_team_project_key unique (team_id, project_id),
    constraint projects_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint projects_created_by_fkey foreign key (created_by) references users (user_id) on delete set null,
    constraint projects_name_length check (char_length(name) between 1 and 100),
    constraint projects_description_length check (description is null or char_length(description) <= 2000)
);

-- One name per team, whatever the case: "Website" and "website" would be
-- the same project to the people choosing between them.
create unique index projects_team_name_key on projects (team_id, lower(name));
-- The task list's default hides archived projects' tasks: it reads these.
create index projects_archived_idx on projects (team_id, project_id) where archived_at is not null;
create index projects_created_by_idx on projects (created_by);

create trigger projects_updated_at before update on projects for each row execute function trigger_updated_at();

alter table projects enable row level security;
alter table projects force row level security;

-- Everyone in the team sees its projects; owners and admins create, rename,
-- archive and delete them (in their own name).
create policy projects_select on projects for select using (
    team_id = any (array(select private.my_team_ids())) or (select app.is_admin()));
create policy projects_insert on projects for insert with check (
    (created_by = (select app.current_user_id()) and team_id = any (array(select private.my_team_ids_at_least('admin'))))
    or (select app.is_admin()));
create policy projects_update on projects for update
    using (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()))
    with check (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));
create policy projects_delete on projects for delete using (
    team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));

-- A project stays in its team: its tasks' key names the team too.
create function private.projects_team_fixed() returns trigger
    language plpgsql
    as $$
begin
    if new.team_id is distinct from old.team_id then
        raise exception 'a project stays in its team'
            using errcode = '23514', constraint = 'projects_team_fixed';
    end if;
    return new;
end;
$$;

create trigger projects_team_fixed before update of team_id on projects
    for each row execute function private.projects_team_fixed();

alter table tasks add column project_id uuid;
-- Whether the task's project is archived, kept by the two triggers below:
-- the task list's default leaves these tasks out with a test of the row
-- itself, not a lookup of the caller's archived projects per list arm
-- (that cost the list a third of its throughput; docs/performance.md).
alter table tasks add column project_archived boolean not null default false;
-- MATCH SIMPLE skips the check when team_id is null: the check constraint
-- keeps personal tasks out of projects.
alter table tasks add constraint tasks_project_fkey
    foreign key (team_id, project_id) references projects (team_id, project_id);
alter table tasks add constraint tasks_project_needs_team check (project_id is null or team_id is not null);
-- `?project_id=` pages a project's tasks newest first; the foreign key's
-- checks on project deletion read it too.
create index tasks_project_idx on tasks (project_id, created_at desc, task_id desc) where project_id is not null;

-- An archived project takes no new tasks (moving one out, or editing those
-- already in it, is fine), and project_archived follows the project
-- whatever a writer sets. Definer's rights: the check must see the project
-- whoever writes the task.
create function private.tasks_project_open() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    v_archived boolean;
begin
    -- Only the task's own team's project: another team's (the foreign key
    -- refuses it next) must not answer whether it is archived.
    select p.archived_at is not null into v_archived
    from public.projects p where p.project_id = new.project_id and p.team_id = new.team_id;
    if coalesce(v_archived, false) and (tg_op = 'INSERT' or old.project_id is distinct from new.project_id) then
        raise exception 'the project is archived; unarchive it before adding tasks to it'
            using errcode = '23514', constraint = 'tasks_project_archived';
    end if;
    new.project_archived := coalesce(v_archived, false);
    return new;
end;
$$;

create trigger tasks_project_open before insert or update of project_id, project_archived, team_id on tasks
    for each row execute function private.tasks_project_open();

-- Archiving or restoring a project marks its tasks (their version moves,
-- as for any change that changes what lists show them).
create function private.projects_archive_tasks() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    update public.tasks set project_archived = (new.archived_at is not null)
    where project_id = new.project_id and project_archived is distinct from (new.archived_at is not null);
    return null;
end;
$$;

create trigger projects_archive_tasks after update of archived_at on projects
    for each row when (old.archived_at is distinct from new.archived_at)
    execute function private.projects_archive_tasks();

grant select on projects to taskflow_definer;
grant update (project_archived) on tasks to taskflow_definer;
alter function private.tasks_project_open() owner to taskflow_definer;
alter function private.projects_archive_tasks() owner to taskflow_definer;
revoke all on function private.tasks_project_open() from public;
revoke all on function private.projects_archive_tasks() from public;
revoke all on function private.projects_team_fixed() from public;

-- Reports group by project too: report_key takes the entry's project.
drop function report_key(text, uuid, uuid, text, text[], timestamptz);

create function report_key(dimension text, entry_user uuid, entry_task uuid, entry_title text,
                           entry_labels text[], entry_start timestamptz, entry_project uuid)
returns table (key text, label text, bucket timestamptz)
language sql stable parallel safe
as $$
    select entry_user::text, (select u.display_name from users u where u.user_id = entry_user), null::timestamptz
    where dimension = 'user'
    union all
    select entry_task::text, entry_title, null::timestamptz
    where dimension = 'task'
    union all
    -- '' and "(no project)" for time on tasks outside any project.
    select coalesce(entry_project::text, ''),
           coalesce((select p.name from projects p where p.project_id = entry_project), '(no project)'),
           null::timestamptz
    where dimension = 'project'
    union all
    select coalesce(l.label, ''), coalesce(l.label, '(no label)'), null::timestamptz
    from unnest(case when cardinality(entry_labels) > 0 then entry_labels else array[null::text] end) as l(label)
    where dimension = 'label'
    union all
    select b.k, b.k, b.start
    from (select t.start,
                 case dimension
                     when 'day' then to_char(t.start, 'YYYY-MM-DD')
                     when 'week' then to_char(t.start, 'IYYY-"W"IW')
                     else to_char(t.start, 'YYYY-MM')
                 end as k
          from (select date_trunc(dimension, entry_start) as start) t) b
    where dimension in ('day', 'week', 'month')
    union all
    select null::text, null::text, null::timestamptz
    where dimension is null
$$;
