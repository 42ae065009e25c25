//! The `time_entries` table: manual entries, the running timer, lists, reports.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::time_entry::{Interval, Note, ReportGrouping};
use crate::domain::user::UserId;

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
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at"#,
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
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at"#,
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
        r#"select entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at
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
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at"#,
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
        r#"select entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at
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
           returning entry_id, task_id, user_id, started_at, ended_at, note, billable, created_at, updated_at"#,
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
                  te.created_at, te.updated_at
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

#[derive(serde::Serialize, serde::Deserialize)]
pub struct ReportRow {
    pub key: String,
    pub label: Option<String>,
    pub seconds: i64,
    pub billable_seconds: i64,
}

#[derive(serde::Serialize, serde::Deserialize)]
pub struct ReportTotals {
    pub seconds: i64,
    pub billable_seconds: i64,
}

/// Finished entries starting in [from, to), summed by `group`, and the
/// totals over the same entries (label groups count an entry once per label,
/// the totals once). One statement: the entries are read once, into the
/// materialised `e`. RLS limits which entries count.
pub async fn report(
    tx: &mut Tx,
    team_id: Option<Uuid>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group: ReportGrouping,
) -> Result<(ReportTotals, Vec<ReportRow>), DbError> {
    let _timer = crate::metrics::db_timer("time_entries.report");
    let group_name = group.as_str();
    let rows = sqlx::query!(
        r#"with e as (
               select te.user_id, te.task_id, te.started_at, t.title, t.labels, te.billable,
                      extract(epoch from te.ended_at - te.started_at)::bigint as secs
               from time_entries te
               join tasks t on t.task_id = te.task_id
               where te.ended_at is not null
                 and te.started_at >= $2 and te.started_at < $3
                 and ($1::uuid is null or t.team_id = $1)),
           keyed as (
               select case $4
                          when 'user' then e.user_id::text
                          when 'task' then e.task_id::text
                          when 'day' then to_char(e.started_at at time zone 'UTC', 'YYYY-MM-DD')
                      end as key,
                      case $4
                          when 'user' then (select u.display_name from users u where u.user_id = e.user_id)
                          when 'task' then e.title
                          when 'day' then to_char(e.started_at at time zone 'UTC', 'YYYY-MM-DD')
                      end as label,
                      e.secs, e.billable
               from e where $4 <> 'label'
               union all
               select coalesce(l.label, ''), coalesce(l.label, '(no label)'), e.secs, e.billable
               from e left join lateral unnest(e.labels) as l(label) on true
               where $4 = 'label')
           select key, label, seconds as "seconds!", billable_seconds as "billable_seconds!"
           from (select key, label, sum(secs)::bigint as seconds,
                        coalesce(sum(secs) filter (where billable), 0)::bigint as billable_seconds, 0 as part
                 from keyed
                 group by key, label
                 union all
                 select null, null, coalesce(sum(secs), 0)::bigint,
                        coalesce(sum(secs) filter (where billable), 0)::bigint, 1
                 from e) r
           order by part desc, seconds desc, key"#,
        team_id,
        from,
        to,
        group_name,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("time_entries.report"))?;
    let mut totals = ReportTotals { seconds: 0, billable_seconds: 0 };
    let mut groups = Vec::with_capacity(rows.len());
    for row in rows {
        match row.key {
            // The totals row is the only one without a key (label groups key
            // unlabelled entries as '').
            None => totals = ReportTotals { seconds: row.seconds, billable_seconds: row.billable_seconds },
            Some(key) => groups.push(ReportRow {
                key,
                label: row.label,
                seconds: row.seconds,
                billable_seconds: row.billable_seconds,
            }),
        }
    }
    Ok((totals, groups))
}
