//! Liveness and readiness probes.

use std::sync::atomic::Ordering;

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::db;
use crate::state::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthStatus {
    /// Always `live`.
    #[schema(value_type = String, pattern = "^live$")]
    status: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessStatus {
    Ready,
    NotReady,
    ShuttingDown,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadinessChecks {
    /// `ok` or `unavailable`
    #[schema(value_type = String)]
    postgres: &'static str,
    /// `current`, `pending`, or `unknown` while Postgres is unreachable
    #[schema(value_type = String)]
    migrations: &'static str,
    /// `ok` or `degraded`
    #[schema(value_type = String)]
    redis: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    status: ReadinessStatus,
    checks: ReadinessChecks,
}

#[utoipa::path(get, path = "/health/live", tag = "operations", summary = "Liveness", security(()), responses((status = 200, description = "The process runs", body = HealthStatus)))]
/// The process is up; no dependency is consulted.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "live" })
}

#[utoipa::path(get, path = "/health/ready", tag = "operations", summary = "Readiness", security(()), responses((status = 200, description = "Ready (Redis may be degraded)", body = Readiness), (status = 503, description = "Postgres unreachable, migrations pending or shutting down", body = Readiness)))]
/// Ready when Postgres answers and has every migration this binary knows.
/// Redis is reported but never fails readiness: the API serves without it.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let (postgres, migrations) = match db::migrations_current(&state.pool).await {
        Ok(true) => ("ok", "current"),
        Ok(false) => ("ok", "pending"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: postgres check failed");
            ("unavailable", "unknown")
        }
    };
    let redis = if state.kv.ping().await.is_ok() { "ok" } else { "degraded" };
    let shutting_down = state.shutting_down.load(Ordering::Relaxed);
    let ready = postgres == "ok" && migrations == "current" && !shutting_down;
    let status = match (ready, shutting_down) {
        (true, _) => ReadinessStatus::Ready,
        (false, true) => ReadinessStatus::ShuttingDown,
        (false, false) => ReadinessStatus::NotReady,
    };
    let body = Readiness { status, checks: ReadinessChecks { postgres, migrations, redis } };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().insert_header(("Retry-After", "5")).json(body)
    }
}

#[utoipa::path(get, path = "/metrics", tag = "operations", summary = "Prometheus metrics", security(()), responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String)))]
/// Prometheus exposition. Gauges that are cheap to sample are sampled here,
/// at scrape time, rather than kept up to date on every request.
pub async fn metrics(state: web::Data<AppState>, req: actix_web::HttpRequest) -> HttpResponse {
    // With a metrics port of its own, the public port knows no /metrics.
    if state.metrics_port_separate && req.app_data::<web::Data<crate::startup::MetricsListener>>().is_none() {
        return actix_web::ResponseError::error_response(&crate::error::ApiError::NotFound);
    }
    let Some(handle) = state.metrics.as_ref() else {
        return HttpResponse::ServiceUnavailable().body("metrics recorder unavailable");
    };
    let idle = state.pool.num_idle();
    crate::metrics::pool_connections(idle, (state.pool.size() as usize).saturating_sub(idle));
    if let Ok(n) = db::running_timer_count(&state.pool).await {
        crate::metrics::running_timers(n);
    }
    crate::metrics::process_memory();
    crate::worker::sample_queue(&state.pool).await;
    let (recent, day) = state.activity.counts().await;
    crate::metrics::active_users(recent, day);
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(handle.render())
}

/// `taskflow worker`'s readiness: Postgres answers with every migration
/// this binary knows, and it is not shutting down (not in the OpenAPI
/// document: the worker serves no API).
pub async fn worker_ready(probe: web::Data<crate::startup::WorkerProbe>) -> HttpResponse {
    let current = matches!(db::migrations_current(&probe.pool).await, Ok(true));
    if current && !probe.shutting_down.load(Ordering::Relaxed) {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(serde_json::json!({ "status": "not_ready" }))
    }
}

/// `taskflow worker`'s `/metrics`: the job counters and the queue gauges.
pub async fn worker_metrics(probe: web::Data<crate::startup::WorkerProbe>) -> HttpResponse {
    let Some(handle) = probe.metrics.as_ref() else {
        return HttpResponse::ServiceUnavailable().body("metrics recorder unavailable");
    };
    let idle = probe.pool.num_idle();
    crate::metrics::pool_connections(idle, (probe.pool.size() as usize).saturating_sub(idle));
    crate::worker::sample_queue(&probe.pool).await;
    crate::metrics::process_memory();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(handle.render())
}
