//! The `time_entries` table: manual entries, the running timer, lists, reports.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::report::{Bucket, Grouping, ReportGrouping, ReportRange, Sum, Sums, Totals};
use crate::domain::time_entry::{Interval, Note};
use crate::domain::timesheet::EntryState;
use crate::domain::user::{TimeZone, UserId};

#[derive(Clone)]
pub struct EntryRow {
    pub entry_id: Uuid,
    pub task_id: Uuid,
    pub user_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub billable: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub state: EntryState,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
}

pub async fn insert(
    tx: &mut Tx,
    entry_id: Uuid,
    task_id: Uuid,
    user: UserId,
    interval: Interval,
    note: Option<&Note>,
    billable: bool,
) -> Result<EntryRow, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.insert");
    let row = sqlx::query_as!(
        EntryRow,
        r#"insert into time_entries (entry_id, task_id, user_id, started_at, ended_at, note, billable)
           values ($1, $2, $3, $4, $5, $6, $7)
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at,
                     state as "state: _", reviewed_by, reviewed_at, rejection_reason"#,
        entry_id,
        task_id,
        user.0,
        interval.started_at(),
        interval.ended_at(),
        note.map(|n| n.as_str()),
        billable,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("time_entries.insert"))?;
    Ok(row)
}

/// Starts a timer unless one is running; the partial unique index makes this
/// race-free. None means one was already running.
pub async fn start_timer(
    tx: &mut Tx,
    entry_id: Uuid,
    task_id: Uuid,
    user: UserId,
) -> Result<Option<EntryRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.start_timer");
    let row = sqlx::query_as!(
        EntryRow,
        r#"insert into time_entries (entry_id, task_id, user_id, started_at)
           values ($1, $2, $3, now())
           on conflict (user_id) where ended_at is null do nothing
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at,
                     state as "state: _", reviewed_by, reviewed_at, rejection_reason"#,
        entry_id,
        task_id,
        user.0,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("time_entries.start_timer"))?;
    Ok(row)
}

pub async fn running(tx: &mut Tx, user: UserId) -> Result<Option<EntryRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.running");
    let row = sqlx::query_as!(
        EntryRow,
        r#"select entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at,
                     state as "state: _", reviewed_by, reviewed_at, rejection_reason
           from time_entries where user_id = $1 and ended_at is null"#,
        user.0,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("time_entries.running"))?;
    Ok(row)
}

/// Stops the running timer; a timer left on for over 24 hours is capped there.
pub async fn stop_timer(tx: &mut Tx, user: UserId) -> Result<Option<EntryRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.stop_timer");
    let row = sqlx::query_as!(
        EntryRow,
        r#"update time_entries
           set ended_at = greatest(least(now(), started_at + interval '24 hours'), started_at + interval '1 second')
           where user_id = $1 and ended_at is null
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at,
                     state as "state: _", reviewed_by, reviewed_at, rejection_reason"#,
        user.0,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("time_entries.stop_timer"))?;
    Ok(row)
}

pub async fn find(tx: &mut Tx, entry_id: Uuid) -> Result<Option<EntryRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.find");
    let row = sqlx::query_as!(
        EntryRow,
        r#"select entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at,
                     state as "state: _", reviewed_by, reviewed_at, rejection_reason
           from time_entries where entry_id = $1"#,
        entry_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("time_entries.find"))?;
    Ok(row)
}

pub async fn update(
    tx: &mut Tx,
    entry_id: Uuid,
    interval: Interval,
    note: Option<&Note>,
    billable: bool,
) -> Result<Option<EntryRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.update");
    let row = sqlx::query_as!(
        EntryRow,
        r#"update time_entries set started_at = $2, ended_at = $3, note = $4, billable = $5
           where entry_id = $1
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at,
                     state as "state: _", reviewed_by, reviewed_at, rejection_reason"#,
        entry_id,
        interval.started_at(),
        interval.ended_at(),
        note.map(|n| n.as_str()),
        billable,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("time_entries.update"))?;
    Ok(row)
}

pub async fn delete(tx: &mut Tx, entry_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.delete");
    let r = sqlx::query!("delete from time_entries where entry_id = $1", entry_id)
        .execute(&mut **tx)
        .await
        .map_err(at("time_entries.delete"))?;
    Ok(r.rows_affected() == 1)
}

#[derive(Default)]
pub struct EntryFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub team_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub billable: Option<bool>,
}

/// Newest first, after the (started_at, entry_id) key; visibility is RLS's.
pub async fn list(
    tx: &mut Tx,
    f: &EntryFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EntryRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.list");
    let (after_time, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        EntryRow,
        r#"select te.entry_id, te.task_id, te.user_id, te.started_at, te.ended_at, te.note, te.billable,
                  te.created_at, te.updated_at, te.state as "state: _", te.reviewed_by, te.reviewed_at,
                  te.rejection_reason
           from time_entries te
           where ($1::timestamptz is null or te.started_at >= $1)
             and ($2::timestamptz is null or te.started_at < $2)
             and ($3::uuid is null or te.task_id in (select t.task_id from tasks t where t.team_id = $3))
             and ($4::uuid is null or te.user_id = $4)
             and ($5::uuid is null or te.task_id = $5)
             and ($6::bool is null or te.billable = $6)
             and ($7::timestamptz is null or (te.started_at, te.entry_id) < ($7, $8))
           order by te.started_at desc, te.entry_id desc
           limit $9"#,
        f.from,
        f.to,
        f.team_id,
        f.user_id,
        f.task_id,
        f.billable,
        after_time,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("time_entries.list"))?;
    Ok(rows)
}

/// Makes the rest of the transaction read dates in `zone` (`to_char`,
/// `date_trunc`, interval arithmetic): Postgres's own tz data then places
/// every bucket. False when Postgres does not know the zone (its tz data is
/// older or newer than the application's).
pub async fn use_time_zone(tx: &mut Tx, zone: TimeZone) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.use_time_zone");
    let set = sqlx::query_scalar!(r#"select set_config('TimeZone', $1, true) as "zone!""#, zone.name())
        .fetch_one(&mut **tx)
        .await;
    match set {
        Ok(_) => Ok(true),
        // invalid_parameter_value: "invalid value for parameter TimeZone".
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("22023") => Ok(false),
        Err(e) => Err(at("time_entries.use_time_zone")(e)),
    }
}

/// Finished entries starting in the range, summed: in all, per first-level
/// key, per (first, second) key, and the range's calendar buckets when a
/// level is the calendar. One statement; the entries are read once, into
/// the materialised `e`, except within `rollups`: a span of whole hours that
/// `time_rollups` answers for instead (only for groupings by person and
/// calendar, in zones of whole-hour offsets: `ReportRange::rollup_span`).
/// RLS limits which entries count. Keys, labels and buckets come from
/// `report_key` (a label level counts an entry once per label; the totals
/// count it once). Buckets are in the transaction's zone: call
/// [`use_time_zone`] first.
pub async fn report(
    tx: &mut Tx,
    team_id: Option<Uuid>,
    range: &ReportRange,
    grouping: Grouping,
    rollups: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<Sums, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.report");
    // The whole hours the rollups answer for (none: an empty span at `to`,
    // so the first branch reads the whole range); the entries outside them
    // are read one by one.
    let (rolled_from, rolled_to) = rollups.unwrap_or((range.to, range.to));
    let rows = sqlx::query!(
        r#"with e as materialized (
               -- The entries before the rollups' span (all of them without one) ...
               select te.user_id, te.task_id, te.started_at, t.title, t.labels, t.project_id, te.billable,
                      extract(epoch from te.ended_at - te.started_at)::bigint as secs,
                      -- Rounded per entry, half up, in minor units: what an invoice line shows.
                      case when te.billable
                           then (extract(epoch from te.ended_at - te.started_at)::bigint * er.hourly_rate + 1800) / 3600
                      end as amount
               from time_entries te
               join tasks t on t.task_id = te.task_id
               left join time_entry_rates er on er.entry_id = te.entry_id and er.team_id = t.team_id
               where $2::timestamptz < $7
                 and te.ended_at is not null and te.started_at >= $2 and te.started_at < $7
                 and ($1::uuid is null or t.team_id = $1)
               union all
               -- ... and after it. An empty side is a false one-time filter:
               -- no index probe per task for it.
               select te.user_id, te.task_id, te.started_at, t.title, t.labels, t.project_id, te.billable,
                      extract(epoch from te.ended_at - te.started_at)::bigint,
                      case when te.billable
                           then (extract(epoch from te.ended_at - te.started_at)::bigint * er.hourly_rate + 1800) / 3600
                      end
               from time_entries te
               join tasks t on t.task_id = te.task_id
               left join time_entry_rates er on er.entry_id = te.entry_id and er.team_id = t.team_id
               where $8::timestamptz < $3
                 and te.ended_at is not null and te.started_at >= $8 and te.started_at < $3
                 and ($1::uuid is null or t.team_id = $1)
               union all
               -- Each rollup row stands for its entries, at its hour's start.
               select r.user_id, null, r.hour, null, null, null, r.billable, r.seconds, r.amount
               from time_rollups_seen r
               where r.hour >= $7 and r.hour < $8
                 and ($1::uuid is null or r.team_id = $1)),
           one as (
               select k.key, k.label, e.*
               from e cross join lateral report_key($4, e.user_id, e.task_id, e.title, e.labels, e.started_at, e.project_id) k)
           select 0 as "part!", null::text as key, null::text as label, null::text as key2, null::text as label2,
                  coalesce(sum(secs), 0)::bigint as "seconds!",
                  coalesce(sum(secs) filter (where billable), 0)::bigint as "billable_seconds!",
                  coalesce(sum(amount), 0)::bigint as "billable_amount!",
                  null::timestamptz as start, null::timestamptz as "end"
           from e
           union all
           select 1, key, label, null, null, sum(secs)::bigint,
                  coalesce(sum(secs) filter (where billable), 0)::bigint, coalesce(sum(amount), 0)::bigint, null, null
           from one
           group by key, label
           union all
           select 2, one.key, one.label, k.key, k.label, sum(one.secs)::bigint,
                  coalesce(sum(one.secs) filter (where one.billable), 0)::bigint, coalesce(sum(one.amount), 0)::bigint,
                  null, null
           from one
           cross join lateral report_key($5, one.user_id, one.task_id, one.title, one.labels, one.started_at, one.project_id) k
           where $5::text is not null
           group by one.key, one.label, k.key, k.label
           union all
           select 3, k.key, k.label, null, null, 0, 0, 0, k.bucket, k.bucket + ('1 ' || $6::text)::interval
           from generate_series(date_trunc($6, $2::timestamptz), $3::timestamptz - interval '1 microsecond',
                                ('1 ' || $6::text)::interval) as b(start)
           cross join lateral report_key($6, null, null, null, null, b.start, null) k
           where $6::text is not null"#,
        team_id,
        range.from,
        range.to,
        grouping.first().as_str(),
        grouping.then().map(ReportGrouping::as_str),
        grouping.calendar().map(ReportGrouping::as_str),
        rolled_from,
        rolled_to,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("time_entries.report"))?;
    let mut sums = Sums::default();
    for row in rows {
        let totals = Totals {
            seconds: row.seconds,
            billable_seconds: row.billable_seconds,
            billable_amount: row.billable_amount,
        };
        // Keys are never null past the totals row: report_key keys an
        // unlabelled entry as '' and a user or task by its id.
        let key = row.key.unwrap_or_default();
        match row.part {
            0 => sums.totals = totals,
            1 => sums.first.push(Sum { key, label: row.label, totals }),
            2 => sums.second.push((key, Sum { key: row.key2.unwrap_or_default(), label: row.label2, totals })),
            _ => {
                if let (Some(start), Some(end)) = (row.start, row.end) {
                    sums.buckets.push(Bucket { key, start, end });
                }
            }
        }
    }
    Ok(sums)
}

/// Of a report's time, the seconds on tasks in the trash (RLS limits which
/// entries count, as in the report).
pub async fn trashed_seconds(tx: &mut Tx, team_id: Option<Uuid>, range: &ReportRange) -> Result<i64, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.trashed_seconds");
    sqlx::query_scalar!(
        r#"select coalesce(sum(extract(epoch from te.ended_at - te.started_at)), 0)::bigint as "seconds!"
           from tasks t join time_entries te on te.task_id = t.task_id
           where t.trashed_with is not null and ($1::uuid is null or t.team_id = $1)
             and te.ended_at is not null and te.started_at >= $2 and te.started_at < $3"#,
        team_id,
        range.from,
        range.to,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("time_entries.trashed_seconds"))
}

/// An entry of a timesheet, with its task.
pub struct WeekRow {
    pub entry_id: Uuid,
    pub task_id: Uuid,
    pub title: String,
    pub team_id: Option<Uuid>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub billable: bool,
    pub state: EntryState,
    pub rejection_reason: Option<String>,
}

/// One person's entries starting in `[from, to)`, as far as RLS shows them
/// (a team admin sees only their teams' tasks).
pub async fn week(tx: &mut Tx, user: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<WeekRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.week");
    sqlx::query_as!(
        WeekRow,
        r#"select te.entry_id, te.task_id, t.title, t.team_id, te.started_at, te.ended_at, te.billable,
                  te.state as "state: _", te.rejection_reason
           from time_entries te join tasks t on t.task_id = te.task_id
           where te.user_id = $1 and te.started_at >= $2 and te.started_at < $3
           order by te.started_at, te.entry_id"#,
        user,
        from,
        to,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("time_entries.week"))
}

/// Submits the caller's finished draft and rejected entries on team tasks
/// starting in `[from, to)`, except on days a lock already covers (in the
/// caller's `zone`, as the lock reads them). How many were submitted.
pub async fn submit(
    tx: &mut Tx,
    user: UserId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone: TimeZone,
) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.submit");
    let r = sqlx::query!(
        r#"update time_entries te set state = 'submitted'
           from tasks t
           where t.task_id = te.task_id and t.team_id is not null
             and te.user_id = $1 and te.started_at >= $2 and te.started_at < $3
             and te.ended_at is not null and te.state in ('draft', 'rejected')
             and not exists (select 1 from time_locks l
                             where l.team_id = t.team_id and l.until >= (te.started_at at time zone $4)::date)"#,
        user.0,
        from,
        to,
        zone.name(),
    )
    .execute(&mut **tx)
    .await
    .map_err(at("time_entries.submit"))?;
    Ok(r.rows_affected())
}

/// Approves (no reason) or rejects (with one) a person's submitted entries
/// starting in `[from, to)` on the tasks of teams the reviewer owns or
/// administers, except on locked days (in the tracker's `zone`). How many.
#[allow(clippy::too_many_arguments)]
pub async fn review_week(
    tx: &mut Tx,
    reviewer: UserId,
    user: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone: TimeZone,
    state: EntryState,
    reason: Option<&str>,
) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.review_week");
    let r = sqlx::query!(
        r#"update time_entries te set state = $6, rejection_reason = $7
           from tasks t
           join team_members tm on tm.team_id = t.team_id and tm.user_id = $1 and tm.role in ('owner', 'admin')
           where t.task_id = te.task_id
             and te.user_id = $2 and te.started_at >= $3 and te.started_at < $4 and te.state = 'submitted'
             and not exists (select 1 from time_locks l
                             where l.team_id = t.team_id and l.until >= (te.started_at at time zone $5)::date)"#,
        reviewer.0,
        user,
        from,
        to,
        zone.name(),
        state as EntryState,
        reason,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("time_entries.review_week"))?;
    Ok(r.rows_affected())
}

/// Moves one entry to `state` (the trigger decides whether it may).
pub async fn set_state(
    tx: &mut Tx,
    entry_id: Uuid,
    state: EntryState,
    reason: Option<&str>,
) -> Result<Option<EntryRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.set_state");
    sqlx::query_as!(
        EntryRow,
        r#"update time_entries set state = $2, rejection_reason = $3 where entry_id = $1
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at,
                     state as "state: _", reviewed_by, reviewed_at, rejection_reason"#,
        entry_id,
        state as EntryState,
        reason,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("time_entries.set_state"))
}

/// A person's week with submitted time waiting for review.
pub struct PendingRow {
    pub user_id: Uuid,
    pub name: String,
    pub week: String,
    pub entries: i64,
    pub seconds: i64,
}

/// The team's submitted time by person and ISO week (in the tracker's zone),
/// the longest waiting first.
pub async fn pending(tx: &mut Tx, team_id: Uuid, limit: i64) -> Result<Vec<PendingRow>, DbError> {
    let _timer = crate::metrics::db_timer("time_entries.pending");
    sqlx::query_as!(
        PendingRow,
        r#"select te.user_id, u.display_name as name,
                  to_char(te.started_at at time zone u.time_zone, 'IYYY-"W"IW') as "week!",
                  count(*) as "entries!",
                  sum(extract(epoch from te.ended_at - te.started_at))::bigint as "seconds!"
           from time_entries te
           join tasks t on t.task_id = te.task_id
           join users u on u.user_id = te.user_id
           where t.team_id = $1 and te.state = 'submitted'
           group by te.user_id, u.display_name, 3
           order by 3, u.display_name, te.user_id
           limit $2"#,
        team_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("time_entries.pending"))
}
