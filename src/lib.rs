//! TaskFlow: a self-hostable task-management API.

/// Recently active users, for the active-users gauge.
pub mod activity;
/// Mechanisms: argon2, JWT, TOTP, the OIDC client, rate limits, the bearer-token extractor.
pub mod auth;
/// Read-through Redis cache with epoch invalidation, scoped per user.
pub mod cache;
/// The command-line interface of the `taskflow` binary.
pub mod cli;
/// Layered settings from `configuration/` and `TASKFLOW_*` variables.
pub mod config;
/// The pool, the RLS chokepoint `begin_as`, and all SQL.
pub mod db;
/// Parsed domain types, valid by construction.
pub mod domain;
/// `ApiError` and its RFC 9457 rendering.
pub mod error;
/// Redis access that fails soft.
pub mod kv;
/// Prometheus recorder, metric names, scrape-time gauges.
pub mod metrics;
/// Request id, request log line, panic guard, problem+json for actix's own errors.
pub mod middleware;
/// HTTP handlers.
pub mod routes;
/// Use cases: one transaction as the caller, permission checks, db calls.
pub mod service;
/// The post-deploy smoke test (`taskflow smoke`).
pub mod smoke;
/// Server construction and graceful shutdown.
pub mod startup;
/// Shared handler state.
pub mod state;
/// Bunyan logging and redaction helpers.
pub mod telemetry;
/// The background job workers (in `serve` and `taskflow worker`).
pub mod worker;
