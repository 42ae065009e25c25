//! `/api/v1/tasks/{task_id}/watchers`: who follows a task, and following it.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::watchers::WatcherRow;
use crate::domain::user::Caller;
use crate::error::{ApiError, Errors};
use crate::service::watchers;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct WatcherResponse {
    user_id: Uuid,
    /// Null where you may not see the person's name (you share no team).
    display_name: Option<String>,
    /// Watching since.
    since: DateTime<Utc>,
}

/// Everyone watching the task, longest first, and whether you are.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"watching": true, "total": 1, "items": [{"user_id": "0194f2a8-0000-7000-8000-000000000001", "display_name": "Ada", "since": "2026-12-02T09:00:00Z"}]}))]
pub struct Watchers {
    watching: bool,
    total: i64,
    items: Vec<WatcherResponse>,
}

impl Watchers {
    fn of(rows: Vec<WatcherRow>, user: &Caller) -> Self {
        let watching = rows.iter().any(|r| r.user_id == user.user_id.0);
        let items: Vec<WatcherResponse> = rows
            .into_iter()
            .map(|r| WatcherResponse { user_id: r.user_id, display_name: r.display_name, since: r.since })
            .collect();
        Self { watching, total: items.len() as i64, items }
    }
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/watchers", tag = "tasks", summary = "Who watches the task", description = "The creator, the assignees and anyone who commented watch automatically; anyone who can read the task may start or stop watching it.", params(("task_id" = Uuid, Path, description = "Task id")), responses((status = 200, description = "The watchers", body = Watchers), Errors))]
#[tracing::instrument(name = "watchers.list", skip_all)]
pub async fn list_watchers(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rows = watchers::list(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Watchers::of(rows, &user)))
}

#[utoipa::path(put, path = "/api/v1/tasks/{task_id}/watchers/me", tag = "tasks", summary = "Watch the task", description = "Idempotent: watching already changes nothing.", params(("task_id" = Uuid, Path, description = "Task id")), responses((status = 200, description = "The watchers, you among them", body = Watchers), Errors))]
#[tracing::instrument(name = "watchers.watch", skip_all)]
pub async fn watch(state: web::Data<AppState>, user: Caller, path: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let rows = watchers::set(state.store(), &user, path.into_inner(), true).await?;
    Ok(HttpResponse::Ok().json(Watchers::of(rows, &user)))
}

#[utoipa::path(delete, path = "/api/v1/tasks/{task_id}/watchers/me", tag = "tasks", summary = "Stop watching the task", description = "Idempotent: not watching changes nothing. Being assigned again, or commenting, starts watching again.", params(("task_id" = Uuid, Path, description = "Task id")), responses((status = 200, description = "The watchers, you not among them", body = Watchers), Errors))]
#[tracing::instrument(name = "watchers.unwatch", skip_all)]
pub async fn unwatch(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rows = watchers::set(state.store(), &user, path.into_inner(), false).await?;
    Ok(HttpResponse::Ok().json(Watchers::of(rows, &user)))
}
