//! What every handler shares: pools, keys, and the server's lifecycle flags.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use sqlx::PgPool;

use crate::activity::Activity;
use crate::auth::jwt::JwtKeys;
use crate::auth::rate_limit::RateLimiter;
use crate::cache::Cache;
use crate::config::Settings;
use crate::kv::Kv;

pub struct AppState {
    pub pool: PgPool,
    pub kv: Kv,
    pub activity: Activity,
    pub cache: Cache,
    pub limits: RateLimiter,
    client_ip_header: Option<actix_web::http::header::HeaderName>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    pub jwt: JwtKeys,
    pub mfa: crate::auth::totp::SecretBox,
    pub oauth: crate::auth::oauth::OAuth,
    pub public_url: Option<String>,
    /// Derives the stable pseudonym that replaces an erased user in the audit log.
    pub pseudonym_key: Vec<u8>,
    pub refresh_token_ttl: chrono::Duration,
    pub refresh_reuse_grace: std::time::Duration,
    /// `/metrics` is served on its own port, not on the API's.
    pub metrics_port_separate: bool,
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
            limits: RateLimiter::new(kv.clone(), &settings.rate_limits),
            client_ip_header: settings
                .application
                .client_ip_header
                .as_deref()
                .and_then(|h| actix_web::http::header::HeaderName::try_from(h).ok()),
            cache: Cache::new(kv.clone(), std::time::Duration::from_secs(settings.redis.cache_ttl_seconds)),
            kv,
            metrics: crate::metrics::install(),
            jwt: JwtKeys::new(&settings.auth)?,
            mfa: crate::auth::totp::SecretBox::new(&settings.mfa)
                .map_err(|e| crate::auth::jwt::JwtError::Config(e.to_string()))?,
            oauth: crate::auth::oauth::OAuth::new(&settings.oidc)
                .map_err(|e| crate::auth::jwt::JwtError::Config(e.to_string()))?,
            public_url: settings.application.public_url.clone().map(|u| u.trim_end_matches('/').to_owned()),
            pseudonym_key: {
                use secrecy::ExposeSecret;
                use sha2::{Digest, Sha256};
                let secret = settings.auth.jwt_secret.as_ref().map(|s| s.expose_secret().as_bytes().to_vec());
                Sha256::digest([b"taskflow-pseudonym:".as_slice(), &secret.unwrap_or_default()].concat()).to_vec()
            },
            refresh_token_ttl: chrono::Duration::days(settings.auth.refresh_token_ttl_days),
            refresh_reuse_grace: std::time::Duration::from_secs(settings.auth.refresh_reuse_grace_seconds),
            metrics_port_separate: settings.application.metrics_port.is_some(),
            shutting_down,
        })
    }
}

impl AppState {
    /// The client's address: from the trusted proxy header when configured,
    /// else the TCP peer. Never from a header the deployment did not name.
    pub fn client_ip(&self, req: &actix_web::HttpRequest) -> String {
        if let Some(name) = &self.client_ip_header {
            if let Some(ip) = req
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .and_then(|v| v.parse::<std::net::IpAddr>().ok())
            {
                return ip.to_string();
            }
        }
        req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
    }
}
