//! `/api/v1/tasks/{task_id}/comments`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::mentions::MentionResponse;
use super::params::{self, Created, Idempotent};
use crate::db::comments::CommentRow;
use crate::domain::comment::CommentBody;
use crate::domain::user::Caller;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::comments;
use crate::state::AppState;

const ORDERING: &str = "comments";

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"comment_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f61", "task_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", "author_id": "0194f2a8-0000-7000-8000-000000000001", "author_name": "Ada Lovelace", "body": "Looks good to me, @Grace Hopper", "created_at": "2026-11-28T09:05:00Z", "updated_at": "2026-11-28T09:05:00Z", "edited_at": null, "mentions": [{"user_id": "0194f2a8-0000-7000-8000-000000000002", "display_name": "Grace Hopper", "texts": ["Grace Hopper"]}]}))]
pub struct CommentResponse {
    pub comment_id: Uuid,
    pub task_id: Uuid,
    /// Null once the author's account is erased.
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Who the body names (members of the task's team when it was saved).
    pub mentions: Vec<MentionResponse>,
}

impl From<CommentRow> for CommentResponse {
    fn from(r: CommentRow) -> Self {
        Self {
            comment_id: r.comment_id,
            task_id: r.task_id,
            // An erased author's comments stay, attributed to nobody in particular.
            author_name: if r.author_id.is_none() { Some("deleted user".into()) } else { r.author_name },
            author_id: r.author_id,
            body: r.body,
            created_at: r.created_at,
            updated_at: r.updated_at,
            edited_at: r.edited_at,
            mentions: super::mentions::responses(r.mentions.0),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct CommentPage {
    items: Vec<CommentResponse>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"body": "Looks good to me"}))]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    #[schema(
        max_length = 10000,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00]*$"
    )]
    body: String,
}

fn body(raw: &str) -> Result<CommentBody, ApiError> {
    CommentBody::parse(raw).map_err(|m| ApiError::validation("body", m))
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/comments", tag = "comments", summary = "Comments on a task, oldest first", params(("task_id" = Uuid, Path, description = "Task id"), PageQuery), responses((status = 200, description = "A page of comments (`Link` to the next)", body = CommentPage), Errors))]
#[tracing::instrument(name = "comments.list", skip_all)]
pub async fn list_comments(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let rows = comments::list(state.store(), &user, path.into_inner(), after, limit + 1).await?;
    let (rows, next_cursor) = cursor::page(rows, limit, |r| cursor::encode_time(ORDERING, r.created_at, r.comment_id));
    let page = CommentPage { items: rows.into_iter().map(CommentResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(get, path = "/api/v1/tasks/{task_id}/comments/{comment_id}", tag = "comments", summary = "One comment", params(("task_id" = Uuid, Path, description = "Task id"), ("comment_id" = Uuid, Path, description = "Comment id")), responses((status = 200, description = "The comment", body = CommentResponse), Errors))]
#[tracing::instrument(name = "comments.get", skip_all)]
pub async fn get_comment(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (task_id, comment_id) = path.into_inner();
    let row = comments::get(state.store(), &user, task_id, comment_id).await?;
    Ok(HttpResponse::Ok().json(CommentResponse::from(row)))
}

#[utoipa::path(post, path = "/api/v1/tasks/{task_id}/comments", tag = "comments", summary = "Comment on a task", params(("task_id" = Uuid, Path, description = "Task id"), ("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[\x21-\x7e]{1,255}$", max_length = 255, description = "Makes a retried create safe: same key and body replay the first response (24 h)")), request_body = CommentRequest, responses((status = 201, description = "The comment", body = CommentResponse), Errors))]
#[tracing::instrument(name = "comments.create", skip_all)]
pub async fn create_comment(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    request: Idempotent<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let task_id = path.into_inner();
    let created = Created {
        location: |c: &CommentRow| format!("/api/v1/tasks/{task_id}/comments/{}", c.comment_id),
        body: |c: &CommentRow| CommentResponse::from(c.clone()),
    };
    let text = body(&request.body.body)?;
    let render = |c: &CommentRow| created.stored(c);
    Ok(created.respond(comments::create(state.store(), &user, task_id, text, request.key.as_ref(), render).await?))
}

#[utoipa::path(patch, path = "/api/v1/tasks/{task_id}/comments/{comment_id}", tag = "comments", summary = "Edit your comment", params(("task_id" = Uuid, Path, description = "Task id"), ("comment_id" = Uuid, Path, description = "Comment id")), request_body = CommentRequest, responses((status = 200, description = "The comment", body = CommentResponse), Errors))]
#[tracing::instrument(name = "comments.update", skip_all)]
pub async fn update_comment(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
    req: web::Json<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let (task_id, comment_id) = path.into_inner();
    let row = comments::edit(state.store(), &user, task_id, comment_id, body(&req.body)?).await?;
    Ok(HttpResponse::Ok().json(CommentResponse::from(row)))
}

#[utoipa::path(delete, path = "/api/v1/tasks/{task_id}/comments/{comment_id}", tag = "comments", summary = "Delete a comment", params(("task_id" = Uuid, Path, description = "Task id"), ("comment_id" = Uuid, Path, description = "Comment id")), responses((status = 204, description = "Deleted"), Errors))]
#[tracing::instrument(name = "comments.delete", skip_all)]
pub async fn delete_comment(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (task_id, comment_id) = path.into_inner();
    comments::delete(state.store(), &user, task_id, comment_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
