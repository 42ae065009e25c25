//! The `task_watchers` table: who follows a task (notifications go to them).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::user::UserId;

pub struct WatcherRow {
    pub user_id: Uuid,
    /// Null where the caller may not read the person's name (RLS on users).
    pub display_name: Option<String>,
    pub since: DateTime<Utc>,
}

/// Everyone watching, longest first.
pub async fn list(tx: &mut Tx, task_id: Uuid) -> Result<Vec<WatcherRow>, DbError> {
    let _timer = crate::metrics::db_timer("watchers.list");
    sqlx::query_as!(
        WatcherRow,
        r#"select w.user_id, u.display_name as "display_name?", w.created_at as since
           from task_watchers w left join users u on u.user_id = w.user_id
           where w.task_id = $1 order by w.created_at, w.user_id"#,
        task_id,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("watchers.list"))
}

/// Starts watching; watching already is no change.
pub async fn watch(tx: &mut Tx, task_id: Uuid, user: UserId) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("watchers.watch");
    sqlx::query!(
        "insert into task_watchers (task_id, user_id) values ($1, $2) on conflict do nothing",
        task_id,
        user.0,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("watchers.watch"))?;
    Ok(())
}

/// Stops watching; not watching is no change.
pub async fn unwatch(tx: &mut Tx, task_id: Uuid, user: UserId) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("watchers.unwatch");
    sqlx::query!("delete from task_watchers where task_id = $1 and user_id = $2", task_id, user.0)
        .execute(&mut **tx)
        .await
        .map_err(at("watchers.unwatch"))?;
    Ok(())
}
