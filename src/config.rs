//! Layered settings: `configuration/base.yaml` < `configuration/{TASKFLOW_ENV}.yaml`
//! < `TASKFLOW_SECTION__KEY` environment variables.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The JWT key shipped in `configuration/local.yaml` and `test.yaml`; production
/// refuses to start with it.
pub const DEVELOPMENT_JWT_SECRET: &str = "development-only-jwt-secret-do-not-use-in-production";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Local,
    Test,
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Local => "local",
            Environment::Test => "test",
            Environment::Production => "production",
        }
    }
}

impl TryFrom<String> for Environment {
    type Error = ConfigError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.to_lowercase().as_str() {
            "local" => Ok(Self::Local),
            "test" => Ok(Self::Test),
            "production" => Ok(Self::Production),
            other => Err(ConfigError::Invalid(format!("TASKFLOW_ENV is '{other}'; use local, test or production"))),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot load configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

// No `Debug` derive on anything that holds a secret: see the manual impls below.
#[derive(Clone, Deserialize)]
pub struct Settings {
    pub environment: Environment,
    pub application: ApplicationSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub auth: AuthSettings,
    pub mfa: MfaSettings,
    #[serde(default)]
    pub oidc: OidcSettings,
    #[serde(default)]
    pub rate_limits: RateLimitSettings,
    #[serde(default)]
    pub time: TimeSettings,
    #[serde(default)]
    pub tasks: TaskSettings,
    #[serde(default)]
    pub jobs: JobSettings,
}

/// The background job workers (src/worker.rs).
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct JobSettings {
    /// Workers inside `taskflow serve`; 0 leaves the jobs to `taskflow
    /// worker` processes. 0 to 64.
    pub workers: usize,
    /// How long a claim holds a job without renewal (the worker renews it
    /// every third of this while the job runs); a worker killed mid-job
    /// lets another take the job after this. 1 to 3600.
    pub lease_seconds: u32,
    /// How often an idle worker looks for due jobs (retries coming due; new
    /// jobs wake it at once through NOTIFY). 10 to 60000.
    pub poll_ms: u64,
    /// The first retry waits half to all of this; each next one twice as
    /// long, up to `backoff_cap_ms`.
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    /// `taskflow prune` deletes done and dead jobs finished longer ago. 1 to 3650.
    pub keep_days: u32,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            workers: 2,
            lease_seconds: 60,
            poll_ms: 1_000,
            backoff_base_ms: 10_000,
            backoff_cap_ms: 3_600_000,
            keep_days: 14,
        }
    }
}

/// Time tracking.
#[derive(Clone, Deserialize)]
pub struct TimeSettings {
    /// A timer running longer than this is flagged (`GET /timer`), and the
    /// web app asks before saving it; 1 to 24 (a timer is capped at 24 h).
    pub max_timer_hours: u32,
}

impl Default for TimeSettings {
    fn default() -> Self {
        Self { max_timer_hours: 12 }
    }
}

/// Tasks.
#[derive(Clone, Deserialize)]
pub struct TaskSettings {
    /// `taskflow prune` deletes for good what has been in the trash longer
    /// than this many days; 1 to 3650.
    pub trash_days: u32,
}

impl Default for TaskSettings {
    fn default() -> Self {
        Self { trash_days: 30 }
    }
}

/// Request budgets per minute. The defaults suit people; raise them for a
/// trusted load generator or scanner, never to zero.
#[derive(Clone, Deserialize)]
pub struct RateLimitSettings {
    /// Any authenticated request, per user.
    pub per_user_per_minute: u64,
    /// Any request to /auth/*, per client address.
    pub auth_per_ip_per_minute: u64,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self { per_user_per_minute: 1200, auth_per_ip_per_minute: 60 }
    }
}

/// Sign-in providers by name (`/api/v1/auth/oauth/{name}/authorize`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OidcSettings {
    #[serde(default)]
    pub providers: std::collections::HashMap<String, OidcProvider>,
}

#[derive(Clone, Deserialize)]
pub struct OidcProvider {
    /// Discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    /// From `TASKFLOW_OIDC__PROVIDERS__<NAME>__CLIENT_SECRET`.
    pub client_secret: Option<SecretString>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The sign-in button's label ("Continue with …"); the name when unset.
    #[serde(default)]
    pub display_name: Option<String>,
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[redacted]"))
            .field("scopes", &self.scopes)
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// TOTP secrets are sealed with one of these AES-256 keys (base64 of 32
/// bytes); `active_key_id` seals new secrets, the others still open old ones.
#[derive(Clone, Deserialize)]
pub struct MfaSettings {
    pub issuer: String,
    pub active_key_id: String,
    #[serde(default)]
    pub keys: std::collections::HashMap<String, SecretString>,
}

impl std::fmt::Debug for MfaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<&String> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("MfaSettings")
            .field("issuer", &self.issuer)
            .field("active_key_id", &self.active_key_id)
            .field("key_ids", &ids)
            .finish()
    }
}

/// The MFA key id shipped in local.yaml and test.yaml; production refuses it.
pub const DEVELOPMENT_MFA_KEY_ID: &str = "dev";
/// The value of the key `configuration/test.yaml` commits: production refuses
/// it under any id, not only under "dev".
pub const DEVELOPMENT_MFA_KEY: &str = "ZGV2ZWxvcG1lbnQtb25seS1tZmEta2V5LTMyLWJ5dGU=";

#[derive(Clone, Debug, Deserialize)]
pub struct ApplicationSettings {
    pub host: String,
    pub port: u16,
    /// A port of its own for `/metrics` (on `host`), so a misrouted ingress
    /// cannot expose it; the main port then answers 404 there. Unset (the
    /// `make run` default): `/metrics` on the main port.
    #[serde(default)]
    pub metrics_port: Option<u16>,
    /// Actix worker threads; 0 means one per core.
    #[serde(default)]
    pub workers: usize,
    pub max_body_bytes: usize,
    /// After SIGTERM, how long readiness reports 503 while still serving, so
    /// load balancers stop routing here before the listener closes.
    #[serde(default)]
    pub drain_seconds: u64,
    /// Then, how long in-flight requests may take before they are cut off.
    pub shutdown_timeout_seconds: u64,
    /// Browser origins allowed to call the API cross-origin, exactly as sent
    /// in `Origin` (scheme://host[:port]). Empty: CORS is off.
    #[serde(default)]
    pub cors_allowed_origins: Vec<String>,
    /// A header set by a trusted reverse proxy that carries the client IP
    /// (e.g. `x-real-ip` behind ingress-nginx). Unset: the TCP peer address.
    #[serde(default)]
    pub client_ip_header: Option<String>,
    /// The URL clients reach TaskFlow at (OAuth redirect URIs are built on
    /// it). Unset: taken from each request's scheme and Host.
    #[serde(default)]
    pub public_url: Option<String>,
}

#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    pub host: String,
    pub port: u16,
    pub name: String,
    pub owner_username: String,
    pub owner_password: Option<SecretString>,
    pub app_username: String,
    pub app_password: Option<SecretString>,
    pub require_ssl: bool,
    pub max_connections: u32,
    pub acquire_timeout_ms: u64,
    pub statement_timeout_ms: u64,
}

#[derive(Clone, Deserialize)]
pub struct RedisSettings {
    pub url: SecretString,
    pub key_prefix: String,
    pub timeout_ms: u64,
    /// Life of a cached read; also how long a process stops reading the cache
    /// after it failed to invalidate an entry.
    pub cache_ttl_seconds: u64,
}

#[derive(Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: Option<SecretString>,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_seconds: i64,
    pub refresh_token_ttl_days: i64,
    /// How long a just-rotated refresh token may be presented again and get
    /// the same new pair (two tabs refreshing at once); 0 turns it off.
    #[serde(default = "default_refresh_reuse_grace")]
    pub refresh_reuse_grace_seconds: u64,
}

fn default_refresh_reuse_grace() -> u64 {
    10
}

impl Settings {
    /// Loads settings for the environment named by `TASKFLOW_ENV` (default `local`).
    pub fn load() -> Result<Self, ConfigError> {
        let env: Environment = std::env::var("TASKFLOW_ENV").unwrap_or_else(|_| "local".into()).try_into()?;
        Self::load_for(env)
    }

    /// Loads settings for `env`, whatever `TASKFLOW_ENV` says (the test harness).
    pub fn load_for(env: Environment) -> Result<Self, ConfigError> {
        let dir = std::env::var("TASKFLOW_CONFIG_DIR").unwrap_or_else(|_| "configuration".into());
        let settings: Settings = config::Config::builder()
            .add_source(config::File::from(std::path::Path::new(&dir).join("base.yaml")))
            .add_source(
                config::File::from(std::path::Path::new(&dir).join(format!("{}.yaml", env.as_str()))).required(false),
            )
            .set_override("environment", env.as_str())?
            .add_source(
                config::Environment::with_prefix("TASKFLOW")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true)
                    // The one list a deployment sets from the environment:
                    // `TASKFLOW_APPLICATION__CORS_ALLOWED_ORIGINS=https://a,https://b`.
                    .list_separator(",")
                    .with_list_parse_key("application.cors_allowed_origins"),
            )
            .build()?
            .try_deserialize()?;
        settings.validate()?;
        Ok(settings)
    }

    /// Refuses combinations that would be unsafe to serve with.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.rate_limits.per_user_per_minute == 0 || self.rate_limits.auth_per_ip_per_minute == 0 {
            return Err(ConfigError::Invalid("rate_limits budgets must be at least 1 per minute".into()));
        }
        if !(1..=24).contains(&self.time.max_timer_hours) {
            return Err(ConfigError::Invalid("time.max_timer_hours must be 1 to 24 (a timer stops at 24 h)".into()));
        }
        if !(1..=3650).contains(&self.tasks.trash_days) {
            return Err(ConfigError::Invalid("tasks.trash_days must be 1 to 3650".into()));
        }
        let jobs = &self.jobs;
        if jobs.workers > 64 {
            return Err(ConfigError::Invalid("jobs.workers must be 0 to 64".into()));
        }
        if !(1..=3600).contains(&jobs.lease_seconds) {
            return Err(ConfigError::Invalid("jobs.lease_seconds must be 1 to 3600".into()));
        }
        if !(10..=60_000).contains(&jobs.poll_ms) {
            return Err(ConfigError::Invalid("jobs.poll_ms must be 10 to 60000".into()));
        }
        if jobs.backoff_base_ms == 0 || jobs.backoff_base_ms > jobs.backoff_cap_ms || jobs.backoff_cap_ms > 86_400_000 {
            return Err(ConfigError::Invalid(
                "jobs.backoff_base_ms must be at least 1 and at most jobs.backoff_cap_ms, itself at most 86400000 (a day)".into(),
            ));
        }
        if !(1..=3650).contains(&jobs.keep_days) {
            return Err(ConfigError::Invalid("jobs.keep_days must be 1 to 3650".into()));
        }
        let secret = self.auth.jwt_secret.as_ref().map(|s| s.expose_secret().to_owned()).unwrap_or_default();
        if self.environment == Environment::Production {
            if secret.is_empty() {
                return Err(ConfigError::Invalid(
                    "production needs TASKFLOW_AUTH__JWT_SECRET (at least 32 random bytes); none is set".into(),
                ));
            }
            if secret == DEVELOPMENT_JWT_SECRET {
                return Err(ConfigError::Invalid(
                    "production refuses the development JWT secret; set TASKFLOW_AUTH__JWT_SECRET to a fresh random value".into(),
                ));
            }
        }
        if secret.len() < 32 {
            return Err(ConfigError::Invalid(
                "auth.jwt_secret must be at least 32 bytes (set TASKFLOW_AUTH__JWT_SECRET)".into(),
            ));
        }
        if !(60..=3600).contains(&self.auth.access_token_ttl_seconds) {
            return Err(ConfigError::Invalid("auth.access_token_ttl_seconds must be between 60 and 3600".into()));
        }
        if !self.mfa.keys.contains_key(&self.mfa.active_key_id) {
            return Err(ConfigError::Invalid(format!(
                "mfa.active_key_id '{}' names no key in mfa.keys (set TASKFLOW_MFA__KEYS__<ID> to base64 of 32 random bytes)",
                self.mfa.active_key_id
            )));
        }
        let committed_key = self.mfa.keys.values().any(|k| k.expose_secret().trim() == DEVELOPMENT_MFA_KEY);
        if self.environment == Environment::Production
            && (self.mfa.active_key_id == DEVELOPMENT_MFA_KEY_ID || committed_key)
        {
            return Err(ConfigError::Invalid(
                "production refuses the development MFA key; set TASKFLOW_MFA__ACTIVE_KEY_ID and TASKFLOW_MFA__KEYS__<ID>".into(),
            ));
        }
        if self.auth.refresh_reuse_grace_seconds > 60 {
            return Err(ConfigError::Invalid("auth.refresh_reuse_grace_seconds must be at most 60".into()));
        }
        if self.auth.refresh_token_ttl_days < 1 {
            return Err(ConfigError::Invalid("auth.refresh_token_ttl_days must be at least 1".into()));
        }
        for (name, provider) in &self.oidc.providers {
            self.validate_provider(name, provider)?;
        }
        // Behind a TLS-terminating ingress the request looks like plain http,
        // so a redirect URI built from it would not match the registered one.
        let public_https = self.application.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        if self.environment == Environment::Production && !self.oidc.providers.is_empty() && !public_https {
            return Err(ConfigError::Invalid(
                "production with OIDC providers needs application.public_url, an https:// URL (TASKFLOW_APPLICATION__PUBLIC_URL): redirect URIs are built on it".into(),
            ));
        }
        Ok(())
    }

    /// A provider's name goes into URLs and the web app's element ids; its
    /// issuer is fetched by the server and trusted for identities.
    fn validate_provider(&self, name: &str, p: &OidcProvider) -> Result<(), ConfigError> {
        let name_ok = !name.is_empty()
            && name.len() <= 40
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !name_ok {
            return Err(ConfigError::Invalid(format!(
                "oidc provider name '{name}' must be 1-40 lowercase letters, digits, '-' or '_' (it appears in URLs)"
            )));
        }
        let plain_http_allowed = self.environment != Environment::Production;
        let scheme_ok = p.issuer.starts_with("https://") || (plain_http_allowed && p.issuer.starts_with("http://"));
        if !scheme_ok || reqwest::Url::parse(&p.issuer).is_err() {
            return Err(ConfigError::Invalid(format!(
                "oidc.providers.{name}.issuer must be an https:// URL (http:// only outside production)"
            )));
        }
        if p.client_id.trim().is_empty() {
            return Err(ConfigError::Invalid(format!("oidc.providers.{name}.client_id is empty")));
        }
        Ok(())
    }
}

impl DatabaseSettings {
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms)
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("environment", &self.environment)
            .field("application", &self.application)
            .field("database", &self.database)
            .field("redis", &self.redis)
            .field("auth", &self.auth)
            .field("mfa", &self.mfa)
            .field("oidc", &self.oidc)
            .field("jobs", &self.jobs)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("name", &self.name)
            .field("owner_username", &self.owner_username)
            .field("app_username", &self.app_username)
            .field("passwords", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &"[redacted]")
            .field("key_prefix", &self.key_prefix)
            .field("timeout_ms", &self.timeout_ms)
            .field("cache_ttl_seconds", &self.cache_ttl_seconds)
            .finish()
    }
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"[redacted]")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_token_ttl_seconds", &self.access_token_ttl_seconds)
            .field("refresh_token_ttl_days", &self.refresh_token_ttl_days)
            .field("refresh_reuse_grace_seconds", &self.refresh_reuse_grace_seconds)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Result<Settings, ConfigError> {
        let s = Settings::load_for(Environment::Test)?;
        s.validate()?;
        Ok(s)
    }

    /// The refusal's message; an empty string when the settings pass.
    fn refusal(s: &Settings) -> String {
        match s.validate() {
            Err(ConfigError::Invalid(m)) => m,
            Err(other) => other.to_string(),
            Ok(()) => String::new(),
        }
    }

    fn provider(issuer: &str) -> OidcProvider {
        OidcProvider {
            issuer: issuer.into(),
            client_id: "taskflow".into(),
            client_secret: None,
            scopes: default_scopes(),
            display_name: None,
        }
    }

    #[test]
    fn unsafe_budgets_secrets_and_lifetimes_are_refused() -> Result<(), ConfigError> {
        let mut s = base()?;
        s.rate_limits.auth_per_ip_per_minute = 0;
        assert!(refusal(&s).contains("rate_limits"));
        for (hours, refused) in [(0, true), (1, false), (24, false), (25, true)] {
            let mut s = base()?;
            s.time.max_timer_hours = hours;
            assert_eq!(refusal(&s).contains("max_timer_hours"), refused, "{hours}");
        }
        for (days, refused) in [(0, true), (1, false), (3650, false), (3651, true)] {
            let mut s = base()?;
            s.tasks.trash_days = days;
            assert_eq!(refusal(&s).contains("trash_days"), refused, "{days}");
        }
        for (workers, refused) in [(0, false), (64, false), (65, true)] {
            let mut s = base()?;
            s.jobs.workers = workers;
            assert_eq!(refusal(&s).contains("jobs.workers"), refused, "{workers}");
        }
        for (lease, refused) in [(0, true), (1, false), (3600, false), (3601, true)] {
            let mut s = base()?;
            s.jobs.lease_seconds = lease;
            assert_eq!(refusal(&s).contains("lease_seconds"), refused, "{lease}");
        }
        for (poll, refused) in [(9, true), (10, false), (60_000, false), (60_001, true)] {
            let mut s = base()?;
            s.jobs.poll_ms = poll;
            assert_eq!(refusal(&s).contains("poll_ms"), refused, "{poll}");
        }
        for (base_ms, cap_ms, refused) in
            [(0, 10, true), (10, 10, false), (11, 10, true), (1, 86_400_000, false), (1, 86_400_001, true)]
        {
            let mut s = base()?;
            s.jobs.backoff_base_ms = base_ms;
            s.jobs.backoff_cap_ms = cap_ms;
            assert_eq!(refusal(&s).contains("backoff_base_ms"), refused, "{base_ms} {cap_ms}");
        }
        for (days, refused) in [(0, true), (1, false), (3650, false), (3651, true)] {
            let mut s = base()?;
            s.jobs.keep_days = days;
            assert_eq!(refusal(&s).contains("keep_days"), refused, "{days}");
        }

        let mut s = base()?;
        s.auth.jwt_secret = Some("too-short".to_owned().into());
        assert!(refusal(&s).contains("at least 32 bytes"));

        let mut s = base()?;
        s.auth.access_token_ttl_seconds = 59;
        assert!(refusal(&s).contains("access_token_ttl_seconds"));

        let mut s = base()?;
        s.auth.refresh_token_ttl_days = 0;
        assert!(refusal(&s).contains("refresh_token_ttl_days"));

        let mut s = base()?;
        s.mfa.active_key_id = "missing".into();
        assert!(refusal(&s).contains("names no key"));
        Ok(())
    }

    #[test]
    fn production_refuses_development_secrets() -> Result<(), ConfigError> {
        let mut s = base()?;
        s.environment = Environment::Production;
        s.auth.jwt_secret = None;
        assert!(refusal(&s).contains("production needs TASKFLOW_AUTH__JWT_SECRET"));
        s.auth.jwt_secret = Some(DEVELOPMENT_JWT_SECRET.to_owned().into());
        assert!(refusal(&s).contains("development JWT secret"));
        s.auth.jwt_secret = Some("a-fresh-random-value-of-at-least-32-bytes".to_owned().into());
        assert!(refusal(&s).contains("development MFA key"));
        // The committed key's value is refused under any other id too.
        s.mfa.active_key_id = "renamed".into();
        s.mfa.keys.insert("renamed".into(), DEVELOPMENT_MFA_KEY.to_owned().into());
        assert!(refusal(&s).contains("development MFA key"));
        s.mfa.keys.insert("renamed".into(), "a-different-key".to_owned().into());
        assert!(refusal(&s).contains("development MFA key"), "nor kept as an old key beside a fresh one");
        s.mfa.keys.remove(DEVELOPMENT_MFA_KEY_ID);
        assert_eq!(refusal(&s), "");
        Ok(())
    }

    #[test]
    fn provider_names_and_issuers_are_checked() -> Result<(), ConfigError> {
        let mut s = base()?;
        s.oidc.providers.insert("google".into(), provider("https://accounts.google.com"));
        s.oidc.providers.insert("local-idp_2".into(), provider("http://127.0.0.1:8080"));
        assert_eq!(refusal(&s), "", "plain http is fine outside production");

        for bad in ["Google", "my idp", "a/b", ""] {
            let mut s = base()?;
            s.oidc.providers.insert(bad.into(), provider("https://idp.example.com"));
            assert!(refusal(&s).contains("lowercase letters"), "{bad:?}");
        }
        let mut s = base()?;
        s.oidc.providers.insert("idp".into(), provider("ftp://idp.example.com"));
        assert!(refusal(&s).contains("https:// URL"));
        let mut s = base()?;
        s.oidc
            .providers
            .insert("idp".into(), OidcProvider { client_id: " ".into(), ..provider("https://idp.example.com") });
        assert!(refusal(&s).contains("client_id is empty"));

        // Production: with real secrets, providers need the public https URL.
        let mut s = base()?;
        s.environment = Environment::Production;
        s.auth.jwt_secret = Some("a-fresh-random-value-of-at-least-32-bytes".to_owned().into());
        s.mfa.active_key_id = "k1".into();
        s.mfa.keys = [("k1".into(), "not-checked-here".to_owned().into())].into();
        assert_eq!(refusal(&s), "", "production settings without providers pass");
        s.oidc.providers.insert("idp".into(), provider("https://idp.example.com"));
        assert!(refusal(&s).contains("needs application.public_url"));
        s.application.public_url = Some("http://taskflow.example.com".into());
        assert!(refusal(&s).contains("needs application.public_url"));
        s.application.public_url = Some("https://taskflow.example.com".into());
        assert_eq!(refusal(&s), "");
        let refused = s.validate_provider("idp", &provider("http://idp.example.com"));
        assert!(matches!(refused, Err(ConfigError::Invalid(m)) if m.contains("http:// only outside production")));
        assert!(s.validate_provider("idp", &provider("https://idp.example.com")).is_ok());
        Ok(())
    }
}
