-- Audit log: append-only. The app role may insert and read (its own events,
-- or all as an admin) but never update or delete; retention runs through a
-- definer function (`taskflow prune-audit`).

create table audit_events (
    event_id uuid not null,
    occurred_at timestamptz not null default now(),
    -- Who acted; null when anonymous (a failed login) or erased.
    actor_id uuid,
    -- Whose account or data the event concerns.
    subject_id uuid,
    action text not null,
    team_id uuid,
    target_id uuid,
    ip text,
    request_id text,
    details jsonb not null default '{}',
    constraint audit_events_pkey primary key (event_id),
    constraint audit_events_action_format check (action ~ '^[a-z][a-z_.]*$' and char_length(action) <= 64)
);

create index audit_events_actor_idx on audit_events (actor_id, occurred_at desc);
create index audit_events_subject_idx on audit_events (subject_id, occurred_at desc);
create index audit_events_occurred_idx on audit_events (occurred_at desc, event_id desc);

-- The default privileges gave DML; an audit log takes appends only.
revoke update, delete, truncate on audit_events from taskflow_app;

alter table audit_events enable row level security;
alter table audit_events force row level security;

create policy audit_events_select on audit_events for select using (
    actor_id = (select app.current_user_id())
    or subject_id = (select app.current_user_id())
    or (select app.is_admin()));
-- Anyone may append, but only as themselves (or anonymously).
create policy audit_events_insert on audit_events for insert with check (
    actor_id is null or actor_id = (select app.current_user_id()) or (select app.is_admin()));

create function private.prune_audit_events(p_older_than interval) returns bigint
    language sql volatile security definer
    set search_path = ''
    as $$
        with gone as (delete from public.audit_events where occurred_at < now() - p_older_than returning 1)
        select count(*) from gone
    $$;

grant select, delete on audit_events to taskflow_definer;
alter function private.prune_audit_events(interval) owner to taskflow_definer;
revoke all on function private.prune_audit_events(interval) from public;
grant execute on function private.prune_audit_events(interval) to taskflow_app;
