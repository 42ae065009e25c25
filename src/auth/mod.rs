//! Authentication: password hashing, JWT access tokens, rotating refresh-token
//! sessions and the `AuthUser` extractor.

pub mod account;
pub mod extractor;
pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod session;

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
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("too many failed attempts")]
    Locked(crate::auth::rate_limit::RateLimitInfo),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
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
            AuthError::WrongCurrentPassword => ApiError::validation("current_password", "is wrong"),
            AuthError::Locked(info) => ApiError::TooManyRequests(info),
            AuthError::Db(e) => e.into(),
            AuthError::Hashing(m) => ApiError::internal(anyhow::anyhow!(m)),
        }
    }
}
