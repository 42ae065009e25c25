//! GDPR rights: access (export), erasure, and consent.

use secrecy::SecretString;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::accounts::{confirm_presence, Guarded};
use super::sessions::deny_session;
use super::{begin, commit, mfa, Auth, AuthError, Result, ServiceError};
use crate::activity::Activity;
use crate::auth::rate_limit::Throttle;
use crate::db;
use crate::db::audit::Event;
use crate::db::privacy::ConsentRow;
use crate::domain::user::{Caller, ConsentPurpose, UserId};

/// One consent granted or withdrawn, parsed.
pub struct ConsentChange {
    pub purpose: ConsentPurpose,
    pub granted: bool,
    /// The policy text's version the person saw (a one-line name, at most 32 characters).
    pub policy_version: String,
}

pub async fn consents(pool: &crate::db::Pool, user: &Caller) -> Result<Vec<ConsentRow>> {
    let mut tx = begin(pool, user).await?;
    let rows = db::privacy::consents(&mut tx, user.user_id).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Granting and withdrawing are the same call; each change is audited.
pub async fn set_consents(pool: &crate::db::Pool, user: &Caller, changes: &[ConsentChange]) -> Result<Vec<ConsentRow>> {
    let mut tx = begin(pool, user).await?;
    for c in changes {
        if db::privacy::set_consent(&mut tx, user.user_id, c.purpose, c.granted, &c.policy_version).await? {
            let action = if c.granted { "consent.granted" } else { "consent.withdrawn" };
            let event = Event::new(action)
                .actor(user.user_id.0)
                .subject(user.user_id.0)
                .details(serde_json::json!({ "purpose": c.purpose.as_str(), "policy_version": c.policy_version }));
            db::audit::record(&mut tx, event).await?;
        }
    }
    let rows = db::privacy::consents(&mut tx, user.user_id).await?;
    commit(tx).await?;
    Ok(rows)
}

pub async fn export(pool: &crate::db::Pool, user: &Caller) -> Result<serde_json::Value> {
    let mut tx = begin(pool, user).await?;
    db::audit::record(&mut tx, Event::new("account.data_exported").actor(user.user_id.0).subject(user.user_id.0))
        .await?;
    let mut doc = db::privacy::export(&mut tx, user.user_id).await?;
    commit(tx).await?;
    doc["exported_at"] = serde_json::json!(chrono::Utc::now());
    doc["format"] = serde_json::json!("taskflow-export/1");
    Ok(doc)
}

/// The stand-in for an erased user in the audit log: stable per user, not
/// derivable from the user id without the server's secret.
fn pseudonym(key: &[u8], user: Uuid) -> Uuid {
    let digest = Sha256::digest([key, user.as_bytes()].concat());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// What erasure needs beyond the account-security mechanisms.
pub struct Erasure<'a> {
    pub activity: &'a Activity,
    /// Derives the pseudonym that replaces the erased user in the audit log.
    pub pseudonym_key: &'a [u8],
}

/// Erases the account: personal data deleted, authored comments kept as a
/// "deleted user", tasks kept without a creator, audit events kept under a
/// pseudonym, every session ended. Needs the password (or a fresh provider
/// sign-in for an account without one), and a code when MFA is on.
pub async fn erase(
    auth: Auth<'_>,
    erasure: Erasure<'_>,
    user: &Caller,
    password_: Option<SecretString>,
    code: Option<&str>,
) -> Result<()> {
    confirm_presence(auth, user, password_, "password", Guarded::Erasure).await?;
    let mut tx = begin(auth.pool, user).await?;
    let row = db::users::find(&mut tx, user.user_id).await?.ok_or(ServiceError::NotFound)?;
    if db::mfa::find(&mut tx, user.user_id).await?.is_some_and(|m| m.enabled) {
        let code = code.ok_or(AuthError::InvalidMfaCode)?;
        mfa::require_current_code(auth, &mut tx, user.user_id, code, Guarded::Erasure).await?;
    }
    let blocking = db::privacy::solely_owned_teams(&mut tx, user.user_id).await?;
    if !blocking.is_empty() {
        return Err(ServiceError::Conflict(format!(
            "you are the only owner of {}; make someone else an owner or delete the team first",
            blocking.join(", ")
        )));
    }
    db::privacy::delete_solo_teams(&mut tx, user.user_id).await?;
    db::invitations::delete_mine(&mut tx).await?;
    let alias = pseudonym(erasure.pseudonym_key, user.user_id.0);
    db::privacy::pseudonymise_audit(&mut tx, alias).await?;
    db::audit::record(&mut tx, Event::new("account.erased").subject(alias).without_address()).await?;
    db::privacy::delete_user(&mut tx, user.user_id).await?;
    commit(tx).await?;
    if let Some(session) = user.session() {
        deny_session(auth, session.session_id).await;
    }
    forget_in_redis(auth, erasure.activity, user.user_id, &row.email).await;
    Ok(())
}

/// What Redis holds under the erased person's id: activity, request budget,
/// cache epoch and entries, action throttles, and the sign-in counters keyed
/// by their email or id. Best effort: every one of these also expires.
async fn forget_in_redis(auth: Auth<'_>, activity: &Activity, user: UserId, email: &str) {
    let id = user.0.to_string();
    activity.forget(user.0).await;
    auth.limits.clear(&[format!("user:{id}"), format!("epoch:user:{id}")]).await;
    let throttles: Vec<Throttle> = [Throttle::account(email), Throttle::account(&id)]
        .into_iter()
        .chain(Guarded::ALL.into_iter().map(|action| action.throttle(user)))
        .collect();
    auth.limits.forget(&throttles).await;
    let _ = auth.kv.delete_matching(&format!("cache:*:{id}:*")).await;
}
