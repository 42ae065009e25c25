//! The database layer: the pool, the RLS chokepoint and SQLSTATE mapping. SQL
//! lives only in this module and its children.

pub mod audit;
pub mod comments;
pub mod idempotency;
pub mod identities;
pub mod invitations;
pub mod mfa;
pub mod privacy;
pub mod seed;
pub mod sessions;
pub mod tasks;
pub mod teams;
pub mod time_entries;
pub mod users;

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::config::DatabaseSettings;
use crate::domain::user::{GlobalRole, UserId};

pub type Tx = Transaction<'static, Postgres>;

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
    #[error("row-level security refused the write")]
    Forbidden,
    #[error("unique constraint {0} violated")]
    UniqueViolation(String),
    #[error("foreign key {0} violated")]
    ForeignKeyViolation(String),
    #[error("check {0} violated")]
    CheckViolation(String),
    /// A value Postgres cannot store or compare: a NUL character (22021,
    /// 22P05 in JSON) or an instant out of its range (22008).
    #[error("a value the database cannot represent")]
    Unrepresentable,
    #[error(transparent)]
    Other(sqlx::Error),
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
                Some("23514") => DbError::CheckViolation(db.constraint().unwrap_or_default().to_owned()),
                Some("22021") | Some("22P05") | Some("22008") => DbError::Unrepresentable,
                // admin_shutdown, crash_shutdown, cannot_connect_now: Postgres is
                // restarting; query_canceled: the statement timeout fired under load.
                Some("57P01") | Some("57P02") | Some("57P03") | Some("57014") => DbError::Unavailable(e),
                _ => DbError::Other(e),
            },
            _ => DbError::Other(e),
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
}

/// A lazily connecting pool for the app role, so the server starts (and
/// reports not-ready) while Postgres is down.
pub fn app_pool(settings: &DatabaseSettings) -> PgPool {
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(0)
        .acquire_timeout(settings.acquire_timeout())
        .connect_lazy_with(settings.app_options())
}

/// The one chokepoint: begins a transaction and makes the caller's identity its
/// first statement. `set_config(.., true)` is transaction-local, so nothing
/// leaks to the next borrower of the pooled connection.
pub async fn begin_as(pool: &PgPool, actor: &Actor) -> Result<Tx, DbError> {
    let _timer = crate::metrics::db_timer("begin_as");
    let mut tx = pool.begin().await?;
    match *actor {
        Actor::Anonymous => {}
        Actor::Account { user_id, role } => {
            sqlx::query!(
                r#"select set_config('app.user_id', $1, true) as "uid!", set_config('app.role', $2, true) as "role!""#,
                user_id.0.to_string(),
                role.as_str(),
            )
            .fetch_one(&mut *tx)
            .await?;
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
            .await?;
            if !row.active {
                return Err(DbError::SessionInactive);
            }
        }
    }
    Ok(tx)
}

/// The newest migration compiled in, and whether the database has applied it.
pub async fn migrations_current(pool: &PgPool) -> Result<bool, DbError> {
    let expected = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Option<i64> =
        sqlx::query_scalar!("select max(version) from _sqlx_migrations where success").fetch_one(pool).await?;
    Ok(applied.unwrap_or(0) >= expected)
}

/// Timers running across all users, through `private.running_timer_count`.
pub async fn running_timer_count(pool: &PgPool) -> Result<i64, DbError> {
    let _timer = crate::metrics::db_timer("running_timer_count");
    let n = sqlx::query_scalar!(r#"select private.running_timer_count() as "n!""#).fetch_one(pool).await?;
    Ok(n)
}
