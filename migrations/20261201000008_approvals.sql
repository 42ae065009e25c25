-- Timesheet approvals (issue 16): every entry has a state. The person who
-- tracked it submits it (with the rest of their week); a team owner or admin
-- approves or rejects it. Submitted and approved entries do not change; an
-- admin reopens an approved one first. The trigger below is the rule: the API
-- only chooses the status code.
--
--   draft --submit--> submitted --approve--> approved --reopen--> draft
--     ^                 |   \--reject--> rejected --submit--> submitted
--     \----withdraw-----/                   \--edited--> draft

alter table time_entries
    add column state text not null default 'draft',
    add column reviewed_by uuid,
    add column reviewed_at timestamptz,
    add column rejection_reason text,
    add constraint time_entries_state_check check (state in ('draft', 'submitted', 'approved', 'rejected')),
    -- A running timer is not submitted: there is nothing to review yet.
    add constraint time_entries_review_finished check (state = 'draft' or ended_at is not null),
    add constraint time_entries_rejection_reason check (state <> 'rejected' or rejection_reason is not null),
    add constraint time_entries_rejection_length check (char_length(rejection_reason) <= 1000),
    add constraint time_entries_reviewed_by_fkey foreign key (reviewed_by) references users (user_id) on delete set null;

create index time_entries_reviewed_by_idx on time_entries (reviewed_by);
-- The approvals queue: what waits for review.
create index time_entries_submitted_idx on time_entries (task_id, started_at) where state = 'submitted';

-- Owners and admins change the state of entries on their team's tasks (the
-- trigger lets them change nothing else); the tracker keeps the policy they had.
create policy time_entries_review on time_entries for update
    using (exists (select 1 from tasks t where t.task_id = time_entries.task_id
                   and t.team_id = any (array(select private.my_team_ids_at_least('admin')))))
    with check (exists (select 1 from tasks t where t.task_id = time_entries.task_id
                        and t.team_id = any (array(select private.my_team_ids_at_least('admin')))));

create function private.time_entries_review() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_me uuid := nullif(current_setting('app.user_id', true), '')::uuid;
        v_team uuid;
        v_reviewer boolean;
        v_content boolean;
    begin
        -- Writes of referential actions go through: cascades from a task, a
        -- team or an erased account, and `reviewed_by` set null when the
        -- reviewer's account is erased.
        if pg_trigger_depth() > 1 then
            return coalesce(new, old);
        end if;
        if tg_op = 'DELETE' then
            if old.state in ('submitted', 'approved') then
                raise exception 'this entry is %; a team admin reopens or rejects it before it is deleted', old.state
                    using errcode = '23514', constraint = 'time_entries_reviewed';
            end if;
            return old;
        end if;
        if tg_op = 'INSERT' then
            if new.state <> 'draft' then
                raise exception 'an entry starts as a draft'
                    using errcode = '23514', constraint = 'time_entries_state_transition';
            end if;
            new.reviewed_by := null;
            new.reviewed_at := null;
            new.rejection_reason := null;
            return new;
        end if;

        v_content := (new.task_id, new.user_id, new.started_at, new.ended_at, new.note, new.billable)
            is distinct from (old.task_id, old.user_id, old.started_at, old.ended_at, old.note, old.billable);
        if v_content and v_me is distinct from old.user_id then
            raise exception 'only the person who tracked an entry changes it'
                using errcode = '42501', constraint = 'time_entries_tracker';
        end if;

        if new.state = old.state then
            if v_content and old.state in ('submitted', 'approved') then
                raise exception 'this entry is %; it changes once a team admin reopens or rejects it', old.state
                    using errcode = '23514', constraint = 'time_entries_reviewed';
            end if;
            -- A rejected entry, corrected, is a draft again.
            if v_content and old.state = 'rejected' then
                new.state := 'draft';
            end if;
            -- The review columns are the trigger's to write.
            new.reviewed_by := old.reviewed_by;
            new.reviewed_at := old.reviewed_at;
            new.rejection_reason := old.rejection_reason;
            return new;
        end if;

        if v_content then
            raise exception 'an entry changes its state or its content, not both at once'
                using errcode = '23514', constraint = 'time_entries_state_transition';
        end if;
        select t.team_id into v_team from public.tasks t where t.task_id = old.task_id;
        if v_team is null then
            raise exception 'time on a personal task has no reviewer'
                using errcode = '23514', constraint = 'time_entries_review_team';
        end if;
        v_reviewer := private.team_role_rank(private.my_team_role(v_team)) >= private.team_role_rank('admin')
            or coalesce(nullif(current_setting('app.role', true), '') = 'admin', false);

        if (old.state, new.state) in (('draft', 'submitted'), ('rejected', 'submitted'), ('submitted', 'draft')) then
            if v_me is distinct from old.user_id then
                raise exception 'only the person who tracked an entry submits or withdraws it'
                    using errcode = '42501', constraint = 'time_entries_tracker';
            end if;
            -- A fresh submission waits for a fresh review.
            new.reviewed_by := null;
            new.reviewed_at := null;
            new.rejection_reason := null;
            return new;
        elsif (old.state, new.state) in (('submitted', 'approved'), ('submitted', 'rejected'), ('approved', 'draft')) then
            if not v_reviewer then
                raise exception 'only the team''s owners and admins approve, reject or reopen time'
                    using errcode = '42501', constraint = 'time_entries_reviewer';
            end if;
            if new.state <> 'rejected' then
                new.rejection_reason := null;
            end if;
            new.reviewed_by := v_me;
            new.reviewed_at := now();
            return new;
        end if;
        raise exception 'an entry does not go from % to %', old.state, new.state
            using errcode = '23514', constraint = 'time_entries_state_transition';
    end;
    $$;

create trigger time_entries_review before insert or update or delete on time_entries
    for each row execute function private.time_entries_review();

-- The lock trigger lets the same referential writes through (it let only
-- cascading deletes through before there was a column to set null).
create or replace function private.time_entries_lock() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_until date;
    begin
        if pg_trigger_depth() > 1 then
            return coalesce(new, old);
        end if;
        -- Stopping a timer that was already running when the lock was set.
        if tg_op = 'UPDATE' and old.ended_at is null and new.ended_at is not null
           and new.started_at = old.started_at and new.task_id = old.task_id then
            return new;
        end if;
        if tg_op in ('UPDATE', 'DELETE') then
            v_until := private.locked_until(old.task_id);
            if v_until is not null and private.entry_day(old.user_id, old.started_at) <= v_until then
                raise exception 'time is locked up to and including %', v_until
                    using errcode = '23514', constraint = 'time_entries_locked';
            end if;
        end if;
        if tg_op in ('INSERT', 'UPDATE') then
            v_until := private.locked_until(new.task_id);
            if v_until is not null and private.entry_day(new.user_id, new.started_at) <= v_until then
                raise exception 'time is locked up to and including %', v_until
                    using errcode = '23514', constraint = 'time_entries_locked';
            end if;
            return new;
        end if;
        return old;
    end;
    $$;

grant select on tasks to taskflow_definer;
alter function private.time_entries_review() owner to taskflow_definer;
revoke all on function private.time_entries_review() from public;
