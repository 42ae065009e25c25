-- @mentions (issue 17): `@display name` or `@email-local-part` in a comment
-- or a task's description, resolved on save (by the service, against the
-- people who can read the task) and kept here, one row per person per
-- text. A mention is seen by whoever reads its task; it names only people
-- who can read that task (the insert policy asks Postgres, not the
-- service), so nothing about a task reaches anyone through a mention that
-- they could not read anyway.

create table mentions (
    mention_id uuid not null default gen_random_uuid(),
    task_id uuid not null,
    -- Null: the mention is in the task's description.
    comment_id uuid,
    user_id uuid not null,
    mentioned_by uuid,
    -- How the text names them, as written (for highlighting): "Ada Lovelace", "ada".
    texts text[] not null,
    created_at timestamptz not null default now(),
    constraint mentions_pkey primary key (mention_id),
    constraint mentions_texts_check check (cardinality(texts) between 1 and 10 and array_position(texts, null) is null),
    constraint mentions_task_id_fkey foreign key (task_id) references tasks (task_id) on delete cascade,
    constraint mentions_comment_id_fkey foreign key (comment_id) references comments (comment_id) on delete cascade,
    constraint mentions_user_id_fkey foreign key (user_id) references users (user_id) on delete cascade,
    constraint mentions_mentioned_by_fkey foreign key (mentioned_by) references users (user_id) on delete set null
);

-- One row per person per text; task_id leads (the policies, a task's
-- description mentions, the cascade from tasks).
create unique index mentions_source_key on mentions (task_id, comment_id, user_id) nulls not distinct;
-- GET /me/mentions, newest first, and the cascade from users.
create index mentions_user_idx on mentions (user_id, created_at desc, mention_id desc);
-- A comment's mentions, and its cascade.
create index mentions_comment_idx on mentions (comment_id) where comment_id is not null;
-- Erasure's set null.
create index mentions_mentioned_by_idx on mentions (mentioned_by);

-- Rows are made and removed as the text changes; only how the text names
-- someone is rewritten in place.
revoke update, truncate on mentions from taskflow_app;
grant update (texts) on mentions to taskflow_app;

alter table mentions enable row level security;
alter table mentions force row level security;

-- Whether someone (not the caller) can read a task: the tasks_select
-- policy's rule for them, global admins aside (a mention tells a person
-- about a task of a team of theirs, not about the whole instance).
create function private.may_read_task(p_user uuid, p_task uuid) returns boolean
    language sql stable security definer
    set search_path = ''
    as $$
        select exists (
            select 1 from public.tasks t where t.task_id = p_task
            and ((t.team_id is null and (t.created_by = p_user or p_user = any (t.assignee_ids)))
                 or exists (select 1 from public.team_members tm
                            where tm.team_id = t.team_id and tm.user_id = p_user)))
    $$;
alter function private.may_read_task(uuid, uuid) owner to taskflow_definer;
revoke all on function private.may_read_task(uuid, uuid) from public;
grant execute on function private.may_read_task(uuid, uuid) to taskflow_app;

-- Who may write a text's mentions: a description's, whoever may change the
-- task; a comment's, its author.
create function private.may_write_mentions(p_task uuid, p_comment uuid) returns boolean
    language sql stable
    as $$
        select case when p_comment is null then private.task_writable(p_task)
               else exists (select 1 from public.comments c
                            where c.comment_id = p_comment and c.task_id = p_task
                              and c.author_id = (select app.current_user_id()))
               end
    $$;
grant execute on function private.may_write_mentions(uuid, uuid) to taskflow_app;

create policy mentions_select on mentions for select using (
    exists (select 1 from tasks t where t.task_id = mentions.task_id));
create policy mentions_insert on mentions for insert with check (
    mentioned_by = (select app.current_user_id())
    and private.may_write_mentions(task_id, comment_id)
    and private.may_read_task(user_id, task_id));
create policy mentions_update on mentions for update
    using (private.may_write_mentions(task_id, comment_id))
    with check (private.may_write_mentions(task_id, comment_id));
create policy mentions_delete on mentions for delete using (
    private.may_write_mentions(task_id, comment_id));

-- Whoever is mentioned watches the task from then on (and may stop again).
create function private.mentions_autowatch() returns trigger
    language plpgsql security definer
    set search_path = ''
    as $$
begin
    insert into public.task_watchers (task_id, user_id) values (new.task_id, new.user_id)
    on conflict do nothing;
    return null;
end;
$$;

create trigger mentions_autowatch after insert on mentions
    for each row execute function private.mentions_autowatch();

alter function private.mentions_autowatch() owner to taskflow_definer;
revoke all on function private.mentions_autowatch() from public;

-- A text's mentions as the JSON the API returns beside it, first named
-- first. Invoker's rights: the reader's RLS decides, names included.
-- PL/pgSQL rather than SQL: its statement's plan is kept for the session,
-- where a SQL function called from a statement is planned at every call
-- (called on every lookup, it cost the task lookup 30-45% of its tx/s;
-- docs/performance.md). The callers ask only about a text that has an `@`.
create function comment_mentions(p_comment uuid) returns jsonb
    language plpgsql stable
    as $$
begin
    return coalesce((
        select jsonb_agg(jsonb_build_object('user_id', m.user_id, 'display_name', u.display_name,
                                            'texts', m.texts) order by m.created_at, m.mention_id)
        from public.mentions m left join public.users u on u.user_id = m.user_id
        where m.comment_id = p_comment), '[]');
end;
$$;

create function description_mentions(p_task uuid) returns jsonb
    language plpgsql stable
    as $$
begin
    return coalesce((
        select jsonb_agg(jsonb_build_object('user_id', m.user_id, 'display_name', u.display_name,
                                            'texts', m.texts) order by m.created_at, m.mention_id)
        from public.mentions m left join public.users u on u.user_id = m.user_id
        where m.task_id = p_task and m.comment_id is null), '[]');
end;
$$;
