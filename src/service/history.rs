//! A task's activity stream, for whoever can read the task.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{begin, commit, Result, ServiceError, Store};
use crate::db::history::ActivityRow;
use crate::db::{self};
use crate::domain::user::Caller;

pub async fn activity(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<ActivityRow>> {
    let mut tx = begin(store.pool, user).await?;
    // Unknown and invisible tasks alike: 404 (the stream's own reads are
    // under RLS too, but an empty stream would say the task exists).
    db::tasks::find(&mut tx, task_id).await?.ok_or(ServiceError::NotFound)?;
    let rows = db::history::activity(&mut tx, task_id, before, limit).await?;
    commit(tx).await?;
    Ok(rows)
}
