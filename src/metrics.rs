//! Prometheus metrics: the recorder, the names our alerts and dashboards use,
//! and the gauges sampled at scrape time.

use std::sync::OnceLock;
use std::time::Instant;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Resolves 5 ms … 1 s finely, so a 100 ms p95 target is readable.
const HTTP_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0];
const DB_BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Jobs run from milliseconds (a ping) to minutes (an import).
const JOB_BUCKETS: &[f64] = &[0.005, 0.025, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (tests build many apps in one
/// process) and returns the handle that renders `/metrics`.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), HTTP_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full("db_query_duration_seconds".into()), DB_BUCKETS))
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full("taskflow_job_duration_seconds".into()), JOB_BUCKETS)
                });
            let recorder = match builder {
                Ok(b) => b.build_recorder(),
                Err(e) => {
                    tracing::error!(error = %e, "metrics recorder configuration failed");
                    return None;
                }
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
                return None;
            }
            describe();
            Some(handle)
        })
        .clone()
}

fn describe() {
    describe_counter!("http_requests_total", "HTTP requests by method, matched route pattern and status");
    describe_histogram!("http_request_duration_seconds", Unit::Seconds, "HTTP request latency by method and route");
    describe_histogram!("db_query_duration_seconds", Unit::Seconds, "Database call latency by operation");
    describe_gauge!("db_pool_connections", "Connections in the app-role pool by state (idle, active)");
    describe_counter!("db_pool_acquire_timeouts_total", "Requests that found no free database connection in time");
    describe_counter!("cache_requests_total", "Cache lookups by cache and result (hit, miss, error)");
    describe_counter!("taskflow_tasks_created_total", "Tasks created");
    describe_counter!("taskflow_comments_created_total", "Comments created");
    describe_counter!(
        "taskflow_time_tracked_seconds_total",
        Unit::Seconds,
        "Seconds of time tracked (entries and stopped timers)"
    );
    describe_gauge!("taskflow_active_users", "Distinct users seen in the window (5m, 24h)");
    describe_gauge!("taskflow_running_timers", "Timers running now, across all users");
    describe_counter!("taskflow_auth_failures_total", "Failed authentications by reason");
    describe_counter!(
        "taskflow_jobs_total",
        "Job attempts by kind and outcome (ok, error, panic, timeout, lease_lost, released)"
    );
    describe_counter!("taskflow_jobs_dead_total", "Jobs that failed their last attempt, by kind");
    describe_gauge!("taskflow_job_queue_depth", "Queued jobs by kind, due now or later (retries)");
    describe_gauge!(
        "taskflow_job_oldest_age_seconds",
        Unit::Seconds,
        "How long the oldest due job of each kind has waited for a worker"
    );
    describe_histogram!("taskflow_job_duration_seconds", Unit::Seconds, "Job attempt duration by kind");
    describe_gauge!("taskflow_build_info", "Always 1; the labels carry the version and git commit");
    describe_gauge!("process_resident_memory_bytes", Unit::Bytes, "Resident memory of the TaskFlow process");
    describe_gauge!("process_resident_memory_max_bytes", Unit::Bytes, "Peak resident memory since start");
    // Counters exist from the start, so rate() over a fresh process reads 0, not "no data".
    for name in [
        "taskflow_tasks_created_total",
        "taskflow_comments_created_total",
        "taskflow_time_tracked_seconds_total",
        "db_pool_acquire_timeouts_total",
    ] {
        counter!(name).increment(0);
    }
    for kind in crate::domain::job::JobKind::ALL {
        counter!("taskflow_jobs_dead_total", "kind" => kind.as_str()).increment(0);
        counter!("taskflow_jobs_total", "kind" => kind.as_str(), "outcome" => "ok").increment(0);
    }
    gauge!("taskflow_build_info", "version" => env!("CARGO_PKG_VERSION"), "git_sha" => option_env!("TASKFLOW_GIT_SHA").unwrap_or("unknown"))
        .set(1.0);
}

/// The `method` label: the methods the API serves, and `OTHER` for anything a
/// client makes up, so a label value never comes from an open set.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    }
}

pub fn http_request(method: &str, route: &str, status: u16, seconds: f64) {
    let (method, route) = (method_label(method), route.to_owned());
    counter!("http_requests_total", "method" => method, "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    histogram!("http_request_duration_seconds", "method" => method, "route" => route).record(seconds);
}

/// Records a database call's duration when dropped.
pub struct DbTimer {
    operation: &'static str,
    started: Instant,
}

pub fn db_timer(operation: &'static str) -> DbTimer {
    DbTimer { operation, started: Instant::now() }
}

impl Drop for DbTimer {
    fn drop(&mut self) {
        histogram!("db_query_duration_seconds", "operation" => self.operation)
            .record(self.started.elapsed().as_secs_f64());
    }
}

pub fn pool_acquire_timeout() {
    counter!("db_pool_acquire_timeouts_total").increment(1);
}

pub fn pool_connections(idle: usize, active: usize) {
    gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    gauge!("db_pool_connections", "state" => "active").set(active as f64);
}

pub fn cache_request(cache: &'static str, result: &'static str) {
    counter!("cache_requests_total", "cache" => cache, "result" => result).increment(1);
}

pub fn task_created() {
    counter!("taskflow_tasks_created_total").increment(1);
}

pub fn comment_created() {
    counter!("taskflow_comments_created_total").increment(1);
}

pub fn time_tracked(seconds: i64) {
    counter!("taskflow_time_tracked_seconds_total").increment(seconds.max(0) as u64);
}

pub fn auth_failure(reason: &'static str) {
    counter!("taskflow_auth_failures_total", "reason" => reason).increment(1);
}

pub fn active_users(last_5m: u64, last_24h: u64) {
    gauge!("taskflow_active_users", "window" => "5m").set(last_5m as f64);
    gauge!("taskflow_active_users", "window" => "24h").set(last_24h as f64);
}

pub fn running_timers(n: i64) {
    gauge!("taskflow_running_timers").set(n as f64);
}

/// One attempt of a job ended: `outcome` is one of ok, error, panic,
/// timeout, lease_lost, released.
pub fn job_attempt(kind: crate::domain::job::JobKind, outcome: &'static str, seconds: f64) {
    counter!("taskflow_jobs_total", "kind" => kind.as_str(), "outcome" => outcome).increment(1);
    histogram!("taskflow_job_duration_seconds", "kind" => kind.as_str()).record(seconds);
}

pub fn job_dead(kind: crate::domain::job::JobKind) {
    counter!("taskflow_jobs_dead_total", "kind" => kind.as_str()).increment(1);
}

/// The queue at scrape time; a kind with nothing queued reads 0.
pub fn job_queue(kind: &str, depth: i64, oldest_seconds: f64) {
    gauge!("taskflow_job_queue_depth", "kind" => kind.to_owned()).set(depth as f64);
    gauge!("taskflow_job_oldest_age_seconds", "kind" => kind.to_owned()).set(oldest_seconds);
}

/// Resident and peak resident memory from /proc (Linux); absent elsewhere.
pub fn process_memory() {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return };
    let kib = |field: &str| {
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
    };
    if let Some(rss) = kib("VmRSS:") {
        gauge!("process_resident_memory_bytes").set(rss * 1024.0);
    }
    if let Some(hwm) = kib("VmHWM:") {
        gauge!("process_resident_memory_max_bytes").set(hwm * 1024.0);
    }
}

#[cfg(test)]
mod tests {
    use super::method_label;

    #[test]
    fn method_labels_come_from_a_closed_set() {
        for m in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert_eq!(method_label(m), m);
        }
        for m in ["ECOPROBE", "QUERY", "TRACE", "get", "", "CONNECT"] {
            assert_eq!(method_label(m), "OTHER", "{m:?}");
        }
    }

    #[rstest::rstest]
    #[case("GET", "GET")]
    #[case("HEAD", "HEAD")]
    #[case("POST", "POST")]
    #[case("PUT", "PUT")]
    #[case("PATCH", "PATCH")]
    #[case("DELETE", "DELETE")]
    #[case("OPTIONS", "OPTIONS")]
    #[case("get", "OTHER")]
    #[case("TRACE", "OTHER")]
    #[case("ECOPROBE", "OTHER")]
    #[case("", "OTHER")]
    fn method_labels(#[case] method: &str, #[case] label: &str) {
        assert_eq!(method_label(method), label);
    }
}
