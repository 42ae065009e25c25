//! What every handler shares: pools, keys, and the server's lifecycle flags.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use sqlx::PgPool;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::kv::Kv;

pub struct AppState {
    pub pool: PgPool,
    pub kv: Kv,
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
            kv,
            jwt: JwtKeys::new(&settings.auth)?,
            refresh_token_ttl: chrono::Duration::days(settings.auth.refresh_token_ttl_days),
            shutting_down,
        })
    }
}
