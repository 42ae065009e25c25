//! `/api/v1/teams`: teams and their members.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params::{self, Created, Idempotent};
use crate::db::teams::{MemberRow, TeamRow};
use crate::domain::team::{TeamName, TeamRole};
use crate::domain::user::Caller;
use crate::domain::user::Email;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::teams::TeamSummary;
use crate::service::teams::{self, MemberRef};
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f70", "name": "Platform", "my_role": "owner", "member_count": 4, "created_at": "2026-11-01T08:00:00Z", "updated_at": "2026-11-01T08:00:00Z"}))]
pub struct TeamResponse {
    pub team_id: Uuid,
    pub name: String,
    pub my_role: Option<TeamRole>,
    pub member_count: i64,
    /// The ISO 4217 currency the team bills in: set by its first rate, null
    /// before.
    #[schema(example = "EUR")]
    pub currency: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TeamRow> for TeamResponse {
    fn from(r: TeamRow) -> Self {
        Self {
            my_role: r.my_role,
            team_id: r.team_id,
            name: r.name,
            member_count: r.member_count,
            currency: r.currency,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberResponse {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: TeamRole,
    pub joined_at: DateTime<Utc>,
}

impl From<MemberRow> for MemberResponse {
    fn from(r: MemberRow) -> Self {
        Self { role: r.role, user_id: r.user_id, email: r.email, display_name: r.display_name, joined_at: r.joined_at }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct TeamPage {
    items: Vec<TeamResponse>,
    next_cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct MemberPage {
    items: Vec<MemberResponse>,
    next_cursor: Option<String>,
}

const TEAM_ORDERING: &str = "teams";
const MEMBER_ORDERING: &str = "members";

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Platform"}))]
#[serde(deny_unknown_fields)]
pub struct TeamRequest {
    #[schema(schema_with = super::openapi::one_line_100)]
    name: String,
}

/// A member by email or by user id, exactly one (the document's `oneOf`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AddMemberRequest {
    ByEmail(MemberByEmail),
    ByUserId(MemberByUserId),
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberByEmail {
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[serde(default = "default_role")]
    role: TeamRole,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberByUserId {
    user_id: Uuid,
    #[serde(default = "default_role")]
    role: TeamRole,
}

fn default_role() -> TeamRole {
    TeamRole::Member
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    role: TeamRole,
}

fn team_name(raw: &str) -> Result<TeamName, ApiError> {
    TeamName::parse(raw).map_err(|m| ApiError::validation("name", m))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", summary = "Create a team (you become its owner)", params(("Idempotency-Key" = Option<String>, Header, nullable = false, pattern = r"^[\x21-\x7e]{1,255}$", max_length = 255, description = "Makes a retried create safe: same key and body replay the first response (24 h)")), request_body = TeamRequest, responses((status = 201, description = "The team (`Location`)", body = TeamResponse), Errors))]
#[tracing::instrument(name = "teams.create", skip_all)]
pub async fn create_team(
    state: web::Data<AppState>,
    user: Caller,
    request: Idempotent<TeamRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = Created {
        location: |t: &TeamRow| format!("/api/v1/teams/{}", t.team_id),
        body: |t: &TeamRow| TeamResponse::from(t.clone()),
    };
    let name = team_name(&request.body.name)?;
    let render = |t: &TeamRow| created.stored(t);
    Ok(created.respond(teams::create(state.store(), &user, name, request.key.as_ref(), render).await?))
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", summary = "The caller's teams, by name", params(PageQuery), responses((status = 200, description = "A page of teams (`Link` to the next)", body = TeamPage), Errors))]
#[tracing::instrument(name = "teams.list", skip_all)]
pub async fn list_teams(state: web::Data<AppState>, user: Caller, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_named(c, TEAM_ORDERING)).transpose()?;
    let rows = teams::list(state.store(), &user, after.as_ref().map(|(_, n, id)| (n.as_str(), *id)), limit + 1).await?;
    let (rows, next_cursor) =
        cursor::page(rows, limit, |t| cursor::encode_named(TEAM_ORDERING, None, &t.name, t.team_id));
    let page = TeamPage { items: rows.into_iter().map(TeamResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}", tag = "teams", summary = "One team", params(("team_id" = Uuid, Path, description = "Team id")), responses((status = 200, description = "The team", body = TeamResponse), Errors))]
#[tracing::instrument(name = "teams.get", skip_all)]
pub async fn get_team(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = teams::get(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(TeamResponse::from(team)))
}

#[utoipa::path(patch, path = "/api/v1/teams/{team_id}", tag = "teams", summary = "Rename a team (owner/admin)", params(("team_id" = Uuid, Path, description = "Team id")), request_body = TeamRequest, responses((status = 200, description = "The team", body = TeamResponse), Errors))]
#[tracing::instrument(name = "teams.update", skip_all)]
pub async fn update_team(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<TeamRequest>,
) -> Result<HttpResponse, ApiError> {
    let team = teams::rename(state.store(), &user, path.into_inner(), team_name(&body.name)?).await?;
    Ok(HttpResponse::Ok().json(TeamResponse::from(team)))
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}", tag = "teams", summary = "Delete a team and its tasks (owner)", params(("team_id" = Uuid, Path, description = "Team id")), responses((status = 204, description = "Deleted"), Errors))]
#[tracing::instrument(name = "teams.delete", skip_all)]
pub async fn delete_team(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    teams::delete(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/members", tag = "teams", summary = "Members of a team, owners first, then by name", params(("team_id" = Uuid, Path, description = "Team id"), PageQuery), responses((status = 200, description = "A page of members (`Link` to the next)", body = MemberPage), Errors))]
#[tracing::instrument(name = "teams.members.list", skip_all)]
pub async fn list_members(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let q: PageQuery = params::query(&req)?;
    let limit = q.limit()?;
    let after = match q.cursor.as_deref().map(|c| cursor::decode_named(c, MEMBER_ORDERING)).transpose()? {
        None => None,
        Some((Some(rank), name, id)) => Some((rank, name, id)),
        Some((None, ..)) => return Err(ApiError::validation("cursor", "is not a cursor this list issued")),
    };
    let after = after.as_ref().map(|(r, n, id)| (*r, n.as_str(), *id));
    let rows = teams::members(state.store(), &user, path.into_inner(), after, limit + 1).await?;
    let (rows, next_cursor) = cursor::page(rows, limit, |m| {
        cursor::encode_named(MEMBER_ORDERING, Some(m.role.listing_rank()), &m.display_name, m.user_id)
    });
    let page = MemberPage { items: rows.into_iter().map(MemberResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/members/{user_id}", tag = "teams", summary = "One membership", params(("team_id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "User id")), responses((status = 200, description = "The membership", body = MemberResponse), Errors))]
#[tracing::instrument(name = "teams.members.get", skip_all)]
pub async fn get_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, user_id) = path.into_inner();
    let member = teams::member(state.store(), &user, team_id, user_id).await?;
    Ok(HttpResponse::Ok().json(MemberResponse::from(member)))
}

#[utoipa::path(post, path = "/api/v1/teams/{team_id}/members", tag = "teams", summary = "Add a member directly (instance administrators only; everyone else invites)", params(("team_id" = Uuid, Path, description = "Team id")), request_body = AddMemberRequest, responses((status = 201, description = "The membership", body = MemberResponse), Errors))]
#[tracing::instrument(name = "teams.members.add", skip_all)]
pub async fn add_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let (who, role) = match body.into_inner() {
        AddMemberRequest::ByEmail(m) => {
            (MemberRef::Email(Email::parse(&m.email).map_err(|e| ApiError::validation("email", e))?), m.role)
        }
        AddMemberRequest::ByUserId(m) => (MemberRef::UserId(m.user_id), m.role),
    };
    let team_id = path.into_inner();
    let member = teams::add_member(state.store(), &user, team_id, who, role).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/teams/{team_id}/members/{}", member.user_id)))
        .json(MemberResponse::from(member)))
}

#[utoipa::path(patch, path = "/api/v1/teams/{team_id}/members/{user_id}", tag = "teams", summary = "Change a member's role", params(("team_id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "User id")), request_body = RoleRequest, responses((status = 200, description = "The membership", body = MemberResponse), Errors))]
#[tracing::instrument(name = "teams.members.update", skip_all)]
pub async fn update_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, user_id) = path.into_inner();
    let member = teams::change_role(state.store(), &user, team_id, user_id, body.role).await?;
    Ok(HttpResponse::Ok().json(MemberResponse::from(member)))
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/members/{user_id}", tag = "teams", summary = "Remove a member, or leave", params(("team_id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "User id")), responses((status = 204, description = "Removed"), Errors))]
#[tracing::instrument(name = "teams.members.remove", skip_all)]
pub async fn remove_member(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, user_id) = path.into_inner();
    teams::remove_member(state.store(), &user, team_id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/summary", tag = "teams", summary = "Task counts and tracked time (cached up to 60 s)", params(("team_id" = Uuid, Path, description = "Team id")), responses((status = 200, description = "The summary", body = TeamSummary), Errors))]
#[tracing::instrument(name = "teams.summary", skip_all)]
pub async fn team_summary(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body = teams::summary(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}
