//! `/api/v1/tasks/{task_id}/activity`: what happened to a task, newest first.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params;
use crate::db::history::ActivityRow;
use crate::domain::history::TaskField;
use crate::domain::user::Caller;
use crate::error::{ApiError, Errors};
use crate::service::history;
use crate::state::AppState;

const ORDERING: &str = "activity";

/// One thing that happened to the task. `actor_name` is null once the
/// person's account is erased.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActivityItem {
    /// The task was created (`title` is its title now; a later rename is its own change).
    Created { id: Uuid, at: DateTime<Utc>, actor_id: Option<Uuid>, actor_name: Option<String>, title: String },
    /// One field changed: its JSON value before and after (null when empty).
    Changed {
        id: Uuid,
        at: DateTime<Utc>,
        actor_id: Option<Uuid>,
        actor_name: Option<String>,
        field: TaskField,
        old: serde_json::Value,
        new: serde_json::Value,
    },
    /// A comment (`id` is the comment's).
    Comment { id: Uuid, at: DateTime<Utc>, actor_id: Option<Uuid>, actor_name: Option<String>, body: String },
    /// Time tracked (`id` is the entry's; `seconds` null while its timer runs).
    TimeEntry {
        id: Uuid,
        at: DateTime<Utc>,
        actor_id: Option<Uuid>,
        actor_name: Option<String>,
        started_at: DateTime<Utc>,
        seconds: Option<i64>,
        note: Option<String>,
    },
}

impl ActivityItem {
    fn from_row(r: ActivityRow) -> Option<Self> {
        let (id, at, actor_id, actor_name) = (r.id, r.at, r.actor_id, r.actor_name);
        Some(match r.kind.as_str() {
            "created" => Self::Created { id, at, actor_id, actor_name, title: r.text.unwrap_or_default() },
            "changed" => Self::Changed {
                id,
                at,
                actor_id,
                actor_name,
                // A field this release does not know (recorded by a newer
                // one, mid-rollout) is left out rather than failing the page.
                field: r.field?.parse().ok()?,
                old: r.old_value.unwrap_or_default(),
                new: r.new_value.unwrap_or_default(),
            },
            "comment" => Self::Comment { id, at, actor_id, actor_name, body: r.text.unwrap_or_default() },
            "time_entry" => Self::TimeEntry {
                id,
                at,
                actor_id,
                actor_name,
                started_at: r.started_at?,
                seconds: r.seconds,
                note: r.text,
            },
            _ => return None,
        })
    }

    fn key(&self) -> (DateTime<Utc>, Uuid) {
        match self {
            Self::Created { at, id, .. }
            | Self::Changed { at, id, .. }
            | Self::Comment { at, id, .. }
            | Self::TimeEntry { at, id, .. } => (*at, *id),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"items": [{"kind": "changed", "id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5fd0", "at": "2026-12-02T09:30:00Z", "actor_id": "0194f2a8-0000-7000-8000-000000000001", "actor_name": "Ada", "field": "status", "old": "todo", "new": "in_progress"}, {"kind": "comment", "id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5fd1", "at": "2026-12-02T09:10:00Z", "actor_id": "0194f2a8-0000-7000-8000-000000000002", "actor_name": "Grace", "body": "Starting on this"}, {"kind": "created", "id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", "at": "2026-12-02T09:00:00Z", "actor_id": "0194f2a8-0000-7000-8000-000000000001", "actor_name": "Ada", "title": "Ship v1"}], "next_cursor": null}))]
pub struct ActivityPage {
    items: Vec<ActivityItem>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/activity", tag = "tasks", summary = "The task's history, comments and tracked time, newest first", description = "Every change to the task's fields (who, when, the value before and after), recorded by Postgres in the change's own transaction and never edited; its comments; the time entries you may see on it (yours, or all as a team owner/admin); and its creation. Read by whoever can read the task.", params(("task_id" = Uuid, Path, description = "Task id"), PageQuery), responses((status = 200, description = "A page of the stream (`Link` to the next)", body = ActivityPage), Errors))]
#[tracing::instrument(name = "tasks.activity", skip_all)]
pub async fn task_activity(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let before = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let rows = history::activity(state.store(), &user, path.into_inner(), before, limit + 1).await?;
    let items: Vec<ActivityItem> = rows.into_iter().filter_map(ActivityItem::from_row).collect();
    let (items, next_cursor) = cursor::page(items, limit, |i| {
        let (at, id) = i.key();
        cursor::encode_time(ORDERING, at, id)
    });
    let page = ActivityPage { items, next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}
