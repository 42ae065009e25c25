//! Watching a task: anyone who can read it may follow it, for themselves.

use uuid::Uuid;

use super::tasks::readable;
use super::{begin, commit, Result, Store};
use crate::db;
use crate::db::watchers::WatcherRow;
use crate::domain::user::Caller;

pub async fn list(store: Store<'_>, user: &Caller, task_id: Uuid) -> Result<Vec<WatcherRow>> {
    let mut tx = begin(store.pool, user).await?;
    readable(&mut tx, task_id).await?;
    let rows = db::watchers::list(&mut tx, task_id).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Starts (`true`) or stops watching; either is idempotent. Returns the
/// watchers after the change.
pub async fn set(store: Store<'_>, user: &Caller, task_id: Uuid, watching: bool) -> Result<Vec<WatcherRow>> {
    let mut tx = begin(store.pool, user).await?;
    readable(&mut tx, task_id).await?;
    if watching {
        db::watchers::watch(&mut tx, task_id, user.user_id).await?;
    } else {
        db::watchers::unwatch(&mut tx, task_id, user.user_id).await?;
    }
    let rows = db::watchers::list(&mut tx, task_id).await?;
    commit(tx).await?;
    Ok(rows)
}
