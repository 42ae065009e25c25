//! MFA flows: enrol, confirm, disable, regenerate recovery codes, and the
//! second step of a login.

use chrono::Utc;
use secrecy::SecretString;
use serde::Serialize;
use std::time::Duration;

use super::accounts::{confirm_presence, count_failure, guard, Guarded};
use super::sessions::{audit_failure, start, TokenPair};
use super::{commit, Auth, AuthError};
use crate::auth::rate_limit::Throttle;
use crate::auth::totp::{self, Sealed};
use crate::db::audit::Event;
use crate::db::{self, begin_as, Actor, Tx};
use crate::domain::user::{Caller, GlobalRole, UserId};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// Base32, for typing into an authenticator by hand.
    pub secret: String,
    pub otpauth_url: String,
    pub qr_png_base64: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Shown once; only digests are kept.
    pub recovery_codes: Vec<String>,
}

fn now() -> u64 {
    Utc::now().timestamp().max(0) as u64
}

/// The user's TOTP and the stored state, opened.
pub(crate) async fn load(
    auth: Auth<'_>,
    tx: &mut Tx,
    user: UserId,
    email: &str,
) -> Result<Option<(totp_rs::Totp, bool)>, AuthError> {
    let Some(row) = db::mfa::find(tx, user).await? else { return Ok(None) };
    let sealed = Sealed { key_id: row.key_id, nonce: row.nonce, ciphertext: row.secret_ciphertext };
    let secret = auth.sealer.open(&sealed, user.0.as_bytes())?;
    Ok(Some((totp::totp(&secret, auth.sealer.issuer(), email)?, row.enabled)))
}

async fn email_of(tx: &mut Tx, user: UserId) -> Result<String, AuthError> {
    Ok(db::users::find(tx, user).await?.map(|u| u.email).unwrap_or_default())
}

/// Checks `code` and spends its time step, so it is never accepted twice.
pub(crate) async fn spend_code(tx: &mut Tx, user: UserId, t: &totp_rs::Totp, code: &str) -> Result<bool, AuthError> {
    match totp::check(t, code, now()) {
        Some(step) => Ok(db::mfa::advance_step(tx, user, step as i64).await?),
        None => Ok(false),
    }
}

/// MFA must be on and `code` current (and unused): what turning it off,
/// replacing the recovery codes or erasing the account demands. A wrong code
/// counts against `action` like a wrong password.
pub(crate) async fn require_current_code(
    auth: Auth<'_>,
    tx: &mut Tx,
    user: UserId,
    code: &str,
    action: Guarded,
) -> Result<(), AuthError> {
    guard(auth, user, action).await?;
    let email = email_of(tx, user).await?;
    let (t, enabled) = load(auth, tx, user, &email).await?.ok_or(AuthError::MfaNotEnabled)?;
    if !enabled {
        return Err(AuthError::MfaNotEnabled);
    }
    if !spend_code(tx, user, &t, code).await? {
        count_failure(auth, user, action).await;
        return Err(AuthError::InvalidMfaCode);
    }
    Ok(())
}

async fn new_codes(tx: &mut Tx, user: UserId) -> Result<Vec<String>, AuthError> {
    let codes = totp::new_recovery_codes();
    let digests: Vec<Vec<u8>> = codes.iter().map(|c| totp::recovery_code_digest(c)).collect();
    db::mfa::replace_recovery_codes(tx, user, &digests).await?;
    Ok(codes)
}

pub async fn enroll(auth: Auth<'_>, user: &Caller) -> Result<Enrolment, AuthError> {
    let mut tx = begin_as(auth.pool, &Actor::from(user)).await?;
    if db::mfa::find(&mut tx, user.user_id).await?.is_some_and(|m| m.enabled) {
        return Err(AuthError::MfaAlreadyEnabled);
    }
    let email = email_of(&mut tx, user.user_id).await?;
    let secret = totp::new_secret();
    let sealed = auth.sealer.seal(&secret, user.user_id.0.as_bytes())?;
    db::mfa::put_pending(&mut tx, user.user_id, &sealed.key_id, &sealed.nonce, &sealed.ciphertext).await?;
    commit(tx).await?;
    let t = totp::totp(&secret, auth.sealer.issuer(), &email)?;
    Ok(Enrolment {
        secret: totp::base32(&secret),
        otpauth_url: t.to_url().map_err(|e| totp::TotpError::Params(e.to_string()))?,
        qr_png_base64: t.to_qr_base64().map_err(|e| totp::TotpError::Params(e.to_string()))?,
    })
}

pub async fn confirm(auth: Auth<'_>, user: &Caller, code: &str) -> Result<RecoveryCodes, AuthError> {
    let mut tx = begin_as(auth.pool, &Actor::from(user)).await?;
    let email = email_of(&mut tx, user.user_id).await?;
    let (t, enabled) = load(auth, &mut tx, user.user_id, &email).await?.ok_or(AuthError::MfaNotPending)?;
    if enabled {
        return Err(AuthError::MfaAlreadyEnabled);
    }
    let step = totp::check(&t, code, now()).ok_or(AuthError::InvalidMfaCode)?;
    db::mfa::enable(&mut tx, user.user_id, step as i64).await?;
    let codes = new_codes(&mut tx, user.user_id).await?;
    db::audit::record(&mut tx, Event::new("mfa.enabled").actor(user.user_id.0).subject(user.user_id.0)).await?;
    commit(tx).await?;
    Ok(RecoveryCodes { recovery_codes: codes })
}

/// Needs the password (a recent provider sign-in for an account without
/// one) and a current code: a stolen session alone cannot turn the second
/// factor off.
pub async fn disable(
    auth: Auth<'_>,
    user: &Caller,
    password_: Option<SecretString>,
    code: &str,
) -> Result<(), AuthError> {
    confirm_presence(auth, user, password_, "password", Guarded::MfaDisable).await?;
    let mut tx = begin_as(auth.pool, &Actor::from(user)).await?;
    require_current_code(auth, &mut tx, user.user_id, code, Guarded::MfaDisable).await?;
    db::mfa::delete(&mut tx, user.user_id).await?;
    db::audit::record(&mut tx, Event::new("mfa.disabled").actor(user.user_id.0).subject(user.user_id.0)).await?;
    Ok(commit(tx).await?)
}

/// Needs the password (or a fresh provider sign-in) as well as a current
/// code: new codes are a way in, so a stolen session must not mint them.
pub async fn regenerate_codes(
    auth: Auth<'_>,
    user: &Caller,
    password_: Option<SecretString>,
    code: &str,
) -> Result<RecoveryCodes, AuthError> {
    confirm_presence(auth, user, password_, "password", Guarded::RecoveryCodes).await?;
    let mut tx = begin_as(auth.pool, &Actor::from(user)).await?;
    require_current_code(auth, &mut tx, user.user_id, code, Guarded::RecoveryCodes).await?;
    let codes = new_codes(&mut tx, user.user_id).await?;
    let event = Event::new("mfa.recovery_codes_regenerated").actor(user.user_id.0).subject(user.user_id.0);
    db::audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(RecoveryCodes { recovery_codes: codes })
}

pub enum SecondFactor {
    Code(String),
    RecoveryCode(String),
}

/// The second step of a login. Wrong codes count toward the same failure
/// limits as wrong passwords; an MFA token is good for one success.
pub async fn verify_login(
    auth: Auth<'_>,
    mfa_token: &str,
    factor: SecondFactor,
    ip: &str,
) -> Result<TokenPair, AuthError> {
    let claims = auth.jwt.verify_mfa(mfa_token).map_err(|_| AuthError::InvalidMfaToken)?;
    let used_key = format!("mfa:used:{}", claims.jti);
    if auth.kv.count_existing(std::slice::from_ref(&used_key)).await.unwrap_or(0) > 0 {
        return Err(AuthError::InvalidMfaToken);
    }
    let user = UserId(claims.sub);
    let throttles = Throttle::sign_in(&user.0.to_string(), ip);
    if let Some(lock) = auth.limits.locked(&throttles).await {
        return Err(lock.into());
    }

    let mut tx = begin_as(auth.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
    // Claimed before the factor is checked: of two racing requests with one
    // token, the second waits here and then finds it spent.
    if !db::mfa::claim_login_token(&mut tx, user, claims.jti).await? {
        return Err(AuthError::InvalidMfaToken);
    }
    let row = db::users::find(&mut tx, user).await?.ok_or(AuthError::InvalidMfaToken)?;
    if row.disabled_at.is_some() {
        return Err(AuthError::AccountDisabled);
    }
    let (t, enabled) = load(auth, &mut tx, user, &row.email).await?.ok_or(AuthError::InvalidMfaToken)?;
    let (ok, action) = match &factor {
        SecondFactor::Code(code) => (enabled && spend_code(&mut tx, user, &t, code).await?, None),
        SecondFactor::RecoveryCode(code) => (
            enabled && db::mfa::use_recovery_code(&mut tx, user, &totp::recovery_code_digest(code)).await?,
            Some("mfa.recovery_code_used"),
        ),
    };
    if !ok {
        drop(tx);
        crate::metrics::auth_failure("invalid_mfa_code");
        let lock = auth.limits.record_failure(&throttles).await;
        let email = crate::domain::user::Email::parse(&row.email).map_err(|_| AuthError::InvalidMfaCode)?;
        audit_failure(auth, Some(user.0), &email, lock).await;
        return Err(AuthError::WrongSecondFactor);
    }
    if let Some(action) = action {
        db::audit::record(&mut tx, Event::new(action).actor(user.0).subject(user.0)).await?;
    }
    commit(tx).await?;
    let _ =
        auth.kv.set_with_ttl(&used_key, "1", Duration::from_secs(crate::auth::jwt::MFA_TOKEN_TTL_SECONDS as u64)).await;
    auth.limits.forget(&throttles[..1]).await;
    start(auth, user, row.role).await
}
