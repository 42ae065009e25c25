-- TOTP multi-factor authentication. Secrets are stored encrypted
-- (AES-256-GCM, key from configuration, never in the database) with the id of
-- the key that sealed them, so keys can be rotated.

create table user_mfa (
    user_id uuid not null,
    key_id text not null,
    nonce bytea not null,
    secret_ciphertext bytea not null,
    enabled_at timestamptz,
    -- The last accepted TOTP time step: a code is accepted once, and never an older one.
    last_used_step bigint,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint user_mfa_pkey primary key (user_id),
    constraint user_mfa_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint user_mfa_nonce_length check (octet_length(nonce) = 12)
);

create trigger user_mfa_updated_at before update on user_mfa for each row execute function trigger_updated_at();

alter table user_mfa enable row level security;
alter table user_mfa force row level security;
create policy user_mfa_owner on user_mfa for all
    using (user_id = (select app.current_user_id()))
    with check (user_id = (select app.current_user_id()));

-- Single-use recovery codes, stored as SHA-256 digests (they carry 50+ random bits).
create table mfa_recovery_codes (
    user_id uuid not null,
    code_hash bytea not null,
    used_at timestamptz,
    created_at timestamptz not null default now(),
    constraint mfa_recovery_codes_pkey primary key (user_id, code_hash),
    constraint mfa_recovery_codes_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade
);

alter table mfa_recovery_codes enable row level security;
alter table mfa_recovery_codes force row level security;
create policy mfa_recovery_codes_owner on mfa_recovery_codes for all
    using (user_id = (select app.current_user_id()))
    with check (user_id = (select app.current_user_id()));

-- Login must know whether a second factor is due before any session exists.
drop function private.login_credentials(text);
create function private.login_credentials(p_email text)
    returns table (user_id uuid, password_hash text, role text, disabled boolean, mfa_enabled boolean)
    language sql stable security definer
    set search_path = ''
    as $$
        select u.user_id, u.password_hash, u.role, u.disabled_at is not null,
               exists (select 1 from public.user_mfa m where m.user_id = u.user_id and m.enabled_at is not null)
        from public.users u
        where u.email = p_email
    $$;

grant select on user_mfa to taskflow_definer;
alter function private.login_credentials(text) owner to taskflow_definer;
revoke all on function private.login_credentials(text) from public;
grant execute on function private.login_credentials(text) to taskflow_app;
