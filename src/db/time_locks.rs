//! The `time_locks` table: a team's locked periods (the trigger on
//! `time_entries` enforces them).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::user::UserId;

#[derive(Clone)]
pub struct LockRow {
    pub lock_id: Uuid,
    pub team_id: Uuid,
    pub until: NaiveDate,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(
    tx: &mut Tx,
    lock_id: Uuid,
    team_id: Uuid,
    until: NaiveDate,
    by: UserId,
) -> Result<LockRow, DbError> {
    let _timer = crate::metrics::db_timer("time_locks.insert");
    sqlx::query_as!(
        LockRow,
        r#"insert into time_locks (lock_id, team_id, until, created_by) values ($1, $2, $3, $4)
           returning lock_id, team_id, until, created_by, created_at"#,
        lock_id,
        team_id,
        until,
        by.0,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("time_locks.insert"))
}

/// The team's locks, the latest `until` first, after the (day, id) key.
pub async fn list(
    tx: &mut Tx,
    team_id: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<LockRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_locks.list");
    let (after_day, after_id) = after.unzip();
    sqlx::query_as!(
        LockRow,
        r#"select lock_id, team_id, until, created_by, created_at from time_locks
           where team_id = $1 and ($2::date is null or (until, lock_id) < ($2, $3))
           order by until desc, lock_id desc
           limit $4"#,
        team_id,
        after_day,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("time_locks.list"))
}

pub async fn find(tx: &mut Tx, team_id: Uuid, lock_id: Uuid) -> Result<Option<LockRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_locks.find");
    sqlx::query_as!(
        LockRow,
        "select lock_id, team_id, until, created_by, created_at from time_locks where team_id = $1 and lock_id = $2",
        team_id,
        lock_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("time_locks.find"))
}

pub async fn delete(tx: &mut Tx, team_id: Uuid, lock_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("time_locks.delete");
    let r = sqlx::query!("delete from time_locks where team_id = $1 and lock_id = $2", team_id, lock_id)
        .execute(&mut **tx)
        .await
        .map_err(at("time_locks.delete"))?;
    Ok(r.rows_affected() == 1)
}

/// The last locked day of a team, or of the team a task is in.
pub async fn until(tx: &mut Tx, team_id: Option<Uuid>, task_id: Option<Uuid>) -> Result<Option<NaiveDate>, DbError> {
    let _timer = crate::metrics::db_timer("time_locks.until");
    sqlx::query_scalar!(
        r#"select max(l.until) from time_locks l
           where l.team_id = coalesce($1, (select t.team_id from tasks t where t.task_id = $2))"#,
        team_id,
        task_id,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("time_locks.until"))
}
