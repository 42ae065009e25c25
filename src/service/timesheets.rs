//! Timesheets and approvals: a person's week, submitted by them and
//! approved or rejected by their teams' owners and admins. The database's
//! `time_entries_review` trigger holds every transition; the checks here
//! choose the status code and the message.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{begin, commit, require_team_role, Result, ServiceError, Store};
use crate::db::audit::Event;
use crate::db::time_entries::{EntryRow, PendingRow};
use crate::db::{self, DbError, Tx};
use crate::domain::report::start_of_day;
use crate::domain::team::TeamRole;
use crate::domain::timesheet::{EntryState, IsoWeek, RejectionReason, SheetEntry, Timesheet, Tracked};
use crate::domain::user::{Caller, TimeZone};

/// What an admin decides about submitted time.
pub enum Decision {
    Approve,
    Reject(RejectionReason),
}

impl Decision {
    fn state(&self) -> EntryState {
        match self {
            Decision::Approve => EntryState::Approved,
            Decision::Reject(_) => EntryState::Rejected,
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Decision::Approve => None,
            Decision::Reject(r) => Some(r.as_str()),
        }
    }
}

/// A week action's result: how many entries it moved, and the week after.
pub struct WeekChange {
    pub entries: u64,
    pub timesheet: Timesheet,
}

/// The person whose week it is: the caller, or (for the teams' owners and
/// admins) someone in a team they run. 404 for anyone else, as for a user
/// the caller cannot see.
async fn whose(tx: &mut Tx, user: &Caller, of: Option<Uuid>) -> Result<(Uuid, TimeZone)> {
    let target = of.unwrap_or(user.user_id.0);
    if target != user.user_id.0 && !user.is_admin() && !db::teams::administers(tx, user.user_id, target).await? {
        return Err(ServiceError::NotFound);
    }
    Ok((target, zone_of(tx, target).await?))
}

/// The person's zone. One the tz data no longer knows reads as UTC rather
/// than failing the week.
async fn zone_of(tx: &mut Tx, person: Uuid) -> Result<TimeZone> {
    let stored = db::users::time_zone(tx, crate::domain::user::UserId(person)).await?.ok_or(ServiceError::NotFound)?;
    Ok(TimeZone::parse(&stored).unwrap_or(TimeZone::UTC))
}

/// The week's bounds in `zone`: Monday's start to the next Monday's.
fn bounds(week: IsoWeek, zone: TimeZone) -> (DateTime<Utc>, DateTime<Utc>) {
    (start_of_day(zone, week.monday()), start_of_day(zone, week.monday() + Duration::days(7)))
}

async fn read(tx: &mut Tx, week: IsoWeek, target: Uuid, zone: TimeZone) -> Result<Timesheet> {
    let (from, to) = bounds(week, zone);
    let now = Utc::now();
    let rows = db::time_entries::week(tx, target, from, to).await?;
    let tracked = rows
        .into_iter()
        .map(|r| Tracked {
            entry: SheetEntry {
                entry_id: r.entry_id,
                task_id: r.task_id,
                day: r.started_at.with_timezone(&zone.tz()).date_naive(),
                seconds: (r.ended_at.unwrap_or(now) - r.started_at).num_seconds().max(0),
                billable: r.billable,
                running: r.ended_at.is_none(),
                state: r.state,
                rejection_reason: r.rejection_reason,
            },
            title: r.title,
            team_id: r.team_id,
        })
        .collect();
    Ok(Timesheet::assemble(week, target, zone, tracked))
}

/// One person's week (default: the caller's, and the week current in their
/// zone). A team admin sees the entries on their teams' tasks only (RLS).
pub async fn week(store: Store<'_>, user: &Caller, week: Option<IsoWeek>, of: Option<Uuid>) -> Result<Timesheet> {
    let mut tx = begin(store.pool, user).await?;
    let (target, zone) = whose(&mut tx, user, of).await?;
    let week = week.unwrap_or_else(|| IsoWeek::current(zone, Utc::now()));
    let sheet = read(&mut tx, week, target, zone).await?;
    commit(tx).await?;
    Ok(sheet)
}

/// Submits the caller's finished team time of the week (drafts, and rejected
/// entries again); days already locked stay as they are. Audited.
pub async fn submit(store: Store<'_>, user: &Caller, week: IsoWeek) -> Result<WeekChange> {
    let mut tx = begin(store.pool, user).await?;
    let (target, zone) = whose(&mut tx, user, None).await?;
    let (from, to) = bounds(week, zone);
    let entries = db::time_entries::submit(&mut tx, user.user_id, from, to, zone).await?;
    let details = serde_json::json!({ "week": week.to_string(), "entries": entries });
    db::audit::record(&mut tx, Event::new("timesheet.submitted").actor(target).subject(target).details(details))
        .await?;
    let timesheet = read(&mut tx, week, target, zone).await?;
    commit(tx).await?;
    Ok(WeekChange { entries, timesheet })
}

/// Approves or rejects a person's submitted time of the week on the teams
/// the caller owns or administers. Audited.
pub async fn review_week(
    store: Store<'_>,
    user: &Caller,
    week: IsoWeek,
    of: Uuid,
    decision: Decision,
) -> Result<WeekChange> {
    let mut tx = begin(store.pool, user).await?;
    if !db::teams::administers(&mut tx, user.user_id, of).await? {
        return Err(ServiceError::Forbidden("only the owners and admins of this person's teams review their time"));
    }
    // Checked above: no second look at the teams through `whose`.
    let (target, zone) = (of, zone_of(&mut tx, of).await?);
    let (from, to) = bounds(week, zone);
    let entries = db::time_entries::review_week(
        &mut tx,
        user.user_id,
        target,
        from,
        to,
        zone,
        decision.state(),
        decision.reason(),
    )
    .await?;
    let action = match decision {
        Decision::Approve => "timesheet.approved",
        Decision::Reject(_) => "timesheet.rejected",
    };
    let details = serde_json::json!({ "week": week.to_string(), "entries": entries, "reason": decision.reason() });
    db::audit::record(&mut tx, Event::new(action).actor(user.user_id.0).subject(target).details(details)).await?;
    let timesheet = read(&mut tx, week, target, zone).await?;
    commit(tx).await?;
    Ok(WeekChange { entries, timesheet })
}

/// The one entry an admin reviews, with its team, once the caller's role
/// there and the entry's state allow `to`.
async fn reviewable(tx: &mut Tx, user: &Caller, entry_id: Uuid, to: EntryState) -> Result<(EntryRow, Uuid)> {
    let entry = db::time_entries::find(tx, entry_id).await?.ok_or(ServiceError::NotFound)?;
    let team = db::tasks::find(tx, entry.task_id)
        .await?
        .ok_or(ServiceError::NotFound)?
        .team_id
        .ok_or_else(|| ServiceError::Conflict("time on a personal task has no reviewer".into()))?;
    require_team_role(tx, user, team, TeamRole::Admin, "only the team's owners and admins review its time").await?;
    let from = if to == EntryState::Draft { EntryState::Approved } else { EntryState::Submitted };
    if entry.state != from {
        return Err(ServiceError::Conflict(format!(
            "this entry is {}; only {} time is {}",
            entry.state.as_str(),
            from.as_str(),
            match to {
                EntryState::Draft => "reopened",
                _ => "approved or rejected",
            }
        )));
    }
    Ok((entry, team))
}

/// Approves, rejects or reopens (to draft) one entry. Audited.
pub async fn review(
    store: Store<'_>,
    user: &Caller,
    entry_id: Uuid,
    to: EntryState,
    reason: Option<RejectionReason>,
) -> Result<EntryRow> {
    let mut tx = begin(store.pool, user).await?;
    let (entry, team) = reviewable(&mut tx, user, entry_id, to).await?;
    let reason = reason.as_ref().map(RejectionReason::as_str);
    let written = db::time_entries::set_state(&mut tx, entry_id, to, reason).await;
    let row = match written {
        Err(DbError::CheckViolation(c)) if c == "time_entries_locked" => {
            return Err(super::time_locks::refusal(store, user, entry.task_id).await)
        }
        other => other?.ok_or(ServiceError::NotFound)?,
    };
    let action = match to {
        EntryState::Approved => "time_entry.approved",
        EntryState::Rejected => "time_entry.rejected",
        _ => "time_entry.reopened",
    };
    let details = serde_json::json!({ "entry_id": entry_id, "from": entry.state.as_str(), "reason": reason });
    db::audit::record(
        &mut tx,
        Event::new(action).actor(user.user_id.0).subject(entry.user_id).team(team).details(details),
    )
    .await?;
    commit(tx).await?;
    Ok(row)
}

/// The team's submitted weeks waiting for review (owners and admins).
pub async fn pending(store: Store<'_>, user: &Caller, team_id: Uuid, limit: i64) -> Result<Vec<PendingRow>> {
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, "only the team's owners and admins review its time")
        .await?;
    let rows = db::time_entries::pending(&mut tx, team_id, limit).await?;
    commit(tx).await?;
    Ok(rows)
}
