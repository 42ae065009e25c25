//! Teams and memberships.

use uuid::Uuid;

use super::Store;
use super::{begin, claim, commit, complete, team_role, Idempotency, Outcome, Result, ServiceError, Stored};
use crate::cache::CacheName;
use crate::db::audit::Event;
use crate::db::teams::{MemberRow, TeamRow};
use crate::db::{self, Tx};
use crate::domain::team::{may_change_role, TeamName, TeamRole};
use crate::domain::user::Caller;
use crate::domain::user::{Email, GlobalRole};

/// Who to add: by account id or by email.
pub enum MemberRef {
    UserId(Uuid),
    Email(Email),
}

/// The team if the caller is in it (or a global admin); 404 otherwise.
async fn visible_role(tx: &mut Tx, user: &Caller, team_id: Uuid) -> Result<TeamRole> {
    team_role(tx, user, team_id).await?.ok_or(ServiceError::NotFound)
}

pub async fn create(
    store: Store<'_>,
    user: &Caller,
    name: TeamName,
    idem: Option<&Idempotency>,
    render: impl FnOnce(&TeamRow) -> Stored,
) -> Result<Outcome<TeamRow>> {
    let mut tx = begin(store.pool, user).await?;
    if let Some(stored) = claim(&mut tx, user, idem).await? {
        commit(tx).await?;
        return Ok(Outcome::Replayed(stored));
    }
    let team_id = Uuid::now_v7();
    db::teams::create(&mut tx, team_id, &name, user.user_id).await?;
    db::audit::record(&mut tx, Event::new("team.created").actor(user.user_id.0).team(team_id)).await?;
    let team = db::teams::find(&mut tx, team_id, user.user_id).await?.ok_or(ServiceError::NotFound)?;
    complete(&mut tx, user, idem, || render(&team)).await?;
    commit(tx).await?;
    Ok(Outcome::Created(team))
}

/// The caller's teams by name, `limit` of them after `after` (a name and id).
pub async fn list(store: Store<'_>, user: &Caller, after: Option<(&str, Uuid)>, limit: i64) -> Result<Vec<TeamRow>> {
    let mut tx = begin(store.pool, user).await?;
    let teams = db::teams::list_mine(&mut tx, user.user_id, after, limit).await?;
    commit(tx).await?;
    Ok(teams)
}

pub async fn get(store: Store<'_>, user: &Caller, team_id: Uuid) -> Result<TeamRow> {
    let mut tx = begin(store.pool, user).await?;
    visible_role(&mut tx, user, team_id).await?;
    let team = db::teams::find(&mut tx, team_id, user.user_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(team)
}

pub async fn rename(store: Store<'_>, user: &Caller, team_id: Uuid, name: TeamName) -> Result<TeamRow> {
    let mut tx = begin(store.pool, user).await?;
    if !visible_role(&mut tx, user, team_id).await?.can_moderate() {
        return Err(ServiceError::Forbidden("only team owners and admins rename a team"));
    }
    db::teams::rename(&mut tx, team_id, &name).await?;
    let team = db::teams::find(&mut tx, team_id, user.user_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(team)
}

pub async fn delete(store: Store<'_>, user: &Caller, team_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    if visible_role(&mut tx, user, team_id).await? != TeamRole::Owner {
        return Err(ServiceError::Forbidden("only team owners delete a team"));
    }
    if !db::teams::delete(&mut tx, team_id).await? {
        return Err(ServiceError::NotFound);
    }
    db::audit::record(&mut tx, Event::new("team.deleted").actor(user.user_id.0).team(team_id)).await?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(())
}

/// Membership changed: the team's cached views and the member's access both go stale.
async fn membership_changed(store: Store<'_>, team_id: Uuid, user_id: Uuid) {
    store.cache.team_changed(team_id).await;
    store.cache.user_changed(user_id).await;
}

pub async fn members(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    after: Option<(i32, &str, Uuid)>,
    limit: i64,
) -> Result<Vec<MemberRow>> {
    let mut tx = begin(store.pool, user).await?;
    visible_role(&mut tx, user, team_id).await?;
    let members = db::teams::members(&mut tx, team_id, after, limit).await?;
    commit(tx).await?;
    Ok(members)
}

/// One membership of a team the caller can see.
pub async fn member(store: Store<'_>, user: &Caller, team_id: Uuid, user_id: Uuid) -> Result<MemberRow> {
    let mut tx = begin(store.pool, user).await?;
    visible_role(&mut tx, user, team_id).await?;
    let member = db::teams::member(&mut tx, team_id, user_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(member)
}

pub async fn add_member(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    who: MemberRef,
    role: TeamRole,
) -> Result<MemberRow> {
    // Team owners and admins invite (service::invitations); only an instance
    // administrator, who sees every account anyway, adds people directly.
    // Everyone else is refused alike for any team id, existing or not.
    if user.role != GlobalRole::Admin {
        return Err(ServiceError::Forbidden(
            "people join by invitation: POST /api/v1/teams/{team_id}/invitations (direct adds are for instance administrators)",
        ));
    }
    let mut tx = begin(store.pool, user).await?;
    visible_role(&mut tx, user, team_id).await?;
    let target = match who {
        MemberRef::UserId(id) => id,
        MemberRef::Email(email) => db::teams::visible_user_id_by_email(&mut tx, &email)
            .await?
            .ok_or_else(|| ServiceError::invalid("email", "no account has this email"))?,
    };
    db::teams::add_member(&mut tx, team_id, target, role).await?;
    let event = Event::new("team.member_added").actor(user.user_id.0).subject(target).team(team_id);
    db::audit::record(&mut tx, event.details(serde_json::json!({ "role": role.as_str() }))).await?;
    let member = db::teams::member(&mut tx, team_id, target).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    membership_changed(store, team_id, target).await;
    Ok(member)
}

pub async fn change_role(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    target: Uuid,
    role: TeamRole,
) -> Result<MemberRow> {
    let mut tx = begin(store.pool, user).await?;
    let mine = visible_role(&mut tx, user, team_id).await?;
    let current = db::teams::member(&mut tx, team_id, target).await?.ok_or(ServiceError::NotFound)?;
    may_change_role(mine, target == user.user_id.0, current.role, role).map_err(ServiceError::Forbidden)?;
    db::teams::set_role(&mut tx, team_id, target, role).await?;
    let event = Event::new("team.role_changed").actor(user.user_id.0).subject(target).team(team_id);
    let details = serde_json::json!({ "from": current.role.as_str(), "to": role.as_str() });
    db::audit::record(&mut tx, event.details(details)).await?;
    let member = db::teams::member(&mut tx, team_id, target).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    membership_changed(store, team_id, target).await;
    Ok(member)
}

/// Removes a member, or lets the caller leave.
pub async fn remove_member(store: Store<'_>, user: &Caller, team_id: Uuid, target: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    let mine = visible_role(&mut tx, user, team_id).await?;
    let current = db::teams::member(&mut tx, team_id, target).await?.ok_or(ServiceError::NotFound)?;
    if target != user.user_id.0 {
        if !mine.can_moderate() {
            return Err(ServiceError::Forbidden("only team owners and admins remove members"));
        }
        if current.role == TeamRole::Owner && mine != TeamRole::Owner {
            return Err(ServiceError::Forbidden("only owners remove owners"));
        }
    }
    db::teams::remove_member(&mut tx, team_id, target).await?;
    let action = if target == user.user_id.0 { "team.member_left" } else { "team.member_removed" };
    let event = Event::new(action).actor(user.user_id.0).subject(target).team(team_id);
    db::audit::record(&mut tx, event.details(serde_json::json!({ "role": current.role.as_str() }))).await?;
    commit(tx).await?;
    membership_changed(store, team_id, target).await;
    Ok(())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TaskCounts {
    pub todo: i64,
    pub in_progress: i64,
    pub done: i64,
    pub cancelled: i64,
    pub total: i64,
}

/// The team at a glance.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TeamSummary {
    pub team_id: Uuid,
    pub tasks: TaskCounts,
    pub overdue: i64,
    pub due_next_7_days: i64,
    pub tracked_seconds_last_7_days: i64,
    /// The three most used budgets in their current period, for the team's
    /// owners and admins (empty for everyone else: budgets are money).
    pub top_budgets: Vec<TopBudget>,
    pub generated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TopBudget {
    pub budget_id: Uuid,
    pub task_id: Option<Uuid>,
    pub period: crate::domain::budget::BudgetPeriod,
    pub hard: bool,
    pub seconds: Option<i64>,
    pub amount: Option<i64>,
    #[serde(flatten)]
    pub usage: crate::domain::budget::Usage,
}

/// The team at a glance as JSON, cached per user (what a user sees depends
/// on RLS), so a cache hit is served without decoding.
pub async fn summary(store: Store<'_>, user: &Caller, team_id: Uuid) -> Result<String> {
    let lookup = store.cache.get(CacheName::TeamSummary, user.user_id.0, team_id, "v2").await;
    if let Some(hit) = lookup.value.clone() {
        return Ok(hit);
    }
    let mut tx = begin(store.pool, user).await?;
    let role = visible_role(&mut tx, user, team_id).await?;
    let s = db::teams::summary(&mut tx, team_id).await?;
    let budgets = super::budgets::top(&mut tx, user, team_id, role, 3).await?;
    commit(tx).await?;
    let summary = TeamSummary {
        team_id,
        tasks: TaskCounts {
            todo: s.todo,
            in_progress: s.in_progress,
            done: s.done,
            cancelled: s.cancelled,
            total: s.todo + s.in_progress + s.done + s.cancelled,
        },
        overdue: s.overdue,
        due_next_7_days: s.due_soon,
        tracked_seconds_last_7_days: s.tracked_seconds_7d,
        top_budgets: budgets
            .into_iter()
            .map(|b| TopBudget {
                budget_id: b.budget_id,
                task_id: b.task_id,
                period: b.period,
                hard: b.hard,
                seconds: b.seconds,
                amount: b.amount,
                usage: crate::domain::budget::Usage::of(
                    crate::domain::budget::BudgetLimit::from_stored(b.seconds, b.amount),
                    b.used_seconds,
                    b.used_amount,
                ),
            })
            .collect(),
        generated_at: chrono::Utc::now(),
    };
    let body = serde_json::to_string(&summary)?;
    store.cache.put(&lookup, &body).await;
    Ok(body)
}
