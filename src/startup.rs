//! Builds the HTTP server: binds first (so tests can ask for port 0), then
//! wires state, extractor limits and routes.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use crate::auth::password;
use crate::config::Settings;
use crate::db;
use crate::error::ApiError;
use crate::kv::Kv;
use crate::middleware::request_context;
use crate::routes;
use crate::state::AppState;
use crate::worker::{Tally, Workers};

pub struct Application {
    port: u16,
    metrics_port: Option<u16>,
    drain: std::time::Duration,
    pool: crate::db::Pool,
    server: Server,
    /// The `/metrics`-only listener, when `application.metrics_port` is set.
    metrics_server: Option<Server>,
    shutting_down: Arc<AtomicBool>,
    workers: Workers,
}

/// Marks the metrics listener's app: `/metrics` answers there, and only
/// there when a metrics port is configured.
#[derive(Clone, Copy)]
pub struct MetricsListener;

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("the request body must be application/json".into())
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::validation("body", e.to_string()),
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        _ => ApiError::BadRequest("the request body could not be read".into()),
    }
}

/// Headers on every response, errors included. Pages served later may set
/// their own CSP; `DefaultHeaders` only fills in what a handler left unset.
fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cache-Control", "no-store"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
}

/// CORS only for configured origins, matched exactly; bearer tokens, not
/// cookies, so credentials are never allowed.
fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default();
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "if-match",
            "if-none-match",
            "idempotency-key",
            "x-request-id",
        ])
        .expose_headers([
            "etag",
            "location",
            "retry-after",
            "x-request-id",
            "ratelimit",
            "ratelimit-policy",
            "idempotent-replayed",
            "link",
            "content-disposition",
        ])
        .max_age(3600)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((settings.application.host.as_str(), settings.application.port))?;
        let port = listener.local_addr()?.port();
        let metrics_listener = settings
            .application
            .metrics_port
            .map(|p| TcpListener::bind((settings.application.host.as_str(), p)))
            .transpose()?;
        let metrics_port = metrics_listener.as_ref().map(|l| l.local_addr().map(|a| a.port())).transpose()?;
        let pool = db::app_pool(&settings.database);
        let kv = Kv::new(&settings.redis)?;
        tokio::task::spawn_blocking(password::warm_up);

        let shutting_down = Arc::new(AtomicBool::new(false));
        // Process-global, so installed here (once) rather than by the state.
        let metrics = crate::metrics::install();
        let state = web::Data::new(AppState::new(&settings, pool.clone(), kv, metrics, shutting_down.clone())?);
        let verifier = state.verifier.clone();
        let metrics_server = match metrics_listener {
            None => None,
            Some(l) => {
                let state = state.clone();
                let server = HttpServer::new(move || {
                    App::new()
                        .wrap(security_headers())
                        .app_data(state.clone())
                        .app_data(web::Data::new(MetricsListener))
                        .service(web::resource("/metrics").get(routes::health::metrics))
                        .default_service(web::to(routes::not_found))
                })
                .listen(l)?
                .workers(1)
                .shutdown_timeout(settings.application.shutdown_timeout_seconds)
                .disable_signals();
                Some(server.run())
            }
        };
        let limit = settings.application.max_body_bytes;
        let origins = settings.application.cors_allowed_origins.clone();

        let mut server = HttpServer::new(move || {
            App::new()
                // Without configured origins there is no CORS layer at all: a
                // browser's cross-origin call fails its preflight.
                .wrap(from_fn(crate::middleware::contract))
                .wrap(from_fn(crate::middleware::auth_budget))
                .wrap(actix_web::middleware::Condition::new(!origins.is_empty(), cors(&origins)))
                .wrap(from_fn(crate::middleware::preflight_no_content))
                .wrap(security_headers())
                .wrap(from_fn(request_context))
                .app_data(state.clone())
                .app_data(verifier.clone())
                .app_data(
                    web::JsonConfig::default().limit(limit).error_handler(move |e, _| json_error(e, limit).into()),
                )
                .app_data(web::PayloadConfig::default().limit(limit))
                .app_data(web::PathConfig::default().error_handler(|_: PathError, _| ApiError::NotFound.into()))
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e: QueryPayloadError, _| ApiError::validation("query", e.to_string()).into()),
                )
                .configure(routes::configure)
                .default_service(web::to(routes::not_found))
        })
        .listen(listener)?
        .shutdown_timeout(settings.application.shutdown_timeout_seconds)
        .disable_signals();
        if settings.application.workers > 0 {
            server = server.workers(settings.application.workers);
        }
        let grace = std::time::Duration::from_secs(settings.application.shutdown_timeout_seconds);
        let workers = Workers::start(db::worker_pool(&settings.database, settings.jobs.workers), &settings.jobs, grace);
        Ok(Self {
            workers,
            port,
            metrics_port,
            metrics_server,
            drain: std::time::Duration::from_secs(settings.application.drain_seconds),
            pool,
            server: server.run(),
            shutting_down,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where `/metrics` is served when it has a listener of its own.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// The app-role pool the server uses (tests exhaust it on purpose).
    pub fn pool(&self) -> &crate::db::Pool {
        &self.pool
    }

    /// What this process's job workers did (tests count executions).
    pub fn job_tally(&self) -> Arc<Tally> {
        self.workers.tally()
    }

    pub fn handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            stop_workers: self.workers.stopper(),
            server: self.server.handle(),
            metrics: self.metrics_server.as_ref().map(Server::handle),
            shutting_down: self.shutting_down.clone(),
            drain: self.drain,
        }
    }

    /// Serves until stopped; then waits for the job workers (each running
    /// job finishes within the shutdown timeout or is released).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = match self.metrics_server {
            None => self.server.await,
            Some(metrics) => {
                let (main, metrics) = tokio::join!(self.server, metrics);
                main.and(metrics)
            }
        };
        self.workers.stop().await;
        served
    }
}

/// What `taskflow worker`'s probes and `/metrics` read.
pub struct WorkerProbe {
    pub pool: crate::db::Pool,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub shutting_down: Arc<AtomicBool>,
}

/// `taskflow worker`: job workers only (a Deployment of its own), with the
/// probes and metrics Kubernetes and Prometheus need on
/// `application.port`; no API.
pub struct WorkerApp {
    port: u16,
    server: Server,
    workers: Workers,
    shutting_down: Arc<AtomicBool>,
    drain: std::time::Duration,
}

impl WorkerApp {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        anyhow::ensure!(settings.jobs.workers > 0, "jobs.workers is 0: a worker process would run nothing");
        let listener = TcpListener::bind((settings.application.host.as_str(), settings.application.port))?;
        let port = listener.local_addr()?.port();
        let pool = db::worker_pool(&settings.database, settings.jobs.workers);
        let shutting_down = Arc::new(AtomicBool::new(false));
        let probe = web::Data::new(WorkerProbe {
            pool: pool.clone(),
            metrics: crate::metrics::install(),
            shutting_down: shutting_down.clone(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .wrap(security_headers())
                .app_data(probe.clone())
                .service(web::resource("/health/live").get(routes::health::live))
                .service(web::resource("/health/ready").get(routes::health::worker_ready))
                .service(web::resource("/metrics").get(routes::health::worker_metrics))
                .default_service(web::to(routes::not_found))
        })
        .listen(listener)?
        .workers(1)
        .shutdown_timeout(settings.application.shutdown_timeout_seconds)
        .disable_signals()
        .run();
        let grace = std::time::Duration::from_secs(settings.application.shutdown_timeout_seconds);
        let workers = Workers::start(pool, &settings.jobs, grace);
        Ok(Self {
            port,
            server,
            workers,
            shutting_down,
            drain: std::time::Duration::from_secs(settings.application.drain_seconds),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            stop_workers: self.workers.stopper(),
            server: self.server.handle(),
            metrics: None,
            shutting_down: self.shutting_down.clone(),
            drain: self.drain,
        }
    }

    /// Until stopped; then until every running job finished or was released.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.workers.stop().await;
        served
    }
}

/// Stops the server gracefully: readiness turns 503 at once, in-flight
/// requests finish within the shutdown timeout, then `run_until_stopped` returns.
#[derive(Clone)]
pub struct ShutdownHandle {
    stop_workers: tokio::sync::watch::Sender<bool>,
    server: ServerHandle,
    metrics: Option<ServerHandle>,
    shutting_down: Arc<AtomicBool>,
    drain: std::time::Duration,
}

impl ShutdownHandle {
    /// Readiness answers 503 from now on, so load balancers stop sending work.
    /// The job workers claim nothing more from now on either.
    pub fn begin_drain(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
        let _ = self.stop_workers.send(true);
    }

    pub async fn stop(&self) {
        self.begin_drain();
        self.server.stop(true).await;
        // Scrapes keep working while the API drains; the metrics listener goes last.
        if let Some(metrics) = &self.metrics {
            metrics.stop(true).await;
        }
    }
}

/// Waits for SIGTERM (Kubernetes) or Ctrl-C, then stops gracefully.
pub async fn stop_on_signal(handle: ShutdownHandle) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!(drain_seconds = handle.drain.as_secs(), "shutdown signal received; draining");
    handle.begin_drain();
    tokio::time::sleep(handle.drain).await;
    handle.stop().await;
}
