//! `/api/v1/trash`: deleted tasks, restored or deleted for good.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params;
use super::tasks::TaskResponse;
use crate::db::trash::TrashRow;
use crate::domain::task::TaskStatus;
use crate::domain::user::Caller;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::trash;
use crate::state::AppState;

const ORDERING: &str = "trash";

/// A task someone deleted, with what went to the trash with it.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"task_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", "team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f10", "project_id": null, "parent_task_id": null, "title": "Old landing page", "status": "todo", "created_by": "0194f2a8-0000-7000-8000-000000000001", "trashed_at": "2026-12-03T09:00:00Z", "trashed_by": "0194f2a8-0000-7000-8000-000000000001", "trashed_by_name": "Ada Lovelace", "subtasks": 2, "parent_trashed": false}))]
pub struct TrashResponse {
    pub task_id: Uuid,
    pub team_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub parent_task_id: Option<Uuid>,
    pub title: String,
    pub status: TaskStatus,
    pub created_by: Option<Uuid>,
    pub trashed_at: DateTime<Utc>,
    /// Null once their account is erased.
    pub trashed_by: Option<Uuid>,
    pub trashed_by_name: Option<String>,
    /// Its subtasks (at any depth) that went to the trash with it, and come back with it.
    pub subtasks: i64,
    /// Its parent is in the trash too: restore the parent first.
    pub parent_trashed: bool,
}

impl From<TrashRow> for TrashResponse {
    fn from(r: TrashRow) -> Self {
        Self {
            task_id: r.task_id,
            team_id: r.team_id,
            project_id: r.project_id,
            parent_task_id: r.parent_task_id,
            title: r.title,
            status: r.status,
            created_by: r.created_by,
            trashed_at: r.trashed_at,
            trashed_by_name: if r.trashed_by.is_none() { Some("deleted user".into()) } else { r.trashed_by_name },
            trashed_by: r.trashed_by,
            subtasks: r.subtasks,
            parent_trashed: r.parent_trashed,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct TrashPage {
    items: Vec<TrashResponse>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/trash", tag = "tasks", summary = "Deleted tasks you look after, newest first", description = "What you deleted, your personal tasks, and every task deleted in a team where you are an owner or admin. Purged after `tasks.trash_days` (default 30).", params(PageQuery), responses((status = 200, description = "A page of the trash (`Link` to the next)", body = TrashPage), Errors))]
#[tracing::instrument(name = "trash.list", skip_all)]
pub async fn list_trash(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let before = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let rows = trash::list(state.store(), &user, before, limit + 1).await?;
    let (rows, next_cursor) = cursor::page(rows, limit, |r| cursor::encode_time(ORDERING, r.trashed_at, r.task_id));
    let page = TrashPage { items: rows.into_iter().map(TrashResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(post, path = "/api/v1/trash/{task_id}/restore", tag = "tasks", summary = "Bring a task back from the trash", description = "With the subtasks that went with it; its comments, time entries, relations and history are as they were. Whoever could delete it may restore it.", params(("task_id" = Uuid, Path, description = "Task id")), responses((status = 200, description = "The task, back in its lists", body = TaskResponse, headers(("ETag" = String, description = "The task's version"))), Errors))]
#[tracing::instrument(name = "trash.restore", skip_all)]
pub async fn restore_task(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let task = trash::restore(state.store(), &user, path.into_inner()).await?;
    let version = task.version;
    Ok(super::tasks::with_etag(HttpResponse::Ok().json(TaskResponse::from(task)), version))
}

#[utoipa::path(delete, path = "/api/v1/trash/{task_id}", tag = "tasks", summary = "Delete a task in the trash for good", description = "With its subtasks, comments, time entries and relations. The team's owners and admins, or a personal task's creator.", params(("task_id" = Uuid, Path, description = "Task id")), responses((status = 204, description = "Deleted for good"), Errors))]
#[tracing::instrument(name = "trash.purge", skip_all)]
pub async fn purge_task(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    trash::purge(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
