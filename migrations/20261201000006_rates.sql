-- Money (issue 16): hourly rates, effective-dated, per team, member and task;
-- each time entry keeps the rate it was saved with.

-- The currency a team bills in (ISO 4217). Set by the team's first rate and
-- the same for every later one, so a team's amounts always add up.
alter table teams add column currency text;
alter table teams add constraint teams_currency_code check (currency ~ '^[A-Z]{3}$');

create table rates (
    rate_id uuid not null,
    team_id uuid not null,
    -- Neither: the team's default. user_id: that member's. task_id: that
    -- task's. Both: that member on that task. The most specific wins.
    user_id uuid,
    task_id uuid,
    -- Per hour, in the currency's minor units (cents): never a float.
    hourly_rate bigint not null,
    currency text not null,
    -- The first day (in the tracker's time zone) it applies to.
    effective_from date not null,
    created_by uuid,
    created_at timestamptz not null default now(),
    constraint rates_pkey primary key (rate_id),
    constraint rates_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint rates_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint rates_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint rates_created_by_fkey foreign key (created_by) references users (user_id) on delete set null,
    constraint rates_hourly_rate_range check (hourly_rate between 0 and 100000000000),
    constraint rates_currency_code check (currency ~ '^[A-Z]{3}$')
);

-- One rate per scope and day: a second is a mistake, not a history.
create unique index rates_one_per_scope_and_day on rates (
    team_id, coalesce(user_id, '00000000-0000-0000-0000-000000000000'),
    coalesce(task_id, '00000000-0000-0000-0000-000000000000'), effective_from);
-- team_id: the policies and the lookup; the others: the foreign keys.
create index rates_team_idx on rates (team_id, effective_from desc);
create index rates_user_id_idx on rates (user_id);
create index rates_task_id_idx on rates (task_id);
create index rates_created_by_idx on rates (created_by);

-- A team bills in one currency: its first rate sets it, and a rate in any
-- other is refused here, whatever the API checked (race-free: the team row
-- is locked by the update).
create function private.rates_team_currency() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_currency text;
    begin
        update public.teams set currency = coalesce(currency, new.currency)
        where team_id = new.team_id
        returning currency into v_currency;
        if v_currency is distinct from new.currency then
            raise exception 'the team bills in %', v_currency
                using errcode = '23514', constraint = 'rates_team_currency';
        end if;
        return new;
    end;
    $$;

create trigger rates_team_currency before insert on rates
    for each row execute function private.rates_team_currency();

alter table rates enable row level security;
alter table rates force row level security;

-- Rates are the team's owners' and admins' business alone.
create policy rates_select on rates for select using (
    team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));
create policy rates_insert on rates for insert with check (
    (created_by = (select app.current_user_id()) and team_id = any (array(select private.my_team_ids_at_least('admin'))))
    or (select app.is_admin()));
create policy rates_delete on rates for delete using (
    team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));

-- The rate an entry was saved with: a snapshot, so a later rate change does
-- not rewrite past amounts (repricing is explicit). Its own table, because
-- who may see money is narrower than who may see time: team owners and
-- admins see every amount, members their own, viewers none.
create table time_entry_rates (
    entry_id uuid not null,
    -- The team whose rate it is, and the tracker: what the policies read.
    team_id uuid not null,
    user_id uuid not null,
    rate_id uuid,
    hourly_rate bigint not null,
    currency text not null,
    constraint time_entry_rates_pkey primary key (entry_id),
    constraint time_entry_rates_entry_id_fkey foreign key (entry_id) references time_entries (entry_id) on delete cascade,
    constraint time_entry_rates_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint time_entry_rates_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint time_entry_rates_rate_id_fkey foreign key (rate_id) references rates (rate_id) on delete set null,
    constraint time_entry_rates_hourly_rate_range check (hourly_rate between 0 and 100000000000),
    constraint time_entry_rates_currency_code check (currency ~ '^[A-Z]{3}$')
);

create index time_entry_rates_team_idx on time_entry_rates (team_id);
create index time_entry_rates_user_idx on time_entry_rates (user_id);
create index time_entry_rates_rate_id_idx on time_entry_rates (rate_id);

alter table time_entry_rates enable row level security;
alter table time_entry_rates force row level security;

create policy time_entry_rates_select on time_entry_rates for select using (
    team_id = any (array(select private.my_team_ids_at_least('admin')))
    or (user_id = (select app.current_user_id()) and team_id = any (array(select private.my_team_ids_at_least('member'))))
    or (select app.is_admin()));
-- Repricing is a team admin's explicit act; the snapshot at insert is the
-- trigger's (as the definer role).
create policy time_entry_rates_insert on time_entry_rates for insert with check (
    team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));
create policy time_entry_rates_update on time_entry_rates for update
    using (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()))
    with check (team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));
create policy time_entry_rates_delete on time_entry_rates for delete using (
    team_id = any (array(select private.my_team_ids_at_least('admin'))) or (select app.is_admin()));

-- The rate for work by `p_user` on `p_task` (of `p_team`) on `p_day`: the
-- most specific scope that has one in force (member on task, task, member,
-- team), the latest `effective_from` on or before the day within it.
create function private.rate_for(p_team uuid, p_user uuid, p_task uuid, p_day date)
    returns table (rate_id uuid, hourly_rate bigint, currency text)
    language sql stable security definer
    set search_path = ''
    as $$
        select r.rate_id, r.hourly_rate, r.currency
        from public.rates r
        where r.team_id = p_team
          and r.effective_from <= p_day
          and (r.user_id is null or r.user_id = p_user)
          and (r.task_id is null or r.task_id = p_task)
        order by (r.task_id is not null) desc, (r.user_id is not null) desc, r.effective_from desc
        limit 1
    $$;

-- Snapshots the rate of a new entry on a team task, on the day it starts in
-- its tracker's zone.
create function private.time_entry_rate() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    begin
        insert into public.time_entry_rates (entry_id, team_id, user_id, rate_id, hourly_rate, currency)
        select new.entry_id, t.team_id, new.user_id, r.rate_id, r.hourly_rate, r.currency
        from public.tasks t
        join public.users u on u.user_id = new.user_id
        cross join lateral private.rate_for(t.team_id, new.user_id, new.task_id,
                                            (new.started_at at time zone u.time_zone)::date) r
        where t.task_id = new.task_id and t.team_id is not null;
        return null;
    end;
    $$;

create trigger time_entries_rate after insert on time_entries
    for each row execute function private.time_entry_rate();

-- Repricing: every entry on the team's tasks from `p_since` (the day in its
-- tracker's zone) takes the rate in force now; entries no rate covers lose
-- their snapshot. Only the team's owners and admins (or a global admin) may;
-- the service audits it. Answers how many entries it changed.
create function private.reprice_entries(p_team uuid, p_since date) returns bigint
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_changed bigint;
        v_removed bigint;
    begin
        -- (The definer cannot call app.is_admin(): it reads the same setting.)
        if not (private.team_role_rank(private.my_team_role(p_team)) >= private.team_role_rank('admin')
                or coalesce(nullif(current_setting('app.role', true), '') = 'admin', false)) then
            raise exception 'only the team''s owners and admins reprice its entries'
                using errcode = '42501', constraint = 'time_entry_rates_reprice';
        end if;
        with due as (
            select te.entry_id, te.user_id, r.rate_id, r.hourly_rate, r.currency
            from public.time_entries te
            join public.tasks t on t.task_id = te.task_id
            join public.users u on u.user_id = te.user_id
            left join lateral private.rate_for(p_team, te.user_id, te.task_id,
                                               (te.started_at at time zone u.time_zone)::date) r on true
            where t.team_id = p_team
              and (te.started_at at time zone u.time_zone)::date >= p_since),
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

grant select on rates, time_entries to taskflow_definer;
grant update (currency) on teams to taskflow_definer;
alter function private.rates_team_currency() owner to taskflow_definer;
revoke all on function private.rates_team_currency() from public;
grant select, insert, update, delete on time_entry_rates to taskflow_definer;
alter function private.rate_for(uuid, uuid, uuid, date) owner to taskflow_definer;
alter function private.time_entry_rate() owner to taskflow_definer;
alter function private.reprice_entries(uuid, date) owner to taskflow_definer;
revoke all on function private.rate_for(uuid, uuid, uuid, date) from public;
revoke all on function private.time_entry_rate() from public;
revoke all on function private.reprice_entries(uuid, date) from public;
-- Not rate_for: it reads any team's rates, so only the definer's own
-- functions call it.
grant execute on function private.reprice_entries(uuid, date) to taskflow_app;
