//! Hourly rates and repricing: the team's owners' and admins' business.

use chrono::NaiveDate;
use uuid::Uuid;

use super::{begin, commit, require_team_role, team_with_role, Result, ServiceError, Store};
use crate::db::audit::Event;
use crate::db::rates::RateRow;
use crate::db::{self, DbError};
use crate::domain::money::NewRate;
use crate::domain::team::TeamRole;
use crate::domain::user::Caller;

pub async fn create(store: Store<'_>, user: &Caller, team_id: Uuid, rate: NewRate) -> Result<RateRow> {
    let mut tx = begin(store.pool, user).await?;
    let (team, role) = team_with_role(&mut tx, user, team_id).await?;
    if !role.can_moderate() {
        return Err(ServiceError::Forbidden("only team owners and admins set rates"));
    }
    if let Some(member) = rate.user_id {
        if db::teams::member(&mut tx, team_id, member).await?.is_none() {
            return Err(ServiceError::invalid("user_id", "is not a member of this team"));
        }
    }
    if let Some(task) = rate.task_id {
        if db::tasks::find(&mut tx, task).await?.and_then(|t| t.team_id) != Some(team_id) {
            return Err(ServiceError::invalid("task_id", "is not a task of this team"));
        }
    }
    let row = match db::rates::insert(&mut tx, Uuid::now_v7(), team_id, &rate, user.user_id).await {
        Ok(row) => row,
        Err(DbError::CheckViolation(c)) if c == "rates_team_currency" => {
            let code = team.currency.unwrap_or_else(|| "another currency".into());
            return Err(ServiceError::invalid("currency", format!("this team bills in {code}")));
        }
        Err(DbError::UniqueViolation(c)) if c == "rates_one_per_scope_and_day" => {
            return Err(ServiceError::Conflict(format!(
                "a rate for the same team, member and task already starts on {}",
                rate.effective_from
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let details = serde_json::json!({
        "rate_id": row.rate_id,
        "hourly_rate": row.hourly_rate,
        "currency": row.currency,
        "effective_from": row.effective_from,
        "user_id": row.user_id,
        "task_id": row.task_id,
    });
    db::audit::record(&mut tx, Event::new("rate.created").actor(user.user_id.0).team(team_id).details(details)).await?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(row)
}

pub async fn list(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<RateRow>> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, "only team owners and admins see rates").await?;
    let rows = db::rates::list(&mut tx, team_id, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Gives every entry from `since` on the rate in force now: the explicit,
/// audited way past amounts change.
pub async fn reprice(store: Store<'_>, user: &Caller, team_id: Uuid, since: NaiveDate) -> Result<i64> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, "only team owners and admins reprice entries").await?;
    let changed = db::rates::reprice(&mut tx, team_id, since).await?;
    let details = serde_json::json!({ "since": since, "entries": changed });
    db::audit::record(&mut tx, Event::new("rates.repriced").actor(user.user_id.0).team(team_id).details(details))
        .await?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(changed)
}

pub async fn get(store: Store<'_>, user: &Caller, team_id: Uuid, rate_id: Uuid) -> Result<RateRow> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, "only team owners and admins see rates").await?;
    let row = db::rates::find(&mut tx, team_id, rate_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(row)
}

/// A mistaken rate goes; amounts already saved with it stay until repriced.
pub async fn delete(store: Store<'_>, user: &Caller, team_id: Uuid, rate_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, "only team owners and admins remove rates").await?;
    let row = db::rates::find(&mut tx, team_id, rate_id).await?.ok_or(ServiceError::NotFound)?;
    db::rates::delete(&mut tx, team_id, rate_id).await?;
    let details = serde_json::json!({
        "rate_id": row.rate_id,
        "hourly_rate": row.hourly_rate,
        "currency": row.currency,
        "effective_from": row.effective_from,
    });
    db::audit::record(&mut tx, Event::new("rate.deleted").actor(user.user_id.0).team(team_id).details(details)).await?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(())
}
