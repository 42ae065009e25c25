-- Personal and team service API tokens (issue 19). A token is an opaque
-- secret (`tfp_` + 32 random bytes in base62, shown once; only its SHA-256
-- digest is kept) that acts as one account, under RLS, within its scopes.
-- A personal token acts as its creator; a team service token acts as a
-- service account made for it: a user of kind 'service' whose only
-- membership is that team, as member or viewer, so the team's policies
-- bound it like any other member.

-- A service account has no password and no external identity, so nobody
-- signs in as it; the kind is what lists and the web app show.
alter table users add column kind text not null default 'person';
alter table users add constraint users_kind_check check (kind in ('person', 'service'));

create table api_tokens (
    token_id uuid not null,
    -- Whom the token acts as.
    user_id uuid not null,
    -- Set for a team service token: the team it was made for.
    team_id uuid,
    created_by uuid,
    name text not null,
    scopes text[] not null,
    token_digest bytea not null,
    -- `tfp_` and the secret's first six characters, to tell tokens apart.
    token_prefix text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    -- Updated at most once a minute (by the definer lookup below).
    last_used_at timestamptz,
    revoked_at timestamptz,
    constraint api_tokens_pkey primary key (token_id),
    constraint api_tokens_token_digest_key unique (token_digest),
    constraint api_tokens_digest_check check (length(token_digest) = 32),
    constraint api_tokens_name_check check (char_length(name) between 1 and 100),
    constraint api_tokens_prefix_check check (token_prefix ~ '^tfp_[0-9A-Za-z]{6}$'),
    constraint api_tokens_scopes_check check (
        cardinality(scopes) between 1 and 9
        and scopes <@ array['tasks:read', 'tasks:write', 'comments:write', 'time:read', 'time:write',
                            'teams:read', 'teams:admin', 'webhooks:admin', 'account:read']::text[]),
    constraint api_tokens_expiry_check check (expires_at > created_at and expires_at <= created_at + interval '366 days'),
    constraint api_tokens_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint api_tokens_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint api_tokens_created_by_fkey foreign key (created_by) references users (user_id) on delete set null
);

-- The policies read user_id and team_id.
create index api_tokens_user_id_idx on api_tokens (user_id);
create index api_tokens_team_id_idx on api_tokens (team_id) where team_id is not null;

-- A person makes and revokes their own tokens; team tokens are made and
-- revoked by the definer functions below (they also make and retire the
-- service account). Only revoked_at is ever changed by the app.
revoke update, delete, truncate on api_tokens from taskflow_app;
grant update (revoked_at) on api_tokens to taskflow_app;

alter table api_tokens enable row level security;
alter table api_tokens force row level security;

create policy api_tokens_select on api_tokens for select using (
    user_id = (select app.current_user_id())
    or team_id = any (array(select private.my_team_ids_at_least('admin'))));
create policy api_tokens_insert on api_tokens for insert with check (
    team_id is null and user_id = (select app.current_user_id()) and created_by = (select app.current_user_id()));
create policy api_tokens_update on api_tokens for update
    using (team_id is null and user_id = (select app.current_user_id()))
    with check (team_id is null and user_id = (select app.current_user_id()));

-- Who a presented token is, if it is live (not revoked, not expired, its
-- account not disabled), marking its use at most once a minute. `touched`
-- says whether this call marked it (the caller then audits the use).
create function private.api_token_grant(p_digest bytea)
    returns table (token_id uuid, user_id uuid, team_id uuid, scopes text[], touched boolean)
    language plpgsql volatile security definer
    set search_path = ''
    as $$
declare
    v_token uuid;
    v_user uuid;
    v_team uuid;
    v_scopes text[];
    v_touched boolean := false;
begin
    select t.token_id, t.user_id, t.team_id, t.scopes into v_token, v_user, v_team, v_scopes
    from public.api_tokens t join public.users u on u.user_id = t.user_id
    where t.token_digest = p_digest and t.revoked_at is null and t.expires_at > now() and u.disabled_at is null;
    if v_token is null then
        return;
    end if;
    update public.api_tokens t set last_used_at = now()
    where t.token_id = v_token and (t.last_used_at is null or t.last_used_at < now() - interval '1 minute');
    v_touched := found;
    return query select v_token, v_user, v_team, v_scopes, v_touched;
end;
$$;

-- What begin_as asks in its first statement, as it does of a session: a
-- token revoked (or its account disabled) since the request began is
-- refused by the database, not only by the extractor.
create function private.api_token_is_active(p_token_id uuid, p_user_id uuid) returns boolean
    language sql stable security definer
    set search_path = ''
    as $$
        select exists (
            select 1 from public.api_tokens t join public.users u on u.user_id = t.user_id
            where t.token_id = p_token_id and t.user_id = p_user_id
              and t.revoked_at is null and t.expires_at > now() and u.disabled_at is null)
    $$;

-- A team owner makes a service account (a member or viewer of the team
-- only) and its token in one step.
create function private.create_team_token(
    p_token_id uuid, p_team_id uuid, p_user_id uuid, p_name text, p_role text,
    p_scopes text[], p_digest bytea, p_prefix text, p_expires_at timestamptz)
    returns void
    language plpgsql volatile security definer
    set search_path = ''
    as $$
begin
    if not exists (select 1 from private.my_team_ids_at_least('owner') t where t = p_team_id) then
        raise exception 'only a team owner makes its service tokens' using errcode = '42501';
    end if;
    if p_role not in ('member', 'viewer') then
        raise exception 'a service account is a member or a viewer' using errcode = '22023';
    end if;
    insert into public.users (user_id, email, display_name, password_hash, kind)
    values (p_user_id, 'service-' || p_user_id::text || '@service.taskflow.invalid', p_name, null, 'service');
    insert into public.team_members (team_id, user_id, role) values (p_team_id, p_user_id, p_role);
    insert into public.api_tokens (token_id, user_id, team_id, created_by, name, scopes, token_digest, token_prefix, expires_at)
    values (p_token_id, p_user_id, p_team_id, nullif(current_setting('app.user_id', true), '')::uuid,
            p_name, p_scopes, p_digest, p_prefix, p_expires_at);
end;
$$;

-- A team owner revokes a team token: the token, the service account's
-- membership and the account itself (disabled, so nothing it held works;
-- kept, so what it made still names its author). False when there is no
-- such live token of that team.
create function private.revoke_team_token(p_team_id uuid, p_token_id uuid) returns boolean
    language plpgsql volatile security definer
    set search_path = ''
    as $$
declare
    v_user uuid;
begin
    if not exists (select 1 from private.my_team_ids_at_least('owner') t where t = p_team_id) then
        raise exception 'only a team owner revokes its service tokens' using errcode = '42501';
    end if;
    update public.api_tokens set revoked_at = now()
    where token_id = p_token_id and team_id = p_team_id and revoked_at is null
    returning user_id into v_user;
    if v_user is null then
        return false;
    end if;
    delete from public.team_members where team_id = p_team_id and user_id = v_user;
    update public.users set disabled_at = now() where user_id = v_user and kind = 'service';
    return true;
end;
$$;

-- Inserting a user runs users_guard_role, which asks app.is_admin().
grant usage on schema app to taskflow_definer;
grant execute on function app.current_user_id(), app.is_admin() to taskflow_definer;
grant select, insert, update on api_tokens to taskflow_definer;
grant select, insert, update on users to taskflow_definer;
grant select, insert, delete on team_members to taskflow_definer;

alter function private.api_token_grant(bytea) owner to taskflow_definer;
alter function private.api_token_is_active(uuid, uuid) owner to taskflow_definer;
alter function private.create_team_token(uuid, uuid, uuid, text, text, text[], bytea, text, timestamptz) owner to taskflow_definer;
alter function private.revoke_team_token(uuid, uuid) owner to taskflow_definer;
revoke all on function private.api_token_grant(bytea) from public;
revoke all on function private.api_token_is_active(uuid, uuid) from public;
revoke all on function private.create_team_token(uuid, uuid, uuid, text, text, text[], bytea, text, timestamptz) from public;
revoke all on function private.revoke_team_token(uuid, uuid) from public;
grant execute on function private.api_token_grant(bytea) to taskflow_app;
grant execute on function private.api_token_is_active(uuid, uuid) to taskflow_app;
grant execute on function private.create_team_token(uuid, uuid, uuid, text, text, text[], bytea, text, timestamptz) to taskflow_app;
grant execute on function private.revoke_team_token(uuid, uuid) to taskflow_app;
