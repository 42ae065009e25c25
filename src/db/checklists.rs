//! The `task_checklist_items` table: items kept in dense positions per task.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::checklist::{ItemBody, ItemPatch, Position};
use crate::domain::user::UserId;

#[derive(Clone)]
pub struct ItemRow {
    pub item_id: Uuid,
    pub task_id: Uuid,
    pub body: String,
    pub position: i32,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn list(tx: &mut Tx, task_id: Uuid) -> Result<Vec<ItemRow>, DbError> {
    let _timer = crate::metrics::db_timer("checklists.list");
    sqlx::query_as!(
        ItemRow,
        r#"select item_id, task_id, body, position, done_at, done_by, created_by, created_at, updated_at
           from task_checklist_items where task_id = $1 order by position"#,
        task_id,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("checklists.list"))
}

/// Adds an item at `position` (the end without one, or past the end), the
/// items from there on moving down one. A 101st item breaks
/// `task_checklist_items_position_check`.
pub async fn insert(
    tx: &mut Tx,
    item_id: Uuid,
    task_id: Uuid,
    body: &ItemBody,
    position: Option<Position>,
    by: UserId,
) -> Result<ItemRow, DbError> {
    let _timer = crate::metrics::db_timer("checklists.insert");
    sqlx::query!(
        r#"update task_checklist_items set position = position + 1
           where task_id = $1 and position >= coalesce($2, 2147483647)"#,
        task_id,
        position.map(Position::get),
    )
    .execute(&mut **tx)
    .await
    .map_err(at("checklists.insert"))?;
    sqlx::query_as!(
        ItemRow,
        r#"insert into task_checklist_items (item_id, task_id, body, position, created_by)
           select $1, $2, $3,
                  least(coalesce($4, 2147483647), (select count(*)::int from task_checklist_items where task_id = $2)),
                  $5
           returning item_id, task_id, body, position, done_at, done_by, created_by, created_at, updated_at"#,
        item_id,
        task_id,
        body.as_str(),
        position.map(Position::get),
        by.0,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("checklists.insert"))
}

/// Changes an item's text, ticks or unticks it, or moves it (the items in
/// between shift by one). None when there is no such item on the task.
pub async fn update(
    tx: &mut Tx,
    task_id: Uuid,
    item_id: Uuid,
    patch: &ItemPatch,
    by: UserId,
) -> Result<Option<ItemRow>, DbError> {
    let _timer = crate::metrics::db_timer("checklists.update");
    if let Some(to) = patch.position {
        // Clamped to the last position; the deferred unique key lets the
        // items in between shift in this statement.
        sqlx::query!(
            r#"with cur as (select position as old from task_checklist_items where task_id = $1 and item_id = $2),
                    target as (select least($3, (select count(*)::int - 1 from task_checklist_items where task_id = $1)) as new)
               update task_checklist_items i
               set position = case when i.item_id = $2 then (select new from target)
                                   when (select new from target) < (select old from cur) then i.position + 1
                                   else i.position - 1 end
               where i.task_id = $1
                 and (i.item_id = $2
                      or i.position between least((select old from cur), (select new from target))
                                        and greatest((select old from cur), (select new from target)))"#,
            task_id,
            item_id,
            to.get(),
        )
        .execute(&mut **tx)
        .await
        .map_err(at("checklists.update"))?;
    }
    sqlx::query_as!(
        ItemRow,
        r#"update task_checklist_items set
               body = coalesce($3, body),
               done_at = case when $4::boolean is null then done_at when $4 then coalesce(done_at, now()) end,
               done_by = case when $4::boolean is null then done_by when $4 then coalesce(done_by, $5) end
           where task_id = $1 and item_id = $2
           returning item_id, task_id, body, position, done_at, done_by, created_by, created_at, updated_at"#,
        task_id,
        item_id,
        patch.body.as_ref().map(|b| b.as_str()),
        patch.done,
        by.0,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("checklists.update"))
}

/// Removes an item; those below move up one. False when there was none.
pub async fn delete(tx: &mut Tx, task_id: Uuid, item_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("checklists.delete");
    let gone = sqlx::query_scalar!(
        "delete from task_checklist_items where task_id = $1 and item_id = $2 returning position",
        task_id,
        item_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("checklists.delete"))?;
    let Some(position) = gone else { return Ok(false) };
    sqlx::query!(
        "update task_checklist_items set position = position - 1 where task_id = $1 and position > $2",
        task_id,
        position,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("checklists.delete"))?;
    Ok(true)
}
