//! Time tracking: manual entries, the timer, lists and reports.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::tasks::visible;
use super::Store;
use super::{begin, claim, commit, complete, Idempotency, Outcome, Result, ServiceError, Stored};
use crate::cache::CacheName;
use crate::db::time_entries::{EntryFilter, EntryRow};
use crate::db::{self, DbError, Tx};
use crate::domain::report::{Bound, Grouping, Report, ReportRange};
use crate::domain::time_entry::{Interval, Note};
use crate::domain::timesheet::EntryState;
use crate::domain::user::{Caller, TimeZone};

pub struct ManualEntry {
    pub interval: Interval,
    pub note: Option<Note>,
    pub billable: bool,
}

/// Changes to an entry; None leaves a field alone.
#[derive(Default)]
pub struct EntryPatch {
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub note: Option<Option<Note>>,
    pub billable: Option<bool>,
}

/// The task's team, when the caller may track time on it.
async fn require_trackable(tx: &mut Tx, user: &Caller, task_id: Uuid) -> Result<Option<Uuid>> {
    let (task, access) = visible(tx, user, task_id).await?;
    if !access.track {
        return Err(ServiceError::Forbidden("viewers cannot track time on this task"));
    }
    Ok(task.team_id)
}

/// Cached team reports and summaries include time; tell the cache.
async fn time_changed(store: Store<'_>, team: Option<Uuid>) {
    if let Some(team) = team {
        store.cache.team_changed(team).await;
    }
}

/// A write the lock trigger refused becomes a 409 naming the lock.
async fn unless_locked<T>(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    written: std::result::Result<T, DbError>,
) -> Result<T> {
    match written {
        Err(DbError::CheckViolation(c)) if c == "time_entries_locked" => {
            Err(super::time_locks::refusal(store, user, task_id).await)
        }
        // Submitted or approved meanwhile (the check below read it before).
        Err(DbError::CheckViolation(c)) if c == "time_entries_reviewed" => Err(frozen(None)),
        other => Ok(other?),
    }
}

/// The 409 for a change to submitted or approved time.
fn frozen(state: Option<EntryState>) -> ServiceError {
    let state = state.map_or("submitted or approved", EntryState::as_str);
    ServiceError::Conflict(format!("this entry is {state}; it changes only after a team admin rejects or reopens it"))
}

async fn team_of(tx: &mut Tx, task_id: Uuid) -> Result<Option<Uuid>> {
    Ok(db::tasks::find(tx, task_id).await?.and_then(|t| t.team_id))
}

pub async fn create(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    entry: ManualEntry,
    idem: Option<&Idempotency>,
    render: impl FnOnce(&EntryRow) -> Stored,
) -> Result<Outcome<EntryRow>> {
    let mut tx = begin(store.pool, user).await?;
    if let Some(stored) = claim(&mut tx, user, idem).await? {
        commit(tx).await?;
        return Ok(Outcome::Replayed(stored));
    }
    let team = require_trackable(&mut tx, user, task_id).await?;
    let inserted = db::time_entries::insert(
        &mut tx,
        Uuid::now_v7(),
        task_id,
        user.user_id,
        entry.interval,
        entry.note.as_ref(),
        entry.billable,
    )
    .await;
    let row = unless_locked(store, user, task_id, inserted).await?;
    complete(&mut tx, user, idem, || render(&row)).await?;
    commit(tx).await?;
    crate::metrics::time_tracked((entry.interval.ended_at() - entry.interval.started_at()).num_seconds());
    time_changed(store, team).await;
    Ok(Outcome::Created(row))
}

/// A task's entries, newest first, after the (started_at, entry_id) key; 404
/// when the task is not visible (an empty list would say it exists).
pub async fn list_for_task(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EntryRow>> {
    let mut tx = begin(store.pool, user).await?;
    super::tasks::readable(&mut tx, task_id).await?;
    let filter = EntryFilter { task_id: Some(task_id), ..Default::default() };
    let rows = db::time_entries::list(&mut tx, &filter, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

/// One entry the caller may see (RLS: their team's tasks).
pub async fn get(store: Store<'_>, user: &Caller, entry_id: Uuid) -> Result<EntryRow> {
    let mut tx = begin(store.pool, user).await?;
    let entry = db::time_entries::find(&mut tx, entry_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(entry)
}

pub async fn list(
    store: Store<'_>,
    user: &Caller,
    filter: &EntryFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EntryRow>> {
    let mut tx = begin(store.pool, user).await?;
    let rows = db::time_entries::list(&mut tx, filter, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Own entries only; a running timer is changed by stopping it.
pub async fn update(store: Store<'_>, user: &Caller, entry_id: Uuid, patch: EntryPatch) -> Result<EntryRow> {
    let mut tx = begin(store.pool, user).await?;
    let entry = db::time_entries::find(&mut tx, entry_id).await?.ok_or(ServiceError::NotFound)?;
    if entry.user_id != user.user_id.0 {
        return Err(ServiceError::Forbidden("only the person who tracked an entry edits it"));
    }
    if entry.state.is_frozen() {
        return Err(frozen(Some(entry.state)));
    }
    let ended_at = match (patch.ended_at, entry.ended_at) {
        (Some(e), _) | (None, Some(e)) => e,
        (None, None) => return Err(ServiceError::Conflict("the timer is running; stop it first".into())),
    };
    let interval = Interval::new(patch.started_at.unwrap_or(entry.started_at), ended_at, Utc::now())
        .map_err(|m| ServiceError::invalid("ended_at", m))?;
    let note = match patch.note {
        Some(n) => n,
        None => entry.note.as_deref().map(Note::parse).transpose().map_err(|m| ServiceError::invalid("note", m))?,
    };
    let updated =
        db::time_entries::update(&mut tx, entry_id, interval, note.as_ref(), patch.billable.unwrap_or(entry.billable))
            .await;
    let row = unless_locked(store, user, entry.task_id, updated).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(row)
}

/// Own entries, or any entry on a task the caller moderates.
pub async fn delete(store: Store<'_>, user: &Caller, entry_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    let entry = db::time_entries::find(&mut tx, entry_id).await?.ok_or(ServiceError::NotFound)?;
    if entry.user_id != user.user_id.0 && !visible(&mut tx, user, entry.task_id).await?.1.moderate {
        return Err(ServiceError::Forbidden("only the owner or a team admin deletes an entry"));
    }
    if entry.state.is_frozen() {
        return Err(frozen(Some(entry.state)));
    }
    let deleted = db::time_entries::delete(&mut tx, entry_id).await;
    unless_locked(store, user, entry.task_id, deleted).await?;
    let team = team_of(&mut tx, entry.task_id).await?;
    commit(tx).await?;
    time_changed(store, team).await;
    Ok(())
}

pub enum TimerStart {
    Started(EntryRow),
    AlreadyRunning(EntryRow),
}

pub async fn start_timer(store: Store<'_>, user: &Caller, task_id: Uuid) -> Result<TimerStart> {
    let mut tx = begin(store.pool, user).await?;
    let team = require_trackable(&mut tx, user, task_id).await?;
    let started = db::time_entries::start_timer(&mut tx, Uuid::now_v7(), task_id, user.user_id).await;
    let started = unless_locked(store, user, task_id, started).await?;
    let outcome = match started {
        Some(row) => TimerStart::Started(row),
        None => TimerStart::AlreadyRunning(
            db::time_entries::running(&mut tx, user.user_id)
                .await?
                .ok_or_else(|| ServiceError::Conflict("a timer is already running".into()))?,
        ),
    };
    commit(tx).await?;
    if matches!(outcome, TimerStart::Started(_)) {
        time_changed(store, team).await;
    }
    Ok(outcome)
}

pub async fn stop_timer(store: Store<'_>, user: &Caller) -> Result<EntryRow> {
    let mut tx = begin(store.pool, user).await?;
    let row = db::time_entries::stop_timer(&mut tx, user.user_id).await?.ok_or(ServiceError::NotFound)?;
    let team = team_of(&mut tx, row.task_id).await?;
    commit(tx).await?;
    time_changed(store, team).await;
    if let Some(ended) = row.ended_at {
        crate::metrics::time_tracked((ended - row.started_at).num_seconds());
    }
    Ok(row)
}

pub async fn running(store: Store<'_>, user: &Caller) -> Result<Option<EntryRow>> {
    let mut tx = begin(store.pool, user).await?;
    let row = db::time_entries::running(&mut tx, user.user_id).await?;
    commit(tx).await?;
    Ok(row)
}

/// What a report asks for, as the client named it; the range is resolved in
/// the zone (given, or the caller's own).
pub struct ReportRequest {
    pub team_id: Option<Uuid>,
    pub from: Option<Bound>,
    pub to: Option<Bound>,
    pub zone: Option<TimeZone>,
    pub grouping: Grouping,
}

pub async fn report(store: Store<'_>, user: &Caller, ask: ReportRequest) -> Result<(ReportRange, Report)> {
    let mut tx = begin(store.pool, user).await?;
    let zone = match ask.zone {
        Some(zone) => zone,
        None => {
            let stored = db::users::time_zone(&mut tx, user.user_id).await?.ok_or(ServiceError::NotFound)?;
            TimeZone::parse(&stored).map_err(|_| {
                ServiceError::invalid("tz", format!("your account's zone {stored} is not known here; name one with tz"))
            })?
        }
    };
    let now = Utc::now();
    let range = ReportRange::resolve(ask.from, ask.to, zone, now).map_err(|m| ServiceError::invalid("from", m))?;
    // Amounts: on a team report, for members and above (RLS then shows a
    // member only their own), once the team bills in a currency.
    let (currency, team_name) = match ask.team_id {
        Some(team) => {
            let (team, role) = super::team_with_role(&mut tx, user, team).await?;
            (team.currency.filter(|_| role.can_write_tasks()), Some(team.name))
        }
        None => (None, None),
    };
    // Team reports over an explicit range are cached; "up to now" never repeats.
    let lookup = match ask.team_id {
        Some(team) if range.fixed => {
            let what = format!(
                "{}:{}:{}:{}",
                range.from.timestamp_micros(),
                range.to.timestamp_micros(),
                zone.name(),
                ask.grouping.name()
            );
            Some(store.cache.get(CacheName::TimeReport, user.user_id.0, team, &what).await)
        }
        _ => None,
    };
    if let Some(hit) = lookup.as_ref().and_then(|l| l.value.as_deref()) {
        if let Ok(report) = serde_json::from_str::<Report>(hit) {
            commit(tx).await?;
            return Ok((range, report));
        }
    }
    if !db::time_entries::use_time_zone(&mut tx, zone).await? {
        return Err(ServiceError::invalid(
            "tz",
            format!("{} is not in the database's time zone data; name another zone", zone.name()),
        ));
    }
    let rollups = if ask.grouping.rolls_up() { range.rollup_span(now) } else { None };
    let sums = db::time_entries::report(&mut tx, ask.team_id, &range, ask.grouping, rollups).await?;
    // Time on tasks in the trash still counts (it was real work); the
    // report says how much of it there is.
    let trashed_seconds = db::time_entries::trashed_seconds(&mut tx, ask.team_id, &range).await?;
    commit(tx).await?;
    let report = Report { currency, team: team_name, trashed_seconds, ..Report::assemble(ask.grouping, sums) };
    if let (Some(lookup), Ok(json)) = (lookup, serde_json::to_string(&report)) {
        store.cache.put(&lookup, &json).await;
    }
    Ok((range, report))
}
