//! `/api/v1/teams/{team_id}/budgets`: limits on a team's or a task's time
//! and money, with their use in the current period.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params::{self, double_option, non_null};
use crate::db::budgets::NewBudget;
use crate::domain::budget::{BudgetLimit, BudgetPeriod, Usage};
use crate::domain::user::Caller;
use crate::error::{ApiError, Errors};
use crate::service::budgets::{self, Budget, BudgetPatch};
use crate::state::AppState;

const ORDERING: &str = "budgets";

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period": "monthly", "seconds": 576000, "amount": 4000000, "hard": true}))]
pub struct BudgetRequest {
    /// A task of the team (else the whole team's time).
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    task_id: Option<Uuid>,
    period: BudgetPeriod,
    /// Tracked time, in seconds (160 hours: 576000).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100_000_000_000_i64, nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    seconds: Option<serde_json::Number>,
    /// Billable amount, in minor units of the team's currency (a team
    /// bills in one once it has a rate).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100_000_000_000_000_i64, nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    amount: Option<serde_json::Number>,
    /// Refuse new time past 100% (409 naming the budget); else only report.
    #[serde(default)]
    hard: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"seconds": 648000, "hard": false}))]
pub struct PatchBudgetRequest {
    /// Null removes the time limit (an amount must remain).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100_000_000_000_i64)]
    #[serde(default, deserialize_with = "double_option")]
    seconds: Option<Option<serde_json::Number>>,
    /// Null removes the amount limit (a time limit must remain).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100_000_000_000_000_i64)]
    #[serde(default, deserialize_with = "double_option")]
    amount: Option<Option<serde_json::Number>>,
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    hard: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"budget_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5fb0", "team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f70", "task_id": null, "period": "monthly", "seconds": 576000, "amount": 4000000, "currency": "EUR", "hard": true, "used_seconds": 432000, "used_amount": 3100000, "remaining_seconds": 144000, "remaining_amount": 900000, "percent": 77, "created_by": "0194f2a8-0000-7000-8000-000000000001", "created_at": "2026-11-01T08:00:00Z"}))]
pub struct BudgetResponse {
    budget_id: Uuid,
    team_id: Uuid,
    task_id: Option<Uuid>,
    period: BudgetPeriod,
    seconds: Option<i64>,
    amount: Option<i64>,
    /// The team's (ISO 4217), for `amount` and `used_amount`.
    currency: Option<String>,
    hard: bool,
    /// In the current period: this month (in your zone) for a monthly budget.
    #[serde(flatten)]
    usage: Usage,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<Budget> for BudgetResponse {
    fn from(b: Budget) -> Self {
        let r = b.row;
        Self {
            usage: Usage::of(BudgetLimit::from_stored(r.seconds, r.amount), r.used_seconds, r.used_amount),
            budget_id: r.budget_id,
            team_id: r.team_id,
            task_id: r.task_id,
            period: r.period,
            seconds: r.seconds,
            amount: r.amount,
            currency: b.currency,
            hard: r.hard,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BudgetPage {
    items: Vec<BudgetResponse>,
    next_cursor: Option<String>,
}

fn invalid((field, message): (&'static str, String)) -> ApiError {
    ApiError::validation(field, message)
}

#[utoipa::path(post, path = "/api/v1/teams/{team_id}/budgets", tag = "teams", summary = "Set a budget (owner/admin, audited)", description = "A limit on the team's (or one task's) tracked seconds and/or billable amount, over its lifetime or per calendar month; one per scope and period (409 for a second). A `hard` budget refuses time that would take it past 100%: a 409 naming it, refused by Postgres itself. An amount needs the team's currency, set by its first rate (409 before).", params(("team_id" = Uuid, Path, description = "Team id")), request_body = BudgetRequest, responses((status = 201, description = "The budget and its use (`Location`)", body = BudgetResponse), Errors))]
#[tracing::instrument(name = "budgets.create", skip_all)]
pub async fn create_budget(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<BudgetRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let limit = BudgetLimit::parse(b.seconds.as_ref(), b.amount.as_ref()).map_err(invalid)?;
    let budget = NewBudget { task_id: b.task_id, period: b.period, limit, hard: b.hard };
    let created = budgets::create(state.store(), &user, path.into_inner(), budget).await?;
    let location = format!("/api/v1/teams/{}/budgets/{}", created.row.team_id, created.row.budget_id);
    Ok(HttpResponse::Created().insert_header(("Location", location)).json(BudgetResponse::from(created)))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/budgets", tag = "teams", summary = "The team's budgets with used, remaining and percent (owner/admin)", params(("team_id" = Uuid, Path, description = "Team id"), PageQuery), responses((status = 200, description = "A page of budgets, the newest first (`Link` to the next)", body = BudgetPage), Errors))]
#[tracing::instrument(name = "budgets.list", skip_all)]
pub async fn list_budgets(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let rows = budgets::list(state.store(), &user, path.into_inner(), after, limit + 1).await?;
    let (rows, next_cursor) =
        cursor::page(rows, limit, |b| cursor::encode_time(ORDERING, b.row.created_at, b.row.budget_id));
    let page = BudgetPage { items: rows.into_iter().map(BudgetResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/budgets/{budget_id}", tag = "teams", summary = "One budget and its use (owner/admin)", params(("team_id" = Uuid, Path, description = "Team id"), ("budget_id" = Uuid, Path, description = "Budget id")), responses((status = 200, description = "The budget", body = BudgetResponse), Errors))]
#[tracing::instrument(name = "budgets.get", skip_all)]
pub async fn get_budget(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, budget_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(BudgetResponse::from(budgets::get(state.store(), &user, team_id, budget_id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/teams/{team_id}/budgets/{budget_id}", tag = "teams", summary = "Change a budget's limits or hardness (owner/admin, audited)", description = "The scope and period stay; delete and set a new budget to change them.", params(("team_id" = Uuid, Path, description = "Team id"), ("budget_id" = Uuid, Path, description = "Budget id")), request_body = PatchBudgetRequest, responses((status = 200, description = "The budget", body = BudgetResponse), Errors))]
#[tracing::instrument(name = "budgets.update", skip_all)]
pub async fn update_budget(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<PatchBudgetRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    if b.seconds.is_none() && b.amount.is_none() && b.hard.is_none() {
        return Err(ApiError::validation("body", "name at least one field to change"));
    }
    let part = |field, n: Option<Option<serde_json::Number>>| {
        n.map(|n| n.map(|n| BudgetLimit::part(field, &n)).transpose()).transpose().map_err(invalid)
    };
    let patch = BudgetPatch { seconds: part("seconds", b.seconds)?, amount: part("amount", b.amount)?, hard: b.hard };
    let (team_id, budget_id) = path.into_inner();
    let updated = budgets::update(state.store(), &user, team_id, budget_id, patch).await?;
    Ok(HttpResponse::Ok().json(BudgetResponse::from(updated)))
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/budgets/{budget_id}", tag = "teams", summary = "Remove a budget (owner/admin, audited)", params(("team_id" = Uuid, Path, description = "Team id"), ("budget_id" = Uuid, Path, description = "Budget id")), responses((status = 204, description = "Removed"), Errors))]
#[tracing::instrument(name = "budgets.delete", skip_all)]
pub async fn delete_budget(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, budget_id) = path.into_inner();
    budgets::delete(state.store(), &user, team_id, budget_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
