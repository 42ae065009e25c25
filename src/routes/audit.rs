//! `/api/v1/me/audit-events` and `/api/v1/admin/audit-events`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params;
use crate::db::audit::{EventRow, Filter};
use crate::domain::task::Limit;
use crate::domain::user::Caller;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::audit;
use crate::state::AppState;

const ORDERING: &str = "audit";

#[derive(Serialize, utoipa::ToSchema)]
struct Page {
    items: Vec<EventRow>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AdminQuery {
    actor_id: Option<Uuid>,
    subject_id: Option<Uuid>,
    #[param(pattern = r"^[^\x00]*$", max_length = 100)]
    action: Option<String>,
    #[param(format = DateTime)]
    from: Option<String>,
    #[param(format = DateTime)]
    to: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(pattern = r"^[A-Za-z0-9_-]+$", max_length = 1024)]
    cursor: Option<String>,
}

fn page(req: &HttpRequest, rows: Vec<EventRow>, limit: i64) -> HttpResponse {
    let (items, next_cursor) = cursor::page(rows, limit, |r| cursor::encode_time(ORDERING, r.occurred_at, r.event_id));
    let page = Page { items, next_cursor };
    cursor::respond(req, page.next_cursor.as_deref(), &page)
}

#[utoipa::path(get, path = "/api/v1/me/audit-events", tag = "me", summary = "Your security events, newest first", params(PageQuery), responses((status = 200, description = "A page of events (`Link` to the next)", body = Page), Errors))]
#[tracing::instrument(name = "audit.mine", skip_all)]
pub async fn my_events(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let rows = audit::mine(state.store(), &user, after, limit + 1).await?;
    Ok(page(&req, rows, limit))
}

#[utoipa::path(get, path = "/api/v1/admin/audit-events", tag = "admin", summary = "The audit log (global admins)", params(AdminQuery), responses((status = 200, description = "A page of events (`Link` to the next)", body = Page), Errors))]
#[tracing::instrument(name = "audit.all", skip_all)]
pub async fn all_events(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: AdminQuery = params::query(&req)?;
    let limit = Limit::parse(q.limit).map_err(|m| ApiError::validation("limit", m))?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_time(c, ORDERING)).transpose()?;
    let filter = Filter {
        involving: None,
        actor_id: q.actor_id,
        subject_id: q.subject_id,
        action: q.action,
        from: q.from.as_deref().map(|s| params::timestamp("from", s)).transpose()?,
        to: q.to.as_deref().map(|s| params::timestamp("to", s)).transpose()?,
    };
    let rows = audit::all(state.store(), &user, &filter, after, limit.0 + 1).await?;
    Ok(page(&req, rows, limit.0))
}
