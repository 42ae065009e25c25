-- Operations: idempotent creates and the aggregate behind taskflow_running_timers.

-- A client's retry of a create with the same Idempotency-Key replays the
-- stored response instead of creating twice. Written in the same transaction
-- as the row it created, so a key exists exactly when its row does.
create table idempotency_keys (
    user_id uuid not null,
    key text not null,
    request_hash bytea not null,
    status smallint,
    response jsonb,
    location text,
    created_at timestamptz not null default now(),
    constraint idempotency_keys_pkey primary key (user_id, key),
    constraint idempotency_keys_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint idempotency_keys_key_length check (char_length(key) between 1 and 255)
);

create index idempotency_keys_created_at_idx on idempotency_keys (created_at);

alter table idempotency_keys enable row level security;
alter table idempotency_keys force row level security;

create policy idempotency_keys_owner on idempotency_keys for all
    using (user_id = (select app.current_user_id()))
    with check (user_id = (select app.current_user_id()));

-- A count across all users, for the metrics scrape; no row leaves the function.
create function private.running_timer_count() returns bigint
    language sql stable security definer
    set search_path = ''
    as $$ select count(*) from public.time_entries where ended_at is null $$;

-- Retention: expired idempotency keys of every user (`taskflow prune`).
create function private.prune_idempotency_keys() returns bigint
    language sql volatile security definer
    set search_path = ''
    as $$
        with gone as (delete from public.idempotency_keys where created_at < now() - interval '24 hours' returning 1)
        select count(*) from gone
    $$;

grant select on time_entries to taskflow_definer;
grant select, delete on idempotency_keys to taskflow_definer;
alter function private.prune_idempotency_keys() owner to taskflow_definer;
revoke all on function private.prune_idempotency_keys() from public;
grant execute on function private.prune_idempotency_keys() to taskflow_app;
alter function private.running_timer_count() owner to taskflow_definer;
revoke all on function private.running_timer_count() from public;
grant execute on function private.running_timer_count() to taskflow_app;
