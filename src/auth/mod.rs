//! Authentication: password hashing, JWT access tokens, rotating refresh-token
//! sessions and the `AuthUser` extractor.

pub mod account;
pub mod extractor;
pub mod jwt;
pub mod mfa;
pub mod oauth;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod totp;

use crate::db::DbError;

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
    Locked(crate::auth::rate_limit::RateLimitInfo),
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
    #[error(transparent)]
    Totp(#[from] crate::auth::totp::TotpError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// A lock in force answers 429, saying how long it lasts.
impl From<rate_limit::Locked> for AuthError {
    fn from(lock: rate_limit::Locked) -> Self {
        AuthError::Locked(rate_limit::RateLimitInfo { limit: 0, remaining: 0, reset: lock.seconds })
    }
}

impl From<AuthError> for crate::error::ApiError {
    fn from(e: AuthError) -> Self {
        use crate::error::ApiError;
        match e {
            AuthError::InvalidCredentials => ApiError::Unauthorized("invalid email or password"),
            AuthError::AccountDisabled => ApiError::Forbidden("this account is disabled"),
            AuthError::InvalidRefreshToken => {
                ApiError::Unauthorized("the refresh token is invalid, expired or revoked")
            }
            AuthError::RefreshTokenReused => {
                ApiError::Unauthorized("the refresh token was already used; the session is revoked, sign in again")
            }
            AuthError::WrongPassword { field } => ApiError::validation(field, "is wrong"),
            AuthError::PasswordRequired { field } => ApiError::validation(field, "is required for this account"),
            AuthError::SignInAgain => ApiError::Forbidden(
                "this account signs in through an identity provider: sign in with it again, then retry within 10 minutes",
            ),
            AuthError::Locked(info) => ApiError::TooManyRequests(info),
            AuthError::MfaAlreadyEnabled => ApiError::Conflict("multi-factor authentication is already on".into()),
            AuthError::MfaNotEnabled => ApiError::Conflict("multi-factor authentication is not on".into()),
            AuthError::MfaNotPending => ApiError::Conflict("start enrolment first (POST /api/v1/me/mfa/totp)".into()),
            AuthError::InvalidMfaCode => ApiError::validation("code", "is wrong, expired or already used"),
            AuthError::InvalidMfaToken => {
                ApiError::Unauthorized("the sign-in attempt is invalid, expired or already used; sign in again")
            }
            AuthError::WrongSecondFactor => ApiError::Unauthorized("the code is wrong, expired or already used"),
            AuthError::Totp(e) => ApiError::internal(e),
            AuthError::Db(e) => e.into(),
            AuthError::Hashing(m) => ApiError::internal(anyhow::anyhow!(m)),
        }
    }
}
