//! `/api/v1/timesheets`: a person's ISO week, its submission and review;
//! `/api/v1/time-entries/{id}/approve|reject|reopen`; a team's approvals.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::params;
use super::time::EntryResponse;
use crate::db::time_entries::PendingRow;
use crate::domain::task::Limit;
use crate::domain::timesheet::{EntryState, IsoWeek, RejectionReason, Timesheet};
use crate::domain::user::Caller;
use crate::error::{ApiError, Errors};
use crate::service::timesheets::{self, Decision, WeekChange};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SheetQuery {
    /// An ISO week. Default: the current week in the person's zone.
    #[param(pattern = r"^[1-9][0-9]{3}-W(0[1-9]|[1-4][0-9]|5[0-3])$", max_length = 8, example = "2026-W48")]
    week: Option<String>,
    /// Whose week (default: yours). The owners and admins of a team the
    /// person is in see the time on that team's tasks.
    user_id: Option<Uuid>,
}

fn week(raw: &str) -> Result<IsoWeek, ApiError> {
    IsoWeek::parse(raw).map_err(|m| ApiError::validation("week", m))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WeekChangeResponse {
    /// How many entries this moved (0 when none were waiting).
    entries: u64,
    timesheet: Timesheet,
}

impl From<WeekChange> for WeekChangeResponse {
    fn from(c: WeekChange) -> Self {
        Self { entries: c.entries, timesheet: c.timesheet }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": "0194f2a8-0000-7000-8000-000000000001"}))]
pub struct ApproveWeekRequest {
    user_id: Uuid,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"user_id": "0194f2a8-0000-7000-8000-000000000001", "reason": "Tuesday belongs to the Acme project"}))]
pub struct RejectWeekRequest {
    user_id: Uuid,
    #[schema(min_length = 1, max_length = 1000, pattern = r"^[^\x00]*\S[^\x00]*$")]
    reason: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "This was the Acme project"}))]
pub struct RejectRequest {
    #[schema(min_length = 1, max_length = 1000, pattern = r"^[^\x00]*\S[^\x00]*$")]
    reason: String,
}

fn reason(raw: &str) -> Result<RejectionReason, ApiError> {
    RejectionReason::parse(raw).map_err(|m| ApiError::validation("reason", m))
}

#[utoipa::path(get, path = "/api/v1/timesheets", tag = "time", summary = "A person's week: task by day, with its review state", description = "Days are read in the person's own `time_zone` (Monday to Sunday). Yours by default; the owners and admins of a team the person is in see their time on that team's tasks (404 for anyone else).", params(SheetQuery), responses((status = 200, description = "The week", body = Timesheet), Errors))]
#[tracing::instrument(name = "timesheets.get", skip_all)]
pub async fn get_timesheet(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: SheetQuery = params::query(&req)?;
    let w = q.week.as_deref().map(week).transpose()?;
    Ok(HttpResponse::Ok().json(timesheets::week(state.store(), &user, w, q.user_id).await?))
}

#[utoipa::path(post, path = "/api/v1/timesheets/{week}/submit", tag = "time", summary = "Submit your week for approval (audited)", description = "Your finished draft entries on team tasks in the week (and rejected ones, again) become `submitted`: they no longer change until a team admin rejects them, and an admin approves them. Personal time, running timers and locked days stay as they are. Submitting again submits what is new.", params(("week" = String, Path, pattern = r"^[1-9][0-9]{3}-W(0[1-9]|[1-4][0-9]|5[0-3])$", max_length = 8, example = "2026-W48", description = "ISO week")), responses((status = 200, description = "How many entries were submitted, and the week", body = WeekChangeResponse), Errors))]
#[tracing::instrument(name = "timesheets.submit", skip_all)]
pub async fn submit_week(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let w = week(&path)?;
    Ok(HttpResponse::Ok().json(WeekChangeResponse::from(timesheets::submit(state.store(), &user, w).await?)))
}

#[utoipa::path(post, path = "/api/v1/timesheets/{week}/approve", tag = "time", summary = "Approve a person's submitted week (team owner/admin, audited)", description = "Approves the person's submitted entries of the week on the teams you own or administer. Approved time changes only after an admin reopens it.", params(("week" = String, Path, pattern = r"^[1-9][0-9]{3}-W(0[1-9]|[1-4][0-9]|5[0-3])$", max_length = 8, example = "2026-W48", description = "ISO week")), request_body = ApproveWeekRequest, responses((status = 200, description = "How many entries were approved, and the week", body = WeekChangeResponse), Errors))]
#[tracing::instrument(name = "timesheets.approve", skip_all)]
pub async fn approve_week(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<String>,
    body: web::Json<ApproveWeekRequest>,
) -> Result<HttpResponse, ApiError> {
    let w = week(&path)?;
    let change = timesheets::review_week(state.store(), &user, w, body.user_id, Decision::Approve).await?;
    Ok(HttpResponse::Ok().json(WeekChangeResponse::from(change)))
}

#[utoipa::path(post, path = "/api/v1/timesheets/{week}/reject", tag = "time", summary = "Send a person's submitted week back (team owner/admin, audited)", description = "Rejects the person's submitted entries of the week on the teams you own or administer, with the reason they will read. They correct and submit again.", params(("week" = String, Path, pattern = r"^[1-9][0-9]{3}-W(0[1-9]|[1-4][0-9]|5[0-3])$", max_length = 8, example = "2026-W48", description = "ISO week")), request_body = RejectWeekRequest, responses((status = 200, description = "How many entries were rejected, and the week", body = WeekChangeResponse), Errors))]
#[tracing::instrument(name = "timesheets.reject", skip_all)]
pub async fn reject_week(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<String>,
    body: web::Json<RejectWeekRequest>,
) -> Result<HttpResponse, ApiError> {
    let w = week(&path)?;
    let why = reason(&body.reason)?;
    let change = timesheets::review_week(state.store(), &user, w, body.user_id, Decision::Reject(why)).await?;
    Ok(HttpResponse::Ok().json(WeekChangeResponse::from(change)))
}

#[utoipa::path(post, path = "/api/v1/time-entries/{entry_id}/approve", tag = "time", summary = "Approve one submitted entry (team owner/admin, audited)", params(("entry_id" = Uuid, Path, description = "Time entry id")), responses((status = 200, description = "The entry, `approved`", body = EntryResponse), Errors))]
#[tracing::instrument(name = "time_entries.approve", skip_all)]
pub async fn approve_entry(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = timesheets::review(state.store(), &user, path.into_inner(), EntryState::Approved, None).await?;
    Ok(HttpResponse::Ok().json(EntryResponse::from(row)))
}

#[utoipa::path(post, path = "/api/v1/time-entries/{entry_id}/reject", tag = "time", summary = "Send one submitted entry back (team owner/admin, audited)", params(("entry_id" = Uuid, Path, description = "Time entry id")), request_body = RejectRequest, responses((status = 200, description = "The entry, `rejected`", body = EntryResponse), Errors))]
#[tracing::instrument(name = "time_entries.reject", skip_all)]
pub async fn reject_entry(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    let why = reason(&body.reason)?;
    let row = timesheets::review(state.store(), &user, path.into_inner(), EntryState::Rejected, Some(why)).await?;
    Ok(HttpResponse::Ok().json(EntryResponse::from(row)))
}

#[utoipa::path(post, path = "/api/v1/time-entries/{entry_id}/reopen", tag = "time", summary = "Reopen an approved entry as a draft (team owner/admin, audited)", description = "The one way to change approved time: the entry is a draft again, its tracker edits it and submits it once more.", params(("entry_id" = Uuid, Path, description = "Time entry id")), responses((status = 200, description = "The entry, `draft`", body = EntryResponse), Errors))]
#[tracing::instrument(name = "time_entries.reopen", skip_all)]
pub async fn reopen_entry(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = timesheets::review(state.store(), &user, path.into_inner(), EntryState::Draft, None).await?;
    Ok(HttpResponse::Ok().json(EntryResponse::from(row)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PendingQuery {
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"user_id": "0194f2a8-0000-7000-8000-000000000001", "name": "Ada", "week": "2026-W48", "entries": 9, "seconds": 142200}))]
pub struct PendingWeek {
    user_id: Uuid,
    name: String,
    /// In the person's zone.
    week: String,
    entries: i64,
    seconds: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingList {
    /// The longest waiting first.
    items: Vec<PendingWeek>,
}

impl From<PendingRow> for PendingWeek {
    fn from(r: PendingRow) -> Self {
        Self { user_id: r.user_id, name: r.name, week: r.week, entries: r.entries, seconds: r.seconds }
    }
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/approvals", tag = "teams", summary = "Submitted weeks waiting for review (owner/admin)", description = "One item per person and ISO week with submitted time on the team's tasks, the oldest week first; at most `limit` (default 50).", params(("team_id" = Uuid, Path, description = "Team id"), PendingQuery), responses((status = 200, description = "The queue", body = PendingList), Errors))]
#[tracing::instrument(name = "timesheets.pending", skip_all)]
pub async fn list_approvals(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: PendingQuery = params::query(&req)?;
    let limit = Limit::parse(q.limit).map_err(|m| ApiError::validation("limit", m))?.0;
    let rows = timesheets::pending(state.store(), &user, path.into_inner(), limit).await?;
    Ok(HttpResponse::Ok().json(PendingList { items: rows.into_iter().map(PendingWeek::from).collect() }))
}
