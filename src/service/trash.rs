//! The trash: who sees what was deleted, who brings it back, who deletes it
//! for good. (Moving a task there is `tasks::delete`.)

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{begin, commit, team_role, Result, ServiceError, Store};
use crate::db::tasks::TaskRow;
use crate::db::trash::TrashRow;
use crate::db::{self, Tx};
use crate::domain::team::TeamRole;
use crate::domain::user::Caller;

/// What the caller may do with a task in the trash they can see.
struct Rights {
    restore: bool,
    purge: bool,
}

async fn rights(tx: &mut Tx, user: &Caller, task: &TrashRow) -> Result<Rights> {
    let me = Some(user.user_id.0);
    let mine = task.trashed_by == me || task.created_by == me;
    Ok(match task.team_id {
        // A personal task: its creator brings it back and deletes it for good.
        None => Rights { restore: mine || user.is_admin(), purge: task.created_by == me || user.is_admin() },
        // A team task: who could delete it brings it back; the team's owners
        // and admins delete it for good.
        Some(team_id) => {
            let role = team_role(tx, user, team_id).await?;
            let moderator = role.is_some_and(TeamRole::can_moderate);
            let writer = role.is_some_and(TeamRole::can_write_tasks);
            Rights { restore: moderator || (writer && mine), purge: moderator }
        }
    })
}

/// A task in the trash the caller can read (RLS), else 404.
async fn trashed(tx: &mut Tx, task_id: Uuid) -> Result<TrashRow> {
    db::trash::find(tx, task_id).await?.ok_or(ServiceError::NotFound)
}

pub async fn list(
    store: Store<'_>,
    user: &Caller,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<TrashRow>> {
    let mut tx = begin(store.pool, user).await?;
    let rows = db::trash::list(&mut tx, user.user_id, user.is_admin(), before, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Brings the task back, with the subtasks that went with it; its
/// comments, time, relations and history never left.
pub async fn restore(store: Store<'_>, user: &Caller, task_id: Uuid) -> Result<TaskRow> {
    let mut tx = begin(store.pool, user).await?;
    let task = trashed(&mut tx, task_id).await?;
    if !rights(&mut tx, user, &task).await?.restore {
        return Err(ServiceError::Forbidden("only whoever could delete this task may restore it"));
    }
    if task.parent_task_id.is_some() && task.parent_trashed {
        return Err(ServiceError::Conflict(
            "its parent task is in the trash too: restore the parent first, then this one".into(),
        ));
    }
    db::trash::restore(&mut tx, task_id).await?;
    let row = db::tasks::find(&mut tx, task_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    if let Some(team) = row.team_id {
        store.cache.team_changed(team).await;
    }
    Ok(row)
}

/// Deletes it for good, with everything that went with it.
pub async fn purge(store: Store<'_>, user: &Caller, task_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    let task = trashed(&mut tx, task_id).await?;
    if !rights(&mut tx, user, &task).await?.purge {
        return Err(ServiceError::Forbidden(
            "only the team's owners and admins (or a personal task's creator) delete from the trash",
        ));
    }
    db::trash::purge(&mut tx, task_id).await?;
    commit(tx).await?;
    if let Some(team) = task.team_id {
        store.cache.team_changed(team).await;
    }
    Ok(())
}
