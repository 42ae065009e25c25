//! `/api/v1/teams/{team_id}/time-locks`: locked periods.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params;
use super::rates::date;
use crate::db::time_locks::LockRow;
use crate::domain::user::Caller;
use crate::error::{ApiError, Errors};
use crate::service::time_locks;
use crate::state::AppState;

const ORDERING: &str = "time_locks";

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"until": "2026-11-30"}))]
pub struct LockRequest {
    /// The last day locked, included (in each tracker's time zone).
    #[schema(value_type = String, format = Date, example = "2026-11-30")]
    until: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"lock_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5fa0", "team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f70", "until": "2026-11-30", "created_by": "0194f2a8-0000-7000-8000-000000000001", "created_at": "2026-12-01T08:00:00Z"}))]
pub struct LockResponse {
    lock_id: Uuid,
    team_id: Uuid,
    until: NaiveDate,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<LockRow> for LockResponse {
    fn from(r: LockRow) -> Self {
        Self {
            lock_id: r.lock_id,
            team_id: r.team_id,
            until: r.until,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LockPage {
    items: Vec<LockResponse>,
    next_cursor: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/teams/{team_id}/time-locks", tag = "teams", summary = "Lock the team's time up to a day (owner/admin, audited)", description = "Entries on the team's tasks on or before `until` (in each tracker's zone) can then be neither created, edited nor deleted by anyone: a 409 naming the lock, refused by Postgres itself. Repricing leaves them alone too. `until` must be later than the current lock and not after the latest day that has begun anywhere.", params(("team_id" = Uuid, Path, description = "Team id")), request_body = LockRequest, responses((status = 201, description = "The lock (`Location`)", body = LockResponse), Errors))]
#[tracing::instrument(name = "time_locks.create", skip_all)]
pub async fn create_lock(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<LockRequest>,
) -> Result<HttpResponse, ApiError> {
    let until = date(&body.until).map_err(|m| ApiError::validation("until", m))?;
    let row = time_locks::create(state.store(), &user, path.into_inner(), until).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/teams/{}/time-locks/{}", row.team_id, row.lock_id)))
        .json(LockResponse::from(row)))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/time-locks", tag = "teams", summary = "The team's locks, the latest first (any member)", params(("team_id" = Uuid, Path, description = "Team id"), PageQuery), responses((status = 200, description = "A page of locks (`Link` to the next)", body = LockPage), Errors))]
#[tracing::instrument(name = "time_locks.list", skip_all)]
pub async fn list_locks(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_day(c, ORDERING)).transpose()?;
    let rows = time_locks::list(state.store(), &user, path.into_inner(), after, limit + 1).await?;
    let (rows, next_cursor) = cursor::page(rows, limit, |r| cursor::encode_day(ORDERING, r.until, r.lock_id));
    let page = LockPage { items: rows.into_iter().map(LockResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/time-locks/{lock_id}", tag = "teams", summary = "One lock (any member)", params(("team_id" = Uuid, Path, description = "Team id"), ("lock_id" = Uuid, Path, description = "Lock id")), responses((status = 200, description = "The lock", body = LockResponse), Errors))]
#[tracing::instrument(name = "time_locks.get", skip_all)]
pub async fn get_lock(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, lock_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(LockResponse::from(time_locks::get(state.store(), &user, team_id, lock_id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/time-locks/{lock_id}", tag = "teams", summary = "Lift a lock (owner/admin, audited)", params(("team_id" = Uuid, Path, description = "Team id"), ("lock_id" = Uuid, Path, description = "Lock id")), responses((status = 204, description = "Lifted"), Errors))]
#[tracing::instrument(name = "time_locks.delete", skip_all)]
pub async fn delete_lock(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, lock_id) = path.into_inner();
    time_locks::delete(state.store(), &user, team_id, lock_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
