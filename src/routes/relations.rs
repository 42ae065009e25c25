//! `/api/v1/tasks/{task_id}/relations`: blocks, relates to, duplicates.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::relations::RelationRow;
use crate::domain::relation::{RelationKind, RelationSide};
use crate::domain::task::TaskStatus;
use crate::domain::user::Caller;
use crate::error::{ApiError, Errors};
use crate::service::relations;
use crate::state::AppState;

/// A relation as this task reads it, with the task at the other end.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RelationResponse {
    relation_id: Uuid,
    /// From this task's side: `blocks`, `blocked_by`, `relates_to`,
    /// `duplicates`, `duplicated_by`.
    kind: RelationSide,
    task: RelatedTask,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RelatedTask {
    task_id: Uuid,
    title: String,
    status: TaskStatus,
}

/// A task's relations that you can see (both ends visible), oldest first.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"open_blockers": 1, "items": [{"relation_id": "0194f2a8-0000-7000-8000-0000000000aa", "kind": "blocked_by", "task": {"task_id": "0194f2a8-0000-7000-8000-0000000000bb", "title": "Pick a venue", "status": "in_progress"}, "created_by": "0194f2a8-0000-7000-8000-000000000001", "created_at": "2026-12-02T09:00:00Z"}]}))]
pub struct Relations {
    /// How many of the `blocked_by` tasks are neither done nor cancelled.
    open_blockers: i64,
    items: Vec<RelationResponse>,
}

impl From<Vec<RelationRow>> for Relations {
    fn from(rows: Vec<RelationRow>) -> Self {
        let items: Vec<RelationResponse> = rows
            .into_iter()
            .map(|r| RelationResponse {
                relation_id: r.relation_id,
                kind: r.kind.seen_from(r.starts_here),
                task: RelatedTask { task_id: r.task_id, title: r.title, status: r.status },
                created_by: r.created_by,
                created_at: r.created_at,
            })
            .collect();
        let open_blockers = items.iter().filter(|i| i.kind.is_blocked_by() && i.task.status.is_open()).count() as i64;
        Self { open_blockers, items }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"kind": "blocks", "task_id": "0194f2a8-0000-7000-8000-0000000000bb"}))]
#[serde(deny_unknown_fields)]
pub struct CreateRelationRequest {
    /// This task `blocks`, `relates_to` or `duplicates` the other.
    #[schema(value_type = RelationKind)]
    kind: String,
    /// The other task: one you can see, in any of your teams.
    task_id: Uuid,
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/relations", tag = "tasks", summary = "The task's relations", description = "Each relation is shown from this task's side (a task that blocks this one is `blocked_by`); only relations whose two tasks you can both see.", params(("task_id" = Uuid, Path, description = "Task id")), responses((status = 200, description = "The relations", body = Relations), Errors))]
#[tracing::instrument(name = "relations.list", skip_all)]
pub async fn list_relations(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rows = relations::list(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Relations::from(rows)))
}

#[utoipa::path(post, path = "/api/v1/tasks/{task_id}/relations", tag = "tasks", summary = "Relate the task to another", description = "Needs the right to change this task and to see the other. A `blocks` that would close a cycle is a 409 naming the path; two tasks are related at most once per kind, whichever side made it (409).", params(("task_id" = Uuid, Path, description = "Task id")), request_body = CreateRelationRequest, responses((status = 201, description = "The task's relations, the new one among them (`Location`: the task's relations)", body = Relations, headers(("Location" = String, description = "The task's relations"))), Errors))]
#[tracing::instrument(name = "relations.create", skip_all)]
pub async fn create_relation(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<CreateRelationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let kind = body.kind.parse::<RelationKind>().map_err(|m| ApiError::validation("kind", m))?;
    let task_id = path.into_inner();
    let rows = relations::create(state.store(), &user, task_id, kind, body.task_id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tasks/{task_id}/relations")))
        .json(Relations::from(rows)))
}

#[utoipa::path(delete, path = "/api/v1/tasks/{task_id}/relations/{relation_id}", tag = "tasks", summary = "Remove a relation", description = "From either of its tasks, by whoever sees both and may change either.", params(("task_id" = Uuid, Path, description = "Task id"), ("relation_id" = Uuid, Path, description = "Relation id")), responses((status = 204, description = "Removed"), Errors))]
#[tracing::instrument(name = "relations.delete", skip_all)]
pub async fn delete_relation(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (task_id, relation_id) = path.into_inner();
    relations::delete(state.store(), &user, task_id, relation_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
