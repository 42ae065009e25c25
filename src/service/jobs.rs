//! Background jobs: enqueueing (inside the use case whose change causes the
//! job), the global admins' view of the queue, the diagnostic ping, and the
//! handler of each kind (src/worker.rs claims and runs them).

use serde_json::{json, Value};
use uuid::Uuid;

use super::{begin, commit, Result, ServiceError, Store};
use crate::db::jobs::{JobRow, NewJob};
use crate::db::{self, Tx};
use crate::domain::job::{JobKind, JobState, Ping, PingFailure};
use crate::domain::user::Caller;

fn require_admin(user: &Caller) -> Result<()> {
    if !user.is_admin() {
        return Err(ServiceError::Forbidden("this needs a global admin"));
    }
    Ok(())
}

/// A job of `kind`, enqueued in `tx`: it exists if and when `tx` commits.
pub(crate) fn job(kind: JobKind, payload: Value, timeout_ms: i32) -> NewJob {
    NewJob { job_id: Uuid::now_v7(), kind, payload, max_attempts: kind.max_attempts(), timeout_ms }
}

pub(crate) async fn enqueue(tx: &mut Tx, jobs: &[NewJob], by: Option<&Caller>) -> Result<()> {
    Ok(db::jobs::enqueue(tx, jobs, by.map(|c| c.user_id.0)).await?)
}

pub async fn list(
    store: Store<'_>,
    user: &Caller,
    state: Option<JobState>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<JobRow>> {
    require_admin(user)?;
    let mut tx = begin(store.pool, user).await?;
    let rows = db::jobs::list(&mut tx, state, before, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

pub async fn get(store: Store<'_>, user: &Caller, job_id: Uuid) -> Result<JobRow> {
    require_admin(user)?;
    let mut tx = begin(store.pool, user).await?;
    let row = db::jobs::find(&mut tx, job_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(row)
}

/// A dead job queued again, its attempts starting over.
pub async fn retry(store: Store<'_>, user: &Caller, job_id: Uuid) -> Result<JobRow> {
    require_admin(user)?;
    let mut tx = begin(store.pool, user).await?;
    let Some(row) = db::jobs::retry(&mut tx, job_id).await? else {
        let row = db::jobs::find(&mut tx, job_id).await?.ok_or(ServiceError::NotFound)?;
        return Err(ServiceError::Conflict(format!(
            "only a dead job can be retried; this one is {}",
            row.state.as_str()
        )));
    };
    commit(tx).await?;
    Ok(row)
}

/// Enqueues `count` diagnostic pings; their ids, in order.
pub async fn ping(store: Store<'_>, user: &Caller, ping: Ping, count: i64) -> Result<Vec<Uuid>> {
    require_admin(user)?;
    let payload = serde_json::to_value(ping)?;
    let jobs: Vec<NewJob> =
        (0..count).map(|_| job(JobKind::DiagnosticPing, payload.clone(), ping.timeout_ms)).collect();
    let mut tx = begin(store.pool, user).await?;
    enqueue(&mut tx, &jobs, Some(user)).await?;
    commit(tx).await?;
    Ok(jobs.into_iter().map(|j| j.job_id).collect())
}

/// Runs one attempt of a job; what it reports is kept with the job. An
/// `Err` is the reason it failed (the worker retries it, or it goes dead).
pub async fn handle(kind: JobKind, payload: &Value, attempt: i32, worker: &str) -> std::result::Result<Value, String> {
    match kind {
        JobKind::DiagnosticPing => {
            let ping: Ping = serde_json::from_value(payload.clone()).map_err(|e| format!("bad ping payload: {e}"))?;
            match ping.failure(attempt) {
                Some(PingFailure::Error) => {
                    return Err(format!(
                        "the ping failed on purpose (attempt {attempt} of the first {} to fail)",
                        ping.fail_attempts
                    ))
                }
                // The worker catches the panic and counts the attempt as failed.
                Some(PingFailure::Panic) => panic!("the ping panicked on purpose (attempt {attempt})"),
                // Runs past any timeout; the worker stops it there.
                Some(PingFailure::Hang) => std::future::pending::<()>().await,
                None => {}
            }
            tokio::time::sleep(std::time::Duration::from_millis(ping.sleep_ms)).await;
            Ok(json!({ "worker": worker, "attempt": attempt }))
        }
    }
}
