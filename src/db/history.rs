//! A task's activity: its recorded changes (`task_events`), its comments,
//! the time tracked on it and its creation, newest first, as one stream.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};

/// One item of the stream; which columns are set depends on `kind`.
pub struct ActivityRow {
    pub kind: String,
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    /// As recorded: a field a newer release records is not one this one
    /// knows (during a blue/green rollout both read the same history).
    pub field: Option<String>,
    pub old_value: Option<serde_json::Value>,
    pub new_value: Option<serde_json::Value>,
    /// A comment's body, an entry's note, the created task's title.
    pub text: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub seconds: Option<i64>,
}

/// Up to `limit` items before the (at, id) key. Each part reads at most
/// `limit` rows from its own index; RLS decides which comments and time
/// entries the caller sees (time: their own, or all as a team admin).
pub async fn activity(
    tx: &mut Tx,
    task_id: Uuid,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<ActivityRow>, DbError> {
    let _timer = crate::metrics::db_timer("history.activity");
    let (before_at, before_id) = before.unzip();
    sqlx::query_as!(
        ActivityRow,
        r#"select a.kind as "kind!", a.id as "id!", a.at as "at!", a.actor_id, u.display_name as "actor_name?",
                  a.field, a.old_value, a.new_value, a.text, a.started_at, a.seconds
           from (
               (select 'changed' as kind, e.event_id as id, e.occurred_at as at, e.actor_id, e.field,
                       e.old_value,
                       -- Of the blockers a forced move went past, those the reader can see.
                       case when e.field = 'blockers_overridden'
                            then (select coalesce(jsonb_agg(x), '[]'::jsonb) from jsonb_array_elements(e.new_value) x
                                  where exists (select 1 from tasks o where o.task_id = (x #>> '{}')::uuid))
                            else e.new_value end as new_value,
                       null::text as text, null::timestamptz as started_at, null::bigint as seconds
                from task_events e
                where e.task_id = $1 and ($2::timestamptz is null or (e.occurred_at, e.event_id) < ($2, $3))
                  -- A relation is news only to whoever can see the task at its other end.
                  and (e.field <> 'relation' or exists (
                      select 1 from tasks o where o.task_id = (coalesce(e.new_value, e.old_value) ->> 'task_id')::uuid))
                order by e.occurred_at desc, e.event_id desc limit $4)
               union all
               (select 'comment', c.comment_id, c.created_at, c.author_id, null, null, null, c.body, null, null
                from comments c
                where c.task_id = $1 and ($2::timestamptz is null or (c.created_at, c.comment_id) < ($2, $3))
                order by c.created_at desc, c.comment_id desc limit $4)
               union all
               (select 'time_entry', te.entry_id, te.created_at, te.user_id, null, null, null, te.note, te.started_at,
                       extract(epoch from te.ended_at - te.started_at)::bigint
                from time_entries te
                where te.task_id = $1 and ($2::timestamptz is null or (te.created_at, te.entry_id) < ($2, $3))
                order by te.created_at desc, te.entry_id desc limit $4)
               union all
               (select 'created', t.task_id, t.created_at, t.created_by, null, null, null, t.title, null, null
                from tasks t
                where t.task_id = $1 and ($2::timestamptz is null or (t.created_at, t.task_id) < ($2, $3)))
           ) a
           left join users u on u.user_id = a.actor_id
           order by a.at desc, a.id desc
           limit $4"#,
        task_id,
        before_at,
        before_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("history.activity"))
}
