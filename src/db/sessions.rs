//! The `sessions` (refresh-token families) and `refresh_tokens` tables.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::user::{GlobalRole, UserId};

/// Why a session ended; the values of `sessions_revoked_reason_check`.
#[derive(Clone, Copy, Debug)]
pub enum RevokeReason {
    Logout,
    RefreshTokenReuse,
    PasswordChange,
    UserDisabled,
    Admin,
}

impl RevokeReason {
    fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::RefreshTokenReuse => "refresh_token_reuse",
            RevokeReason::PasswordChange => "password_change",
            RevokeReason::UserDisabled => "user_disabled",
            RevokeReason::Admin => "admin",
        }
    }
}

pub async fn create(tx: &mut Tx, session_id: Uuid, user_id: UserId, expires_at: DateTime<Utc>) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("sessions.create");
    sqlx::query!(
        "insert into sessions (session_id, user_id, expires_at) values ($1, $2, $3)",
        session_id,
        user_id.0,
        expires_at,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("sessions.create"))?;
    Ok(())
}

pub async fn insert_refresh_token(
    tx: &mut Tx,
    token_hash: &[u8],
    session_id: Uuid,
    user_id: UserId,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("sessions.insert_refresh_token");
    sqlx::query!(
        "insert into refresh_tokens (token_hash, session_id, user_id, expires_at) values ($1, $2, $3, $4)",
        token_hash,
        session_id,
        user_id.0,
        expires_at,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("sessions.insert_refresh_token"))?;
    Ok(())
}

/// Whose refresh token this is, whatever its state, through the
/// `private.refresh_token_owner` door (no identity exists yet).
pub async fn refresh_token_owner(tx: &mut Tx, token_hash: &[u8]) -> Result<Option<UserId>, DbError> {
    let _timer = crate::metrics::db_timer("sessions.refresh_token_owner");
    let owner = sqlx::query_scalar!("select private.refresh_token_owner($1)", token_hash)
        .fetch_one(&mut **tx)
        .await
        .map_err(at("sessions.refresh_token_owner"))?;
    Ok(owner.map(UserId))
}

pub struct RefreshTokenState {
    pub session_id: Uuid,
    pub used: bool,
    pub usable: bool,
    pub role: GlobalRole,
}

/// Locks the token and its session so that two concurrent refreshes with the
/// same token serialise: the second sees the first's `used_at`.
pub async fn lock_refresh_token(tx: &mut Tx, token_hash: &[u8]) -> Result<Option<RefreshTokenState>, DbError> {
    let _timer = crate::metrics::db_timer("sessions.lock_refresh_token");
    let row = sqlx::query!(
        r#"select rt.session_id,
                  rt.used_at is not null as "used!",
                  (rt.expires_at > now() and s.revoked_at is null and s.expires_at > now()
                     and u.disabled_at is null) as "usable!",
                  u.role as "role: GlobalRole"
           from refresh_tokens rt
           join sessions s on s.session_id = rt.session_id
           join users u on u.user_id = rt.user_id
           where rt.token_hash = $1
           for update of rt, s"#,
        token_hash,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("sessions.lock_refresh_token"))?;
    Ok(row.map(|r| RefreshTokenState { session_id: r.session_id, used: r.used, usable: r.usable, role: r.role }))
}

pub async fn mark_used(tx: &mut Tx, token_hash: &[u8], session_id: Uuid) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("sessions.mark_used");
    sqlx::query!("update refresh_tokens set used_at = now() where token_hash = $1", token_hash)
        .execute(&mut **tx)
        .await
        .map_err(at("sessions.mark_used"))?;
    sqlx::query!("update sessions set last_used_at = now() where session_id = $1", session_id)
        .execute(&mut **tx)
        .await
        .map_err(at("sessions.mark_used"))?;
    Ok(())
}

/// Whether the session (the sign-in behind it, not its latest refresh) began
/// less than `seconds` ago.
pub async fn signed_in_within(tx: &mut Tx, session_id: Uuid, seconds: i32) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("sessions.signed_in_within");
    let fresh = sqlx::query_scalar!(
        r#"select exists (select 1 from sessions where session_id = $1
                           and created_at > now() - make_interval(secs => $2)) as "fresh!""#,
        session_id,
        f64::from(seconds)
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("sessions.signed_in_within"))?;
    Ok(fresh)
}

/// Revokes one session; true when it was live.
pub async fn revoke(tx: &mut Tx, session_id: Uuid, reason: RevokeReason) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("sessions.revoke");
    let result = sqlx::query!(
        "update sessions set revoked_at = now(), revoked_reason = $2 where session_id = $1 and revoked_at is null",
        session_id,
        reason.as_str(),
    )
    .execute(&mut **tx)
    .await
    .map_err(at("sessions.revoke"))?;
    Ok(result.rows_affected() == 1)
}

/// Revokes every live session of `user_id` except `keep`; returns their ids so
/// their access tokens can be denylisted too.
pub async fn revoke_others(
    tx: &mut Tx,
    user_id: UserId,
    keep: Uuid,
    reason: RevokeReason,
) -> Result<Vec<Uuid>, DbError> {
    let _timer = crate::metrics::db_timer("sessions.revoke_others");
    let ids = sqlx::query_scalar!(
        r#"update sessions set revoked_at = now(), revoked_reason = $3
           where user_id = $1 and session_id <> $2 and revoked_at is null
           returning session_id"#,
        user_id.0,
        keep,
        reason.as_str(),
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("sessions.revoke_others"))?;
    Ok(ids)
}

/// Revokes every live session of `user_id` (an admin disabling or demoting
/// an account); returns their ids for the denylist.
pub async fn revoke_all(tx: &mut Tx, user_id: UserId, reason: RevokeReason) -> Result<Vec<Uuid>, DbError> {
    let _timer = crate::metrics::db_timer("sessions.revoke_all");
    let ids = sqlx::query_scalar!(
        r#"update sessions set revoked_at = now(), revoked_reason = $2
           where user_id = $1 and revoked_at is null
           returning session_id"#,
        user_id.0,
        reason.as_str(),
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("sessions.revoke_all"))?;
    Ok(ids)
}
