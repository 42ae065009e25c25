//! Account lifecycle: registration, password change, the first admin.

use super::extractor::AuthUser;
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

/// Proves the person at the keyboard holds the account before a change a
/// stolen access token must not make: the password (named `field` in the
/// request) when the account has one; otherwise, a sign-in at the identity
/// provider within the last ten minutes.
pub async fn confirm_presence(
    state: &AppState,
    user: &AuthUser,
    given: Option<secrecy::SecretString>,
    field: &'static str,
) -> Result<(), AuthError> {
    let mut tx = begin_as(&state.pool, &user.actor()).await?;
    let stored = db::users::password_hash(&mut tx, user.user_id).await?;
    let fresh = db::sessions::signed_in_within(&mut tx, user.session_id, FRESH_SIGN_IN_SECONDS).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    match (stored, given) {
        (Some(_), None) => Err(AuthError::PasswordRequired { field }),
        (Some(hash), Some(given)) => match password::verify(given, Some(hash)).await? {
            true => Ok(()),
            false => Err(AuthError::WrongPassword { field }),
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
    confirm_presence(state, user, current, "current_password").await?;
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
