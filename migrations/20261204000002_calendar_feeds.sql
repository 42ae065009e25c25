-- Calendar feeds (issue 19): a secret URL (/ical/{token}.ics) that lists a
-- person's tasks with due dates as iCalendar, for calendar apps that poll
-- it without signing in. One feed per person; only the token's SHA-256
-- digest is kept (the URL is shown once, when made); making a new one
-- revokes the old.

create table calendar_feeds (
    user_id uuid not null,
    token_digest bytea not null,
    created_at timestamptz not null default now(),
    -- Updated at most once a minute (a calendar app polls often).
    last_used_at timestamptz,
    constraint calendar_feeds_pkey primary key (user_id),
    constraint calendar_feeds_token_digest_key unique (token_digest),
    constraint calendar_feeds_digest_check check (length(token_digest) = 32),
    constraint calendar_feeds_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade
);

-- A feed is made, replaced (a new digest) and removed by its owner;
-- last_used_at is written by the definer lookup below.
revoke update, truncate on calendar_feeds from taskflow_app;
grant update (token_digest, created_at, last_used_at) on calendar_feeds to taskflow_app;

alter table calendar_feeds enable row level security;
alter table calendar_feeds force row level security;

-- The policies read user_id: the primary key is its index.
create policy calendar_feeds_select on calendar_feeds for select using (user_id = app.current_user_id());
create policy calendar_feeds_insert on calendar_feeds for insert with check (user_id = app.current_user_id());
create policy calendar_feeds_update on calendar_feeds for update
    using (user_id = app.current_user_id()) with check (user_id = app.current_user_id());
create policy calendar_feeds_delete on calendar_feeds for delete using (user_id = app.current_user_id());

-- The feed's reader has no session: the token's digest names the account
-- (none for a disabled one), and the server then reads as that account.
create function private.calendar_feed_owner(p_digest bytea) returns uuid
    language plpgsql volatile security definer
    set search_path = ''
    as $$
declare
    v_user uuid;
begin
    select f.user_id into v_user
    from public.calendar_feeds f join public.users u on u.user_id = f.user_id
    where f.token_digest = p_digest and u.disabled_at is null;
    if v_user is not null then
        update public.calendar_feeds set last_used_at = now()
        where user_id = v_user and (last_used_at is null or last_used_at < now() - interval '1 minute');
    end if;
    return v_user;
end;
$$;

grant select, update on calendar_feeds to taskflow_definer;
grant select on users to taskflow_definer;
alter function private.calendar_feed_owner(bytea) owner to taskflow_definer;
revoke all on function private.calendar_feed_owner(bytea) from public;
grant execute on function private.calendar_feed_owner(bytea) to taskflow_app;
