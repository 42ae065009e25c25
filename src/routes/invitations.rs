//! Team invitations: `/api/v1/teams/{team_id}/invitations` for the team's
//! owners and admins, `/api/v1/me/invitations` for the invitee.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor::{self, PageQuery};
use super::params;
use super::teams::TeamResponse;
use crate::db::invitations::{InvitationRow, OpenInvitationRow};
use crate::domain::team::{InvitationStatus, TeamRole};
use crate::domain::user::Caller;
use crate::domain::user::Email;
use crate::error::ApiError;
use crate::error::Errors;
use crate::service::invitations;
use crate::state::AppState;

const TEAM_ORDERING: &str = "invitations";
const MINE_ORDERING: &str = "my-invitations";

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"invitation_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f90", "team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f70", "email": "grace@example.com", "role": "member", "status": "pending", "invited_by": "0194f2a8-0000-7000-8000-000000000001", "created_at": "2026-12-01T09:00:00Z", "expires_at": "2026-12-08T09:00:00Z", "responded_at": null}))]
pub struct InvitationResponse {
    pub invitation_id: Uuid,
    pub team_id: Uuid,
    /// The address invited, as the inviter typed it (normalised).
    pub email: String,
    #[schema(schema_with = invited_role)]
    pub role: TeamRole,
    pub status: InvitationStatus,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
}

impl From<InvitationRow> for InvitationResponse {
    fn from(r: InvitationRow) -> Self {
        Self {
            invitation_id: r.invitation_id,
            team_id: r.team_id,
            email: r.email,
            role: r.role,
            status: r.status,
            invited_by: r.invited_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            responded_at: r.responded_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"invitation_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f90", "team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f70", "team_name": "Platform", "role": "member", "invited_by_name": "Ada Lovelace", "created_at": "2026-12-01T09:00:00Z", "expires_at": "2026-12-08T09:00:00Z"}))]
pub struct MyInvitationResponse {
    pub invitation_id: Uuid,
    pub team_id: Uuid,
    pub team_name: String,
    #[schema(schema_with = invited_role)]
    pub role: TeamRole,
    /// Null once the inviter's account is gone.
    pub invited_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<OpenInvitationRow> for MyInvitationResponse {
    fn from(r: OpenInvitationRow) -> Self {
        Self {
            invitation_id: r.invitation_id,
            team_id: r.team_id,
            team_name: r.team_name,
            role: r.role,
            invited_by_name: r.invited_by_name,
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct InvitationPage {
    items: Vec<InvitationResponse>,
    next_cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct MyInvitationPage {
    items: Vec<MyInvitationResponse>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"email": "grace@example.com", "role": "member"}))]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Owners are made from members (PATCH the membership), never invited.
    #[serde(default = "default_role")]
    #[schema(schema_with = invited_role)]
    role: TeamRole,
}

/// The roles an invitation can carry (owners are made, never invited), as
/// an enum so generated clients get one.
fn invited_role() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some([TeamRole::Admin, TeamRole::Member, TeamRole::Viewer].map(TeamRole::as_str)))
        .build()
}

fn default_role() -> TeamRole {
    TeamRole::Member
}

/// Where a page starts (after this key) and how long it is.
type PageStart = (Option<(DateTime<Utc>, Uuid)>, i64);

fn page_params(req: &HttpRequest, ordering: &str) -> Result<PageStart, ApiError> {
    let q: PageQuery = params::query(req)?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_time(c, ordering)).transpose()?;
    Ok((after, q.limit()?))
}

#[utoipa::path(post, path = "/api/v1/teams/{team_id}/invitations", tag = "teams", summary = "Invite someone by email (owner/admin)", description = "Answers 202 with the same body whether or not an account has this email: inviting tells nobody who has an account. The invitee sees it in `GET /api/v1/me/invitations` (also after signing up with that address) and accepts or declines; it expires after 7 days. A new invitation to the same address replaces an open one.", params(("team_id" = Uuid, Path, description = "Team id")), request_body = InviteRequest, responses((status = 202, description = "The invitation is open", body = InvitationResponse), Errors))]
#[tracing::instrument(name = "invitations.create", skip_all)]
pub async fn create_invitation(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = Email::parse(&body.email).map_err(|m| ApiError::validation("email", m))?;
    let row = invitations::invite(state.store(), &state.limits, &user, path.into_inner(), email, body.role).await?;
    Ok(HttpResponse::Accepted().json(InvitationResponse::from(row)))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/invitations", tag = "teams", summary = "The team's invitations, newest first (owner/admin)", params(("team_id" = Uuid, Path, description = "Team id"), PageQuery), responses((status = 200, description = "A page of invitations (`Link` to the next)", body = InvitationPage), Errors))]
#[tracing::instrument(name = "invitations.list", skip_all)]
pub async fn list_invitations(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = page_params(&req, TEAM_ORDERING)?;
    let rows = invitations::list_for_team(state.store(), &user, path.into_inner(), after, limit + 1).await?;
    let (rows, next_cursor) =
        cursor::page(rows, limit, |r| cursor::encode_time(TEAM_ORDERING, r.created_at, r.invitation_id));
    let page = InvitationPage { items: rows.into_iter().map(InvitationResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/invitations/{invitation_id}", tag = "teams", summary = "Revoke an open invitation (owner/admin)", params(("team_id" = Uuid, Path, description = "Team id"), ("invitation_id" = Uuid, Path, description = "Invitation id")), responses((status = 204, description = "Revoked"), Errors))]
#[tracing::instrument(name = "invitations.revoke", skip_all)]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, invitation_id) = path.into_inner();
    invitations::revoke(state.store(), &user, team_id, invitation_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/me/invitations", tag = "me", summary = "Open invitations to your email, newest first", params(PageQuery), responses((status = 200, description = "A page of invitations (`Link` to the next)", body = MyInvitationPage), Errors))]
#[tracing::instrument(name = "invitations.mine", skip_all)]
pub async fn my_invitations(
    state: web::Data<AppState>,
    user: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = page_params(&req, MINE_ORDERING)?;
    let rows = invitations::mine(state.store(), &user, after, limit + 1).await?;
    let (rows, next_cursor) =
        cursor::page(rows, limit, |r| cursor::encode_time(MINE_ORDERING, r.created_at, r.invitation_id));
    let page = MyInvitationPage { items: rows.into_iter().map(MyInvitationResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(post, path = "/api/v1/me/invitations/{invitation_id}/accept", tag = "me", summary = "Accept an invitation: join the team with its role", params(("invitation_id" = Uuid, Path, description = "Invitation id")), responses((status = 200, description = "The team you joined", body = TeamResponse), Errors))]
#[tracing::instrument(name = "invitations.accept", skip_all)]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = invitations::accept(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Location", format!("/api/v1/teams/{}", team.team_id)))
        .json(TeamResponse::from(team)))
}

#[utoipa::path(post, path = "/api/v1/me/invitations/{invitation_id}/decline", tag = "me", summary = "Decline an invitation", params(("invitation_id" = Uuid, Path, description = "Invitation id")), responses((status = 204, description = "Declined"), Errors))]
#[tracing::instrument(name = "invitations.decline", skip_all)]
pub async fn decline_invitation(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    invitations::decline(state.store(), &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
