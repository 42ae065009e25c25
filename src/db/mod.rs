//! The database layer: the pool, the RLS chokepoint and SQLSTATE mapping. SQL
//! lives only in this module and its children.

pub mod audit;
pub mod budgets;
pub mod calendar;
pub mod checklists;
pub mod comments;
pub mod history;
pub mod idempotency;
pub mod identities;
pub mod invitations;
pub mod jobs;
pub mod mentions;
pub mod mfa;
pub mod privacy;
pub mod projects;
pub mod rates;
pub mod relations;
pub mod seed;
pub mod sessions;
pub mod tasks;
pub mod teams;
pub mod time_entries;
pub mod time_locks;
pub mod tokens;
pub mod trash;
pub mod types;
pub mod users;
pub mod watchers;

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::config::DatabaseSettings;
use crate::domain::user::{Caller, Credential, GlobalRole, UserId};

pub type Tx = Transaction<'static, Postgres>;

/// The app role's connection pool. Named here so no layer above this one
/// needs to know it is sqlx's.
pub type Pool = sqlx::PgPool;

/// The migrations compiled into the binary; `taskflow migrate` and the test
/// harness run these, and readiness compares against the newest.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("timed out waiting for a database connection")]
    PoolTimedOut,
    #[error("the database is unreachable")]
    Unavailable(#[source] sqlx::Error),
    #[error("the session is revoked, expired, or its user is disabled")]
    SessionInactive,
    #[error("the API token is revoked or expired, or its user is disabled")]
    TokenInactive,
    #[error("row-level security refused the write")]
    Forbidden,
    #[error("unique constraint {0} violated")]
    UniqueViolation(String),
    #[error("foreign key {0} violated")]
    ForeignKeyViolation(String),
    #[error("check {0} violated")]
    CheckViolation(String),
    /// The hard-budget trigger refused time; its message (ours, naming the
    /// budget and nothing the caller may not know) is the explanation.
    #[error("{0}")]
    OverBudget(String),
    /// A value Postgres cannot store or compare: a NUL character (22021,
    /// 22P05 in JSON) or an instant out of its range (22008).
    #[error("a value the database cannot represent")]
    Unrepresentable,
    /// Anything else, with the statement it came from (the db timer's
    /// label), so a 500 in the log says which query failed.
    #[error("{op} failed")]
    Other {
        op: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

impl DbError {
    /// Names the statement an unexpected failure came from.
    pub fn during(self, op: &'static str) -> Self {
        match self {
            DbError::Other { source, .. } => DbError::Other { op, source },
            other => other,
        }
    }
}

/// `.map_err(at("tasks.insert"))`: converts and labels in one step.
pub(crate) fn at<E: Into<DbError>>(op: &'static str) -> impl FnOnce(E) -> DbError {
    move |e| e.into().during(op)
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut => {
                crate::metrics::pool_acquire_timeout();
                DbError::PoolTimedOut
            }
            sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => DbError::Unavailable(e),
            sqlx::Error::Database(db) => match db.code().as_deref() {
                // insufficient_privilege: an RLS WITH CHECK or a guard trigger said no.
                Some("42501") => DbError::Forbidden,
                Some("23505") => DbError::UniqueViolation(db.constraint().unwrap_or_default().to_owned()),
                Some("23503") => DbError::ForeignKeyViolation(db.constraint().unwrap_or_default().to_owned()),
                Some("23514") if db.constraint() == Some("time_entries_budget") => {
                    DbError::OverBudget(db.message().to_owned())
                }
                Some("23514") => DbError::CheckViolation(db.constraint().unwrap_or_default().to_owned()),
                Some("22021") | Some("22P05") | Some("22008") => DbError::Unrepresentable,
                // admin_shutdown, crash_shutdown, cannot_connect_now: Postgres is
                // restarting; query_canceled: the statement timeout fired under load.
                Some("57P01") | Some("57P02") | Some("57P03") | Some("57014") => DbError::Unavailable(e),
                _ => DbError::Other { op: "unlabelled", source: e },
            },
            _ => DbError::Other { op: "unlabelled", source: e },
        }
    }
}

/// Who a transaction acts for. Postgres sees it only through `begin_as`.
#[derive(Clone, Copy, Debug)]
pub enum Actor {
    /// No identity: RLS shows nothing.
    Anonymous,
    /// Server-side flows on behalf of an account before it has a session
    /// (registration, login, refresh, CLI commands).
    Account { user_id: UserId, role: GlobalRole },
    /// An authenticated request; its session must still be live.
    Session { user_id: UserId, role: GlobalRole, session_id: Uuid },
    /// A request made with an API token; the token must still be live.
    Token { user_id: UserId, token_id: Uuid },
}

impl From<&Caller> for Actor {
    /// A request's caller acts through its session, so a revoked session
    /// stops every transaction at `begin_as`.
    fn from(c: &Caller) -> Self {
        match &c.credential {
            Credential::Session(s) => Actor::Session { user_id: c.user_id, role: c.role, session_id: s.session_id },
            Credential::ApiToken(t) => Actor::Token { user_id: c.user_id, token_id: t.token_id },
        }
    }
}

/// How to reach the database as each of the two roles (connection options
/// are this layer's business, not the configuration's).
impl DatabaseSettings {
    fn options(&self, user: &str, password: Option<&SecretString>) -> PgConnectOptions {
        let opts = PgConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .username(user)
            .database(&self.name)
            .ssl_mode(if self.require_ssl { PgSslMode::Require } else { PgSslMode::Prefer });
        match password {
            Some(p) => opts.password(p.expose_secret()),
            None => opts,
        }
    }

    /// The runtime role: subject to RLS, DML only. A statement timeout keeps one
    /// runaway query from holding a pooled connection forever. JIT is off: the
    /// planner's cost for a statement under RLS policies is far above
    /// `jit_above_cost` however few rows it reads, and compiling took 390 ms
    /// of a time report that then ran in 0.5 ms (docs/performance.md).
    pub fn app_options(&self) -> PgConnectOptions {
        self.options(&self.app_username, self.app_password.as_ref())
            .options([("statement_timeout", format!("{}ms", self.statement_timeout_ms)), ("jit", "off".to_owned())])
            .application_name("taskflow")
    }

    /// The schema owner, for migrations only.
    pub fn owner_options(&self) -> PgConnectOptions {
        self.options(&self.owner_username, self.owner_password.as_ref()).application_name("taskflow-migrate")
    }
}

/// The owner role's single connection, for migrations only.
pub async fn migrate(settings: &DatabaseSettings) -> Result<(), MigrateError> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(settings.acquire_timeout())
        .connect_with(settings.owner_options())
        .await
        .map_err(DbError::from)?;
    MIGRATOR.run(&pool).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Connect(#[from] DbError),
    #[error("migrating failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A lazily connecting pool for the app role, so the server starts (and
/// reports not-ready) while Postgres is down.
pub fn app_pool(settings: &DatabaseSettings) -> Pool {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(0)
        .acquire_timeout(settings.acquire_timeout())
        .connect_lazy_with(settings.app_options())
}

/// The job workers' own pool (as the app role): a burst of jobs never takes
/// a connection a request needs, nor the other way round. Two per worker:
/// its lease renewals run while its handler may hold one.
pub fn worker_pool(settings: &DatabaseSettings, workers: usize) -> Pool {
    PgPoolOptions::new()
        .max_connections(u32::try_from(workers * 2).unwrap_or(128).max(2))
        .min_connections(0)
        .acquire_timeout(settings.acquire_timeout())
        .connect_lazy_with(settings.app_options())
}

/// The one chokepoint: begins a transaction and makes the caller's identity its
/// first statement. `set_config(.., true)` is transaction-local, so nothing
/// leaks to the next borrower of the pooled connection.
pub async fn begin_as(pool: &Pool, actor: &Actor) -> Result<Tx, DbError> {
    let _timer = crate::metrics::db_timer("begin_as");
    let mut tx = pool.begin().await.map_err(at("begin_as"))?;
    match *actor {
        Actor::Anonymous => {}
        Actor::Account { user_id, role } => {
            sqlx::query!(
                r#"select set_config('app.user_id', $1, true) as "uid!", set_config('app.role', $2, true) as "role!""#,
                user_id.0.to_string(),
                role.as_str(),
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(at("begin_as"))?;
        }
        Actor::Session { user_id, role, session_id } => {
            let row = sqlx::query!(
                r#"select set_config('app.user_id', $1, true) as "uid!",
                          set_config('app.role', $2, true) as "role!",
                          private.session_is_active($3, $4) as "active!""#,
                user_id.0.to_string(),
                role.as_str(),
                session_id,
                user_id.0,
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(at("begin_as"))?;
            if !row.active {
                return Err(DbError::SessionInactive);
            }
        }
        Actor::Token { user_id, token_id } => {
            // A token acts as a plain member whatever its account's global role.
            let row = sqlx::query!(
                r#"select set_config('app.user_id', $1, true) as "uid!",
                          set_config('app.role', 'member', true) as "role!",
                          private.api_token_is_active($2, $3) as "active!""#,
                user_id.0.to_string(),
                token_id,
                user_id.0,
            )
            .fetch_one(&mut *tx)
            .await
            .map_err(at("begin_as"))?;
            if !row.active {
                return Err(DbError::TokenInactive);
            }
        }
    }
    Ok(tx)
}

/// The newest migration compiled in, and whether the database has applied it.
pub async fn migrations_current(pool: &Pool) -> Result<bool, DbError> {
    let expected = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Option<i64> = sqlx::query_scalar!("select max(version) from _sqlx_migrations where success")
        .fetch_one(pool)
        .await
        .map_err(at("migrations_current"))?;
    Ok(applied.unwrap_or(0) >= expected)
}

/// Timers running across all users, through `private.running_timer_count`.
pub async fn running_timer_count(pool: &Pool) -> Result<i64, DbError> {
    let _timer = crate::metrics::db_timer("running_timer_count");
    let n = sqlx::query_scalar!(r#"select private.running_timer_count() as "n!""#)
        .fetch_one(pool)
        .await
        .map_err(at("running_timer_count"))?;
    Ok(n)
}
