-- Locked periods (issue 16): once a team's owners or admins lock time up to
-- a day, entries on its tasks on or before that day (in the tracker's time
-- zone) are neither created, edited nor deleted, by anyone, whatever the API
-- checked: the trigger below refuses them.

create table time_locks (
    lock_id uuid not null,
    team_id uuid not null,
    -- The last locked day, included.
    until date not null,
    created_by uuid,
    created_at timestamptz not null default now(),
    constraint time_locks_pkey primary key (lock_id),
    constraint time_locks_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint time_locks_created_by_fkey foreign key (created_by) references users (user_id) on delete set null
);

-- team_id: the policies and the trigger's lookup (the latest lock first).
create index time_locks_team_idx on time_locks (team_id, until desc);
create index time_locks_created_by_idx on time_locks (created_by);

alter table time_locks enable row level security;
alter table time_locks force row level security;

-- Everyone in the team sees its locks (they decide what may still change);
-- owners and admins set and lift them.
create policy time_locks_select on time_locks for select using (
    team_id = any (array(select private.my_team_ids())) or (select app.is_admin()));
create policy time_locks_insert on time_locks for insert with check (
    (created_by = (select app.current_user_id()) and team_id = any (array(select private.my_team_ids_at_least('admin'))))
    or (select app.is_admin()));
create policy time_locks_delete on time_locks for delete using (
    team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));

-- The last locked day of the team whose task `p_task` is, or null.
create function private.locked_until(p_task uuid) returns date
    language sql stable security definer
    set search_path = ''
    as $$
        select max(l.until) from public.time_locks l
        join public.tasks t on t.team_id = l.team_id
        where t.task_id = p_task
    $$;

-- The day an entry starts on, in its tracker's zone.
create function private.entry_day(p_user uuid, p_started_at timestamptz) returns date
    language sql stable security definer
    set search_path = ''
    as $$ select (p_started_at at time zone u.time_zone)::date from public.users u where u.user_id = p_user $$;

create function private.time_entries_lock() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_until date;
    begin
        -- Deletes cascading from a task, a team or an erased account go
        -- through: the lock guards entries, not the things they hang on.
        if tg_op = 'DELETE' and pg_trigger_depth() > 1 then
            return old;
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

create trigger time_entries_lock before insert or update or delete on time_entries
    for each row execute function private.time_entries_lock();

-- Repricing leaves locked days alone: their amounts are settled.
create or replace function private.reprice_entries(p_team uuid, p_since date) returns bigint
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_changed bigint;
        v_removed bigint;
        v_from date;
    begin
        -- (The definer cannot call app.is_admin(): it reads the same setting.)
        if not (private.team_role_rank(private.my_team_role(p_team)) >= private.team_role_rank('admin')
                or coalesce(nullif(current_setting('app.role', true), '') = 'admin', false)) then
            raise exception 'only the team''s owners and admins reprice its entries'
                using errcode = '42501', constraint = 'time_entry_rates_reprice';
        end if;
        select greatest(p_since, max(l.until) + 1) into v_from from public.time_locks l where l.team_id = p_team;
        v_from := coalesce(v_from, p_since);
        with due as (
            select te.entry_id, te.user_id, r.rate_id, r.hourly_rate, r.currency
            from public.time_entries te
            join public.tasks t on t.task_id = te.task_id
            join public.users u on u.user_id = te.user_id
            left join lateral private.rate_for(p_team, te.user_id, te.task_id,
                                               (te.started_at at time zone u.time_zone)::date) r on true
            where t.team_id = p_team
              and (te.started_at at time zone u.time_zone)::date >= v_from),
        removed as (
            delete from public.time_entry_rates er
            using due
            where er.entry_id = due.entry_id and due.rate_id is null
            returning 1),
        upserted as (
            insert into public.time_entry_rates (entry_id, team_id, user_id, rate_id, hourly_rate, currency)
            select entry_id, p_team, user_id, rate_id, hourly_rate, currency from due where rate_id is not null
            on conflict (entry_id) do update
                set team_id = excluded.team_id, rate_id = excluded.rate_id,
                    hourly_rate = excluded.hourly_rate, currency = excluded.currency
                where (time_entry_rates.rate_id, time_entry_rates.hourly_rate, time_entry_rates.currency)
                      is distinct from (excluded.rate_id, excluded.hourly_rate, excluded.currency)
            returning 1)
        select (select count(*) from upserted), (select count(*) from removed) into v_changed, v_removed;
        return v_changed + v_removed;
    end;
    $$;

grant select on time_locks to taskflow_definer;
alter function private.locked_until(uuid) owner to taskflow_definer;
alter function private.entry_day(uuid, timestamptz) owner to taskflow_definer;
alter function private.time_entries_lock() owner to taskflow_definer;
revoke all on function private.locked_until(uuid) from public;
revoke all on function private.entry_day(uuid, timestamptz) from public;
revoke all on function private.time_entries_lock() from public;
