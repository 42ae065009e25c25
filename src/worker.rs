//! The job workers: inside `taskflow serve` (`jobs.workers` of them) and in
//! `taskflow worker` processes. Each worker claims one job at a time
//! (`FOR UPDATE SKIP LOCKED` in `private.claim_job`, so workers of every
//! replica share one queue and never take the same job), runs its handler
//! in a task of its own (a panic fails the attempt, not the worker), renews
//! its lease every third of it while the handler runs, stops the handler at
//! the job's timeout, and records the outcome. A job is done exactly once:
//! finishing needs the claim to still hold (an attempt whose lease lapsed
//! and was taken over cannot finish). On shutdown a worker claims nothing
//! more, lets a running handler finish within the grace period, and
//! otherwise gives the job back (released: due again at once, the attempt
//! not counted).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use sqlx::postgres::PgListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::config::JobSettings;
use crate::db::jobs::{Claim, JobRow};
use crate::db::{self, Pool};
use crate::domain::job::{Backoff, JobState};
use crate::service;

/// Attempts that ended, by outcome, in this process (the tests read them;
/// /metrics has the same by kind).
#[derive(Debug, Default)]
pub struct Tally {
    pub ok: AtomicU64,
    pub failed: AtomicU64,
    pub lease_lost: AtomicU64,
    pub released: AtomicU64,
}

/// The running workers of one process.
pub struct Workers {
    tasks: Vec<JoinHandle<()>>,
    listener: Option<JoinHandle<()>>,
    stop: watch::Sender<bool>,
    tally: Arc<Tally>,
}

#[derive(Clone)]
struct Context {
    pool: Pool,
    lease_seconds: i32,
    poll: Duration,
    backoff: Backoff,
    grace: Duration,
    wake: Arc<Notify>,
    tally: Arc<Tally>,
}

impl Workers {
    /// Starts `settings.workers` workers (none for 0). `grace`: how long a
    /// running job may take to finish once shutdown begins.
    pub fn start(pool: Pool, settings: &JobSettings, grace: Duration) -> Self {
        let (stop, stopped) = watch::channel(false);
        let tally = Arc::new(Tally::default());
        if settings.workers == 0 {
            return Self { tasks: Vec::new(), listener: None, stop, tally };
        }
        let wake = Arc::new(Notify::new());
        let ctx = Context {
            pool: pool.clone(),
            lease_seconds: i32::try_from(settings.lease_seconds).unwrap_or(60),
            poll: Duration::from_millis(settings.poll_ms),
            backoff: Backoff { base_ms: settings.backoff_base_ms, cap_ms: settings.backoff_cap_ms },
            grace,
            wake: wake.clone(),
            tally: tally.clone(),
        };
        // Two servers in one test process have one pid: the instance part
        // keeps their names (and so their claims) apart.
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "taskflow".into());
        let instance: u32 = rand::rng().random();
        let prefix = format!("{host}:{}:{instance:08x}", std::process::id());
        let tasks = (0..settings.workers)
            .map(|n| tokio::spawn(run(ctx.clone(), format!("{prefix}:{n}"), stopped.clone())))
            .collect();
        let listener = Some(tokio::spawn(listen(pool, wake, stopped)));
        tracing::info!(workers = settings.workers, worker = %prefix, "job workers started");
        Self { tasks, listener, stop, tally }
    }

    pub fn tally(&self) -> Arc<Tally> {
        self.tally.clone()
    }

    /// A handle that begins the shutdown from elsewhere (the signal handler).
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.stop.clone()
    }

    /// Claims nothing more, waits for the running jobs (each within the
    /// grace period, then released), and returns when every worker is done.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        if let Some(l) = self.listener {
            l.abort();
        }
    }
}

/// Wakes idle workers when jobs are committed (NOTIFY from the insert
/// trigger). Without it they still find jobs at the next poll.
async fn listen(pool: Pool, wake: Arc<Notify>, mut stopped: watch::Receiver<bool>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "job listener cannot connect; polling only, retrying in 5 s");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5)) => continue,
                    _ = stopped.changed() => return,
                }
            }
        };
        if let Err(e) = listener.listen("taskflow_jobs").await {
            tracing::warn!(error = %e, "job listener cannot LISTEN; retrying in 5 s");
            tokio::time::sleep(Duration::from_secs(5)).await;
            continue;
        }
        loop {
            tokio::select! {
                n = listener.recv() => match n {
                    Ok(_) => wake.notify_waiters(),
                    Err(e) => {
                        tracing::warn!(error = %e, "job listener lost its connection; reconnecting");
                        break;
                    }
                },
                _ = stopped.changed() => return,
            }
        }
    }
}

async fn run(ctx: Context, name: String, mut stopped: watch::Receiver<bool>) {
    while !*stopped.borrow() {
        // Registered before the claim, so a NOTIFY between an empty claim
        // and the wait is not missed.
        let woken = ctx.wake.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        match db::jobs::claim(&ctx.pool, &name, ctx.lease_seconds).await {
            Ok(Some(job)) => attempt(&ctx, &name, job, &mut stopped).await,
            Ok(None) => {
                tokio::select! {
                    _ = woken => {},
                    _ = tokio::time::sleep(ctx.poll) => {},
                    // Err: the workers' owner is gone, so stop too.
                    r = stopped.changed() => if r.is_err() { return },
                }
            }
            Err(e) => {
                tracing::warn!(worker = %name, error = %e, "claiming a job failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(ctx.poll.max(Duration::from_secs(1))) => {},
                    r = stopped.changed() => if r.is_err() { return },
                }
            }
        }
    }
}

/// How an attempt ended.
enum Ended {
    Ok(serde_json::Value),
    Failed(&'static str, String),
    LeaseLost,
    Released,
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

async fn attempt(ctx: &Context, name: &str, job: JobRow, stopped: &mut watch::Receiver<bool>) {
    let claim = Claim { job_id: job.job_id, worker: name.to_owned(), attempt: job.attempts };
    let started = Instant::now();
    let (kind, payload, attempt_no, worker) = (job.kind, job.payload, job.attempts, name.to_owned());
    let mut handler = tokio::spawn(async move { service::jobs::handle(kind, &payload, attempt_no, &worker).await });
    let timeout = Duration::from_millis(u64::try_from(job.timeout_ms).unwrap_or(1));
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let every = Duration::from_secs(u64::try_from(ctx.lease_seconds).unwrap_or(60)) / 3;
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    // Set when shutdown begins: the handler has until then to finish.
    let mut grace_end: Option<tokio::time::Instant> = None;
    let ended = loop {
        let grace_at = grace_end;
        let grace = async move {
            match grace_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = &mut handler => break match r {
                Ok(Ok(v)) => Ended::Ok(v),
                Ok(Err(e)) => Ended::Failed("error", e),
                Err(j) if j.is_panic() => Ended::Failed("panic", format!("the handler panicked: {}", panic_message(j.into_panic()))),
                Err(_) => Ended::Failed("error", "the handler was cancelled".into()),
            },
            _ = &mut deadline => {
                handler.abort();
                break Ended::Failed("timeout", format!("timed out after {} ms", job.timeout_ms));
            }
            _ = renew.tick() => match db::jobs::heartbeat(&ctx.pool, &claim, ctx.lease_seconds).await {
                Ok(true) => {}
                Ok(false) => {
                    handler.abort();
                    break Ended::LeaseLost;
                }
                // The database may be back before the lease lapses.
                Err(e) => tracing::warn!(job_id = %claim.job_id, error = %e, "renewing a job's lease failed"),
            },
            _ = grace => {
                handler.abort();
                break Ended::Released;
            }
            _ = stopped.changed(), if grace_end.is_none() => {
                grace_end = Some(tokio::time::Instant::now() + ctx.grace);
            }
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let outcome = match ended {
        Ended::Ok(result) => match db::jobs::finish(&ctx.pool, &claim, &result).await {
            Ok(true) => {
                ctx.tally.ok.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
            Ok(false) => lost(ctx, &claim),
            Err(e) => {
                // Its lease lapses and another worker runs it again.
                tracing::error!(job_id = %claim.job_id, error = %e, "recording a finished job failed");
                "error"
            }
        },
        Ended::Failed(outcome, reason) => {
            ctx.tally.failed.fetch_add(1, Ordering::Relaxed);
            let delay = ctx.backoff.delay_ms(claim.attempt, rand::rng().random::<f64>());
            match db::jobs::fail(&ctx.pool, &claim, &reason, i64::try_from(delay).unwrap_or(i64::MAX)).await {
                Ok(Some(JobState::Dead)) => {
                    crate::metrics::job_dead(kind);
                    tracing::error!(job_id = %claim.job_id, kind = kind.as_str(), attempt = claim.attempt, reason = %reason, "job is dead after its last attempt");
                }
                Ok(Some(_)) => {
                    tracing::warn!(job_id = %claim.job_id, kind = kind.as_str(), attempt = claim.attempt, retry_in_ms = delay, reason = %reason, "job attempt failed; retrying")
                }
                Ok(None) => {
                    lost(ctx, &claim);
                }
                Err(e) => tracing::error!(job_id = %claim.job_id, error = %e, "recording a failed job failed"),
            }
            outcome
        }
        Ended::LeaseLost => lost(ctx, &claim),
        Ended::Released => {
            ctx.tally.released.fetch_add(1, Ordering::Relaxed);
            match db::jobs::release(&ctx.pool, &claim).await {
                Ok(_) => tracing::info!(job_id = %claim.job_id, "job released at shutdown"),
                Err(e) => {
                    tracing::warn!(job_id = %claim.job_id, error = %e, "releasing a job failed; its lease will lapse")
                }
            }
            "released"
        }
    };
    crate::metrics::job_attempt(kind, outcome, seconds);
}

/// Sets the queue gauges at scrape time (every kind: 0 when none queued).
/// A slow or absent database leaves the last values (and the scrape
/// unhindered).
pub async fn sample_queue(pool: &Pool) {
    let stats = match tokio::time::timeout(Duration::from_secs(2), db::jobs::queue_stats(pool)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return tracing::warn!(error = %e, "reading the job queue for /metrics failed"),
        Err(_) => return tracing::warn!("reading the job queue for /metrics timed out"),
    };
    for kind in crate::domain::job::JobKind::ALL {
        let s = stats.iter().find(|s| s.kind == kind.as_str());
        crate::metrics::job_queue(kind.as_str(), s.map_or(0, |s| s.depth), s.map_or(0.0, |s| s.oldest_seconds));
    }
    // Kinds this build does not know (enqueued by a newer release) still show.
    for s in stats.iter().filter(|s| s.kind.parse::<crate::domain::job::JobKind>().is_err()) {
        crate::metrics::job_queue(&s.kind, s.depth, s.oldest_seconds);
    }
}

fn lost(ctx: &Context, claim: &Claim) -> &'static str {
    ctx.tally.lease_lost.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(job_id = %claim.job_id, attempt = claim.attempt, "the job's lease lapsed and another worker took it over");
    "lease_lost"
}
