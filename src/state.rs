//! What every handler shares: pools, keys, mechanisms, and the server's
//! lifecycle flags. Handlers hand services narrow views of it ([`Store`],
//! [`Auth`]), never the whole.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::db::Pool;
use actix_web::web;

use crate::activity::Activity;
use crate::auth::extractor::Verifier;
use crate::auth::jwt::{JwtError, JwtKeys};
use crate::auth::oidc::{OidcClient, OidcError};
use crate::auth::rate_limit::RateLimiter;
use crate::auth::totp::{SecretBox, TotpError};
use crate::cache::Cache;
use crate::config::Settings;
use crate::kv::Kv;
use crate::service::privacy::Erasure;
use crate::service::{Auth, Store};

/// A setting the server cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("JWT keys: {0}")]
    Jwt(#[from] JwtError),
    #[error("MFA keys: {0}")]
    Mfa(#[from] TotpError),
    #[error("OIDC client: {0}")]
    Oidc(#[from] OidcError),
}

pub struct AppState {
    pub pool: Pool,
    pub kv: Kv,
    pub activity: Arc<Activity>,
    pub cache: Cache,
    pub limits: Arc<RateLimiter>,
    pub jwt: Arc<JwtKeys>,
    /// The bearer-token extractor's own app data (the same keys and limiter).
    pub verifier: web::Data<Verifier>,
    client_ip_header: Option<actix_web::http::header::HeaderName>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Seals TOTP secrets and the refresh grace pair.
    pub sealer: SecretBox,
    pub oidc: OidcClient,
    pub public_url: Option<String>,
    /// A running timer older than this is flagged (`time.max_timer_hours`).
    pub max_timer: chrono::Duration,
    /// Derives the stable pseudonym that replaces an erased user in the audit log.
    pseudonym_key: Vec<u8>,
    refresh_token_ttl: chrono::Duration,
    refresh_reuse_grace: std::time::Duration,
    /// `/metrics` is served on its own port, not on the API's.
    pub metrics_port_separate: bool,
    /// Set on SIGTERM so readiness fails at once while in-flight work drains.
    pub shutting_down: Arc<AtomicBool>,
}

impl AppState {
    /// Builds the state; `metrics` is the handle of a recorder the caller
    /// installed (installing is process-global, so it is not done here).
    pub fn new(
        settings: &Settings,
        pool: Pool,
        kv: Kv,
        metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
        shutting_down: Arc<AtomicBool>,
    ) -> Result<Self, SetupError> {
        let jwt = Arc::new(JwtKeys::new(&settings.auth)?);
        let limits = Arc::new(RateLimiter::new(kv.clone(), &settings.rate_limits));
        let activity = Arc::new(Activity::new(kv.clone()));
        let verifier = web::Data::new(Verifier {
            jwt: jwt.clone(),
            limits: limits.clone(),
            activity: activity.clone(),
            pool: pool.clone(),
            access: crate::routes::access,
        });
        Ok(Self {
            pool,
            activity,
            limits,
            jwt,
            verifier,
            client_ip_header: settings
                .application
                .client_ip_header
                .as_deref()
                .and_then(|h| actix_web::http::header::HeaderName::try_from(h).ok()),
            cache: Cache::new(kv.clone(), std::time::Duration::from_secs(settings.redis.cache_ttl_seconds)),
            oidc: OidcClient::new(&settings.oidc, kv.clone())?,
            kv,
            metrics,
            sealer: SecretBox::new(&settings.mfa)?,
            public_url: settings.application.public_url.clone().map(|u| u.trim_end_matches('/').to_owned()),
            max_timer: chrono::Duration::hours(i64::from(settings.time.max_timer_hours)),
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

    /// The data use cases' view: pool and cache.
    pub fn store(&self) -> Store<'_> {
        Store { pool: &self.pool, cache: &self.cache }
    }

    /// The account-security use cases' view.
    pub fn auth(&self) -> Auth<'_> {
        Auth {
            pool: &self.pool,
            kv: &self.kv,
            limits: &self.limits,
            jwt: &self.jwt,
            sealer: &self.sealer,
            refresh_token_ttl: self.refresh_token_ttl,
            refresh_reuse_grace: self.refresh_reuse_grace,
        }
    }

    pub fn erasure(&self) -> Erasure<'_> {
        Erasure { activity: &self.activity, pseudonym_key: &self.pseudonym_key }
    }

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
