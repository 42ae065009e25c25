//! Global administration of accounts.

use uuid::Uuid;

use super::sessions::deny_session;
use super::{begin, commit, Result, ServiceError};
use super::{Auth, Store};
use crate::db::sessions::RevokeReason;
use crate::db::users::UserRow;
use crate::db::{self};
use crate::domain::user::Caller;
use crate::domain::user::{GlobalRole, UserId};

fn require_admin(user: &Caller) -> Result<()> {
    if !user.is_admin() {
        return Err(ServiceError::Forbidden("this needs a global admin"));
    }
    Ok(())
}

pub async fn list_users(
    store: Store<'_>,
    user: &Caller,
    q: Option<&str>,
    after_email: Option<&str>,
    limit: i64,
) -> Result<Vec<UserRow>> {
    require_admin(user)?;
    let mut tx = begin(store.pool, user).await?;
    let rows = db::users::list(&mut tx, q, after_email, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Changes a role or disables an account. Either ends the account's sessions,
/// so no token keeps powers it no longer has.
pub async fn update_user(
    store: Store<'_>,
    auth: Auth<'_>,
    user: &Caller,
    target: Uuid,
    role: Option<GlobalRole>,
    disabled: Option<bool>,
) -> Result<UserRow> {
    require_admin(user)?;
    if target == user.user_id.0 && (disabled == Some(true) || role == Some(GlobalRole::Member)) {
        return Err(ServiceError::Conflict("admins cannot disable or demote themselves".into()));
    }
    let mut tx = begin(store.pool, user).await?;
    let before = db::users::find(&mut tx, UserId(target)).await?.ok_or(ServiceError::NotFound)?;
    let row = db::users::admin_update(&mut tx, UserId(target), role, disabled).await?.ok_or(ServiceError::NotFound)?;
    let role_changed = row.role != before.role;
    let event = crate::db::audit::Event::new("admin.user_updated").actor(user.user_id.0).subject(target).details(
        serde_json::json!({
            "role": { "from": before.role, "to": row.role },
            "disabled": { "from": before.disabled_at.is_some(), "to": row.disabled_at.is_some() },
        }),
    );
    db::audit::record(&mut tx, event).await?;
    let newly_disabled = row.disabled_at.is_some() && before.disabled_at.is_none();
    let revoked = if newly_disabled || role_changed {
        let reason = if newly_disabled { RevokeReason::UserDisabled } else { RevokeReason::Admin };
        db::sessions::revoke_all(&mut tx, UserId(target), reason).await?
    } else {
        Vec::new()
    };
    commit(tx).await?;
    for session_id in revoked {
        deny_session(auth, session_id).await;
    }
    store.cache.user_changed(target).await;
    Ok(row)
}
