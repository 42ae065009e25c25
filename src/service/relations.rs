//! Relations between tasks: who may relate two tasks, the blocks cycle
//! rule with its path named, and what each side may see.

use uuid::Uuid;

use super::tasks::{readable, referenced, visible};
use super::{begin, commit, Result, ServiceError, Store};
use crate::db;
use crate::db::relations::RelationRow;
use crate::domain::relation::RelationKind;
use crate::domain::user::Caller;

/// Relates the caller's task `task_id` to `other` (`task_id` blocks,
/// relates to or duplicates `other`), and returns the task's relations.
pub async fn create(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    kind: RelationKind,
    other: Uuid,
) -> Result<Vec<RelationRow>> {
    let mut tx = begin(store.pool, user).await?;
    let (_, access) = visible(&mut tx, user, task_id).await?;
    if !access.edit {
        return Err(ServiceError::Forbidden("you may read this task but not change it"));
    }
    if other == task_id {
        return Err(ServiceError::invalid("task_id", "a task is not related to itself"));
    }
    referenced(&mut tx, other, "task_id").await?;
    if kind == RelationKind::Blocks {
        // `task_id` blocks `other` closes a cycle if `other` already leads
        // back to it. (The database holds the same rule against concurrent
        // writers; this finds the path to name.)
        if let Some(path) = db::relations::blocks_path(&mut tx, other, task_id).await? {
            let seen = db::relations::visible(&mut tx, &path).await?;
            return Err(ServiceError::Conflict(cycle_message(task_id, &path, &seen)));
        }
    }
    db::relations::insert(&mut tx, kind, task_id, other, user.user_id).await?;
    let rows = db::relations::list(&mut tx, task_id).await?;
    commit(tx).await?;
    Ok(rows)
}

/// "… would close a cycle: A blocks B blocks (a task you cannot see) blocks A".
fn cycle_message(task_id: Uuid, path: &[Uuid], seen: &[Uuid]) -> String {
    let name = |id: &Uuid| if seen.contains(id) { id.to_string() } else { "(a task you cannot see)".to_owned() };
    let chain: Vec<String> = std::iter::once(&task_id).chain(path).map(name).collect();
    format!("task_id: this would close a cycle of blocking tasks: {}", chain.join(" blocks "))
}

pub async fn list(store: Store<'_>, user: &Caller, task_id: Uuid) -> Result<Vec<RelationRow>> {
    let mut tx = begin(store.pool, user).await?;
    readable(&mut tx, task_id).await?;
    let rows = db::relations::list(&mut tx, task_id).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Removes one of the task's relations: whoever sees both tasks and may
/// change either (RLS holds the rule; an unknown relation is a 404).
pub async fn delete(store: Store<'_>, user: &Caller, task_id: Uuid, relation_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    readable(&mut tx, task_id).await?;
    if !db::relations::seen(&mut tx, task_id, relation_id).await? {
        return Err(ServiceError::NotFound);
    }
    if !db::relations::delete(&mut tx, task_id, relation_id).await? {
        return Err(ServiceError::Forbidden("you may change neither of these tasks"));
    }
    commit(tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_names_the_tasks_the_caller_sees_and_hides_the_rest() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        // a would block b; b blocks c; c blocks a.
        let message = cycle_message(a, &[b, c, a], &[a, b]);
        assert_eq!(
            message,
            format!("task_id: this would close a cycle of blocking tasks: {a} blocks {b} blocks (a task you cannot see) blocks {a}")
        );
        assert!(!message.contains(&c.to_string()));
    }
}
