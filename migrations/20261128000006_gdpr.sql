-- GDPR: consents per purpose, and pseudonymising the audit trail on erasure.

create table consents (
    user_id uuid not null,
    purpose text not null,
    granted boolean not null,
    policy_version text not null,
    updated_at timestamptz not null default now(),
    constraint consents_pkey primary key (user_id, purpose),
    constraint consents_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint consents_purpose_check check (purpose in ('product_updates', 'usage_analytics', 'marketing_emails')),
    constraint consents_policy_version_length check (char_length(policy_version) between 1 and 32)
);

alter table consents enable row level security;
alter table consents force row level security;
create policy consents_owner on consents for all
    using (user_id = (select app.current_user_id()))
    with check (user_id = (select app.current_user_id()));

-- On erasure the audit trail keeps its events but not the person: their id is
-- replaced by a pseudonym the application derives with a server-side secret.
-- Only the caller's own id can be replaced.
create function private.pseudonymise_audit(p_pseudonym uuid) returns bigint
    language sql volatile security definer
    set search_path = ''
    as $$
        with me as (select nullif(current_setting('app.user_id', true), '')::uuid as id),
        changed as (
            update public.audit_events e
            set actor_id = case when e.actor_id = (select id from me) then p_pseudonym else e.actor_id end,
                subject_id = case when e.subject_id = (select id from me) then p_pseudonym else e.subject_id end,
                ip = null
            where (select id from me) is not null
              and (e.actor_id = (select id from me) or e.subject_id = (select id from me))
            returning 1)
        select count(*) from changed
    $$;

grant update on audit_events to taskflow_definer;
alter function private.pseudonymise_audit(uuid) owner to taskflow_definer;
revoke all on function private.pseudonymise_audit(uuid) from public;
grant execute on function private.pseudonymise_audit(uuid) to taskflow_app;
