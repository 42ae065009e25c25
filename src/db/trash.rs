//! The trash: tasks deleted with `DELETE /tasks/{id}`, kept (with their
//! subtasks, comments, time, relations) until restored or purged. Every
//! other read of `tasks` leaves them out (`trashed_at is null`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::task::TaskStatus;
use crate::domain::user::UserId;

/// A task someone deleted (not a subtask that went along with it).
pub struct TrashRow {
    pub task_id: Uuid,
    pub team_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub parent_task_id: Option<Uuid>,
    pub title: String,
    pub status: TaskStatus,
    pub created_by: Option<Uuid>,
    pub trashed_at: DateTime<Utc>,
    pub trashed_by: Option<Uuid>,
    pub trashed_by_name: Option<String>,
    /// Its subtasks (at any depth) that went to the trash with it.
    pub subtasks: i64,
    /// Its parent is in the trash too (deleted on its own, later).
    pub parent_trashed: bool,
}

/// Moves the task and its subtasks at any depth (those not in the trash
/// already) to the trash.
pub async fn trash(tx: &mut Tx, task_id: Uuid, by: UserId) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("trash.trash");
    sqlx::query!(
        r#"with recursive tree (task_id) as (
               select $1::uuid
               union all
               select c.task_id from tasks c join tree on c.parent_task_id = tree.task_id
               where c.trashed_at is null)
           update tasks t set trashed_at = now(), trashed_by = $2, trashed_with = $1
           from tree where t.task_id = tree.task_id and t.trashed_at is null"#,
        task_id,
        by.0,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("trash.trash"))?;
    Ok(())
}

/// One task someone deleted, if the caller can read it (RLS).
pub async fn find(tx: &mut Tx, task_id: Uuid) -> Result<Option<TrashRow>, DbError> {
    let _timer = crate::metrics::db_timer("trash.find");
    sqlx::query_as!(
        TrashRow,
        r#"select task_id as "task_id!", team_id, project_id, parent_task_id, title as "title!",
                  status as "status!: TaskStatus", created_by, trashed_at as "trashed_at!", trashed_by,
                  trashed_by_name, subtasks as "subtasks!", parent_trashed as "parent_trashed!"
           from trash_roots
           where task_id = $1"#,
        task_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("trash.find"))
}

/// The trash the caller looks after, newest first, before the (trashed_at,
/// task_id) key: what they deleted or created, and every team's where they
/// are an owner or admin (`everything`: an instance admin's view).
pub async fn list(
    tx: &mut Tx,
    me: UserId,
    everything: bool,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<TrashRow>, DbError> {
    let _timer = crate::metrics::db_timer("trash.list");
    let (before_time, before_id) = before.unzip();
    sqlx::query_as!(
        TrashRow,
        r#"select task_id as "task_id!", team_id, project_id, parent_task_id, title as "title!",
                  status as "status!: TaskStatus", created_by, trashed_at as "trashed_at!", trashed_by,
                  trashed_by_name, subtasks as "subtasks!", parent_trashed as "parent_trashed!"
           from trash_roots
           where (trashed_by = $1 or created_by = $1
                  or team_id = any (array(select private.my_team_ids_at_least('admin'))) or $2)
             and ($3::timestamptz is null or (trashed_at, task_id) < ($3, $4))
           order by trashed_at desc, task_id desc
           limit $5"#,
        me.0,
        everything,
        before_time,
        before_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("trash.list"))
}

/// Brings back the task and what went to the trash with it.
pub async fn restore(tx: &mut Tx, task_id: Uuid) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("trash.restore");
    sqlx::query!(
        "update tasks set trashed_at = null, trashed_by = null, trashed_with = null where trashed_with = $1",
        task_id,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("trash.restore"))?;
    Ok(())
}

/// Deletes a task in the trash for good (its subtasks, comments, time and
/// relations cascade).
pub async fn purge(tx: &mut Tx, task_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("trash.purge");
    let r = sqlx::query!("delete from tasks where task_id = $1 and trashed_with = task_id", task_id)
        .execute(&mut **tx)
        .await
        .map_err(at("trash.purge"))?;
    Ok(r.rows_affected() == 1)
}

/// `taskflow prune`: the trash older than `days` goes for good.
pub async fn prune(pool: &sqlx::PgPool, days: i32) -> Result<i64, DbError> {
    let _timer = crate::metrics::db_timer("trash.prune");
    sqlx::query_scalar!(r#"select private.prune_trash($1) as "n!""#, days)
        .fetch_one(pool)
        .await
        .map_err(at("trash.prune"))
}
