//! `/api/v1/me/mentions`, and the `mentions` beside comments and tasks.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params;
use crate::db::mentions::{MentionRow, MyMentionRow};
use crate::domain::user::Caller;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::mentions;
use crate::state::AppState;

const ORDERING: &str = "mentions";

/// A person the text names: a member of the task's team (for a personal
/// task its creator or an assignee) when it was saved.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"user_id": "0194f2a8-0000-7000-8000-000000000002", "display_name": "Ada Lovelace", "texts": ["Ada Lovelace", "ada"]}))]
pub struct MentionResponse {
    pub user_id: Uuid,
    /// Null where you may not read the person's name.
    pub display_name: Option<String>,
    /// How the text names them, as written after the `@` (for highlighting).
    pub texts: Vec<String>,
}

impl From<MentionRow> for MentionResponse {
    fn from(r: MentionRow) -> Self {
        Self { user_id: r.user_id, display_name: r.display_name, texts: r.texts }
    }
}

pub fn responses(rows: Vec<MentionRow>) -> Vec<MentionResponse> {
    rows.into_iter().map(MentionResponse::from).collect()
}

/// Where someone named you.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"mention_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f70", "task_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", "task_title": "Ship v1", "team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f10", "comment_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f61", "mentioned_by": "0194f2a8-0000-7000-8000-000000000001", "mentioned_by_name": "Grace Hopper", "excerpt": "@Ada Lovelace can you review the release notes?", "created_at": "2026-12-03T09:05:00Z"}))]
pub struct MyMentionResponse {
    pub mention_id: Uuid,
    pub task_id: Uuid,
    pub task_title: String,
    pub team_id: Option<Uuid>,
    /// The comment that names you, or null for the task's description.
    pub comment_id: Option<Uuid>,
    /// Null once their account is erased.
    pub mentioned_by: Option<Uuid>,
    pub mentioned_by_name: Option<String>,
    /// Up to 200 characters of the text, from a little before the mention.
    pub excerpt: String,
    pub created_at: DateTime<Utc>,
}

impl From<MyMentionRow> for MyMentionResponse {
    fn from(r: MyMentionRow) -> Self {
        Self {
            mention_id: r.mention_id,
            task_id: r.task_id,
            task_title: r.task_title,
            team_id: r.team_id,
            comment_id: r.comment_id,
            mentioned_by_name: if r.mentioned_by.is_none() { Some("deleted user".into()) } else { r.mentioned_by_name },
            mentioned_by: r.mentioned_by,
            excerpt: r.excerpt,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct MyMentionPage {
    items: Vec<MyMentionResponse>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me/mentions", tag = "me", summary = "Where you were mentioned, newest first", params(PageQuery), responses((status = 200, description = "A page of mentions in tasks you can read (`Link` to the next)", body = MyMentionPage), Errors))]
#[tracing::instrument(name = "mentions.mine", skip_all)]
pub async fn my_mentions(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let before = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let rows = mentions::mine(state.store(), &user, before, limit + 1).await?;
    let (rows, next_cursor) = cursor::page(rows, limit, |r| cursor::encode_time(ORDERING, r.created_at, r.mention_id));
    let page = MyMentionPage { items: rows.into_iter().map(MyMentionResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}
