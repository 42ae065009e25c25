//! Checklists: read with the task, written by whoever may edit it.

use uuid::Uuid;

use super::tasks::visible;
use super::{begin, commit, Result, ServiceError, Store};
use crate::db::checklists::ItemRow;
use crate::db::{self, DbError, Tx};
use crate::domain::checklist::{ItemBody, ItemPatch, Position};
use crate::domain::user::Caller;

/// The task must be visible (404) and editable by the caller (403).
async fn editable(tx: &mut Tx, user: &Caller, task_id: Uuid) -> Result<()> {
    let (_, access) = visible(tx, user, task_id).await?;
    if !access.edit {
        return Err(ServiceError::Forbidden("you may read this task but not change its checklist"));
    }
    Ok(())
}

fn full_or_raced(e: DbError) -> ServiceError {
    match e {
        DbError::CheckViolation(c) if c == "task_checklist_items_position_check" => {
            ServiceError::Conflict(format!("a checklist holds at most {} items", Position::MAX_ITEMS))
        }
        // Two writers placed an item at the same position at once.
        DbError::UniqueViolation(c) if c == "task_checklist_items_position_key" => {
            ServiceError::Conflict("the checklist changed meanwhile; read it again and retry".into())
        }
        other => other.into(),
    }
}

pub async fn list(store: Store<'_>, user: &Caller, task_id: Uuid) -> Result<Vec<ItemRow>> {
    let mut tx = begin(store.pool, user).await?;
    visible(&mut tx, user, task_id).await?;
    let rows = db::checklists::list(&mut tx, task_id).await?;
    commit(tx).await?;
    Ok(rows)
}

pub async fn add(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    body: ItemBody,
    position: Option<Position>,
) -> Result<ItemRow> {
    let mut tx = begin(store.pool, user).await?;
    editable(&mut tx, user, task_id).await?;
    let row = db::checklists::insert(&mut tx, Uuid::now_v7(), task_id, &body, position, user.user_id)
        .await
        .map_err(full_or_raced)?;
    commit(tx).await.map_err(full_or_raced)?;
    Ok(row)
}

pub async fn change(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    item_id: Uuid,
    patch: ItemPatch,
) -> Result<ItemRow> {
    let mut tx = begin(store.pool, user).await?;
    editable(&mut tx, user, task_id).await?;
    let row = db::checklists::update(&mut tx, task_id, item_id, &patch, user.user_id)
        .await
        .map_err(full_or_raced)?
        .ok_or(ServiceError::NotFound)?;
    commit(tx).await.map_err(full_or_raced)?;
    Ok(row)
}

pub async fn remove(store: Store<'_>, user: &Caller, task_id: Uuid, item_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    editable(&mut tx, user, task_id).await?;
    if !db::checklists::delete(&mut tx, task_id, item_id).await? {
        return Err(ServiceError::NotFound);
    }
    commit(tx).await.map_err(full_or_raced)?;
    Ok(())
}
