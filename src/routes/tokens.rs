//! API tokens: `/api/v1/me/tokens` (personal) and
//! `/api/v1/teams/{team_id}/tokens` (team service tokens). Only a signed-in
//! session reaches these (the route table), so a token never makes tokens.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::params::non_null;
use super::params::whole;
use crate::db::tokens::TokenRow;
use crate::domain::token::{Lifetime, Scope, Scopes, ServiceRole, TokenName};
use crate::domain::user::Caller;
use crate::domain::{field, AllFields};
use crate::error::{ApiError, Errors};
use crate::service::tokens::{self, NewTokenRequest};
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "CI: close tasks on merge", "scopes": ["tasks:read", "tasks:write", "comments:write"], "expires_in_days": 90}))]
pub struct TokenRequest {
    #[schema(schema_with = super::openapi::one_line_100)]
    name: String,
    /// What the token may do; each once (repeats are folded). Scopes do not
    /// imply each other: `tasks:write` does not read.
    #[schema(value_type = Vec<Scope>, min_items = 1, max_items = 9)]
    #[serde(deserialize_with = "super::params::items_at_most::<_, String, 9>")]
    scopes: Vec<String>,
    /// 1 to 365 days; 30 when left out.
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 365, nullable = false)]
    #[serde(default, deserialize_with = "whole")]
    expires_in_days: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Deploy bot", "role": "member", "scopes": ["tasks:read", "tasks:write"], "expires_in_days": 365}))]
pub struct TeamTokenRequest {
    #[schema(schema_with = super::openapi::one_line_100)]
    name: String,
    /// The service account's role in the team (member when left out).
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    role: Option<ServiceRole>,
    #[schema(value_type = Vec<Scope>, min_items = 1, max_items = 9)]
    #[serde(deserialize_with = "super::params::items_at_most::<_, String, 9>")]
    scopes: Vec<String>,
    /// 1 to 365 days; 30 when left out.
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 365, nullable = false)]
    #[serde(default, deserialize_with = "whole")]
    expires_in_days: Option<i64>,
}

/// A token as listed: never its secret.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"token_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5fd0", "name": "CI: close tasks on merge", "scopes": ["comments:write", "tasks:read", "tasks:write"], "prefix": "tfp_3kQ9aZ", "team_id": null, "user_id": "0194f2a8-0000-7000-8000-000000000001", "role": null, "created_at": "2026-12-05T09:00:00Z", "expires_at": "2027-03-05T09:00:00Z", "last_used_at": "2026-12-05T09:14:00Z", "expired": false}))]
pub struct TokenResponse {
    token_id: Uuid,
    name: String,
    scopes: Vec<Scope>,
    /// The secret's first characters, to tell tokens apart.
    prefix: String,
    /// The team of a team service token; null for a personal one.
    team_id: Option<Uuid>,
    /// Whom the token acts as: you, or the team token's service account.
    user_id: Uuid,
    /// The service account's team role (team tokens only).
    role: Option<ServiceRole>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// When it was last used, to the minute; null before that.
    last_used_at: Option<DateTime<Utc>>,
    /// Past its expiry: it no longer works (revoke it to tidy the list).
    expired: bool,
}

impl From<TokenRow> for TokenResponse {
    fn from(r: TokenRow) -> Self {
        Self {
            token_id: r.token_id,
            name: r.name,
            scopes: r.scopes.as_slice().to_vec(),
            prefix: r.token_prefix,
            team_id: r.team_id,
            user_id: r.user_id,
            role: r.role,
            created_by: r.created_by,
            expired: r.expires_at <= Utc::now(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
        }
    }
}

/// A new token: `token` is shown in this answer only.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"token": "tfp_3kQ9aZ…", "token_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5fd0", "name": "CI: close tasks on merge", "scopes": ["tasks:read"], "prefix": "tfp_3kQ9aZ", "team_id": null, "user_id": "0194f2a8-0000-7000-8000-000000000001", "role": null, "created_at": "2026-12-05T09:00:00Z", "expires_at": "2027-01-04T09:00:00Z", "last_used_at": null, "expired": false}))]
pub struct NewTokenResponse {
    /// The secret: send it as `Authorization: Bearer <token>`. Keep it like
    /// a password; TaskFlow keeps only its hash and cannot show it again.
    token: String,
    #[serde(flatten)]
    listed: TokenResponse,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenList {
    items: Vec<TokenResponse>,
}

fn parse(name: &str, scopes: &[String], days: Option<i64>) -> Result<NewTokenRequest, ApiError> {
    let (name, scopes, lifetime) = (
        field("name", TokenName::parse(name)),
        field("scopes", Scopes::parse(scopes)),
        field("expires_in_days", Lifetime::parse(days)),
    )
        .all()
        .map_err(ApiError::Validation)?;
    Ok(NewTokenRequest { name, scopes, lifetime })
}

fn created(secret: String, row: TokenRow, location: String) -> HttpResponse {
    HttpResponse::Created()
        .insert_header(("Location", location))
        // A secret in the answer: no cache keeps it.
        .insert_header(("Cache-Control", "no-store"))
        .json(NewTokenResponse { token: secret, listed: TokenResponse::from(row) })
}

fn listed(rows: Vec<TokenRow>) -> HttpResponse {
    HttpResponse::Ok().json(TokenList { items: rows.into_iter().map(TokenResponse::from).collect() })
}

#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "me", summary = "Make a personal API token (signed-in session only)", description = "The token acts as you, under the same rules as your sign-in, within its scopes and never as a global admin. `token` is shown in this answer only. At most 50 live tokens (409 past that). Tokens cannot manage tokens, MFA, passwords, sign-in identities or erase the account (403 `insufficient-scope`).", request_body = TokenRequest, responses((status = 201, description = "The token and its secret (`Location` lists it)", body = NewTokenResponse), Errors))]
#[tracing::instrument(name = "tokens.create", skip_all)]
pub async fn create_my_token(
    state: web::Data<AppState>,
    user: Caller,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let req = parse(&b.name, &b.scopes, b.expires_in_days)?;
    let (secret, row) = tokens::create_personal(state.store(), &user, req).await?;
    Ok(created(secret, row, "/api/v1/me/tokens".into()))
}

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me", summary = "Your personal API tokens", description = "Live (unrevoked) ones, newest first; expired ones stay until revoked. Never the secrets.", responses((status = 200, description = "Your tokens", body = TokenList), Errors))]
#[tracing::instrument(name = "tokens.list", skip_all)]
pub async fn list_my_tokens(state: web::Data<AppState>, user: Caller) -> Result<HttpResponse, ApiError> {
    Ok(listed(tokens::list_personal(state.store(), &user).await?))
}

#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "me", summary = "Revoke a personal API token", description = "At once: its next request is a 401.", params(("id" = Uuid, Path, description = "Token id (`token_id`)")), responses((status = 204, description = "Revoked"), Errors))]
#[tracing::instrument(name = "tokens.revoke", skip_all)]
pub async fn revoke_my_token(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    tokens::revoke_personal(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/teams/{team_id}/tokens", tag = "teams", summary = "Make a team service token (team owner, signed-in session only)", description = "For CI and bots: the token acts as a new service account that is a member (or viewer) of this team and nothing else, listed among the members. Revoking the token removes and disables the account. `token` is shown in this answer only.", params(("team_id" = Uuid, Path, description = "Team id")), request_body = TeamTokenRequest, responses((status = 201, description = "The token and its secret (`Location` lists the team's tokens)", body = NewTokenResponse), Errors))]
#[tracing::instrument(name = "tokens.create_team", skip_all)]
pub async fn create_team_token(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<TeamTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let req = parse(&b.name, &b.scopes, b.expires_in_days)?;
    let team_id = path.into_inner();
    let role = b.role.unwrap_or(ServiceRole::Member);
    let (secret, row) = tokens::create_team(state.store(), &user, team_id, role, req).await?;
    Ok(created(secret, row, format!("/api/v1/teams/{team_id}/tokens")))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/tokens", tag = "teams", summary = "The team's service tokens (owner/admin)", params(("team_id" = Uuid, Path, description = "Team id")), responses((status = 200, description = "Live service tokens, newest first", body = TokenList), Errors))]
#[tracing::instrument(name = "tokens.list_team", skip_all)]
pub async fn list_team_tokens(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(listed(tokens::list_team(state.store(), &user, path.into_inner()).await?))
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/tokens/{id}", tag = "teams", summary = "Revoke a team service token (team owner)", description = "At once; its service account leaves the team and is disabled (what it made keeps its name).", params(("team_id" = Uuid, Path, description = "Team id"), ("id" = Uuid, Path, description = "Token id (`token_id`)")), responses((status = 204, description = "Revoked"), Errors))]
#[tracing::instrument(name = "tokens.revoke_team", skip_all)]
pub async fn revoke_team_token(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, token_id) = path.into_inner();
    tokens::revoke_team(state.store(), &user, team_id, token_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
