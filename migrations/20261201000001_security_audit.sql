-- Security audit (issue 14): rules about data that only the database can
-- hold for every writer, not only for the handlers that remember them.

-- Custody: a task leaves a team only by the hand of someone who may manage
-- that team (admin+), and enters one only with member+ there. A policy sees
-- only the new row, so the comparison of old and new team is a trigger.
create function private.tasks_team_custody() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    admin boolean := coalesce(nullif(current_setting('app.role', true), '') = 'admin', false);
begin
    if admin or old.team_id is not distinct from new.team_id then
        return new;
    end if;
    if old.team_id is not null
       and private.team_role_rank(coalesce(private.my_team_role(old.team_id), '')) < private.team_role_rank('admin') then
        raise exception 'only an owner or admin of the team may move a task out of it'
            using errcode = '42501', constraint = 'tasks_team_custody';
    end if;
    if new.team_id is not null
       and private.team_role_rank(coalesce(private.my_team_role(new.team_id), '')) < private.team_role_rank('member') then
        raise exception 'moving a task into a team needs member rights there'
            using errcode = '42501', constraint = 'tasks_team_custody';
    end if;
    return new;
end;
$$;

create trigger tasks_team_custody before update of team_id on tasks
    for each row execute function private.tasks_team_custody();

-- Two accounts that share at least one team.
create function private.share_a_team(p_a uuid, p_b uuid) returns boolean
    language sql stable security definer
    set search_path = ''
    as $$
        select exists (
            select 1 from public.team_members a
            join public.team_members b on b.team_id = a.team_id
            where a.user_id = p_a and b.user_id = p_b)
    $$;

-- Assignees: a team task's must be a member of the team; a personal task's
-- must be its creator or someone who shares a team with the creator (no
-- spam into strangers' lists, no probe for valid user ids). Unknown ids fail
-- here too, before the foreign key, so both answer alike.
create or replace function private.tasks_assignee_in_team() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    if new.assignee_id is null then
        return new;
    end if;
    if new.team_id is not null then
        if not private.is_team_member(new.team_id, new.assignee_id) then
            raise exception 'the assignee is not a member of the team'
                using errcode = '23514', constraint = 'tasks_assignee_in_team';
        end if;
        return new;
    end if;
    -- Rows written before this rule keep their assignee until it changes.
    if tg_op = 'UPDATE' and old.assignee_id is not distinct from new.assignee_id
       and old.team_id is not distinct from new.team_id then
        return new;
    end if;
    if new.assignee_id is distinct from new.created_by
       and (new.created_by is null or not private.share_a_team(new.created_by, new.assignee_id)) then
        raise exception 'a personal task may be assigned to its creator or someone who shares a team with them'
            using errcode = '23514', constraint = 'tasks_personal_assignee';
    end if;
    return new;
end;
$$;

-- Retention may shorten the audit log, never erase it: at least 90 days stay.
create or replace function private.prune_audit_events(p_older_than interval) returns bigint
    language plpgsql volatile security definer
    set search_path = ''
    as $$
declare
    n bigint;
begin
    if p_older_than is null or p_older_than < interval '90 days' then
        raise exception 'audit events are kept at least 90 days (asked: %)', p_older_than
            using errcode = '22023', constraint = 'audit_retention_minimum';
    end if;
    with gone as (delete from public.audit_events where occurred_at < now() - p_older_than returning 1)
    select count(*) into n from gone;
    return n;
end;
$$;

alter function private.tasks_team_custody() owner to taskflow_definer;
alter function private.share_a_team(uuid, uuid) owner to taskflow_definer;
revoke all on function private.tasks_team_custody() from public;
revoke all on function private.share_a_team(uuid, uuid) from public;
grant execute on function private.share_a_team(uuid, uuid) to taskflow_app;

-- The MFA token a login's second step last succeeded with. The second step
-- claims its token here (an UPDATE, so concurrent attempts queue on the row)
-- before checking the factor: two racing requests cannot both open a session.
alter table user_mfa add column last_login_jti uuid;

-- Erasure also drops the (masked) email that failed sign-ins recorded about
-- the person: nothing in their events should point back at them.
create or replace function private.pseudonymise_audit(p_pseudonym uuid) returns bigint
    language sql volatile security definer
    set search_path = ''
    as $$
        with me as (select nullif(current_setting('app.user_id', true), '')::uuid as id),
        changed as (
            update public.audit_events e
            set actor_id = case when e.actor_id = (select id from me) then p_pseudonym else e.actor_id end,
                subject_id = case when e.subject_id = (select id from me) then p_pseudonym else e.subject_id end,
                ip = null,
                details = e.details - 'email'
            where (select id from me) is not null
              and (e.actor_id = (select id from me) or e.subject_id = (select id from me))
            returning 1)
        select count(*) from changed
    $$;
