//! Budgets: the team's owners' and admins' limits on its time and money,
//! with their use in the current period.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{begin, commit, require_team_role, team_with_role, Result, ServiceError, Store};
use crate::db::audit::Event;
use crate::db::budgets::{BudgetRow, NewBudget};
use crate::db::{self, DbError, Tx};
use crate::domain::budget::BudgetLimit;
use crate::domain::team::TeamRole;
use crate::domain::user::{Caller, TimeZone};

const WHO: &str = "only the team's owners and admins manage and see its budgets";

/// Today in the caller's zone: the month a monthly budget reports.
async fn today(tx: &mut Tx, user: &Caller) -> Result<NaiveDate> {
    let zone = db::users::time_zone(tx, user.user_id).await?.and_then(|z| TimeZone::parse(&z).ok());
    Ok(Utc::now().with_timezone(&zone.unwrap_or(TimeZone::UTC).tz()).date_naive())
}

/// The team (its currency prices the amounts), once the caller owns or
/// administers it.
async fn managed(tx: &mut Tx, user: &Caller, team_id: Uuid) -> Result<db::teams::TeamRow> {
    let (team, role) = team_with_role(tx, user, team_id).await?;
    if !role.can_moderate() {
        return Err(ServiceError::Forbidden(WHO));
    }
    Ok(team)
}

/// A budget with the team's currency (for its amounts).
pub struct Budget {
    pub row: BudgetRow,
    pub currency: Option<String>,
}

pub async fn create(store: Store<'_>, user: &Caller, team_id: Uuid, budget: NewBudget) -> Result<Budget> {
    let mut tx = begin(store.pool, user).await?;
    let team = managed(&mut tx, user, team_id).await?;
    if budget.limit.amount().is_some() && team.currency.is_none() {
        return Err(ServiceError::Conflict(
            "this team bills in no currency yet: set a rate first, then budget an amount".into(),
        ));
    }
    if let Some(task) = budget.task_id {
        if db::tasks::find(&mut tx, task).await?.and_then(|t| t.team_id) != Some(team_id) {
            return Err(ServiceError::invalid("task_id", "is not a task of this team"));
        }
    }
    let budget_id = Uuid::now_v7();
    match db::budgets::insert(&mut tx, budget_id, team_id, &budget, user.user_id).await {
        Ok(()) => {}
        Err(DbError::UniqueViolation(c)) if c == "budgets_one_per_scope" => {
            return Err(ServiceError::Conflict(format!(
                "{} already has a {} budget; change that one",
                if budget.task_id.is_some() { "this task" } else { "the team" },
                budget.period.as_str()
            )));
        }
        Err(e) => return Err(e.into()),
    }
    let details = serde_json::json!({
        "budget_id": budget_id,
        "task_id": budget.task_id,
        "period": budget.period.as_str(),
        "seconds": budget.limit.seconds(),
        "amount": budget.limit.amount(),
        "hard": budget.hard,
    });
    db::audit::record(&mut tx, Event::new("budget.created").actor(user.user_id.0).team(team_id).details(details))
        .await?;
    let day = today(&mut tx, user).await?;
    let row = db::budgets::find(&mut tx, team_id, budget_id, day).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(Budget { row, currency: team.currency })
}

pub async fn list(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<Budget>> {
    let mut tx = begin(store.pool, user).await?;
    let team = managed(&mut tx, user, team_id).await?;
    let day = today(&mut tx, user).await?;
    let rows = db::budgets::list(&mut tx, team_id, day, after, limit).await?;
    commit(tx).await?;
    Ok(rows.into_iter().map(|row| Budget { row, currency: team.currency.clone() }).collect())
}

pub async fn get(store: Store<'_>, user: &Caller, team_id: Uuid, budget_id: Uuid) -> Result<Budget> {
    let mut tx = begin(store.pool, user).await?;
    let team = managed(&mut tx, user, team_id).await?;
    let day = today(&mut tx, user).await?;
    let row = db::budgets::find(&mut tx, team_id, budget_id, day).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(Budget { row, currency: team.currency })
}

/// Changes to a budget; None leaves a part alone.
pub struct BudgetPatch {
    pub seconds: Option<Option<i64>>,
    pub amount: Option<Option<i64>>,
    pub hard: Option<bool>,
}

pub async fn update(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    budget_id: Uuid,
    patch: BudgetPatch,
) -> Result<Budget> {
    let mut tx = begin(store.pool, user).await?;
    let team = managed(&mut tx, user, team_id).await?;
    let day = today(&mut tx, user).await?;
    let before = db::budgets::find(&mut tx, team_id, budget_id, day).await?.ok_or(ServiceError::NotFound)?;
    let seconds = patch.seconds.unwrap_or(before.seconds);
    let amount = patch.amount.unwrap_or(before.amount);
    if seconds.is_none() && amount.is_none() {
        return Err(ServiceError::invalid("seconds", "a budget limits seconds, an amount or both; keep one"));
    }
    if amount.is_some() && before.amount.is_none() && team.currency.is_none() {
        return Err(ServiceError::Conflict("this team bills in no currency yet: set a rate first".into()));
    }
    let hard = patch.hard.unwrap_or(before.hard);
    db::budgets::update(&mut tx, team_id, budget_id, BudgetLimit::from_stored(seconds, amount), hard).await?;
    let details = serde_json::json!({
        "budget_id": budget_id,
        "seconds": [before.seconds, seconds],
        "amount": [before.amount, amount],
        "hard": [before.hard, hard],
    });
    db::audit::record(&mut tx, Event::new("budget.changed").actor(user.user_id.0).team(team_id).details(details))
        .await?;
    let row = db::budgets::find(&mut tx, team_id, budget_id, day).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(Budget { row, currency: team.currency })
}

pub async fn delete(store: Store<'_>, user: &Caller, team_id: Uuid, budget_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, WHO).await?;
    if !db::budgets::delete(&mut tx, team_id, budget_id).await? {
        return Err(ServiceError::NotFound);
    }
    let details = serde_json::json!({ "budget_id": budget_id });
    db::audit::record(&mut tx, Event::new("budget.deleted").actor(user.user_id.0).team(team_id).details(details))
        .await?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(())
}

/// The team's most used budgets, for its summary: owners and admins only
/// (others see none).
pub(crate) async fn top(tx: &mut Tx, user: &Caller, team_id: Uuid, role: TeamRole, n: usize) -> Result<Vec<BudgetRow>> {
    if !role.can_moderate() {
        return Ok(Vec::new());
    }
    let day = today(tx, user).await?;
    let mut rows = db::budgets::list(tx, team_id, day, None, 200).await?;
    let percent = |r: &BudgetRow| {
        crate::domain::budget::Usage::of(BudgetLimit::from_stored(r.seconds, r.amount), r.used_seconds, r.used_amount)
            .percent
    };
    rows.sort_by_key(|r| std::cmp::Reverse(percent(r)));
    rows.truncate(n);
    Ok(rows)
}
