//! `/api/v1/teams`: teams and their members.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::extractor::AuthUser;
use crate::db::teams::{MemberRow, TeamRow};
use crate::domain::team::{TeamName, TeamRole};
use crate::domain::user::Email;
use crate::error::ApiError;
use crate::service::teams::{self, MemberRef};
use crate::state::AppState;

#[derive(Serialize)]
pub struct TeamResponse {
    pub team_id: Uuid,
    pub name: String,
    pub my_role: Option<TeamRole>,
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TeamRow> for TeamResponse {
    fn from(r: TeamRow) -> Self {
        Self {
            my_role: r.my_role(),
            team_id: r.team_id,
            name: r.name,
            member_count: r.member_count,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize)]
pub struct MemberResponse {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: TeamRole,
    pub joined_at: DateTime<Utc>,
}

impl From<MemberRow> for MemberResponse {
    fn from(r: MemberRow) -> Self {
        Self {
            role: r.role(),
            user_id: r.user_id,
            email: r.email,
            display_name: r.display_name,
            joined_at: r.joined_at,
        }
    }
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRequest {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    email: Option<String>,
    user_id: Option<Uuid>,
    #[serde(default = "default_role")]
    role: TeamRole,
}

fn default_role() -> TeamRole {
    TeamRole::Member
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    role: TeamRole,
}

fn team_name(raw: &str) -> Result<TeamName, ApiError> {
    TeamName::parse(raw).map_err(|m| ApiError::validation("name", m))
}

#[tracing::instrument(name = "teams.create", skip_all)]
pub async fn create_team(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<TeamRequest>,
) -> Result<HttpResponse, ApiError> {
    let team = teams::create(&state, &user, team_name(&body.name)?).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/teams/{}", team.team_id)))
        .json(TeamResponse::from(team)))
}

#[tracing::instrument(name = "teams.list", skip_all)]
pub async fn list_teams(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let items = teams::list(&state, &user).await?.into_iter().map(TeamResponse::from).collect();
    Ok(HttpResponse::Ok().json(Items::<TeamResponse> { items }))
}

#[tracing::instrument(name = "teams.get", skip_all)]
pub async fn get_team(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = teams::get(&state, &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(TeamResponse::from(team)))
}

#[tracing::instrument(name = "teams.update", skip_all)]
pub async fn update_team(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
    body: web::Json<TeamRequest>,
) -> Result<HttpResponse, ApiError> {
    let team = teams::rename(&state, &user, path.into_inner(), team_name(&body.name)?).await?;
    Ok(HttpResponse::Ok().json(TeamResponse::from(team)))
}

#[tracing::instrument(name = "teams.delete", skip_all)]
pub async fn delete_team(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    teams::delete(&state, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(name = "teams.members.list", skip_all)]
pub async fn list_members(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let items = teams::members(&state, &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Items { items: items.into_iter().map(MemberResponse::from).collect() }))
}

#[tracing::instrument(name = "teams.members.add", skip_all)]
pub async fn add_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
    body: web::Json<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let who = match (body.email, body.user_id) {
        (Some(email), None) => MemberRef::Email(Email::parse(&email).map_err(|m| ApiError::validation("email", m))?),
        (None, Some(id)) => MemberRef::UserId(id),
        _ => return Err(ApiError::validation("email", "give exactly one of email or user_id")),
    };
    let team_id = path.into_inner();
    let member = teams::add_member(&state, &user, team_id, who, body.role).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/teams/{team_id}/members/{}", member.user_id)))
        .json(MemberResponse::from(member)))
}

#[tracing::instrument(name = "teams.members.update", skip_all)]
pub async fn update_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<RoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, user_id) = path.into_inner();
    let member = teams::change_role(&state, &user, team_id, user_id, body.role).await?;
    Ok(HttpResponse::Ok().json(MemberResponse::from(member)))
}

#[tracing::instrument(name = "teams.members.remove", skip_all)]
pub async fn remove_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, user_id) = path.into_inner();
    teams::remove_member(&state, &user, team_id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(name = "teams.summary", skip_all)]
pub async fn team_summary(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body = teams::summary(&state, &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}
