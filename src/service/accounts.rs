//! Accounts: registration, the first admin, the profile, password change,
//! and the proof of presence that sensitive actions demand.

use secrecy::SecretString;

use super::sessions::deny_session;
use super::{commit, Auth, AuthError};
use crate::auth::password;
use crate::auth::rate_limit::Throttle;
use crate::db::audit::Event;
use crate::db::sessions::RevokeReason;
use crate::db::users::UserRow;
use crate::db::{self, begin_as, Actor, Tx};
use crate::domain::user::{Caller, DisplayName, Email, GlobalRole, Password, TimeZone, UserId};

type Result<T> = std::result::Result<T, AuthError>;

pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub display_name: DisplayName,
    pub time_zone: TimeZone,
}

/// Creates an account. The transaction acts as the new user, so the RLS insert
/// policy admits exactly this row and `returning` can read it back.
pub async fn register(pool: &crate::db::Pool, account: NewAccount, role: GlobalRole) -> Result<UserRow> {
    let hash = password::hash(account.password.secret().clone()).await?;
    let user_id = UserId::new();
    let mut tx = begin_as(pool, &Actor::Account { user_id, role }).await?;
    let row =
        db::users::insert(&mut tx, user_id, &account.email, &account.display_name, &hash, role, account.time_zone)
            .await?;
    commit(tx).await?;
    Ok(row)
}

/// Promotes an existing account, or creates one, as a global admin (CLI only).
pub async fn ensure_admin(pool: &crate::db::Pool, account: NewAccount) -> Result<(UserRow, bool)> {
    let admin_context = Actor::Account { user_id: UserId::new(), role: GlobalRole::Admin };
    let mut tx = begin_as(pool, &admin_context).await?;
    let promoted = db::users::promote_to_admin(&mut tx, &account.email).await?;
    commit(tx).await?;
    match promoted {
        Some(row) => Ok((row, false)),
        None => Ok((register(pool, account, GlobalRole::Admin).await?, true)),
    }
}

/// The account as its holder sees it.
pub struct Profile {
    pub user: UserRow,
    /// False for an account made through an identity provider until it sets
    /// a password.
    pub has_password: bool,
    pub mfa_enabled: bool,
}

async fn profile_of(tx: &mut Tx, user: UserRow) -> Result<Profile> {
    let id = UserId(user.user_id);
    let has_password = db::users::password_hash(tx, id).await?.is_some();
    let mfa_enabled = db::mfa::find(tx, id).await?.is_some_and(|m| m.enabled);
    Ok(Profile { user, has_password, mfa_enabled })
}

/// `None` only when the account vanished under a live session (erased by
/// another request a moment ago).
pub async fn profile(pool: &crate::db::Pool, caller: &Caller) -> Result<Option<Profile>> {
    let mut tx = begin_as(pool, &Actor::from(caller)).await?;
    let Some(row) = db::users::find(&mut tx, caller.user_id).await? else { return Ok(None) };
    let profile = profile_of(&mut tx, row).await?;
    commit(tx).await?;
    Ok(Some(profile))
}

/// Changes the display name, the time zone, or both.
pub async fn update_profile(
    pool: &crate::db::Pool,
    caller: &Caller,
    name: Option<&DisplayName>,
    time_zone: Option<TimeZone>,
) -> Result<Option<Profile>> {
    let mut tx = begin_as(pool, &Actor::from(caller)).await?;
    let Some(row) = db::users::update_profile(&mut tx, caller.user_id, name, time_zone).await? else {
        return Ok(None);
    };
    let profile = profile_of(&mut tx, row).await?;
    commit(tx).await?;
    Ok(Some(profile))
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
pub(crate) async fn guard(auth: Auth<'_>, user: UserId, action: Guarded) -> Result<()> {
    match auth.limits.locked(std::slice::from_ref(&action.throttle(user))).await {
        Some(lock) => {
            crate::metrics::auth_failure("locked_out");
            Err(lock.into())
        }
        None => Ok(()),
    }
}

/// Counts a wrong password or code for the action; audited when it locks.
pub(crate) async fn count_failure(auth: Auth<'_>, user: UserId, action: Guarded) {
    crate::metrics::auth_failure("reauthentication_failed");
    let Some(lock) = auth.limits.record_failure(std::slice::from_ref(&action.throttle(user))).await else {
        return;
    };
    tracing::warn!(user_id = %user, action = action.as_str(), wait_seconds = lock.seconds, "action locked after repeated wrong passwords or codes");
    let event = Event::new("auth.action_locked")
        .actor(user.0)
        .subject(user.0)
        .details(serde_json::json!({ "action": action.as_str(), "seconds": lock.seconds }));
    let outcome = async {
        let mut tx = begin_as(auth.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
        db::audit::record(&mut tx, event).await?;
        commit(tx).await
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
    auth: Auth<'_>,
    caller: &Caller,
    given: Option<SecretString>,
    field: &'static str,
    action: Guarded,
) -> Result<()> {
    let session = caller.session().ok_or(AuthError::SessionRequired)?;
    guard(auth, caller.user_id, action).await?;
    let mut tx = begin_as(auth.pool, &Actor::from(caller)).await?;
    let stored = db::users::password_hash(&mut tx, caller.user_id).await?;
    let fresh = db::sessions::signed_in_within(&mut tx, session.session_id, FRESH_SIGN_IN_SECONDS).await?;
    commit(tx).await?;
    match (stored, given) {
        (Some(_), None) => Err(AuthError::PasswordRequired { field }),
        (Some(hash), Some(given)) => match password::verify(given, Some(hash)).await? {
            true => Ok(()),
            false => {
                count_failure(auth, caller.user_id, action).await;
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
    auth: Auth<'_>,
    caller: &Caller,
    current: Option<SecretString>,
    new: Password,
) -> Result<()> {
    let session = *caller.session().ok_or(AuthError::SessionRequired)?;
    confirm_presence(auth, caller, current, "current_password", Guarded::PasswordChange).await?;
    let hash = password::hash(new.secret().clone()).await?;
    let mut tx = begin_as(auth.pool, &Actor::from(caller)).await?;
    db::users::set_password_hash(&mut tx, caller.user_id, &hash).await?;
    let revoked =
        db::sessions::revoke_others(&mut tx, caller.user_id, session.session_id, RevokeReason::PasswordChange).await?;
    let event = Event::new("account.password_changed")
        .actor(caller.user_id.0)
        .subject(caller.user_id.0)
        .details(serde_json::json!({ "sessions_revoked": revoked.len() }));
    db::audit::record(&mut tx, event).await?;
    commit(tx).await?;
    for session_id in revoked {
        deny_session(auth, session_id).await;
    }
    Ok(())
}
