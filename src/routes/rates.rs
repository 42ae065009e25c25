//! `/api/v1/teams/{team_id}/rates`: hourly rates (team default, member,
//! task, member on task), effective-dated, and repricing past entries.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params::{self, non_null};
use crate::db::rates::RateRow;
use crate::domain::money::{Currency, HourlyRate, NewRate};
use crate::domain::user::Caller;
use crate::domain::{field, AllFields};
use crate::error::{ApiError, Errors};
use crate::service::rates;
use crate::state::AppState;

const ORDERING: &str = "rates";

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"hourly_rate": 9500, "currency": "EUR", "effective_from": "2026-11-01", "user_id": "0194f2a8-0000-7000-8000-000000000001"}))]
pub struct RateRequest {
    /// Per hour, in the currency's minor units: 9500 is 95.00 EUR, 12000 is
    /// 12,000 JPY. Whole numbers only.
    #[schema(value_type = i64, minimum = 0, maximum = 100_000_000_000_i64)]
    hourly_rate: serde_json::Number,
    /// ISO 4217. A team bills in one currency: its first rate's.
    #[schema(pattern = "^[A-Z]{3}$", min_length = 3, max_length = 3, example = "EUR")]
    currency: String,
    /// The first day it applies to, in the tracker's time zone. Entries
    /// already saved keep their rate until repriced.
    #[schema(value_type = String, format = Date, example = "2026-11-01")]
    effective_from: String,
    /// A member's own rate (else the team's default).
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    user_id: Option<Uuid>,
    /// A task's rate; with `user_id`, that member's on that task.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    task_id: Option<Uuid>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"rate_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f90", "team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f70", "user_id": null, "task_id": null, "hourly_rate": 9500, "currency": "EUR", "effective_from": "2026-11-01", "created_by": "0194f2a8-0000-7000-8000-000000000001", "created_at": "2026-11-01T08:00:00Z"}))]
pub struct RateResponse {
    rate_id: Uuid,
    team_id: Uuid,
    /// Null for the team's default or a task's rate for everyone.
    user_id: Option<Uuid>,
    task_id: Option<Uuid>,
    /// Minor units per hour.
    hourly_rate: i64,
    currency: String,
    effective_from: NaiveDate,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<RateRow> for RateResponse {
    fn from(r: RateRow) -> Self {
        Self {
            rate_id: r.rate_id,
            team_id: r.team_id,
            user_id: r.user_id,
            task_id: r.task_id,
            hourly_rate: r.hourly_rate,
            currency: r.currency,
            effective_from: r.effective_from,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RatePage {
    items: Vec<RateResponse>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"since": "2026-11-01"}))]
pub struct RepriceRequest {
    /// Entries from this day on (in each tracker's zone) take the rate in
    /// force now.
    #[schema(value_type = String, format = Date, example = "2026-11-01")]
    since: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RepriceResponse {
    /// How many entries' amounts changed.
    repriced: i64,
}

pub(super) fn date(raw: &str) -> Result<NaiveDate, String> {
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(day) if raw.len() == 10 => Ok(day),
        _ => Err("must be a date such as 2026-11-01".into()),
    }
}

fn location(r: &RateRow) -> String {
    format!("/api/v1/teams/{}/rates/{}", r.team_id, r.rate_id)
}

#[utoipa::path(post, path = "/api/v1/teams/{team_id}/rates", tag = "teams", summary = "Set an hourly rate (owner/admin)", description = "The team's default (no `user_id`, no `task_id`), a member's, a task's, or a member's on a task; the most specific in force on the day an entry starts is the one it is saved with. The team's first rate sets its currency; a rate in another is a 422 naming `currency`.", params(("team_id" = Uuid, Path, description = "Team id")), request_body = RateRequest, responses((status = 201, description = "The rate (`Location`)", body = RateResponse), Errors))]
#[tracing::instrument(name = "rates.create", skip_all)]
pub async fn create_rate(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<RateRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (hourly_rate, currency, effective_from) = (
        field("hourly_rate", HourlyRate::parse(&b.hourly_rate)),
        field("currency", Currency::parse(&b.currency)),
        field("effective_from", date(&b.effective_from)),
    )
        .all()
        .map_err(ApiError::Validation)?;
    let rate = NewRate { hourly_rate, currency, effective_from, user_id: b.user_id, task_id: b.task_id };
    let row = rates::create(state.store(), &user, path.into_inner(), rate).await?;
    Ok(HttpResponse::Created().insert_header(("Location", location(&row))).json(RateResponse::from(row)))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/rates", tag = "teams", summary = "The team's rates, latest first (owner/admin)", params(("team_id" = Uuid, Path, description = "Team id"), PageQuery), responses((status = 200, description = "A page of rates (`Link` to the next)", body = RatePage), Errors))]
#[tracing::instrument(name = "rates.list", skip_all)]
pub async fn list_rates(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_day(c, ORDERING)).transpose()?;
    let rows = rates::list(state.store(), &user, path.into_inner(), after, limit + 1).await?;
    let (rows, next_cursor) = cursor::page(rows, limit, |r| cursor::encode_day(ORDERING, r.effective_from, r.rate_id));
    let page = RatePage { items: rows.into_iter().map(RateResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/rates/{rate_id}", tag = "teams", summary = "One rate (owner/admin)", params(("team_id" = Uuid, Path, description = "Team id"), ("rate_id" = Uuid, Path, description = "Rate id")), responses((status = 200, description = "The rate", body = RateResponse), Errors))]
#[tracing::instrument(name = "rates.get", skip_all)]
pub async fn get_rate(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, rate_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(RateResponse::from(rates::get(state.store(), &user, team_id, rate_id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/rates/{rate_id}", tag = "teams", summary = "Remove a rate (owner/admin)", description = "Entries saved with it keep their amounts until repriced.", params(("team_id" = Uuid, Path, description = "Team id"), ("rate_id" = Uuid, Path, description = "Rate id")), responses((status = 204, description = "Removed"), Errors))]
#[tracing::instrument(name = "rates.delete", skip_all)]
pub async fn delete_rate(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, rate_id) = path.into_inner();
    rates::delete(state.store(), &user, team_id, rate_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/teams/{team_id}/rates/reprice", tag = "teams", summary = "Reprice entries from a day on (owner/admin, audited)", description = "Every entry on the team's tasks from `since` takes the rate in force now (entries no rate covers lose their amount). Otherwise an entry keeps the rate it was saved with.", params(("team_id" = Uuid, Path, description = "Team id")), request_body = RepriceRequest, responses((status = 200, description = "How many entries changed", body = RepriceResponse), Errors))]
#[tracing::instrument(name = "rates.reprice", skip_all)]
pub async fn reprice(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<RepriceRequest>,
) -> Result<HttpResponse, ApiError> {
    let since = date(&body.since).map_err(|m| ApiError::validation("since", m))?;
    let repriced = rates::reprice(state.store(), &user, path.into_inner(), since).await?;
    Ok(HttpResponse::Ok().json(RepriceResponse { repriced }))
}
