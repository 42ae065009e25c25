//! The `projects` table, each row read with how many tasks it holds.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::project::{NewProject, ProjectPatch};
use crate::domain::user::UserId;

#[derive(Clone)]
pub struct ProjectRow {
    pub project_id: Uuid,
    pub team_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Tasks in the project, and those still to do or in progress.
    pub tasks_total: i64,
    pub tasks_open: i64,
}

/// Adds a project; a second of the same name in the team is
/// `projects_team_name_key`.
pub async fn insert(tx: &mut Tx, project_id: Uuid, team_id: Uuid, p: &NewProject, by: UserId) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("projects.insert");
    sqlx::query!(
        "insert into projects (project_id, team_id, name, description, created_by) values ($1, $2, $3, $4, $5)",
        project_id,
        team_id,
        p.name.as_str(),
        p.description.as_ref().map(|d| d.as_str()),
        by.0,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("projects.insert"))?;
    Ok(())
}

/// The team's projects by name (case-insensitive) after the (name, id) key;
/// `archived` narrows to archived (true) or open (false) ones.
pub async fn list(
    tx: &mut Tx,
    team_id: Uuid,
    archived: Option<bool>,
    after: Option<(&str, Uuid)>,
    limit: i64,
) -> Result<Vec<ProjectRow>, DbError> {
    let _timer = crate::metrics::db_timer("projects.list");
    let (after_name, after_id) = after.unzip();
    sqlx::query_as!(
        ProjectRow,
        r#"select p.project_id, p.team_id, p.name, p.description, p.archived_at, p.created_by, p.created_at,
                  p.updated_at, c.total as "tasks_total!", c.open as "tasks_open!"
           from projects p
           cross join lateral (select count(*) as total,
                                      count(*) filter (where t.status in ('todo', 'in_progress')) as open
                               from tasks t where t.project_id = p.project_id and t.trashed_at is null) c
           where p.team_id = $1
             and ($2::boolean is null or (p.archived_at is not null) = $2)
             and ($3::text is null or (lower(p.name), p.project_id) > (lower($3), $4))
           order by lower(p.name), p.project_id
           limit $5"#,
        team_id,
        archived,
        after_name,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("projects.list"))
}

pub async fn find(tx: &mut Tx, team_id: Uuid, project_id: Uuid) -> Result<Option<ProjectRow>, DbError> {
    let _timer = crate::metrics::db_timer("projects.find");
    sqlx::query_as!(
        ProjectRow,
        r#"select p.project_id, p.team_id, p.name, p.description, p.archived_at, p.created_by, p.created_at,
                  p.updated_at, c.total as "tasks_total!", c.open as "tasks_open!"
           from projects p
           cross join lateral (select count(*) as total,
                                      count(*) filter (where t.status in ('todo', 'in_progress')) as open
                               from tasks t where t.project_id = p.project_id and t.trashed_at is null) c
           where p.team_id = $1 and p.project_id = $2"#,
        team_id,
        project_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("projects.find"))
}

/// Renames, re-describes, archives or restores; false when there is no
/// such project (or RLS hides it).
pub async fn update(tx: &mut Tx, team_id: Uuid, project_id: Uuid, patch: &ProjectPatch) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("projects.update");
    let r = sqlx::query!(
        r#"update projects set
               name = coalesce($3, name),
               description = case when $4 then $5 else description end,
               archived_at = case when $6::boolean is null then archived_at
                                  when $6 then coalesce(archived_at, now())
                                  else null end
           where team_id = $1 and project_id = $2"#,
        team_id,
        project_id,
        patch.name.as_ref().map(|n| n.as_str()),
        patch.description.is_some(),
        patch.description.as_ref().and_then(|d| d.as_ref().map(|d| d.as_str())),
        patch.archived,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("projects.update"))?;
    Ok(r.rows_affected() == 1)
}

/// Deletes an empty project (a task in it is `tasks_project_fkey`).
pub async fn delete(tx: &mut Tx, team_id: Uuid, project_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("projects.delete");
    let r = sqlx::query!("delete from projects where team_id = $1 and project_id = $2", team_id, project_id)
        .execute(&mut **tx)
        .await
        .map_err(at("projects.delete"))?;
    Ok(r.rows_affected() == 1)
}
