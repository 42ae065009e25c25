//! A task's activity stream, for whoever can read the task.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::tasks::readable;
use super::{begin, commit, Result, Store};
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
    // The stream's own reads are under RLS too, but an empty stream would
    // say the task exists.
    readable(&mut tx, task_id).await?;
    let rows = db::history::activity(&mut tx, task_id, before, limit).await?;
    commit(tx).await?;
    Ok(rows)
}
