//! `/api/v1/admin/jobs`: the background job queue, for global admins.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor;
use super::params::{self, whole};
use crate::db::jobs::JobRow;
use crate::domain::job::{JobKind, JobState, Ping, PingFailure};
use crate::domain::task::Limit;
use crate::domain::user::Caller;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::jobs;
use crate::state::AppState;

const ORDERING: &str = "jobs";

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListJobsQuery {
    /// Only jobs in this state.
    state: Option<JobState>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(pattern = r"^[A-Za-z0-9_-]+$", max_length = 1024)]
    cursor: Option<String>,
}

/// A background job.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"job_id": "019a8f2e-1c00-7000-8000-000000000001", "kind": "diagnostic.ping", "payload": {"fail_attempts": 1, "fail_with": "error", "sleep_ms": 0, "timeout_ms": 10000}, "state": "done", "attempts": 2, "max_attempts": 5, "timeout_ms": 10000, "run_at": "2026-12-04T09:00:05Z", "locked_by": null, "locked_until": null, "started_at": "2026-12-04T09:00:05Z", "finished_at": "2026-12-04T09:00:05Z", "last_error": null, "result": {"worker": "taskflow-7d9f:1:0a1b2c3d:0", "attempt": 2}, "enqueued_by": "0194f2a8-0000-7000-8000-000000000001", "created_at": "2026-12-04T09:00:00Z", "updated_at": "2026-12-04T09:00:05Z"}))]
pub struct JobResponse {
    pub job_id: Uuid,
    pub kind: JobKind,
    pub payload: serde_json::Value,
    pub state: JobState,
    /// Claims so far, the running one included.
    pub attempts: i32,
    pub max_attempts: i32,
    pub timeout_ms: i32,
    /// Due at (the next retry's time for a queued job that failed).
    pub run_at: DateTime<Utc>,
    /// The worker running it (host:pid:instance:n).
    pub locked_by: Option<String>,
    /// When its lease lapses unless the worker renews it.
    pub locked_until: Option<DateTime<Utc>>,
    /// When the latest attempt started.
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the latest failed attempt failed.
    pub last_error: Option<String>,
    /// What the handler reported when it succeeded.
    pub result: Option<serde_json::Value>,
    /// Whose change enqueued it; null for the server's own jobs or an erased account.
    pub enqueued_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<JobRow> for JobResponse {
    fn from(r: JobRow) -> Self {
        Self {
            job_id: r.job_id,
            kind: r.kind,
            payload: r.payload,
            state: r.state,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            timeout_ms: r.timeout_ms,
            run_at: r.run_at,
            locked_by: r.locked_by,
            locked_until: r.locked_until,
            started_at: r.started_at,
            finished_at: r.finished_at,
            last_error: r.last_error,
            result: r.result,
            enqueued_by: r.enqueued_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct JobPage {
    items: Vec<JobResponse>,
    next_cursor: Option<String>,
}

/// The workers' fire drill: pings that fail their first attempts on
/// purpose, to watch retries, the dead state and the alerts work.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PingRequest {
    /// How many pings (1 to 1000; default 1).
    #[schema(minimum = 1, maximum = 1000)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "whole")]
    count: Option<i64>,
    /// The first this many attempts fail (0 to 5; default 0). 5 makes the job dead.
    #[schema(minimum = 0, maximum = 5)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "whole")]
    fail_attempts: Option<i32>,
    /// How they fail (default error).
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "params::non_null")]
    fail_with: Option<PingFailure>,
    /// The successful attempt sleeps this long first (0 to 60000; default 0).
    #[schema(minimum = 0, maximum = 60000)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "whole")]
    sleep_ms: Option<u64>,
    /// Each attempt's timeout (1 to 120000; default 10000).
    #[schema(minimum = 1, maximum = 120000)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "whole")]
    timeout_ms: Option<i32>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct PingResponse {
    /// The enqueued jobs, in order: `GET /admin/jobs/{job_id}` follows each.
    job_ids: Vec<Uuid>,
}

#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", summary = "Background jobs, newest first (global admins)", params(ListJobsQuery), responses((status = 200, description = "A page of jobs (`Link` to the next)", body = JobPage), Errors))]
#[tracing::instrument(name = "admin.jobs.list", skip_all)]
pub async fn list_jobs(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: ListJobsQuery = params::query(&req)?;
    let limit = Limit::parse(q.limit).map_err(|m| ApiError::validation("limit", m))?.0;
    let before = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?.map(|(_, id)| id);
    let rows = jobs::list(state.store(), &user, q.state, before, limit + 1).await?;
    let (rows, next_cursor) = cursor::page(rows, limit, |r| cursor::encode_time(ORDERING, r.created_at, r.job_id));
    let page = JobPage { items: rows.into_iter().map(JobResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(get, path = "/api/v1/admin/jobs/{job_id}", tag = "admin", summary = "One background job (global admins)", params(("job_id" = Uuid, Path, description = "Job id")), responses((status = 200, description = "The job", body = JobResponse), Errors))]
#[tracing::instrument(name = "admin.jobs.get", skip_all)]
pub async fn get_job(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = jobs::get(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(JobResponse::from(row)))
}

#[utoipa::path(post, path = "/api/v1/admin/jobs/{job_id}/retry", tag = "admin", summary = "Queue a dead job again (global admins)", description = "Its attempts start over; 409 for a job that is not dead.", params(("job_id" = Uuid, Path, description = "Job id")), responses((status = 200, description = "The job, queued", body = JobResponse), Errors))]
#[tracing::instrument(name = "admin.jobs.retry", skip_all)]
pub async fn retry_job(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = jobs::retry(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(JobResponse::from(row)))
}

#[utoipa::path(post, path = "/api/v1/admin/jobs/ping", tag = "admin", summary = "Enqueue diagnostic pings (global admins)", description = "A ping does nothing but report the worker that ran it; asked to, it first fails (an error, a panic, or a hang past its timeout). The workers' fire drill: see docs/operations.md.", request_body = PingRequest, responses((status = 202, description = "Enqueued", body = PingResponse), Errors))]
#[tracing::instrument(name = "admin.jobs.ping", skip_all)]
pub async fn ping(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<PingRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let count = b.count.unwrap_or(1);
    if !(1..=Ping::MAX_COUNT).contains(&count) {
        return Err(ApiError::validation("count", format!("must be between 1 and {}", Ping::MAX_COUNT)));
    }
    let ping = Ping::new(
        b.fail_attempts.unwrap_or(0),
        b.fail_with.unwrap_or(PingFailure::Error),
        b.sleep_ms.unwrap_or(0),
        b.timeout_ms.unwrap_or(10_000),
    )
    .map_err(|(field, m)| ApiError::validation(field, m))?;
    let job_ids = jobs::ping(state.store(), &user, ping, count).await?;
    Ok(HttpResponse::Accepted().json(PingResponse { job_ids }))
}
