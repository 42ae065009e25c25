//! Sessions: login, refresh-token rotation with reuse detection, logout, and
//! the denylist that ends a session's access tokens early.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::time::Duration;
use uuid::Uuid;

use super::{commit, Auth, AuthError};
use crate::auth::extractor::{denied_session_key, denied_token_key};
use crate::auth::password;
use crate::auth::rate_limit::{Locked, Throttle};
use crate::auth::totp::Sealed;
use crate::db::audit::Event;
use crate::db::sessions::RevokeReason;
use crate::db::{self, begin_as, Actor, Tx};
use crate::domain::user::{Caller, Email, GlobalRole, UserId};
use crate::telemetry::mask_email;

/// Refresh tokens carry a prefix so secret scanners can recognise a leaked one.
const REFRESH_TOKEN_PREFIX: &str = "tfr_";

/// What a correct password earns: tokens, or, with MFA on, a challenge.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LoginOutcome {
    Tokens(TokenPair),
    MfaRequired { mfa_required: bool, mfa_token: String, expires_in: i64 },
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"access_token": "eyJ0eXAiOiJKV1Qi…", "refresh_token": "tfr_…", "token_type": "Bearer", "expires_in": 900}))]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

async fn issue_pair(
    auth: Auth<'_>,
    tx: &mut Tx,
    user_id: UserId,
    role: GlobalRole,
    session_id: Uuid,
) -> Result<TokenPair, AuthError> {
    let (refresh_token, digest) = crate::auth::opaque::issue(REFRESH_TOKEN_PREFIX);
    let expires_at = Utc::now() + auth.refresh_token_ttl;
    db::sessions::insert_refresh_token(tx, &digest, session_id, user_id, expires_at).await?;
    let access_token = auth.jwt.issue(user_id, role, session_id)?;
    Ok(TokenPair { access_token, refresh_token, token_type: "Bearer", expires_in: auth.jwt.ttl_seconds() })
}

/// Starts a new session for an account whose credentials were just proven.
pub async fn start(auth: Auth<'_>, user_id: UserId, role: GlobalRole) -> Result<TokenPair, AuthError> {
    let mut tx = begin_as(auth.pool, &Actor::Account { user_id, role }).await?;
    let session_id = Uuid::new_v4();
    db::sessions::create(&mut tx, session_id, user_id, Utc::now() + auth.refresh_token_ttl).await?;
    let pair = issue_pair(auth, &mut tx, user_id, role, session_id).await?;
    db::audit::record(&mut tx, Event::new("auth.login").actor(user_id.0).subject(user_id.0).target(session_id)).await?;
    commit(tx).await?;
    Ok(pair)
}

/// Unknown email and wrong password take the same path through argon2 and
/// end in the same error. Failures are counted per (account, address), per
/// address and per account (a high ceiling), so a guesser at one address
/// never locks the owner out from another.
pub async fn login(auth: Auth<'_>, email: &Email, password: SecretString, ip: &str) -> Result<LoginOutcome, AuthError> {
    let throttles = Throttle::sign_in(email.as_str(), ip);
    // Locked pairs, addresses and accounts are refused before argon2 runs.
    if let Some(lock) = auth.limits.locked(&throttles).await {
        crate::metrics::auth_failure("locked_out");
        return Err(lock.into());
    }
    let mut tx = begin_as(auth.pool, &Actor::Anonymous).await?;
    let credentials = db::users::credentials(&mut tx, email).await?;
    commit(tx).await?;

    let stored = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let valid = password::verify(password, stored).await?;
    let credentials = match credentials {
        Some(c) if valid => c,
        _ => {
            tracing::info!(email = %mask_email(email.as_str()), "login failed");
            crate::metrics::auth_failure("invalid_credentials");
            let locked = auth.limits.record_failure(&throttles).await;
            if let Some(lock) = locked {
                tracing::warn!(email = %mask_email(email.as_str()), scope = lock.scope, wait_seconds = lock.seconds, "sign-in locked after repeated failures");
            }
            let subject = credentials.as_ref().map(|c| c.user_id.0);
            audit_failure(auth, subject, email, locked).await;
            return Err(AuthError::InvalidCredentials);
        }
    };
    auth.limits.forget(&throttles[..1]).await;
    if credentials.disabled {
        crate::metrics::auth_failure("account_disabled");
        return Err(AuthError::AccountDisabled);
    }
    tracing::Span::current().record("user_id", tracing::field::display(credentials.user_id));
    if credentials.mfa_enabled {
        let (mfa_token, claims) = auth.jwt.issue_mfa(credentials.user_id)?;
        return Ok(LoginOutcome::MfaRequired { mfa_required: true, mfa_token, expires_in: claims.exp - claims.iat });
    }
    Ok(LoginOutcome::Tokens(start(auth, credentials.user_id, credentials.role).await?))
}

/// A failed sign-in (and a lockout it caused), in its own anonymous
/// transaction: nothing else is written. The email is kept masked, its
/// domain too: the log must not say where a person has an account.
pub(crate) async fn audit_failure(auth: Auth<'_>, subject: Option<Uuid>, email: &Email, locked: Option<Locked>) {
    let details = serde_json::json!({ "email": crate::telemetry::mask_email_fully(email.as_str()) });
    let outcome = async {
        let mut tx = begin_as(auth.pool, &Actor::Anonymous).await?;
        let failed = Event::new("auth.login_failed").details(details.clone());
        db::audit::record(&mut tx, if let Some(s) = subject { failed.subject(s) } else { failed }).await?;
        if let Some(lock) = locked {
            let mut event = Event::new("auth.lockout").details(serde_json::json!({
                "email": details["email"], "seconds": lock.seconds, "scope": lock.scope,
            }));
            if let Some(s) = subject {
                event = event.subject(s);
            }
            db::audit::record(&mut tx, event).await?;
        }
        commit(tx).await
    }
    .await;
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not audit a failed sign-in");
    }
}

/// Rotates a refresh token. Presenting one that was already used revokes its
/// whole family: either the client or a thief replayed it, and we cannot tell which.
pub async fn refresh(auth: Auth<'_>, token: SecretString) -> Result<TokenPair, AuthError> {
    let digest = crate::auth::opaque::digest(token.expose_secret());
    let mut tx = begin_as(auth.pool, &Actor::Anonymous).await?;
    let owner = db::sessions::refresh_token_owner(&mut tx, &digest).await?;
    commit(tx).await?;
    let user_id = owner.ok_or_else(|| {
        crate::metrics::auth_failure("invalid_refresh_token");
        AuthError::InvalidRefreshToken
    })?;

    // The role is re-read from the row below; Member here only lets the
    // account see its own rows while we look.
    let mut tx = begin_as(auth.pool, &Actor::Account { user_id, role: GlobalRole::Member }).await?;
    let token_state =
        db::sessions::lock_refresh_token(&mut tx, &digest).await?.ok_or(AuthError::InvalidRefreshToken)?;
    if token_state.used && token_state.usable {
        // A second tab refreshing with the same token a moment after the
        // first: it gets the pair the first one got, and nothing is revoked.
        if let Some(pair) = grace_pair(auth, &digest).await {
            commit(tx).await?;
            return Ok(pair);
        }
    }
    if token_state.used {
        let was_live = db::sessions::revoke(&mut tx, token_state.session_id, RevokeReason::RefreshTokenReuse).await?;
        if was_live {
            let event = Event::new("auth.refresh_reuse").subject(user_id.0).target(token_state.session_id);
            db::audit::record(&mut tx, event).await?;
        }
        commit(tx).await?;
        if was_live {
            tracing::warn!(user_id = %user_id, session_id = %token_state.session_id, "refresh token reused; session revoked");
            deny_session(auth, token_state.session_id).await;
        }
        crate::metrics::auth_failure("refresh_token_reuse");
        return Err(AuthError::RefreshTokenReused);
    }
    if !token_state.usable {
        crate::metrics::auth_failure("invalid_refresh_token");
        return Err(AuthError::InvalidRefreshToken);
    }
    db::sessions::mark_used(&mut tx, &digest, token_state.session_id).await?;
    let pair = issue_pair(auth, &mut tx, user_id, token_state.role, token_state.session_id).await?;
    // Stored while the row lock is held, so a concurrent refresh waiting on
    // it finds the pair when it gets the row.
    remember_for_grace(auth, &digest, &pair).await;
    commit(tx).await?;
    Ok(pair)
}

fn grace_key(digest: &[u8]) -> String {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("refresh:grace:{hex}")
}

/// Keeps the pair a rotation issued, sealed with the MFA key (bound to the
/// old token's digest) so Redis never holds a usable token in clear, for
/// `auth.refresh_reuse_grace_seconds`. Without Redis there is no grace: a
/// reuse revokes, the safe side.
async fn remember_for_grace(auth: Auth<'_>, digest: &[u8], pair: &TokenPair) {
    if auth.refresh_reuse_grace.is_zero() {
        return;
    }
    let plain = format!("{}\n{}", pair.access_token, pair.refresh_token);
    let Ok(sealed) = auth.sealer.seal(plain.as_bytes(), digest) else { return };
    let value = format!(
        "{}:{}:{}",
        sealed.key_id,
        URL_SAFE_NO_PAD.encode(&sealed.nonce),
        URL_SAFE_NO_PAD.encode(&sealed.ciphertext)
    );
    let _ = auth.kv.set_with_ttl(&grace_key(digest), &value, auth.refresh_reuse_grace).await;
}

async fn grace_pair(auth: Auth<'_>, digest: &[u8]) -> Option<TokenPair> {
    if auth.refresh_reuse_grace.is_zero() {
        return None;
    }
    let value = auth.kv.get(&grace_key(digest)).await.ok()??;
    let mut parts = value.splitn(3, ':');
    let (key_id, nonce, ciphertext) = (parts.next()?, parts.next()?, parts.next()?);
    let sealed = Sealed {
        key_id: key_id.to_owned(),
        nonce: URL_SAFE_NO_PAD.decode(nonce).ok()?,
        ciphertext: URL_SAFE_NO_PAD.decode(ciphertext).ok()?,
    };
    let plain = String::from_utf8(auth.sealer.open(&sealed, digest).ok()?).ok()?;
    let (access_token, refresh_token) = plain.split_once('\n')?;
    tracing::info!("refresh token presented again within the grace period; same pair returned");
    Some(TokenPair {
        access_token: access_token.to_owned(),
        refresh_token: refresh_token.to_owned(),
        token_type: "Bearer",
        expires_in: auth.jwt.ttl_seconds(),
    })
}

/// Ends the caller's session: its refresh family in Postgres and its access
/// tokens in the Redis denylist.
pub async fn logout(auth: Auth<'_>, user: &Caller) -> Result<(), AuthError> {
    let session = *user.session().ok_or(AuthError::SessionRequired)?;
    let mut tx = begin_as(auth.pool, &Actor::from(user)).await?;
    db::sessions::revoke(&mut tx, session.session_id, RevokeReason::Logout).await?;
    let event = Event::new("auth.logout").actor(user.user_id.0).subject(user.user_id.0).target(session.session_id);
    db::audit::record(&mut tx, event).await?;
    commit(tx).await?;
    let ttl = Duration::from_secs((session.expires_at - Utc::now().timestamp()).max(1) as u64);
    // Failing soft is safe: begin_as consults the revoked session in Postgres.
    let _ = auth.kv.set_with_ttl(&denied_token_key(session.token_id), "1", ttl).await;
    deny_session(auth, session.session_id).await;
    Ok(())
}

/// Denylists every access token of a session for as long as one could live.
pub async fn deny_session(auth: Auth<'_>, session_id: Uuid) {
    let ttl = Duration::from_secs(auth.jwt.ttl_seconds().max(1) as u64);
    let _ = auth.kv.set_with_ttl(&denied_session_key(session_id), "1", ttl).await;
}
