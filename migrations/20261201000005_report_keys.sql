-- The key, label and calendar bucket of one time entry under one report
-- dimension (issue 16): user, task, label (one row per label, or one for an
-- unlabelled entry), or the day, ISO week (Monday) or month the entry starts
-- in, in the transaction's TimeZone (the report sets it with set_config, so
-- Postgres's own tz data places each bucket and a DST day is 23 or 25 hours).
-- A null dimension answers one row of nulls: "no second level".
-- Called with only a start, it names the bucket of that instant (the report's
-- empty buckets use the same formatting as its entries).
-- SQL, stable and invoker's rights, so the planner inlines it and row-level
-- security still decides whose display name the user dimension may read.
create function report_key(dimension text, entry_user uuid, entry_task uuid, entry_title text,
                           entry_labels text[], entry_start timestamptz)
returns table (key text, label text, bucket timestamptz)
language sql stable parallel safe
as $$
    select entry_user::text, (select u.display_name from users u where u.user_id = entry_user), null::timestamptz
    where dimension = 'user'
    union all
    select entry_task::text, entry_title, null::timestamptz
    where dimension = 'task'
    union all
    select coalesce(l.label, ''), coalesce(l.label, '(no label)'), null::timestamptz
    from unnest(case when cardinality(entry_labels) > 0 then entry_labels else array[null::text] end) as l(label)
    where dimension = 'label'
    union all
    select b.k, b.k, b.start
    from (select t.start,
                 case dimension
                     when 'day' then to_char(t.start, 'YYYY-MM-DD')
                     when 'week' then to_char(t.start, 'IYYY-"W"IW')
                     else to_char(t.start, 'YYYY-MM')
                 end as k
          from (select date_trunc(dimension, entry_start) as start) t) b
    where dimension in ('day', 'week', 'month')
    union all
    select null::text, null::text, null::timestamptz
    where dimension is null
$$;
