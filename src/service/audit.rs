//! Reading the audit log, and the few events recorded outside any change.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{begin, commit, Result, ServiceError};
use crate::auth::extractor::AuthUser;
use crate::db::audit::{Event, EventRow, Filter};
use crate::db::{self, DbError};
use crate::domain::user::GlobalRole;
use crate::state::AppState;

/// Records an event that accompanies no write (a denied request), in its own
/// transaction as the user.
pub async fn standalone(state: &AppState, user: &AuthUser, event: Event) -> std::result::Result<(), DbError> {
    let actor = db::Actor::Account { user_id: user.user_id, role: user.role };
    let mut tx = db::begin_as(&state.pool, &actor).await?;
    db::audit::record(&mut tx, event).await?;
    tx.commit().await.map_err(DbError::from)
}

/// The caller's own events (as actor or subject).
pub async fn mine(
    state: &AppState,
    user: &AuthUser,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let mut tx = begin(&state.pool, user).await?;
    let filter = Filter { involving: Some(user.user_id.0), ..Default::default() };
    let rows = db::audit::list(&mut tx, &filter, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

pub async fn all(
    state: &AppState,
    user: &AuthUser,
    filter: &Filter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    if user.role != GlobalRole::Admin {
        return Err(ServiceError::Forbidden("this needs a global admin"));
    }
    let mut tx = begin(&state.pool, user).await?;
    let rows = db::audit::list(&mut tx, filter, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}
