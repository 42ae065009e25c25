-- Team invitations (issue 14): people join a team by accepting, never by
-- being added. An invitation names an email, not an account, so inviting
-- tells the inviter nothing about who has an account; names and emails of
-- members become visible to the team only once the invitee accepts.

create table team_invitations (
    invitation_id uuid not null,
    team_id uuid not null,
    -- Normalised like users.email; matched against the invitee's account.
    email text not null,
    role text not null,
    invited_by uuid,
    status text not null default 'pending',
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    responded_at timestamptz,
    constraint team_invitations_pkey primary key (invitation_id),
    constraint team_invitations_team_id_fkey foreign key (team_id) references teams (team_id) on delete cascade,
    constraint team_invitations_invited_by_fkey foreign key (invited_by) references users (user_id) on delete set null,
    constraint team_invitations_email_normalized check (email = lower(btrim(email)) and length(email) between 3 and 254),
    -- Owners are made by owners from members, never by invitation.
    constraint team_invitations_role_check check (role in ('admin', 'member', 'viewer')),
    constraint team_invitations_status_check check (status in ('pending', 'accepted', 'declined', 'revoked')),
    constraint team_invitations_responded check ((status = 'pending') = (responded_at is null)),
    constraint team_invitations_expires_after_creation check (expires_at > created_at)
);

-- One open invitation per person and team; a new one replaces the old.
create unique index team_invitations_one_pending on team_invitations (team_id, email) where status = 'pending';
-- The columns the policies read: team_id (admins) and email (the invitee).
create index team_invitations_team_created_idx on team_invitations (team_id, created_at desc, invitation_id desc);
create index team_invitations_email_idx on team_invitations (email, created_at desc);
create index team_invitations_invited_by_idx on team_invitations (invited_by);

alter table team_invitations enable row level security;
alter table team_invitations force row level security;

-- The caller's own email, for matching invitations addressed to it.
create function private.my_email() returns text
    language sql stable security definer
    set search_path = ''
    as $$
        select u.email from public.users u
        where u.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    $$;

-- Team owners and admins see and manage their team's invitations; the
-- invitee sees (and answers) those addressed to their email.
create policy team_invitations_select on team_invitations for select using (
    team_id = any (array(select private.my_team_ids_at_least('admin')))
    or email = (select private.my_email())
    or (select app.is_admin()));
create policy team_invitations_insert on team_invitations for insert with check (
    (invited_by = (select app.current_user_id())
     and team_id = any (array(select private.my_team_ids_at_least('admin'))))
    or (select app.is_admin()));
create policy team_invitations_update on team_invitations for update
    using (
        team_id = any (array(select private.my_team_ids_at_least('admin')))
        or email = (select private.my_email())
        or (select app.is_admin()))
    with check (
        team_id = any (array(select private.my_team_ids_at_least('admin')))
        or email = (select private.my_email())
        or (select app.is_admin()));
-- Erasure removes the invitations addressed to the person.
create policy team_invitations_delete on team_invitations for delete using (
    email = (select private.my_email()) or (select app.is_admin()));

-- Only the invitee answers, only once, and only before it expires; admins
-- may only revoke an open invitation. Status and nothing else changes.
create function private.team_invitations_guard() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
declare
    admin boolean := coalesce(nullif(current_setting('app.role', true), '') = 'admin', false);
    invitee boolean := old.email = private.my_email();
begin
    if (new.invitation_id, new.team_id, new.email, new.role, new.invited_by, new.created_at, new.expires_at)
       is distinct from (old.invitation_id, old.team_id, old.email, old.role, old.invited_by, old.created_at, old.expires_at)
       and not admin then
        raise exception 'an invitation is answered or revoked, not rewritten'
            using errcode = '42501', constraint = 'team_invitations_guard';
    end if;
    if old.status <> 'pending' and new.status is distinct from old.status then
        raise exception 'the invitation was already answered'
            using errcode = '42501', constraint = 'team_invitations_guard';
    end if;
    if new.status in ('accepted', 'declined') and not (invitee or admin) then
        raise exception 'only the invitee answers an invitation'
            using errcode = '42501', constraint = 'team_invitations_guard';
    end if;
    if new.status = 'accepted' and old.expires_at <= now() then
        raise exception 'the invitation has expired'
            using errcode = '42501', constraint = 'team_invitations_guard';
    end if;
    if new.status = 'revoked' and not (admin or private.team_role_rank(coalesce(private.my_team_role(old.team_id), '')) >= private.team_role_rank('admin')) then
        raise exception 'only team owners and admins revoke an invitation'
            using errcode = '42501', constraint = 'team_invitations_guard';
    end if;
    return new;
end;
$$;

create trigger team_invitations_guard before update on team_invitations
    for each row execute function private.team_invitations_guard();

-- Whether the caller holds an open invitation to `p_team_id` as `p_role`:
-- what lets an invitee add themselves to a team.
create function private.invited_as(p_team_id uuid, p_role text) returns boolean
    language sql stable security definer
    set search_path = ''
    as $$
        select exists (
            select 1 from public.team_invitations i
            join public.users u on u.email = i.email
            where i.team_id = p_team_id
              and i.role = p_role
              and i.status = 'pending'
              and i.expires_at > now()
              and u.user_id = nullif(current_setting('app.user_id', true), '')::uuid)
    $$;

-- The caller's open invitations with what an invitee needs to decide: the
-- team's name and who invited them (rows RLS would not show a non-member).
create function private.my_open_invitations()
    returns table (invitation_id uuid, team_id uuid, team_name text, role text, invited_by_name text,
                   created_at timestamptz, expires_at timestamptz)
    language sql stable security definer
    set search_path = ''
    as $$
        select i.invitation_id, i.team_id, t.name, i.role, inviter.display_name, i.created_at, i.expires_at
        from public.team_invitations i
        join public.teams t on t.team_id = i.team_id
        left join public.users inviter on inviter.user_id = i.invited_by
        where i.email = (select u.email from public.users u
                         where u.user_id = nullif(current_setting('app.user_id', true), '')::uuid)
          and i.status = 'pending'
          and i.expires_at > now()
        order by i.created_at desc, i.invitation_id desc
    $$;

-- Members join by accepting an invitation (or as a new team's first owner,
-- or by a global admin's hand); team admins no longer add people directly.
drop policy team_members_insert on team_members;
create policy team_members_insert on team_members for insert with check (
    (select app.is_admin())
    or (user_id = (select app.current_user_id()) and private.invited_as(team_id, role))
    or (user_id = (select app.current_user_id()) and role = 'owner'
        and exists (select 1 from teams t where t.team_id = team_members.team_id
                    and t.created_by = (select app.current_user_id()))));

-- Nobody looks accounts up by email any more.
drop function private.user_id_by_email(text);

grant select on team_invitations to taskflow_definer;
alter function private.my_email() owner to taskflow_definer;
alter function private.team_invitations_guard() owner to taskflow_definer;
alter function private.invited_as(uuid, text) owner to taskflow_definer;
alter function private.my_open_invitations() owner to taskflow_definer;
revoke all on function private.my_email() from public;
revoke all on function private.team_invitations_guard() from public;
revoke all on function private.invited_as(uuid, text) from public;
revoke all on function private.my_open_invitations() from public;
grant execute on function private.my_email() to taskflow_app;
grant execute on function private.invited_as(uuid, text) to taskflow_app;
grant execute on function private.my_open_invitations() to taskflow_app;
