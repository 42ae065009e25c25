-- Budgets (issue 16): a limit on the time and/or the billable amount of a
-- team or of one of its tasks, over its lifetime or per calendar month (the
-- month an entry starts in, in its tracker's zone, as locks and rates read
-- days). A hard budget refuses new time past 100%: the trigger below, whatever
-- the API checked. Who sees budgets: the team's owners and admins (their usage
-- is money, and time that members do not see of each other).

create table budgets (
    budget_id uuid not null,
    team_id uuid not null,
    -- Null: the whole team's time.
    task_id uuid,
    period text not null,
    -- Either or both: tracked seconds, and billable amount in the team's
    -- currency's minor units.
    seconds bigint,
    amount bigint,
    hard boolean not null default false,
    created_by uuid,
    created_at timestamptz not null default now(),
    constraint budgets_pkey primary key (budget_id),
    constraint budgets_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint budgets_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint budgets_created_by_fkey foreign key (created_by) references users (user_id) on delete set null,
    constraint budgets_period_check check (period in ('lifetime', 'monthly')),
    constraint budgets_some_limit check (seconds is not null or amount is not null),
    constraint budgets_seconds_range check (seconds between 1 and 100000000000),
    constraint budgets_amount_range check (amount between 1 and 100000000000000)
);

-- One budget per scope and period: two would be a contradiction.
create unique index budgets_one_per_scope on budgets (
    team_id, coalesce(task_id, '00000000-0000-0000-0000-000000000000'), period);
-- team_id leads the unique index (the policies' column); the foreign keys:
create index budgets_task_id_idx on budgets (task_id);
create index budgets_created_by_idx on budgets (created_by);

alter table budgets enable row level security;
alter table budgets force row level security;

create policy budgets_select on budgets for select using (
    team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));
create policy budgets_insert on budgets for insert with check (
    (created_by = (select app.current_user_id()) and team_id = any (array(select private.my_team_ids_at_least('admin'))))
    or (select app.is_admin()));
create policy budgets_update on budgets for update
    using (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()))
    with check (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));
create policy budgets_delete on budgets for delete using (
    team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));

-- What a budget has used in the period holding `p_day` (any day, for a
-- lifetime budget): finished time, and the billable amount at each entry's
-- rate snapshot, rounded per entry as the report rounds it. The one place
-- usage is computed: the hard-budget trigger and the API both read it.
create function private.budget_usage(p_budget uuid, p_day date)
    returns table (seconds bigint, amount bigint)
    language sql stable security definer
    set search_path = ''
    as $$
        with m as (select date_trunc('month', p_day::timestamp)::date as first)
        select coalesce(sum(extract(epoch from te.ended_at - te.started_at)::bigint), 0)::bigint,
               coalesce(sum(case when te.billable
                                 then (extract(epoch from te.ended_at - te.started_at)::bigint * er.hourly_rate + 1800) / 3600
                            end), 0)::bigint
        from m, public.budgets b
        join public.tasks t on t.team_id = b.team_id and (b.task_id is null or t.task_id = b.task_id)
        join public.time_entries te on te.task_id = t.task_id
        join public.users u on u.user_id = te.user_id
        left join public.time_entry_rates er on er.entry_id = te.entry_id and er.team_id = b.team_id
        where b.budget_id = p_budget and te.ended_at is not null
          and (b.period = 'lifetime'
               or (-- A month's entries start within a day of it in UTC (zones are within 14 hours of it):
                   te.started_at >= (m.first - 1)::timestamp at time zone 'UTC'
                   and te.started_at < ((m.first + interval '1 month')::date + 1)::timestamp at time zone 'UTC'
                   and date_trunc('month', te.started_at at time zone u.time_zone)::date = m.first))
    $$;

-- The API's read: the same numbers, for the team's owners and admins only.
create function private.budget_usage_seen(p_budget uuid, p_day date)
    returns table (seconds bigint, amount bigint)
    language plpgsql stable security definer
    set search_path = ''
    as $$
    declare
        v_team uuid;
    begin
        select b.team_id into v_team from public.budgets b where b.budget_id = p_budget;
        if v_team is null then
            return;
        end if;
        if not (private.team_role_rank(private.my_team_role(v_team)) >= private.team_role_rank('admin')
                or coalesce(nullif(current_setting('app.role', true), '') = 'admin', false)) then
            raise exception 'only the team''s owners and admins see its budgets'
                using errcode = '42501', constraint = 'budgets_usage';
        end if;
        return query select * from private.budget_usage(p_budget, p_day);
    end;
    $$;

-- Refuses time that takes a hard budget past 100%: a new entry, a timer
-- started once the budget is used up, an edit that lengthens an entry or
-- moves it under the budget. Stopping a timer is not refused (the time was
-- worked) and neither is shortening. AFTER the row is written (and after the
-- rate snapshot, `time_entries_rate`, which sorts before this trigger's name),
-- so the usage includes it.
create function private.time_entries_within_budget() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_day date;
        v_budget record;
        v_used record;
    begin
        if tg_op = 'UPDATE' then
            if old.ended_at is null and new.ended_at is not null
               and new.started_at = old.started_at and new.task_id = old.task_id then
                return null;
            end if;
            -- The same entry, no longer (or only its note or state changed):
            -- it takes nothing more, even from a budget already past 100%.
            if new.task_id = old.task_id and new.started_at = old.started_at and new.billable = old.billable
               and old.ended_at is not null and new.ended_at <= old.ended_at then
                return null;
            end if;
        end if;
        select (new.started_at at time zone u.time_zone)::date into v_day from public.users u where u.user_id = new.user_id;
        for v_budget in
            select b.budget_id, b.task_id, b.period, b.seconds, b.amount
            from public.budgets b join public.tasks t on t.team_id = b.team_id
            where t.task_id = new.task_id and b.hard and (b.task_id is null or b.task_id = new.task_id)
        loop
            select * into v_used from private.budget_usage(v_budget.budget_id, v_day);
            -- A running timer adds nothing yet: it starts only while the budget has room.
            if (v_budget.seconds is not null and (v_used.seconds > v_budget.seconds
                    or (new.ended_at is null and v_used.seconds >= v_budget.seconds)))
               or (v_budget.amount is not null and (v_used.amount > v_budget.amount
                    or (new.ended_at is null and v_used.amount >= v_budget.amount))) then
                raise exception 'this time would take the % % budget % past 100%%',
                        case when v_budget.task_id is null then 'team''s' else 'task''s' end,
                        v_budget.period, v_budget.budget_id
                    using errcode = '23514', constraint = 'time_entries_budget',
                          detail = v_budget.budget_id::text;
            end if;
        end loop;
        return null;
    end;
    $$;

create trigger time_entries_within_budget after insert or update on time_entries
    for each row execute function private.time_entries_within_budget();

grant select on budgets, time_entry_rates, users to taskflow_definer;
alter function private.budget_usage(uuid, date) owner to taskflow_definer;
alter function private.budget_usage_seen(uuid, date) owner to taskflow_definer;
alter function private.time_entries_within_budget() owner to taskflow_definer;
revoke all on function private.budget_usage(uuid, date) from public;
revoke all on function private.budget_usage_seen(uuid, date) from public;
revoke all on function private.time_entries_within_budget() from public;
grant execute on function private.budget_usage_seen(uuid, date) to taskflow_app;
