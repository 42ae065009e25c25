//! The one use-case layer: each use case opens its transaction as the
//! caller, checks what the caller may do (to choose 403 over 404), calls the
//! db layer, audits, commits, and then does what must follow a commit (cache
//! epochs, denylists). RLS enforces the same rules underneath. Nothing here
//! knows about HTTP: callers are `domain::user::Caller`s, dependencies come
//! as the narrow views [`Store`] and [`Auth`].

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod budgets;
pub mod calendar;
pub mod checklists;
pub mod comments;
pub mod history;
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
pub mod time;
pub mod time_locks;
pub mod timesheets;
pub mod tokens;
pub mod trash;
pub mod watchers;

use crate::db::Pool;

use crate::auth::jwt::{JwtError, JwtKeys};
use crate::auth::oidc::OidcError;
use crate::auth::password::HashError;
use crate::auth::rate_limit::{Locked, RateLimitInfo, RateLimiter};
use crate::auth::totp::{SecretBox, TotpError};
use crate::cache::Cache;
use crate::db::{self, Actor, DbError, Tx};
use crate::domain::team::TeamRole;
use crate::domain::user::Caller;
use crate::domain::FieldError;
use crate::kv::Kv;

/// What the task, team, comment and time use cases need: the pool and the
/// read cache whose epochs a write bumps.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    pub pool: &'a Pool,
    pub cache: &'a Cache,
}

/// What sign-in and account-security use cases need.
#[derive(Clone, Copy)]
pub struct Auth<'a> {
    pub pool: &'a Pool,
    /// Denylists, the MFA token's single use, the refresh grace pair.
    pub kv: &'a Kv,
    pub limits: &'a RateLimiter,
    pub jwt: &'a JwtKeys,
    /// Seals TOTP secrets at rest and the refresh grace pair in Redis.
    pub sealer: &'a SecretBox,
    pub refresh_token_ttl: chrono::Duration,
    pub refresh_reuse_grace: std::time::Duration,
}

/// Why a sign-in or an account-security action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidRefreshToken,
    #[error("the refresh token was already used; the whole session is revoked")]
    RefreshTokenReused,
    #[error("the password is wrong")]
    WrongPassword { field: &'static str },
    #[error("the password is required")]
    PasswordRequired { field: &'static str },
    #[error("sign in with the identity provider again, then retry")]
    SignInAgain,
    #[error("too many failed attempts")]
    Locked(RateLimitInfo),
    /// An account-security flow reached with an API token (the route table
    /// keeps tokens out; this keeps the rule in the use case too).
    #[error("this needs a signed-in session; API tokens cannot do it")]
    SessionRequired,
    #[error("multi-factor authentication is already on")]
    MfaAlreadyEnabled,
    #[error("multi-factor authentication is not on")]
    MfaNotEnabled,
    #[error("start enrolment first (POST /api/v1/me/mfa/totp)")]
    MfaNotPending,
    #[error("the code is wrong, expired or already used")]
    InvalidMfaCode,
    #[error("the sign-in attempt is invalid or expired; sign in again")]
    InvalidMfaToken,
    #[error("the second factor is wrong, expired or already used")]
    WrongSecondFactor,
    #[error("the provider shared no email address it has verified; TaskFlow needs one for a new account")]
    NoVerifiedEmail,
    #[error("an account with this email exists: sign in with its password, then link this provider")]
    EmailTaken,
    #[error("this external identity is already linked to another account")]
    AlreadyLinked,
    #[error("this account is not linked to that provider")]
    NotLinked,
    #[error("this provider is the only way into the account: set a password or link another provider first")]
    LastWayIn,
    #[error(transparent)]
    Oidc(#[from] OidcError),
    /// Signing a token failed: a key problem, never the client's.
    #[error("issuing a token failed: {0}")]
    Token(#[from] JwtError),
    #[error(transparent)]
    Totp(#[from] TotpError),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A lock in force answers 429, saying how long it lasts.
impl From<Locked> for AuthError {
    fn from(lock: Locked) -> Self {
        // A lock has no quota, only a time left: `RateLimit` without a policy.
        AuthError::Locked(RateLimitInfo { policy: lock.scope, limit: 0, window: 0, remaining: 0, reset: lock.seconds })
    }
}

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
    TooMany(RateLimitInfo),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Db(#[from] DbError),
    /// A value that could not be encoded as JSON (for the cache): a bug.
    #[error("encoding JSON failed: {0}")]
    Encoding(#[from] serde_json::Error),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// Begins the caller's transaction.
pub(crate) async fn begin(pool: &Pool, user: &Caller) -> Result<Tx> {
    Ok(db::begin_as(pool, &Actor::from(user)).await?)
}

/// Commits a use case's transaction. The error is the db layer's, so `?`
/// turns it into whichever error the use case returns.
pub(crate) async fn commit(tx: Tx) -> std::result::Result<(), DbError> {
    tx.commit().await.map_err(DbError::from)
}

/// The caller's power in a team: their membership role, or owner-equivalent
/// for a global admin (who sees and manages everything).
pub(crate) async fn team_role(tx: &mut Tx, user: &Caller, team_id: uuid::Uuid) -> Result<Option<TeamRole>> {
    if user.is_admin() {
        return Ok(Some(TeamRole::Owner));
    }
    Ok(db::teams::my_role(tx, team_id, user.user_id).await?)
}

/// The caller's role in a team (404 when they are not in it), refused with
/// `why` below `least`.
pub(crate) async fn require_team_role(
    tx: &mut Tx,
    user: &Caller,
    team_id: uuid::Uuid,
    least: TeamRole,
    why: &'static str,
) -> Result<TeamRole> {
    let role = team_role(tx, user, team_id).await?.ok_or(ServiceError::NotFound)?;
    if role < least {
        return Err(ServiceError::Forbidden(why));
    }
    Ok(role)
}

/// The team and the caller's power in it, in one read (404 when not in it).
pub(crate) async fn team_with_role(
    tx: &mut Tx,
    user: &Caller,
    team_id: uuid::Uuid,
) -> Result<(db::teams::TeamRow, TeamRole)> {
    let team = db::teams::find(tx, team_id, user.user_id).await?.ok_or(ServiceError::NotFound)?;
    // As in `team_role`: a global admin is owner-equivalent in every team.
    let role = if user.is_admin() { Some(TeamRole::Owner) } else { team.my_role };
    Ok((team, role.ok_or(ServiceError::NotFound)?))
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
    /// The created resource's version, for those that have one (tasks).
    pub etag: Option<String>,
}

pub enum Outcome<T> {
    Created(T),
    Replayed(Stored),
}

/// Claims the key, if the client sent one, in the create's transaction;
/// `Some` means replay this instead of creating.
pub(crate) async fn claim(tx: &mut Tx, user: &Caller, idem: Option<&Idempotency>) -> Result<Option<Stored>> {
    let Some(idem) = idem else { return Ok(None) };
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
        (Some(status), Some(body)) => {
            Ok(Some(Stored { status: status as u16, body, location: row.location, etag: row.etag }))
        }
        _ => Err(ServiceError::Conflict("a request with this idempotency key is still in progress".into())),
    }
}

/// Stores the response next to the row it describes, in the same
/// transaction, when the client sent a key (`render` runs only then).
pub(crate) async fn complete(
    tx: &mut Tx,
    user: &Caller,
    idem: Option<&Idempotency>,
    render: impl FnOnce() -> Stored,
) -> Result<()> {
    let Some(idem) = idem else { return Ok(()) };
    let stored = render();
    let completion = db::idempotency::Completion {
        status: stored.status as i16,
        response: &stored.body,
        location: stored.location.as_deref(),
        etag: stored.etag.as_deref(),
    };
    db::idempotency::complete(tx, user.user_id, &idem.key, completion).await?;
    Ok(())
}
