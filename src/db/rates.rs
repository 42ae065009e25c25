//! The `rates` table, and repricing the entries' rate snapshots
//! (`time_entry_rates`, written at insert by a trigger).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::money::NewRate;
use crate::domain::user::UserId;

#[derive(Clone)]
pub struct RateRow {
    pub rate_id: Uuid,
    pub team_id: Uuid,
    pub user_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub hourly_rate: i64,
    pub currency: String,
    pub effective_from: NaiveDate,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Adds a rate; the database sets the team's currency from its first and
/// refuses another currency (`rates_team_currency`), and one per scope and
/// day (`rates_one_per_scope_and_day`).
pub async fn insert(tx: &mut Tx, rate_id: Uuid, team_id: Uuid, rate: &NewRate, by: UserId) -> Result<RateRow, DbError> {
    let _timer = crate::metrics::db_timer("rates.insert");
    sqlx::query_as!(
        RateRow,
        r#"insert into rates (rate_id, team_id, user_id, task_id, hourly_rate, currency, effective_from, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           returning rate_id, team_id, user_id, task_id, hourly_rate, currency, effective_from, created_by, created_at"#,
        rate_id,
        team_id,
        rate.user_id,
        rate.task_id,
        rate.hourly_rate.minor_units(),
        rate.currency.code(),
        rate.effective_from,
        by.0,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("rates.insert"))
}

/// The team's rates, latest `effective_from` first, after the (day, id) key.
pub async fn list(
    tx: &mut Tx,
    team_id: Uuid,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<RateRow>, DbError> {
    let _timer = crate::metrics::db_timer("rates.list");
    let (after_day, after_id) = after.unzip();
    sqlx::query_as!(
        RateRow,
        r#"select rate_id, team_id, user_id, task_id, hourly_rate, currency, effective_from, created_by, created_at
           from rates
           where team_id = $1
             and ($2::date is null or (effective_from, rate_id) < ($2, $3))
           order by effective_from desc, rate_id desc
           limit $4"#,
        team_id,
        after_day,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("rates.list"))
}

/// Every entry on the team's tasks from `since` takes the rate in force now
/// (`private.reprice_entries`, which also checks the caller is a team owner
/// or admin). How many entries changed.
pub async fn reprice(tx: &mut Tx, team_id: Uuid, since: NaiveDate) -> Result<i64, DbError> {
    let _timer = crate::metrics::db_timer("rates.reprice");
    sqlx::query_scalar!(r#"select private.reprice_entries($1, $2) as "changed!""#, team_id, since)
        .fetch_one(&mut **tx)
        .await
        .map_err(at("rates.reprice"))
}

pub async fn find(tx: &mut Tx, team_id: Uuid, rate_id: Uuid) -> Result<Option<RateRow>, DbError> {
    let _timer = crate::metrics::db_timer("rates.find");
    sqlx::query_as!(
        RateRow,
        r#"select rate_id, team_id, user_id, task_id, hourly_rate, currency, effective_from, created_by, created_at
           from rates where team_id = $1 and rate_id = $2"#,
        team_id,
        rate_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("rates.find"))
}

/// Entries saved with it keep their snapshot (its `rate_id` becomes null).
pub async fn delete(tx: &mut Tx, team_id: Uuid, rate_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("rates.delete");
    let r = sqlx::query!("delete from rates where team_id = $1 and rate_id = $2", team_id, rate_id)
        .execute(&mut **tx)
        .await
        .map_err(at("rates.delete"))?;
    Ok(r.rows_affected() == 1)
}
