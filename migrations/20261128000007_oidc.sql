-- OAuth2/OIDC sign-in: external identities keyed by (issuer, subject), never
-- by email.

create table external_identities (
    issuer text not null,
    subject text not null,
    user_id uuid not null,
    email text,
    created_at timestamptz not null default now(),
    constraint external_identities_pkey primary key (issuer, subject),
    constraint external_identities_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade
);

create index external_identities_user_id_idx on external_identities (user_id);

alter table external_identities enable row level security;
alter table external_identities force row level security;
create policy external_identities_owner on external_identities for all
    using (user_id = (select app.current_user_id()))
    with check (user_id = (select app.current_user_id()));

-- Whose identity this is, before anyone is signed in.
create function private.external_identity_user(p_issuer text, p_subject text) returns uuid
    language sql stable security definer
    set search_path = ''
    as $$ select e.user_id from public.external_identities e where e.issuer = p_issuer and e.subject = p_subject $$;

grant select on external_identities to taskflow_definer;
alter function private.external_identity_user(text, text) owner to taskflow_definer;
revoke all on function private.external_identity_user(text, text) from public;
grant execute on function private.external_identity_user(text, text) to taskflow_app;
