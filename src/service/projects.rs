//! Projects: the team sees them; its owners and admins shape them.

use uuid::Uuid;

use super::{begin, commit, require_team_role, Result, ServiceError, Store};
use crate::db::audit::Event;
use crate::db::projects::ProjectRow;
use crate::db::{self, DbError, Tx};
use crate::domain::project::{NewProject, ProjectPatch, ProjectState};
use crate::domain::team::TeamRole;
use crate::domain::user::Caller;

const WHO: &str = "only the team's owners and admins create, rename, archive and delete its projects";

fn name_taken(e: DbError) -> ServiceError {
    match e {
        DbError::UniqueViolation(c) if c == "projects_team_name_key" => {
            ServiceError::Conflict("the team already has a project of this name".into())
        }
        other => other.into(),
    }
}

async fn found(tx: &mut Tx, team_id: Uuid, project_id: Uuid) -> Result<ProjectRow> {
    db::projects::find(tx, team_id, project_id).await?.ok_or(ServiceError::NotFound)
}

pub async fn create(store: Store<'_>, user: &Caller, team_id: Uuid, project: NewProject) -> Result<ProjectRow> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, WHO).await?;
    let project_id = Uuid::now_v7();
    db::projects::insert(&mut tx, project_id, team_id, &project, user.user_id).await.map_err(name_taken)?;
    let details = serde_json::json!({ "project_id": project_id, "name": project.name.as_str() });
    db::audit::record(&mut tx, Event::new("project.created").actor(user.user_id.0).team(team_id).details(details))
        .await?;
    let row = found(&mut tx, team_id, project_id).await?;
    commit(tx).await?;
    Ok(row)
}

pub async fn list(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    state: ProjectState,
    after: Option<(&str, Uuid)>,
    limit: i64,
) -> Result<Vec<ProjectRow>> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Viewer, WHO).await?;
    let rows = db::projects::list(&mut tx, team_id, state.archived(), after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

pub async fn get(store: Store<'_>, user: &Caller, team_id: Uuid, project_id: Uuid) -> Result<ProjectRow> {
    let mut tx = begin(store.pool, user).await?;
    let row = found(&mut tx, team_id, project_id).await?;
    commit(tx).await?;
    Ok(row)
}

pub async fn update(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    project_id: Uuid,
    patch: ProjectPatch,
) -> Result<ProjectRow> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, WHO).await?;
    let before = found(&mut tx, team_id, project_id).await?;
    db::projects::update(&mut tx, team_id, project_id, &patch).await.map_err(name_taken)?;
    let after = found(&mut tx, team_id, project_id).await?;
    // Archiving hides the project's tasks from everyone's default lists:
    // the team's record says who did it.
    let action = match (before.archived_at.is_some(), after.archived_at.is_some()) {
        (false, true) => "project.archived",
        (true, false) => "project.restored",
        _ => "project.changed",
    };
    let details = serde_json::json!({ "project_id": project_id, "name": [before.name, after.name] });
    db::audit::record(&mut tx, Event::new(action).actor(user.user_id.0).team(team_id).details(details)).await?;
    commit(tx).await?;
    // Reports name projects, and the team's cached answers with them.
    store.cache.team_changed(team_id).await;
    Ok(after)
}

pub async fn delete(store: Store<'_>, user: &Caller, team_id: Uuid, project_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, WHO).await?;
    let project = found(&mut tx, team_id, project_id).await?;
    match db::projects::delete(&mut tx, team_id, project_id).await {
        Ok(true) => {}
        Ok(false) => return Err(ServiceError::NotFound),
        // The foreign key's own answer, so a task added meanwhile counts too.
        Err(DbError::ForeignKeyViolation(c)) if c == "tasks_project_fkey" => {
            return Err(ServiceError::Conflict(
                "the project still has tasks (those in the trash count until deleted for good): move or delete them first, \
                 or archive the project"
                    .into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let details = serde_json::json!({ "project_id": project_id, "name": project.name });
    db::audit::record(&mut tx, Event::new("project.deleted").actor(user.user_id.0).team(team_id).details(details))
        .await?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(())
}
