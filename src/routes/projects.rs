//! `/api/v1/teams/{team_id}/projects`: a team's projects, each with how many
//! tasks it holds.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cursor;
use super::params::{self, double_option, non_null};
use crate::db::projects::ProjectRow;
use crate::domain::project::{NewProject, ProjectDescription, ProjectName, ProjectPatch, ProjectState};
use crate::domain::task::Limit;
use crate::domain::user::Caller;
use crate::domain::{field, AllFields};
use crate::error::{ApiError, Errors};
use crate::service::projects;
use crate::state::AppState;

const ORDERING: &str = "projects";

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Website relaunch", "description": "New site by March"}))]
pub struct ProjectRequest {
    #[schema(schema_with = super::openapi::one_line_100)]
    name: String,
    #[schema(max_length = 2000, pattern = r"^[^\x00]*$", nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    description: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"archived": true}))]
pub struct PatchProjectRequest {
    #[schema(schema_with = super::openapi::one_line_100)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    name: Option<String>,
    /// Null clears it.
    #[schema(max_length = 2000, pattern = r"^[^\x00]*$")]
    #[serde(default, deserialize_with = "double_option")]
    description: Option<Option<String>>,
    /// True archives (its tasks leave default lists; it takes no new ones),
    /// false restores.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "non_null")]
    archived: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectTasks {
    /// Every task in the project.
    total: i64,
    /// Those to do or in progress.
    open: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"project_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5fc0", "team_id": "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f70", "name": "Website relaunch", "description": "New site by March", "archived": false, "archived_at": null, "tasks": {"total": 12, "open": 5}, "created_by": "0194f2a8-0000-7000-8000-000000000001", "created_at": "2026-12-01T08:00:00Z", "updated_at": "2026-12-01T08:00:00Z"}))]
pub struct ProjectResponse {
    project_id: Uuid,
    team_id: Uuid,
    name: String,
    description: Option<String>,
    archived: bool,
    archived_at: Option<DateTime<Utc>>,
    tasks: ProjectTasks,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ProjectRow> for ProjectResponse {
    fn from(r: ProjectRow) -> Self {
        Self {
            project_id: r.project_id,
            team_id: r.team_id,
            name: r.name,
            description: r.description,
            archived: r.archived_at.is_some(),
            archived_at: r.archived_at,
            tasks: ProjectTasks { total: r.tasks_total, open: r.tasks_open },
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectPage {
    items: Vec<ProjectResponse>,
    next_cursor: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListProjectsQuery {
    /// `open` (default), `archived` or `all`.
    #[param(value_type = Option<String>, pattern = "^(open|archived|all)$", max_length = 8)]
    state: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    #[param(pattern = r"^[A-Za-z0-9_-]+$", max_length = 1024)]
    cursor: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/teams/{team_id}/projects", tag = "teams", summary = "Create a project (owner/admin, audited)", description = "Names are unique in the team, ignoring case (409 for a second).", params(("team_id" = Uuid, Path, description = "Team id")), request_body = ProjectRequest, responses((status = 201, description = "The project (`Location`)", body = ProjectResponse), Errors))]
#[tracing::instrument(name = "projects.create", skip_all)]
pub async fn create_project(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    body: web::Json<ProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (name, description) = (
        field("name", ProjectName::parse(&b.name)),
        field("description", b.description.as_deref().map(ProjectDescription::parse).transpose()),
    )
        .all()
        .map_err(ApiError::Validation)?;
    let row = projects::create(state.store(), &user, path.into_inner(), NewProject { name, description }).await?;
    let location = format!("/api/v1/teams/{}/projects/{}", row.team_id, row.project_id);
    Ok(HttpResponse::Created().insert_header(("Location", location)).json(ProjectResponse::from(row)))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/projects", tag = "teams", summary = "The team's projects by name (any member)", params(("team_id" = Uuid, Path, description = "Team id"), ListProjectsQuery), responses((status = 200, description = "A page of projects (`Link` to the next)", body = ProjectPage), Errors))]
#[tracing::instrument(name = "projects.list", skip_all)]
pub async fn list_projects(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: ListProjectsQuery = params::query(&req)?;
    let (which, limit) =
        (field("state", ProjectState::parse(q.state.as_deref())), field("limit", Limit::parse(q.limit)))
            .all()
            .map_err(ApiError::Validation)?;
    let after = q.cursor.as_deref().map(|c| cursor::decode_named(c, ORDERING)).transpose()?;
    let after = after.as_ref().map(|(_, name, id)| (name.as_str(), *id));
    let rows = projects::list(state.store(), &user, path.into_inner(), which, after, limit.0 + 1).await?;
    let (rows, next_cursor) =
        cursor::page(rows, limit.0, |p| cursor::encode_named(ORDERING, None, &p.name, p.project_id));
    let page = ProjectPage { items: rows.into_iter().map(ProjectResponse::from).collect(), next_cursor };
    Ok(cursor::respond(&req, page.next_cursor.as_deref(), &page))
}

#[utoipa::path(get, path = "/api/v1/teams/{team_id}/projects/{project_id}", tag = "teams", summary = "One project (any member)", params(("team_id" = Uuid, Path, description = "Team id"), ("project_id" = Uuid, Path, description = "Project id")), responses((status = 200, description = "The project", body = ProjectResponse), Errors))]
#[tracing::instrument(name = "projects.get", skip_all)]
pub async fn get_project(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, project_id) = path.into_inner();
    Ok(HttpResponse::Ok().json(ProjectResponse::from(projects::get(state.store(), &user, team_id, project_id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/teams/{team_id}/projects/{project_id}", tag = "teams", summary = "Rename, describe, archive or restore a project (owner/admin, audited)", params(("team_id" = Uuid, Path, description = "Team id"), ("project_id" = Uuid, Path, description = "Project id")), request_body = PatchProjectRequest, responses((status = 200, description = "The project", body = ProjectResponse), Errors))]
#[tracing::instrument(name = "projects.update", skip_all)]
pub async fn update_project(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<PatchProjectRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (name, description) = (
        field("name", b.name.as_deref().map(ProjectName::parse).transpose()),
        field(
            "description",
            b.description.map(|d| d.as_deref().map(ProjectDescription::parse).transpose()).transpose(),
        ),
    )
        .all()
        .map_err(ApiError::Validation)?;
    let patch = ProjectPatch { name, description, archived: b.archived };
    if patch.is_empty() {
        return Err(ApiError::validation("body", "name at least one field to change"));
    }
    let (team_id, project_id) = path.into_inner();
    let row = projects::update(state.store(), &user, team_id, project_id, patch).await?;
    Ok(HttpResponse::Ok().json(ProjectResponse::from(row)))
}

#[utoipa::path(delete, path = "/api/v1/teams/{team_id}/projects/{project_id}", tag = "teams", summary = "Delete an empty project (owner/admin, audited)", description = "409 while any task is in it: move or delete those, or archive the project instead.", params(("team_id" = Uuid, Path, description = "Team id"), ("project_id" = Uuid, Path, description = "Project id")), responses((status = 204, description = "Deleted"), Errors))]
#[tracing::instrument(name = "projects.delete", skip_all)]
pub async fn delete_project(
    state: web::Data<AppState>,
    user: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (team_id, project_id) = path.into_inner();
    projects::delete(state.store(), &user, team_id, project_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
