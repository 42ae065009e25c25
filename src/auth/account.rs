//! Account lifecycle: registration, password change, the first admin.

use super::extractor::AuthUser;
use super::rate_limit::Throttle;
use super::session::deny_session;
use super::{password, AuthError};
use crate::db::audit::Event;
use crate::db::sessions::RevokeReason;
use crate::db::users::UserRow;
use crate::db::{self, begin_as, Actor};
use crate::domain::user::{DisplayName, Email, GlobalRole, Password, UserId};
use crate::state::AppState;

pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub display_name: DisplayName,
}

/// Creates an account. The transaction acts as the new user, so the RLS insert
/// policy admits exactly this row and `returning` can read it back.
pub async fn register(pool: &sqlx::PgPool, account: NewAccount, role: GlobalRole) -> Result<UserRow, AuthError> {
    let hash = password::hash(account.password.secret().clone()).await?;
    let user_id = UserId::new();
    let mut tx = begin_as(pool, &Actor::Account { user_id, role }).await?;
    let row = db::users::insert(&mut tx, user_id, &account.email, &account.display_name, &hash, role).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(row)
}

/// Promotes an existing account, or creates one, as a global admin (CLI only).
pub async fn ensure_admin(pool: &sqlx::PgPool, account: NewAccount) -> Result<(UserRow, bool), AuthError> {
    let admin_context = Actor::Account { user_id: UserId::new(), role: GlobalRole::Admin };
    let mut tx = begin_as(pool, &admin_context).await?;
    let promoted = db::users::promote_to_admin(&mut tx, &account.email).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    match promoted {
        Some(row) => Ok((row, false)),
        None => Ok((register(pool, account, GlobalRole::Admin).await?, true)),
    }
}

/// How recent a sign-in through an identity provider must be to stand in for
/// the password an account created that way does not have.
const FRESH_SIGN_IN_SECONDS: i32 = 600;

/// An action that asks the person to prove they hold the account. Wrong
/// passwords and codes count per (user, action): after a few, that action
/// backs off, while sign-in and every other action stay open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarded {
    PasswordChange,
    MfaDisable,
    RecoveryCodes,
    Erasure,
    LinkProvider,
}

impl Guarded {
    pub const ALL: [Guarded; 5] =
        [Guarded::PasswordChange, Guarded::MfaDisable, Guarded::RecoveryCodes, Guarded::Erasure, Guarded::LinkProvider];

    fn as_str(self) -> &'static str {
        match self {
            Guarded::PasswordChange => "password_change",
            Guarded::MfaDisable => "mfa_disable",
            Guarded::RecoveryCodes => "recovery_codes",
            Guarded::Erasure => "erasure",
            Guarded::LinkProvider => "link_provider",
        }
    }

    /// This action's throttle for `user`.
    pub fn throttle(self, user: UserId) -> Throttle {
        Throttle::action(user.0, self.as_str())
    }
}

/// Refuses the action while its back-off lasts (before any hashing).
pub(crate) async fn guard(state: &AppState, user: UserId, action: Guarded) -> Result<(), AuthError> {
    match state.limits.locked(std::slice::from_ref(&action.throttle(user))).await {
        Some(lock) => {
            crate::metrics::auth_failure("locked_out");
            Err(lock.into())
        }
        None => Ok(()),
    }
}

/// Counts a wrong password or code for the action; audited when it locks.
pub(crate) async fn count_failure(state: &AppState, user: UserId, action: Guarded) {
    crate::metrics::auth_failure("reauthentication_failed");
    let Some(lock) = state.limits.record_failure(std::slice::from_ref(&action.throttle(user))).await else {
        return;
    };
    tracing::warn!(user_id = %user, action = action.as_str(), wait_seconds = lock.seconds, "action locked after repeated wrong passwords or codes");
    let event = Event::new("auth.action_locked")
        .actor(user.0)
        .subject(user.0)
        .details(serde_json::json!({ "action": action.as_str(), "seconds": lock.seconds }));
    let outcome = async {
        let mut tx = begin_as(&state.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
        db::audit::record(&mut tx, event).await?;
        tx.commit().await.map_err(db::DbError::from)
    }
    .await;
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not audit an action lock");
    }
}

/// Proves the person at the keyboard holds the account before a change a
/// stolen access token must not make: the password (named `field` in the
/// request) when the account has one; otherwise, a sign-in at the identity
/// provider within the last ten minutes. Wrong passwords count against
/// `action` (see [`Guarded`]).
pub async fn confirm_presence(
    state: &AppState,
    user: &AuthUser,
    given: Option<secrecy::SecretString>,
    field: &'static str,
    action: Guarded,
) -> Result<(), AuthError> {
    guard(state, user.user_id, action).await?;
    let mut tx = begin_as(&state.pool, &user.actor()).await?;
    let stored = db::users::password_hash(&mut tx, user.user_id).await?;
    let fresh = db::sessions::signed_in_within(&mut tx, user.session_id, FRESH_SIGN_IN_SECONDS).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    match (stored, given) {
        (Some(_), None) => Err(AuthError::PasswordRequired { field }),
        (Some(hash), Some(given)) => match password::verify(given, Some(hash)).await? {
            true => Ok(()),
            false => {
                count_failure(state, user.user_id, action).await;
                Err(AuthError::WrongPassword { field })
            }
        },
        (None, _) if fresh => Ok(()),
        (None, _) => Err(AuthError::SignInAgain),
    }
}

/// Changes the password after proving the current one (or sets the first one
/// of an account made through an identity provider), and ends every other
/// session of the account.
pub async fn change_password(
    state: &AppState,
    user: &AuthUser,
    current: Option<secrecy::SecretString>,
    new: Password,
) -> Result<(), AuthError> {
    confirm_presence(state, user, current, "current_password", Guarded::PasswordChange).await?;
    let hash = password::hash(new.secret().clone()).await?;
    let mut tx = begin_as(&state.pool, &user.actor()).await?;
    db::users::set_password_hash(&mut tx, user.user_id, &hash).await?;
    let revoked =
        db::sessions::revoke_others(&mut tx, user.user_id, user.session_id, RevokeReason::PasswordChange).await?;
    let event = Event::new("account.password_changed")
        .actor(user.user_id.0)
        .subject(user.user_id.0)
        .details(serde_json::json!({ "sessions_revoked": revoked.len() }));
    db::audit::record(&mut tx, event).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    for session_id in revoked {
        deny_session(state, session_id).await;
    }
    Ok(())
}
