//! Use cases: each opens one transaction as the caller, checks what the caller
//! may do (to choose 403 over 404), and calls the db layer. RLS enforces the
//! same rules underneath.

pub mod admin;
pub mod audit;
pub mod comments;
pub mod invitations;
pub mod privacy;
pub mod tasks;
pub mod teams;
pub mod time;

use crate::auth::extractor::AuthUser;
use crate::db::{self, DbError, Tx};
use crate::domain::team::TeamRole;
use crate::domain::user::GlobalRole;
use crate::domain::FieldError;
use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    #[error("{0}")]
    Conflict(String),
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("too many requests")]
    TooMany(crate::auth::rate_limit::RateLimitInfo),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => ApiError::NotFound,
            ServiceError::Forbidden(m) => ApiError::Forbidden(m),
            ServiceError::PreconditionFailed => ApiError::PreconditionFailed,
            ServiceError::Conflict(m) => ApiError::Conflict(m),
            ServiceError::Invalid(errors) => ApiError::Validation(errors),
            ServiceError::TooMany(info) => ApiError::TooManyRequests(info),
            ServiceError::Db(e) => e.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// Begins the caller's transaction.
pub(crate) async fn begin(pool: &sqlx::PgPool, user: &AuthUser) -> Result<Tx> {
    Ok(db::begin_as(pool, &user.actor()).await?)
}

pub(crate) async fn commit(tx: Tx) -> Result<()> {
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The caller's power in a team: their membership role, or owner-equivalent
/// for a global admin (who sees and manages everything).
pub(crate) async fn team_role(tx: &mut Tx, user: &AuthUser, team_id: uuid::Uuid) -> Result<Option<TeamRole>> {
    if user.role == GlobalRole::Admin {
        return Ok(Some(TeamRole::Owner));
    }
    Ok(db::teams::my_role(tx, team_id, user.user_id).await?)
}

/// A create made retry-safe by the client's `Idempotency-Key`.
pub struct Idempotency {
    pub key: String,
    /// SHA-256 of the method, path and canonical JSON body.
    pub fingerprint: Vec<u8>,
}

/// A create's response as stored for replay.
#[derive(Clone, Debug)]
pub struct Stored {
    pub status: u16,
    pub body: serde_json::Value,
    pub location: Option<String>,
}

pub enum Outcome<T> {
    Created(T),
    Replayed(Stored),
}

/// Claims the key in the create's transaction; `Some` means replay this instead.
pub(crate) async fn claim(tx: &mut Tx, user: &AuthUser, idem: &Idempotency) -> Result<Option<Stored>> {
    if db::idempotency::claim(tx, user.user_id, &idem.key, &idem.fingerprint).await? {
        return Ok(None);
    }
    let row = db::idempotency::find(tx, user.user_id, &idem.key).await?.ok_or(ServiceError::NotFound)?;
    if row.request_hash != idem.fingerprint {
        return Err(ServiceError::invalid(
            "idempotency_key",
            "was already used with a different request; use a new key for a new request",
        ));
    }
    match (row.status, row.response) {
        (Some(status), Some(body)) => Ok(Some(Stored { status: status as u16, body, location: row.location })),
        _ => Err(ServiceError::Conflict("a request with this idempotency key is still in progress".into())),
    }
}

/// Stores the response next to the row it describes, in the same transaction.
pub(crate) async fn complete(tx: &mut Tx, user: &AuthUser, idem: &Idempotency, stored: &Stored) -> Result<()> {
    db::idempotency::complete(
        tx,
        user.user_id,
        &idem.key,
        stored.status as i16,
        &stored.body,
        stored.location.as_deref(),
    )
    .await?;
    Ok(())
}
