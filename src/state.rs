//! What every handler shares: pools, keys, and the server's lifecycle flags.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use sqlx::PgPool;

use crate::activity::Activity;
use crate::auth::jwt::JwtKeys;
use crate::cache::Cache;
use crate::config::Settings;
use crate::kv::Kv;

pub struct AppState {
    pub pool: PgPool,
    pub kv: Kv,
    pub activity: Activity,
    pub cache: Cache,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub jwt: JwtKeys,
    pub refresh_token_ttl: chrono::Duration,
    /// Set on SIGTERM so readiness fails at once while in-flight work drains.
    pub shutting_down: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(
        settings: &Settings,
        pool: PgPool,
        kv: Kv,
        shutting_down: Arc<AtomicBool>,
    ) -> Result<Self, crate::auth::jwt::JwtError> {
        Ok(Self {
            pool,
            activity: Activity::new(kv.clone()),
            cache: Cache::new(kv.clone(), std::time::Duration::from_secs(settings.redis.cache_ttl_seconds)),
            kv,
            metrics: crate::metrics::install(),
            jwt: JwtKeys::new(&settings.auth)?,
            refresh_token_ttl: chrono::Duration::days(settings.auth.refresh_token_ttl_days),
            shutting_down,
        })
    }
}
