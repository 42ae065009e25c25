//! Reading the audit log, and the few events recorded outside any change.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Store;
use super::{begin, commit, Result, ServiceError};
use crate::db::audit::{Event, EventRow, Filter};
use crate::db::{self, DbError};
use crate::domain::user::Caller;

/// Records an event that accompanies no write (a denied request), in its own
/// transaction as the user.
pub async fn standalone(pool: &crate::db::Pool, user: &Caller, event: Event) -> std::result::Result<(), DbError> {
    let actor = db::Actor::Account { user_id: user.user_id, role: user.role };
    let mut tx = db::begin_as(pool, &actor).await?;
    db::audit::record(&mut tx, event).await?;
    super::commit(tx).await
}

/// The caller's own events (as actor or subject).
pub async fn mine(
    store: Store<'_>,
    user: &Caller,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let mut tx = begin(store.pool, user).await?;
    let filter = Filter { involving: Some(user.user_id.0), ..Default::default() };
    let rows = db::audit::list(&mut tx, &filter, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

pub async fn all(
    store: Store<'_>,
    user: &Caller,
    filter: &Filter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    if !user.is_admin() {
        return Err(ServiceError::Forbidden("this needs a global admin"));
    }
    let mut tx = begin(store.pool, user).await?;
    let rows = db::audit::list(&mut tx, filter, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}
