//! The `budgets` table, read with each budget's use in its current period
//! (`private.budget_usage_seen`: the one computation, which the hard-budget
//! trigger shares).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::budget::{BudgetLimit, BudgetPeriod};
use crate::domain::user::UserId;

#[derive(Clone)]
pub struct BudgetRow {
    pub budget_id: Uuid,
    pub team_id: Uuid,
    pub task_id: Option<Uuid>,
    pub period: BudgetPeriod,
    pub seconds: Option<i64>,
    pub amount: Option<i64>,
    pub hard: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub used_seconds: i64,
    pub used_amount: i64,
}

pub struct NewBudget {
    pub task_id: Option<Uuid>,
    pub period: BudgetPeriod,
    pub limit: BudgetLimit,
    pub hard: bool,
}

/// Adds a budget; one per scope and period (`budgets_one_per_scope`).
pub async fn insert(tx: &mut Tx, budget_id: Uuid, team_id: Uuid, b: &NewBudget, by: UserId) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("budgets.insert");
    sqlx::query!(
        r#"insert into budgets (budget_id, team_id, task_id, period, seconds, amount, hard, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        budget_id,
        team_id,
        b.task_id,
        b.period as BudgetPeriod,
        b.limit.seconds(),
        b.limit.amount(),
        b.hard,
        by.0,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("budgets.insert"))?;
    Ok(())
}

/// The team's budgets, the newest first after the (created_at, id) key, each
/// with its use in the period holding `today`.
pub async fn list(
    tx: &mut Tx,
    team_id: Uuid,
    today: NaiveDate,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<BudgetRow>, DbError> {
    let _timer = crate::metrics::db_timer("budgets.list");
    let (after_time, after_id) = after.unzip();
    sqlx::query_as!(
        BudgetRow,
        r#"select b.budget_id, b.team_id, b.task_id, b.period as "period: _", b.seconds, b.amount, b.hard,
                  b.created_by, b.created_at, u.seconds as "used_seconds!", u.amount as "used_amount!"
           from budgets b cross join lateral private.budget_usage_seen(b.budget_id, $2) u
           where b.team_id = $1
             and ($3::timestamptz is null or (b.created_at, b.budget_id) < ($3, $4))
           order by b.created_at desc, b.budget_id desc
           limit $5"#,
        team_id,
        today,
        after_time,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("budgets.list"))
}

pub async fn find(tx: &mut Tx, team_id: Uuid, budget_id: Uuid, today: NaiveDate) -> Result<Option<BudgetRow>, DbError> {
    let _timer = crate::metrics::db_timer("budgets.find");
    sqlx::query_as!(
        BudgetRow,
        r#"select b.budget_id, b.team_id, b.task_id, b.period as "period: _", b.seconds, b.amount, b.hard,
                  b.created_by, b.created_at, u.seconds as "used_seconds!", u.amount as "used_amount!"
           from budgets b cross join lateral private.budget_usage_seen(b.budget_id, $3) u
           where b.team_id = $1 and b.budget_id = $2"#,
        team_id,
        budget_id,
        today,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("budgets.find"))
}

/// Changes the limits and hardness (the scope and period stay).
pub async fn update(
    tx: &mut Tx,
    team_id: Uuid,
    budget_id: Uuid,
    limit: BudgetLimit,
    hard: bool,
) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("budgets.update");
    let r = sqlx::query!(
        "update budgets set seconds = $3, amount = $4, hard = $5 where team_id = $1 and budget_id = $2",
        team_id,
        budget_id,
        limit.seconds(),
        limit.amount(),
        hard,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("budgets.update"))?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete(tx: &mut Tx, team_id: Uuid, budget_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("budgets.delete");
    let r = sqlx::query!("delete from budgets where team_id = $1 and budget_id = $2", team_id, budget_id)
        .execute(&mut **tx)
        .await
        .map_err(at("budgets.delete"))?;
    Ok(r.rows_affected() == 1)
}
