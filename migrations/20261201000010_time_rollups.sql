-- Hourly rollups of tracked time (issue 16): per person, UTC hour an entry
-- starts in, team (null for personal tasks) and billable flag, the finished
-- entries' seconds and amounts. A report grouped by person and/or day, week
-- or month, in a zone whose offset is whole hours, reads these rows instead of
-- every entry: O(people × hours with time), however many entries there are.
--
-- Correct by construction rather than by arithmetic: statement-level triggers
-- recompute every (person, hour) cell a statement touched from the entries
-- themselves, after the row-level triggers (rate snapshots) have run. Nothing
-- adds or subtracts deltas, so no trigger order or cascade can drift it.

create table time_rollups (
    user_id uuid not null,
    -- The UTC hour the entries start in (date_bin: the same in every session zone).
    hour timestamptz not null,
    team_id uuid,
    billable boolean not null,
    entries integer not null,
    seconds bigint not null,
    -- Sum of the entries' amounts, each rounded as the report rounds it, at
    -- the rate saved for the task's current team.
    amount bigint not null,
    constraint time_rollups_key unique nulls not distinct (user_id, hour, team_id, billable),
    constraint time_rollups_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint time_rollups_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint time_rollups_hour_check check (hour = date_bin('1 hour', hour, timestamptz '2000-01-01 00:00:00+00'))
);

-- user_id leads the key (the own-rows policy, the recompute); team_id: the
-- team report's range scan and the admins' policy.
create index time_rollups_team_hour_idx on time_rollups (team_id, hour);

alter table time_rollups enable row level security;
alter table time_rollups force row level security;

-- As time_entries_select: your own time, and every row of the teams you own
-- or administer. Only the triggers (as the definer role) write.
create policy time_rollups_select on time_rollups for select using (
    user_id = (select app.current_user_id())
    or team_id = any (array(select private.my_team_ids_at_least('admin')))
    or (select app.is_admin()));

-- Only the triggers write (as the definer role): the app role reads.
revoke insert, update, delete, truncate on time_rollups from taskflow_app;

-- What the report reads: amounts only where time_entry_rates would show them
-- (the team's owners and admins all, members their own, viewers none).
create view time_rollups_seen with (security_invoker = true, security_barrier = true) as
    select r.user_id, r.hour, r.team_id, r.billable, r.entries, r.seconds,
           case when r.team_id = any (array(select private.my_team_ids_at_least('admin')))
                     or (r.user_id = (select app.current_user_id())
                         and r.team_id = any (array(select private.my_team_ids_at_least('member'))))
                     or (select app.is_admin())
                then r.amount else 0 end as amount
    from time_rollups r;

grant select on time_rollups_seen to taskflow_app;

-- Recomputes the given (person, hour) cells from the entries.
create function private.time_rollups_recompute(p_cells jsonb) returns void
    language plpgsql security definer
    set search_path = ''
    as $$
    begin
        delete from public.time_rollups r
        using (select distinct (c ->> 'user_id')::uuid as user_id, (c ->> 'hour')::timestamptz as hour
               from jsonb_array_elements(p_cells) c) cells
        where r.user_id = cells.user_id and r.hour = cells.hour;
        -- Per cell, through time_entries_user_started_idx: a lateral
        -- aggregate is never flattened into a join, so a one-entry write
        -- reads that person's hour, not (as a hash join would) the table.
        insert into public.time_rollups (user_id, hour, team_id, billable, entries, seconds, amount)
        select cells.user_id, cells.hour, s.team_id, s.billable, s.entries, s.seconds, s.amount
        from (select distinct (c ->> 'user_id')::uuid as user_id, (c ->> 'hour')::timestamptz as hour
              from jsonb_array_elements(p_cells) c) cells
        cross join lateral (
            select t.team_id, te.billable, count(*)::int as entries,
                   sum(extract(epoch from te.ended_at - te.started_at)::bigint)::bigint as seconds,
                   coalesce(sum(case when te.billable
                                     then (extract(epoch from te.ended_at - te.started_at)::bigint * er.hourly_rate + 1800) / 3600
                                end), 0)::bigint as amount
            from public.time_entries te
            join public.tasks t on t.task_id = te.task_id
            left join public.time_entry_rates er on er.entry_id = te.entry_id and er.team_id = t.team_id
            where te.user_id = cells.user_id
              and te.started_at >= cells.hour and te.started_at < cells.hour + interval '1 hour'
              and te.ended_at is not null
            group by t.team_id, te.billable) s;
    end;
    $$;

-- The cells of a statement's changed entries, before and after.
create function private.time_rollups_after_entries() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_cells jsonb;
    begin
        if tg_op = 'INSERT' then
            select jsonb_agg(jsonb_build_object('user_id', n.user_id,
                       'hour', date_bin('1 hour', n.started_at, timestamptz '2000-01-01 00:00:00+00')))
            into v_cells from new_rows n where n.ended_at is not null;
        elsif tg_op = 'DELETE' then
            select jsonb_agg(jsonb_build_object('user_id', o.user_id,
                       'hour', date_bin('1 hour', o.started_at, timestamptz '2000-01-01 00:00:00+00')))
            into v_cells from old_rows o where o.ended_at is not null;
        else
            select jsonb_agg(c) into v_cells from (
                select jsonb_build_object('user_id', o.user_id,
                           'hour', date_bin('1 hour', o.started_at, timestamptz '2000-01-01 00:00:00+00')) as c
                from old_rows o where o.ended_at is not null
                union all
                select jsonb_build_object('user_id', n.user_id,
                           'hour', date_bin('1 hour', n.started_at, timestamptz '2000-01-01 00:00:00+00'))
                from new_rows n where n.ended_at is not null) both_sides;
        end if;
        if v_cells is not null then
            perform private.time_rollups_recompute(v_cells);
        end if;
        return null;
    end;
    $$;

create trigger time_rollups_entries_insert after insert on time_entries
    referencing new table as new_rows
    for each statement execute function private.time_rollups_after_entries();
create trigger time_rollups_entries_update after update on time_entries
    referencing old table as old_rows new table as new_rows
    for each statement execute function private.time_rollups_after_entries();
create trigger time_rollups_entries_delete after delete on time_entries
    referencing old table as old_rows
    for each statement execute function private.time_rollups_after_entries();

-- Rate snapshots (written at insert, changed by repricing) change amounts.
create function private.time_rollups_after_rates() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_cells jsonb;
    begin
        -- A snapshot written by an entry's own trigger, or deleted with its
        -- entry: the entries' statement trigger recomputes that cell, once,
        -- at the end of the statement (per row here would be one recompute
        -- per entry of a large insert).
        if pg_trigger_depth() > 1 then
            return null;
        end if;
        if tg_op = 'DELETE' then
            select jsonb_agg(jsonb_build_object('user_id', te.user_id,
                       'hour', date_bin('1 hour', te.started_at, timestamptz '2000-01-01 00:00:00+00')))
            into v_cells from old_rows o join public.time_entries te on te.entry_id = o.entry_id
            where te.ended_at is not null;
        else
            select jsonb_agg(jsonb_build_object('user_id', te.user_id,
                       'hour', date_bin('1 hour', te.started_at, timestamptz '2000-01-01 00:00:00+00')))
            into v_cells from new_rows n join public.time_entries te on te.entry_id = n.entry_id
            where te.ended_at is not null;
        end if;
        if v_cells is not null then
            perform private.time_rollups_recompute(v_cells);
        end if;
        return null;
    end;
    $$;

create trigger time_rollups_rates_insert after insert on time_entry_rates
    referencing new table as new_rows
    for each statement execute function private.time_rollups_after_rates();
create trigger time_rollups_rates_update after update on time_entry_rates
    referencing new table as new_rows
    for each statement execute function private.time_rollups_after_rates();
create trigger time_rollups_rates_delete after delete on time_entry_rates
    referencing old table as old_rows
    for each statement execute function private.time_rollups_after_rates();

-- A task moved to another team (or out to personal) moves its time. Every
-- task update runs this: it looks no further unless a team changed.
create function private.time_rollups_after_tasks() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
    declare
        v_cells jsonb;
    begin
        if not exists (select 1 from new_rows n join old_rows o on o.task_id = n.task_id
                       where n.team_id is distinct from o.team_id) then
            return null;
        end if;
        select jsonb_agg(jsonb_build_object('user_id', te.user_id,
                   'hour', date_bin('1 hour', te.started_at, timestamptz '2000-01-01 00:00:00+00')))
        into v_cells
        from new_rows n join old_rows o on o.task_id = n.task_id
        -- Per task, through time_entries_task_id_idx (a lateral with an
        -- aggregate-free body would be flattened; offset 0 keeps it per row).
        cross join lateral (select e.user_id, e.started_at from public.time_entries e
                            where e.task_id = n.task_id and e.ended_at is not null offset 0) te
        where n.team_id is distinct from o.team_id;
        if v_cells is not null then
            perform private.time_rollups_recompute(v_cells);
        end if;
        return null;
    end;
    $$;

create trigger time_rollups_tasks_update after update on tasks
    referencing old table as old_rows new table as new_rows
    for each statement execute function private.time_rollups_after_tasks();

-- The rollups of the entries already there.
insert into time_rollups (user_id, hour, team_id, billable, entries, seconds, amount)
select te.user_id, date_bin('1 hour', te.started_at, timestamptz '2000-01-01 00:00:00+00'), t.team_id, te.billable,
       count(*), sum(extract(epoch from te.ended_at - te.started_at)::bigint),
       coalesce(sum(case when te.billable
                         then (extract(epoch from te.ended_at - te.started_at)::bigint * er.hourly_rate + 1800) / 3600
                    end), 0)
from time_entries te
join tasks t on t.task_id = te.task_id
left join time_entry_rates er on er.entry_id = te.entry_id and er.team_id = t.team_id
where te.ended_at is not null
group by 1, 2, 3, 4;

grant select, insert, delete on time_rollups to taskflow_definer;
grant select on time_entries, tasks, time_entry_rates to taskflow_definer;
alter function private.time_rollups_recompute(jsonb) owner to taskflow_definer;
alter function private.time_rollups_after_entries() owner to taskflow_definer;
alter function private.time_rollups_after_rates() owner to taskflow_definer;
alter function private.time_rollups_after_tasks() owner to taskflow_definer;
revoke all on function private.time_rollups_recompute(jsonb) from public;
revoke all on function private.time_rollups_after_entries() from public;
revoke all on function private.time_rollups_after_rates() from public;
revoke all on function private.time_rollups_after_tasks() from public;
