//! `/api/v1/admin`: global administration.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::me::UserResponse;
use super::params::{self, non_null};
use crate::domain::task::Limit;
use crate::domain::user::Caller;
use crate::domain::user::GlobalRole;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::admin;
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListUsersQuery {
    #[param(pattern = r"^[^\x00]*$", max_length = 254)]
    q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// The last email of the previous page.
    #[param(max_length = 254)]
    cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct AdminUser {
    #[serde(flatten)]
    user: UserResponse,
    disabled: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
struct UserPage {
    items: Vec<AdminUser>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUserRequest {
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    role: Option<GlobalRole>,
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    disabled: Option<bool>,
}

fn admin_user(row: crate::db::users::UserRow) -> AdminUser {
    let disabled = row.disabled_at.is_some();
    AdminUser { user: UserResponse::from(row), disabled }
}

#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", summary = "Accounts by email (global admins)", params(ListUsersQuery), responses((status = 200, description = "A page of accounts (`Link` to the next)", body = UserPage), Errors))]
#[tracing::instrument(name = "admin.users.list", skip_all)]
pub async fn list_users(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: ListUsersQuery = params::query(&req)?;
    let limit = Limit::parse(q.limit).map_err(|m| ApiError::validation("limit", m))?;
    let search = q.q.as_deref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let rows = admin::list_users(state.store(), &user, search.as_deref(), q.cursor.as_deref(), limit.0 + 1).await?;
    let (rows, next_cursor) = super::cursor::page(rows, limit.0, |r| r.email.clone());
    let page = UserPage { items: rows.into_iter().map(admin_user).collect(), next_cursor };
    Ok(super::cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(patch, path = "/api/v1/admin/users/{user_id}", tag = "admin", summary = "Change an account's role or disable it", params(("user_id" = Uuid, Path, description = "User id")), request_body = PatchUserRequest, responses((status = 200, description = "The account", body = AdminUser), Errors))]
#[tracing::instrument(name = "admin.users.update", skip_all)]
pub async fn update_user(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<PatchUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    if b.role.is_none() && b.disabled.is_none() {
        return Err(ApiError::validation("body", "name role and/or disabled"));
    }
    let row = admin::update_user(state.store(), state.auth(), &user, path.into_inner(), b.role, b.disabled).await?;
    Ok(HttpResponse::Ok().json(admin_user(row)))
}
