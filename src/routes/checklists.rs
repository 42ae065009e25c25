//! `/api/v1/tasks/{task_id}/checklist`: the small steps inside a task.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::params::non_null;
use crate::db::checklists::ItemRow;
use crate::domain::checklist::{ItemBody, ItemPatch, Position};
use crate::domain::user::Caller;
use crate::domain::{field, AllFields};
use crate::error::{ApiError, Errors};
use crate::service::checklists;
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Book the room"}))]
pub struct ItemRequest {
    #[schema(schema_with = super::openapi::one_line_500)]
    body: String,
    /// 0 is the top; without it (or past the end), the end.
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 99, nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    position: Option<serde_json::Number>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"done": true}))]
pub struct PatchItemRequest {
    #[schema(schema_with = super::openapi::one_line_500)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    body: Option<String>,
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    done: Option<bool>,
    /// Move it here (0 is the top; past the end, the end); the items in
    /// between shift by one.
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 99, nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    position: Option<serde_json::Number>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"item_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5fe0", "task_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", "body": "Book the room", "position": 0, "done": true, "done_at": "2026-12-02T10:00:00Z", "done_by": "0194f2a8-0000-7000-8000-000000000001", "created_by": "0194f2a8-0000-7000-8000-000000000001", "created_at": "2026-12-02T09:00:00Z", "updated_at": "2026-12-02T10:00:00Z"}))]
pub struct ItemResponse {
    item_id: Uuid,
    task_id: Uuid,
    body: String,
    position: i32,
    done: bool,
    done_at: Option<DateTime<Utc>>,
    done_by: Option<Uuid>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ItemRow> for ItemResponse {
    fn from(r: ItemRow) -> Self {
        Self {
            item_id: r.item_id,
            task_id: r.task_id,
            body: r.body,
            position: r.position,
            done: r.done_at.is_some(),
            done_at: r.done_at,
            done_by: r.done_by,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The whole checklist, top first (at most 100 items), and its progress.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Checklist {
    items: Vec<ItemResponse>,
    total: i64,
    done: i64,
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/checklist", tag = "tasks", summary = "The task's checklist, top first, with its progress", params(("task_id" = Uuid, Path, description = "Task id")), responses((status = 200, description = "Every item (a checklist holds at most 100)", body = Checklist), Errors))]
#[tracing::instrument(name = "checklists.list", skip_all)]
pub async fn get_checklist(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let items: Vec<ItemResponse> =
        checklists::list(state.store(), &user, path.into_inner()).await?.into_iter().map(ItemResponse::from).collect();
    let done = items.iter().filter(|i| i.done).count() as i64;
    Ok(HttpResponse::Ok().json(Checklist { total: items.len() as i64, done, items }))
}

#[utoipa::path(post, path = "/api/v1/tasks/{task_id}/checklist", tag = "tasks", summary = "Add a checklist item (whoever may edit the task)", description = "At most 100 items per task (409 for the 101st).", params(("task_id" = Uuid, Path, description = "Task id")), request_body = ItemRequest, responses((status = 201, description = "The item (`Location`)", body = ItemResponse), Errors))]
#[tracing::instrument(name = "checklists.add", skip_all)]
pub async fn add_item(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<ItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (text, position) = (
        field("body", ItemBody::parse(&b.body)),
        field("position", b.position.as_ref().map(Position::from_json).transpose()),
    )
        .all()
        .map_err(ApiError::Validation)?;
    let row = checklists::add(state.store(), &user, path.into_inner(), text, position).await?;
    let location = format!("/api/v1/tasks/{}/checklist/{}", row.task_id, row.item_id);
    Ok(HttpResponse::Created().insert_header(("Location", location)).json(ItemResponse::from(row)))
}

#[utoipa::path(patch, path = "/api/v1/tasks/{task_id}/checklist/{item_id}", tag = "tasks", summary = "Tick, untick, reword or move a checklist item", params(("task_id" = Uuid, Path, description = "Task id"), ("item_id" = Uuid, Path, description = "Checklist item id")), request_body = PatchItemRequest, responses((status = 200, description = "The item", body = ItemResponse), Errors))]
#[tracing::instrument(name = "checklists.change", skip_all)]
pub async fn update_item(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<PatchItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (text, position) = (
        field("body", b.body.as_deref().map(ItemBody::parse).transpose()),
        field("position", b.position.as_ref().map(Position::from_json).transpose()),
    )
        .all()
        .map_err(ApiError::Validation)?;
    let patch = ItemPatch { body: text, done: b.done, position };
    if patch.is_empty() {
        return Err(ApiError::validation("body", "name at least one field to change"));
    }
    let (task_id, item_id) = path.into_inner();
    let row = checklists::change(state.store(), &user, task_id, item_id, patch).await?;
    Ok(HttpResponse::Ok().json(ItemResponse::from(row)))
}

#[utoipa::path(delete, path = "/api/v1/tasks/{task_id}/checklist/{item_id}", tag = "tasks", summary = "Remove a checklist item", params(("task_id" = Uuid, Path, description = "Task id"), ("item_id" = Uuid, Path, description = "Checklist item id")), responses((status = 204, description = "Removed; the items below move up"), Errors))]
#[tracing::instrument(name = "checklists.remove", skip_all)]
pub async fn delete_item(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (task_id, item_id) = path.into_inner();
    checklists::remove(state.store(), &user, task_id, item_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
