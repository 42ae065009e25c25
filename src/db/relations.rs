//! The `task_relations` table: relations between two tasks, read from
//! either side; the blocks path behind the cycle rule; open blockers.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::relation::RelationKind;
use crate::domain::task::TaskStatus;
use crate::domain::user::UserId;

/// A relation as one of its tasks sees it: `starts_here` says from which end.
pub struct RelationRow {
    pub relation_id: Uuid,
    pub kind: RelationKind,
    pub starts_here: bool,
    /// The task at the other end, and what it looks like now.
    pub task_id: Uuid,
    pub title: String,
    pub status: TaskStatus,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(
    tx: &mut Tx,
    kind: RelationKind,
    task_id: Uuid,
    other_task_id: Uuid,
    creator: UserId,
) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("relations.insert");
    sqlx::query!(
        "insert into task_relations (kind, task_id, other_task_id, created_by) values ($1, $2, $3, $4)",
        kind.as_str(),
        task_id,
        other_task_id,
        creator.0,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("relations.insert"))?;
    Ok(())
}

/// The task's relations the caller can see (RLS: both ends visible),
/// oldest first.
pub async fn list(tx: &mut Tx, task_id: Uuid) -> Result<Vec<RelationRow>, DbError> {
    let _timer = crate::metrics::db_timer("relations.list");
    sqlx::query_as!(
        RelationRow,
        r#"select r.relation_id, r.kind as "kind: RelationKind", r.task_id = $1 as "starts_here!",
                  o.task_id, o.title, o.status as "status: TaskStatus", r.created_by, r.created_at
           from task_relations r
           join tasks o on o.task_id = case when r.task_id = $1 then r.other_task_id else r.task_id end
           where (r.task_id = $1 or r.other_task_id = $1) and o.trashed_at is null
           order by r.created_at, r.relation_id"#,
        task_id,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("relations.list"))
}

/// Whether the task has this relation, as far as the caller can see.
pub async fn seen(tx: &mut Tx, task_id: Uuid, relation_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("relations.seen");
    sqlx::query_scalar!(
        r#"select exists (select 1 from task_relations
                          where relation_id = $1 and (task_id = $2 or other_task_id = $2)) as "seen!""#,
        relation_id,
        task_id,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("relations.seen"))
}

/// Removes one of the task's relations; false when it has no such one (or
/// the caller may not see or remove it).
pub async fn delete(tx: &mut Tx, task_id: Uuid, relation_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("relations.delete");
    let r = sqlx::query!(
        "delete from task_relations where relation_id = $1 and (task_id = $2 or other_task_id = $2)",
        relation_id,
        task_id,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("relations.delete"))?;
    Ok(r.rows_affected() == 1)
}

/// The shortest chain of blocks from `from` to `to`, both ends included,
/// over every relation (not only those the caller can see).
pub async fn blocks_path(tx: &mut Tx, from: Uuid, to: Uuid) -> Result<Option<Vec<Uuid>>, DbError> {
    let _timer = crate::metrics::db_timer("relations.blocks_path");
    sqlx::query_scalar!(r#"select private.blocks_path($1, $2) as "path""#, from, to)
        .fetch_one(&mut **tx)
        .await
        .map_err(at("relations.blocks_path"))
}

/// Which of `ids` the caller can see.
pub async fn visible(tx: &mut Tx, ids: &[Uuid]) -> Result<Vec<Uuid>, DbError> {
    let _timer = crate::metrics::db_timer("relations.visible");
    sqlx::query_scalar!("select task_id from tasks where task_id = any($1)", ids)
        .fetch_all(&mut **tx)
        .await
        .map_err(at("relations.visible"))
}

/// The task's blockers not yet done or cancelled, that the caller can see.
pub async fn open_blockers(tx: &mut Tx, task_id: Uuid) -> Result<Vec<Uuid>, DbError> {
    let _timer = crate::metrics::db_timer("relations.open_blockers");
    sqlx::query_scalar!(
        "select b.task_id from task_relations r join tasks b on b.task_id = r.task_id
         where r.other_task_id = $1 and r.kind = 'blocks' and b.status not in ('done', 'cancelled')
           and b.trashed_at is null
         order by b.task_id",
        task_id,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("relations.open_blockers"))
}

/// Marks this transaction's move to done as made past these open blockers:
/// the history trigger records them beside the status change.
pub async fn override_blockers(tx: &mut Tx, blockers: &[Uuid]) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("relations.override_blockers");
    sqlx::query_scalar!(
        "select set_config('taskflow.blockers_overridden', to_jsonb($1::uuid[])::text, true)",
        blockers
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("relations.override_blockers"))?;
    Ok(())
}
