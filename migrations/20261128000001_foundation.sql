-- Foundation: identity helpers, users, sessions (refresh-token families).
--
-- Runs as taskflow_owner. Cluster-wide roles (taskflow_owner, taskflow_app,
-- taskflow_definer) are created beforehand by scripts/db-bootstrap.sh, never here.

create schema app;
create schema private;

revoke all on schema private from public;
grant usage on schema app to taskflow_app;
grant usage on schema private to taskflow_app;
-- The definer role must be able to own functions here (ALTER FUNCTION .. OWNER).
grant usage, create on schema private to taskflow_definer;
grant usage on schema public to taskflow_definer;
grant select on _sqlx_migrations to taskflow_app;

-- The identity of the caller, set by db::begin_as as the first statement of
-- every transaction. After a transaction that set it ends, the setting reads ''
-- rather than NULL, hence nullif.
create function app.current_user_id() returns uuid
    language sql stable parallel safe
    as $$ select nullif(current_setting('app.user_id', true), '')::uuid $$;

create function app.is_admin() returns boolean
    language sql stable parallel safe
    as $$ select coalesce(nullif(current_setting('app.role', true), '') = 'admin', false) $$;

grant execute on function app.current_user_id(), app.is_admin() to taskflow_app;

create function trigger_updated_at() returns trigger
    language plpgsql
    as $$
begin
    new.updated_at = now();
    return new;
end;
$$;

-- Every future table the owner creates here is reachable by the app role for
-- DML only; RLS decides which rows.
alter default privileges for role taskflow_owner in schema public
    grant select, insert, update, delete on tables to taskflow_app;

create table users (
    user_id uuid not null,
    email text not null,
    display_name text not null,
    password_hash text,
    role text not null default 'member',
    disabled_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint users_pkey primary key (user_id),
    constraint users_email_key unique (email),
    constraint users_email_normalized check (email = lower(btrim(email)) and length(email) between 3 and 254),
    constraint users_display_name_length check (char_length(display_name) between 1 and 100),
    constraint users_role_check check (role in ('member', 'admin'))
);

create trigger users_updated_at before update on users
    for each row execute function trigger_updated_at();

-- Only an admin context may grant or change a global role, whatever the
-- application code asks for.
create function private.users_guard_role() returns trigger
    language plpgsql
    as $$
begin
    if (tg_op = 'INSERT' and new.role <> 'member' and not app.is_admin())
       or (tg_op = 'UPDATE' and new.role is distinct from old.role and not app.is_admin()) then
        raise exception 'only an admin may set a global role'
            using errcode = '42501', constraint = 'users_role_guard';
    end if;
    return new;
end;
$$;

create trigger users_role_guard before insert or update on users
    for each row execute function private.users_guard_role();

alter table users enable row level security;
alter table users force row level security;

create policy users_select on users for select
    using (user_id = (select app.current_user_id()) or (select app.is_admin()));
create policy users_insert on users for insert
    with check (user_id = (select app.current_user_id()) or (select app.is_admin()));
create policy users_update on users for update
    using (user_id = (select app.current_user_id()) or (select app.is_admin()))
    with check (user_id = (select app.current_user_id()) or (select app.is_admin()));
create policy users_delete on users for delete
    using (user_id = (select app.current_user_id()) or (select app.is_admin()));

-- A session is one refresh-token family: every rotation stays in it, and
-- revoking it kills every refresh and access token it ever issued.
create table sessions (
    session_id uuid not null,
    user_id uuid not null,
    created_at timestamptz not null default now(),
    last_used_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz,
    revoked_reason text,
    constraint sessions_pkey primary key (session_id),
    constraint sessions_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint sessions_revoked_reason_check check (
        revoked_reason is null
        or revoked_reason in ('logout', 'refresh_token_reuse', 'password_change', 'user_disabled', 'admin'))
);

create index sessions_user_id_idx on sessions (user_id);

alter table sessions enable row level security;
alter table sessions force row level security;

create policy sessions_owner on sessions for all
    using (user_id = (select app.current_user_id()) or (select app.is_admin()))
    with check (user_id = (select app.current_user_id()) or (select app.is_admin()));

-- Refresh tokens are stored as SHA-256 digests: a database leak yields nothing
-- that can be presented.
create table refresh_tokens (
    token_hash bytea not null,
    session_id uuid not null,
    user_id uuid not null,
    issued_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz,
    constraint refresh_tokens_pkey primary key (token_hash),
    constraint refresh_tokens_hash_length check (octet_length(token_hash) = 32),
    constraint refresh_tokens_session_id_fkey foreign key (session_id) references sessions (session_id) on delete cascade,
    constraint refresh_tokens_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade
);

create index refresh_tokens_session_id_idx on refresh_tokens (session_id);
create index refresh_tokens_user_id_idx on refresh_tokens (user_id);

alter table refresh_tokens enable row level security;
alter table refresh_tokens force row level security;

create policy refresh_tokens_owner on refresh_tokens for all
    using (user_id = (select app.current_user_id()))
    with check (user_id = (select app.current_user_id()));

-- Narrow, audited-by-review doors through RLS for the moments before an identity
-- exists. They run as taskflow_definer (NOLOGIN, BYPASSRLS) with an empty
-- search_path, and only the app role may call them.

-- Login: the credentials of exactly one account, by normalised email.
create function private.login_credentials(p_email text)
    returns table (user_id uuid, password_hash text, role text, disabled boolean)
    language sql stable security definer
    set search_path = ''
    as $$
        select u.user_id, u.password_hash, u.role, u.disabled_at is not null
        from public.users u
        where u.email = p_email
    $$;

-- Refresh: whose token is this (used or not, so that reuse can be detected).
create function private.refresh_token_owner(p_token_hash bytea)
    returns uuid
    language sql stable security definer
    set search_path = ''
    as $$ select rt.user_id from public.refresh_tokens rt where rt.token_hash = p_token_hash $$;

-- Every authenticated transaction asks this in its first statement, so a
-- revoked session or a disabled user is refused even when Redis is down.
create function private.session_is_active(p_session_id uuid, p_user_id uuid)
    returns boolean
    language sql stable security definer
    set search_path = ''
    as $$
        select exists (
            select 1
            from public.sessions s
            join public.users u on u.user_id = s.user_id
            where s.session_id = p_session_id
              and s.user_id = p_user_id
              and s.revoked_at is null
              and s.expires_at > now()
              and u.disabled_at is null)
    $$;

grant select on users, sessions, refresh_tokens to taskflow_definer;

alter function private.login_credentials(text) owner to taskflow_definer;
alter function private.refresh_token_owner(bytea) owner to taskflow_definer;
alter function private.session_is_active(uuid, uuid) owner to taskflow_definer;

revoke all on function private.login_credentials(text) from public;
revoke all on function private.refresh_token_owner(bytea) from public;
revoke all on function private.session_is_active(uuid, uuid) from public;
revoke all on function private.users_guard_role() from public;
grant execute on function private.login_credentials(text) to taskflow_app;
grant execute on function private.refresh_token_owner(bytea) to taskflow_app;
grant execute on function private.session_is_active(uuid, uuid) to taskflow_app;
