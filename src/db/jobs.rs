//! The job queue (migration 20261204000001_jobs.sql). Enqueueing runs in
//! the caller's transaction, so a change that rolls back leaves no job;
//! the workers' side (claim, renew, finish, fail, release) goes through
//! definer functions on the pool, each a statement of its own.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::{at, DbError, Pool, Tx};
use crate::domain::job::{JobKind, JobState};

pub struct JobRow {
    pub job_id: Uuid,
    pub kind: JobKind,
    pub payload: Value,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub timeout_ms: i32,
    pub run_at: DateTime<Utc>,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub result: Option<Value>,
    pub enqueued_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewJob {
    pub job_id: Uuid,
    pub kind: JobKind,
    pub payload: Value,
    pub max_attempts: i32,
    pub timeout_ms: i32,
}

/// Enqueues jobs in the caller's transaction: they exist once it commits
/// (the workers are woken then), and never if it rolls back.
pub async fn enqueue(tx: &mut Tx, jobs: &[NewJob], enqueued_by: Option<Uuid>) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("jobs.enqueue");
    let ids: Vec<Uuid> = jobs.iter().map(|j| j.job_id).collect();
    let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
    let payloads: Vec<Value> = jobs.iter().map(|j| j.payload.clone()).collect();
    let max_attempts: Vec<i32> = jobs.iter().map(|j| j.max_attempts).collect();
    let timeouts: Vec<i32> = jobs.iter().map(|j| j.timeout_ms).collect();
    sqlx::query!(
        "insert into jobs (job_id, kind, payload, max_attempts, timeout_ms, enqueued_by)
         select *, $6::uuid from unnest($1::uuid[], $2::text[], $3::jsonb[], $4::int[], $5::int[])",
        &ids,
        &kinds as &[&str],
        &payloads,
        &max_attempts,
        &timeouts,
        enqueued_by,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("jobs.enqueue"))?;
    Ok(())
}

/// Newest first (job ids are UUIDv7), optionally in one state, after the
/// cursor's job. RLS: global admins only.
pub async fn list(
    tx: &mut Tx,
    state: Option<JobState>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<JobRow>, DbError> {
    let _timer = crate::metrics::db_timer("jobs.list");
    sqlx::query_as!(
        JobRow,
        r#"select job_id, kind as "kind: _", payload, state as "state: _", attempts, max_attempts, timeout_ms,
                  run_at, locked_by, locked_until, started_at, finished_at, last_error, result, enqueued_by,
                  created_at, updated_at
           from jobs
           where ($1::text is null or state = $1) and ($2::uuid is null or job_id < $2)
           order by job_id desc limit $3"#,
        state.map(JobState::as_str),
        before,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("jobs.list"))
}

pub async fn find(tx: &mut Tx, job_id: Uuid) -> Result<Option<JobRow>, DbError> {
    let _timer = crate::metrics::db_timer("jobs.find");
    sqlx::query_as!(
        JobRow,
        r#"select job_id, kind as "kind: _", payload, state as "state: _", attempts, max_attempts, timeout_ms,
                  run_at, locked_by, locked_until, started_at, finished_at, last_error, result, enqueued_by,
                  created_at, updated_at
           from jobs where job_id = $1"#,
        job_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("jobs.find"))
}

/// A dead job queued again with its attempts back to zero; None when it is
/// not dead (or not there).
pub async fn retry(tx: &mut Tx, job_id: Uuid) -> Result<Option<JobRow>, DbError> {
    let _timer = crate::metrics::db_timer("jobs.retry");
    sqlx::query_as!(
        JobRow,
        r#"update jobs set state = 'queued', attempts = 0, run_at = now(), finished_at = null
           where job_id = $1 and state = 'dead'
           returning job_id, kind as "kind: _", payload, state as "state: _", attempts, max_attempts, timeout_ms,
                     run_at, locked_by, locked_until, started_at, finished_at, last_error, result, enqueued_by,
                     created_at, updated_at"#,
        job_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("jobs.retry"))
}

/// The next due job of a kind this build runs (or one whose lease lapsed),
/// now held by `worker` for `lease_seconds`.
pub async fn claim(pool: &Pool, worker: &str, lease_seconds: i32) -> Result<Option<JobRow>, DbError> {
    let kinds: Vec<&str> = JobKind::ALL.iter().map(|k| k.as_str()).collect();
    let _timer = crate::metrics::db_timer("jobs.claim");
    sqlx::query_as!(
        JobRow,
        r#"select job_id as "job_id!", kind as "kind!: _", payload as "payload!", state as "state!: _",
                  attempts as "attempts!", max_attempts as "max_attempts!", timeout_ms as "timeout_ms!",
                  run_at as "run_at!", locked_by, locked_until, started_at, finished_at, last_error, result,
                  enqueued_by, created_at as "created_at!", updated_at as "updated_at!"
           from private.claim_job($1, $2, $3)"#,
        worker,
        lease_seconds,
        &kinds as &[&str],
    )
    .fetch_optional(pool)
    .await
    .map_err(at("jobs.claim"))
}

/// Which attempt of which job a worker holds.
#[derive(Clone, Debug)]
pub struct Claim {
    pub job_id: Uuid,
    pub worker: String,
    pub attempt: i32,
}

/// Renews the lease; false when the attempt no longer holds the job.
pub async fn heartbeat(pool: &Pool, c: &Claim, lease_seconds: i32) -> Result<bool, DbError> {
    sqlx::query_scalar!(
        r#"select private.heartbeat_job($1, $2, $3, $4) as "held!""#,
        c.job_id,
        c.worker,
        c.attempt,
        lease_seconds
    )
    .fetch_one(pool)
    .await
    .map_err(at("jobs.heartbeat"))
}

/// Done; false when the attempt no longer held the job (its lease lapsed
/// and another worker took it over).
pub async fn finish(pool: &Pool, c: &Claim, result: &Value) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("jobs.finish");
    sqlx::query_scalar!(
        r#"select private.finish_job($1, $2, $3, $4) as "held!""#,
        c.job_id,
        c.worker,
        c.attempt,
        result
    )
    .fetch_one(pool)
    .await
    .map_err(at("jobs.finish"))
}

/// Failed: queued again after `retry_in_ms`, or dead on the last attempt.
/// None when the attempt no longer held the job.
pub async fn fail(pool: &Pool, c: &Claim, error: &str, retry_in_ms: i64) -> Result<Option<JobState>, DbError> {
    let _timer = crate::metrics::db_timer("jobs.fail");
    sqlx::query_scalar!(
        r#"select state as "state!: JobState" from private.fail_job($1, $2, $3, $4, $5) as state"#,
        c.job_id,
        c.worker,
        c.attempt,
        error,
        retry_in_ms
    )
    .fetch_optional(pool)
    .await
    .map_err(at("jobs.fail"))
}

/// Gives the job back unfinished (shutdown): due again at once, the
/// attempt not counted.
pub async fn release(pool: &Pool, c: &Claim) -> Result<bool, DbError> {
    sqlx::query_scalar!(r#"select private.release_job($1, $2, $3) as "held!""#, c.job_id, c.worker, c.attempt)
        .fetch_one(pool)
        .await
        .map_err(at("jobs.release"))
}

pub struct QueueStat {
    pub kind: String,
    pub depth: i64,
    pub oldest_seconds: f64,
}

/// Per kind: queued jobs, and how long the oldest due one has waited.
pub async fn queue_stats(pool: &Pool) -> Result<Vec<QueueStat>, DbError> {
    sqlx::query_as!(
        QueueStat,
        r#"select kind as "kind!", depth as "depth!", oldest_seconds as "oldest_seconds!"
           from private.job_queue_stats()"#
    )
    .fetch_all(pool)
    .await
    .map_err(at("jobs.queue_stats"))
}

/// Done and dead jobs finished more than `days` ago.
pub async fn prune(pool: &Pool, days: i32) -> Result<i64, DbError> {
    sqlx::query_scalar!(r#"select private.prune_jobs($1) as "n!""#, days)
        .fetch_one(pool)
        .await
        .map_err(at("jobs.prune"))
}
