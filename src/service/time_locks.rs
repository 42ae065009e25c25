//! Locked periods: a team's owners and admins lock its time up to a day;
//! the database then refuses every change to entries on or before it.

use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::{begin, commit, require_team_role, Result, ServiceError, Store};
use crate::db;
use crate::db::audit::Event;
use crate::db::time_locks::LockRow;
use crate::domain::team::TeamRole;
use crate::domain::user::Caller;

/// Locks the team's time up to and including `until`: a day that has begun
/// somewhere (at most tomorrow in UTC), and later than the current lock.
pub async fn create(store: Store<'_>, user: &Caller, team_id: Uuid, until: NaiveDate) -> Result<LockRow> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, "only team owners and admins lock time").await?;
    // UTC+14 is a day ahead of UTC: the latest calendar day already begun.
    let latest = (Utc::now() + chrono::Duration::hours(14)).date_naive();
    if until > latest {
        return Err(ServiceError::invalid(
            "until",
            format!("must not be after {latest}: a lock covers days that have begun"),
        ));
    }
    if let Some(current) = db::time_locks::until(&mut tx, Some(team_id), None).await? {
        if until <= current {
            return Err(ServiceError::Conflict(format!(
                "time is already locked up to and including {current}; lift that lock to lock less"
            )));
        }
    }
    let row = db::time_locks::insert(&mut tx, Uuid::now_v7(), team_id, until, user.user_id).await?;
    let details = serde_json::json!({ "lock_id": row.lock_id, "until": until });
    db::audit::record(&mut tx, Event::new("time_lock.created").actor(user.user_id.0).team(team_id).details(details))
        .await?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(row)
}

/// Everyone in the team sees its locks.
pub async fn list(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<LockRow>> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Viewer, "").await?;
    let rows = db::time_locks::list(&mut tx, team_id, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

pub async fn get(store: Store<'_>, user: &Caller, team_id: Uuid, lock_id: Uuid) -> Result<LockRow> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Viewer, "").await?;
    let row = db::time_locks::find(&mut tx, team_id, lock_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(row)
}

/// Lifts a lock (audited): the days it covered open again unless an
/// earlier-set lock still covers them.
pub async fn delete(store: Store<'_>, user: &Caller, team_id: Uuid, lock_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, "only team owners and admins lift a lock").await?;
    let row = db::time_locks::find(&mut tx, team_id, lock_id).await?.ok_or(ServiceError::NotFound)?;
    db::time_locks::delete(&mut tx, team_id, lock_id).await?;
    let details = serde_json::json!({ "lock_id": lock_id, "until": row.until });
    db::audit::record(&mut tx, Event::new("time_lock.lifted").actor(user.user_id.0).team(team_id).details(details))
        .await?;
    commit(tx).await?;
    store.cache.team_changed(team_id).await;
    Ok(())
}

/// The 409 for a write the database refused as locked, naming the lock.
pub(crate) async fn refusal(store: Store<'_>, user: &Caller, task_id: Uuid) -> ServiceError {
    let until = async {
        let mut tx = begin(store.pool, user).await.ok()?;
        db::time_locks::until(&mut tx, None, Some(task_id)).await.ok().flatten()
    }
    .await;
    ServiceError::Conflict(match until {
        Some(day) => format!("this team's time is locked up to and including {day}; a team admin can lift the lock"),
        None => "this entry is in a locked period".to_owned(),
    })
}
