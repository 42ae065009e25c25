//! Calendar feeds: the caller's own feed row (RLS: owner only), the
//! definer lookup from a token's digest, and the tasks a feed lists.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Pool, Tx};
use crate::domain::calendar::FeedTask;
use crate::domain::user::UserId;

pub struct FeedRow {
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn find(tx: &mut Tx, user: UserId) -> Result<Option<FeedRow>, DbError> {
    sqlx::query_as!(FeedRow, "select created_at, last_used_at from calendar_feeds where user_id = $1", user.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(at("calendar.find"))
}

/// Makes the caller's feed, or replaces its token (the old URL stops
/// working); true when there was one to replace.
pub async fn replace(tx: &mut Tx, user: UserId, digest: &[u8]) -> Result<(FeedRow, bool), DbError> {
    // xmax is 0 for a row the insert made, the updating transaction's id for
    // one the conflict clause updated: one statement answers both.
    let r = sqlx::query!(
        r#"insert into calendar_feeds (user_id, token_digest) values ($1, $2)
           on conflict (user_id) do update set token_digest = excluded.token_digest, created_at = now(), last_used_at = null
           returning created_at, last_used_at, (xmax <> 0) as "replaced!""#,
        user.0,
        digest,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("calendar.replace"))?;
    Ok((FeedRow { created_at: r.created_at, last_used_at: r.last_used_at }, r.replaced))
}

/// True when there was a feed to remove.
pub async fn delete(tx: &mut Tx, user: UserId) -> Result<bool, DbError> {
    let n = sqlx::query!("delete from calendar_feeds where user_id = $1", user.0)
        .execute(&mut **tx)
        .await
        .map_err(at("calendar.delete"))?
        .rows_affected();
    Ok(n > 0)
}

/// Whose feed a token's digest opens (none for a disabled account).
pub async fn owner(pool: &Pool, digest: &[u8]) -> Result<Option<Uuid>, DbError> {
    let _timer = crate::metrics::db_timer("calendar.owner");
    sqlx::query_scalar!(r#"select private.calendar_feed_owner($1) as "user_id""#, digest)
        .fetch_one(pool)
        .await
        .map_err(at("calendar.owner"))
}

/// The caller's tasks with a due time: assigned to them, not in the trash,
/// not in an archived project; soonest first, at most `limit`.
pub async fn tasks(tx: &mut Tx, limit: i64) -> Result<Vec<FeedTask>, DbError> {
    let _timer = crate::metrics::db_timer("calendar.tasks");
    sqlx::query_as!(
        FeedTask,
        r#"select t.task_id, t.title, t.description, t.status as "status: _", t.priority as "priority: _",
                  t.due_at as "due_at!", t.completed_at, t.labels, t.created_at, t.updated_at
           from tasks t
           where t.task_id = any (array(select private.my_assigned_task_ids()))
             and t.due_at is not null and t.trashed_at is null and not t.project_archived
           order by t.due_at, t.task_id
           limit $1"#,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("calendar.tasks"))
}
