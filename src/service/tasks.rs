//! Tasks: who may create, see, change and delete them.

use sqlx::types::Json;
use uuid::Uuid;

use super::mentions::{record, Text};
use super::Store;
use super::{begin, claim, commit, complete, team_role, Idempotency, Outcome, Result, ServiceError, Stored};
use crate::db::audit::Event;
use crate::db::tasks::{Reach, SortKey, TaskRow};
use crate::db::{self, Tx};
use crate::domain::task::{assignee_changes, NewTask, TaskFilter, TaskPatch, TaskSort, TaskStatus, Under};
use crate::domain::team::TeamRole;
use crate::domain::user::Caller;
use crate::domain::user::GlobalRole;

/// What the caller may do with a task they can see.
pub struct Access {
    pub edit: bool,
    pub delete: bool,
    /// Track time on it (viewers may not).
    pub track: bool,
    /// Moderate: delete others' comments and time entries. Team owners and
    /// admins, and global admins; never merely the creator of a personal task.
    pub moderate: bool,
}

pub(crate) async fn access(tx: &mut Tx, user: &Caller, task: &TaskRow) -> Result<Access> {
    let me = Some(user.user_id.0);
    let admin = user.role == GlobalRole::Admin;
    Ok(match task.team_id {
        None => {
            let creator = task.created_by == me;
            let assignee = task.assignee_ids.contains(&user.user_id.0);
            Access {
                edit: creator || assignee || admin,
                delete: creator || admin,
                track: creator || assignee || admin,
                moderate: admin,
            }
        }
        Some(team_id) => {
            let role = team_role(tx, user, team_id).await?;
            let writer = role.is_some_and(TeamRole::can_write_tasks);
            let moderator = role.is_some_and(TeamRole::can_moderate);
            Access {
                edit: writer,
                delete: moderator || (writer && task.created_by == me),
                track: writer,
                moderate: moderator,
            }
        }
    })
}

/// A task the caller can see; unknown and invisible ones alike are 404.
pub(crate) async fn readable(tx: &mut Tx, task_id: Uuid) -> Result<TaskRow> {
    db::tasks::find(tx, task_id).await?.ok_or(ServiceError::NotFound)
}

/// A task a request names in `field` (a parent, the other end of a
/// relation): one the caller can see, else (as for an unknown one) the
/// field is wrong.
pub(crate) async fn referenced(tx: &mut Tx, task_id: Uuid, field: &'static str) -> Result<TaskRow> {
    db::tasks::find(tx, task_id)
        .await?
        .ok_or_else(|| ServiceError::invalid(field, "no such task, or you cannot see it"))
}

/// Which list the caller's tasks come from (RLS decides either way).
fn reach(user: &Caller) -> Reach {
    if user.role == GlobalRole::Admin {
        Reach::Everything
    } else {
        Reach::Member
    }
}

/// A task the caller can see, with what they may do with it.
pub(crate) async fn visible(tx: &mut Tx, user: &Caller, task_id: Uuid) -> Result<(TaskRow, Access)> {
    let task = readable(tx, task_id).await?;
    let access = access(tx, user, &task).await?;
    Ok((task, access))
}

/// The caller must be able to write tasks in `team_id`; unknown and
/// invisible teams look the same.
async fn require_team_writer(tx: &mut Tx, user: &Caller, team_id: Uuid) -> Result<()> {
    match team_role(tx, user, team_id).await? {
        None => Err(ServiceError::invalid("team_id", "no such team, or you are not a member")),
        Some(r) if !r.can_write_tasks() => Err(ServiceError::Forbidden("viewers cannot create or move tasks")),
        Some(_) => Ok(()),
    }
}

pub async fn create(
    store: Store<'_>,
    user: &Caller,
    mut task: NewTask,
    idem: Option<&Idempotency>,
    render: impl FnOnce(&TaskRow) -> Stored,
) -> Result<Outcome<TaskRow>> {
    let mut tx = begin(store.pool, user).await?;
    if let Some(stored) = claim(&mut tx, user, idem).await? {
        commit(tx).await?;
        return Ok(Outcome::Replayed(stored));
    }
    if let Some(parent_id) = task.parent_task_id {
        // A subtask is in its parent's team, and by default its project:
        // the client may leave both out (a different team is refused by
        // the database's rule).
        let parent = referenced(&mut tx, parent_id, "parent_task_id").await?;
        task.team_id = task.team_id.or(parent.team_id);
        if task.team_id == parent.team_id {
            task.project_id = task.project_id.or(parent.project_id);
        }
    }
    if let Some(team_id) = task.team_id {
        require_team_writer(&mut tx, user, team_id).await?;
    }
    let mut row = db::tasks::insert(&mut tx, Uuid::now_v7(), &task, user.user_id).await?;
    let mentions = record(&mut tx, user, row.task_id, Text::Description(row.description.as_deref()), true).await?;
    row.mentions = Some(Json(mentions));
    audit_sharing(&mut tx, user, &row, &[]).await?;
    complete(&mut tx, user, idem, || render(&row)).await?;
    commit(tx).await?;
    crate::metrics::task_created();
    if let Some(team) = row.team_id {
        store.cache.team_changed(team).await;
    }
    Ok(Outcome::Created(row))
}

pub async fn get(store: Store<'_>, user: &Caller, task_id: Uuid) -> Result<TaskRow> {
    let mut tx = begin(store.pool, user).await?;
    let task = readable(&mut tx, task_id).await?;
    commit(tx).await?;
    Ok(task)
}

/// One page of a task's subtasks (those the caller can read).
pub async fn subtasks(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    sort: TaskSort,
    after: Option<(SortKey, Uuid)>,
    limit: i64,
) -> Result<(Vec<TaskRow>, Option<(SortKey, Uuid)>)> {
    let mut tx = begin(store.pool, user).await?;
    readable(&mut tx, task_id).await?;
    // Every subtask, whether or not its project is archived: the parent
    // shows its whole progress.
    let filter = TaskFilter { parent: Some(Under::Task(task_id)), include_archived: true, ..Default::default() };
    let page = db::tasks::list(&mut tx, reach(user), &filter, sort, after, limit).await?;
    commit(tx).await?;
    Ok(page)
}

pub async fn list(
    store: Store<'_>,
    user: &Caller,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<(SortKey, Uuid)>,
    limit: i64,
) -> Result<(Vec<TaskRow>, Option<(SortKey, Uuid)>)> {
    let mut tx = begin(store.pool, user).await?;
    let page = db::tasks::list(&mut tx, reach(user), filter, sort, after, limit).await?;
    commit(tx).await?;
    Ok(page)
}

pub async fn update(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    mut patch: TaskPatch,
    if_match: Option<i64>,
    force: bool,
) -> Result<TaskRow> {
    let mut tx = begin(store.pool, user).await?;
    let (task, access) = visible(&mut tx, user, task_id).await?;
    if !access.edit {
        return Err(ServiceError::Forbidden("you may read this task but not change it"));
    }
    if let Some(expected) = if_match {
        if expected != task.version {
            return Err(ServiceError::PreconditionFailed);
        }
    }
    if let Some(new_team) = patch.team_id {
        if new_team != task.team_id {
            // Custody: a task leaves a team only by the hand of its owners or
            // admins (the database refuses anyone else, see tasks_team_custody).
            if let Some(old_team) = task.team_id {
                if !team_role(&mut tx, user, old_team).await?.is_some_and(TeamRole::can_moderate) {
                    return Err(ServiceError::Forbidden(
                        "only owners and admins of its team may move a task out of the team",
                    ));
                }
            }
            if let Some(new_team) = new_team {
                require_team_writer(&mut tx, user, new_team).await?;
            }
            // Projects belong to a team: a task that changes teams leaves
            // its project unless the move names one of the new team's; and
            // its parent, which stays behind, unless it names a new one.
            patch.project_id.get_or_insert(None);
            patch.parent_task_id.get_or_insert(None);
        }
    }
    if let Some(Some(parent_id)) = patch.parent_task_id {
        referenced(&mut tx, parent_id, "parent_task_id").await?;
    }
    if patch.status == Some(TaskStatus::Done) && task.status != TaskStatus::Done {
        // Open blockers the caller can see hold it back, unless forced (and
        // then the history says past which).
        let blockers = db::relations::open_blockers(&mut tx, task_id).await?;
        if !blockers.is_empty() {
            if !force {
                let ids: Vec<String> = blockers.iter().map(Uuid::to_string).collect();
                return Err(ServiceError::Conflict(format!(
                    "status: this task is blocked by {} open task(s) ({}); finish them first, or send force=true",
                    blockers.len(),
                    ids.join(", ")
                )));
            }
            db::relations::override_blockers(&mut tx, &blockers).await?;
        }
    }
    // The version guard also catches a writer who committed after our read.
    let mut row = db::tasks::update(&mut tx, task_id, &patch, Some(task.version))
        .await?
        .ok_or(ServiceError::PreconditionFailed)?;
    // A new description names people anew; a new team is a new set of
    // people it may name.
    if patch.description.is_some() || row.team_id != task.team_id {
        let text = Text::Description(row.description.as_deref());
        row.mentions = Some(Json(record(&mut tx, user, task_id, text, false).await?));
    }
    let before = if task.team_id.is_none() { task.assignee_ids.as_slice() } else { &[] };
    audit_sharing(&mut tx, user, &row, before).await?;
    commit(tx).await?;
    for team in [task.team_id, row.team_id].into_iter().flatten() {
        store.cache.team_changed(team).await;
    }
    Ok(row)
}

/// Assigning someone to a personal task lets them read and change it: a
/// change of access, audited like a team's members. (A team task's
/// assignees read it as members either way.) `before`: who could before,
/// besides the creator (the assignees then, if it was personal).
async fn audit_sharing(tx: &mut Tx, user: &Caller, task: &TaskRow, before: &[Uuid]) -> Result<()> {
    if task.team_id.is_some() {
        return Ok(());
    }
    let outside = |ids: Vec<Uuid>| ids.into_iter().filter(|id| Some(*id) != task.created_by).collect::<Vec<_>>();
    let (added, removed) = assignee_changes(before, &task.assignee_ids);
    let (added, removed) = (outside(added), outside(removed));
    if added.is_empty() && removed.is_empty() {
        return Ok(());
    }
    let details = serde_json::json!({"task_id": task.task_id, "added": added, "removed": removed});
    db::audit::record(tx, Event::new("task.shared").actor(user.user_id.0).target(task.task_id).details(details))
        .await?;
    Ok(())
}

pub async fn delete(store: Store<'_>, user: &Caller, task_id: Uuid, if_match: Option<i64>) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    let (task, access) = visible(&mut tx, user, task_id).await?;
    if !access.delete {
        return Err(ServiceError::Forbidden("you may not delete this task"));
    }
    if if_match.is_some_and(|v| v != task.version) {
        return Err(ServiceError::PreconditionFailed);
    }
    // To the trash, with its subtasks: restored, or purged, from there.
    db::trash::trash(&mut tx, task_id, user.user_id).await?;
    commit(tx).await?;
    if let Some(team) = task.team_id {
        store.cache.team_changed(team).await;
    }
    Ok(())
}
