//! Calendar feeds: a person makes (or replaces) and revokes their secret
//! feed URL; a calendar app reads it without a session, as that person.

use super::{begin, commit, Result, ServiceError, Store};
use crate::auth::opaque;
use crate::db::calendar::FeedRow;
use crate::db::{self, Actor};
use crate::domain::calendar::FeedTask;
use crate::domain::user::{Caller, GlobalRole, UserId};

/// What a feed token starts with (so a leaked one is recognisable).
const PREFIX: &str = "tfc_";
/// The most tasks one feed lists (soonest due first).
const MAX_TASKS: i64 = 2_000;

pub async fn get(store: Store<'_>, user: &Caller) -> Result<FeedRow> {
    let mut tx = begin(store.pool, user).await?;
    let row = db::calendar::find(&mut tx, user.user_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(row)
}

/// A new feed token (256 random bits; only its digest is kept), replacing
/// any earlier one. The token is returned once.
pub async fn create(store: Store<'_>, user: &Caller) -> Result<(String, FeedRow)> {
    let (token, digest) = opaque::issue(PREFIX);
    let mut tx = begin(store.pool, user).await?;
    let (row, replaced) = db::calendar::replace(&mut tx, user.user_id, &digest).await?;
    let event = db::audit::Event::new("calendar_feed.created")
        .actor(user.user_id.0)
        .subject(user.user_id.0)
        .details(serde_json::json!({ "replaced": replaced }));
    db::audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok((token, row))
}

pub async fn revoke(store: Store<'_>, user: &Caller) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    if !db::calendar::delete(&mut tx, user.user_id).await? {
        return Err(ServiceError::NotFound);
    }
    db::audit::record(
        &mut tx,
        db::audit::Event::new("calendar_feed.revoked").actor(user.user_id.0).subject(user.user_id.0),
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

/// The feed a token opens: its owner's name and tasks, read as the owner
/// (RLS), with member rights only (a global admin's feed lists their own
/// tasks, not everyone's). Not found for an unknown or revoked token or a
/// disabled account.
pub async fn feed(store: Store<'_>, token: &str) -> Result<(String, Vec<FeedTask>)> {
    if !opaque::well_formed(token, PREFIX) {
        return Err(ServiceError::NotFound);
    }
    let owner = db::calendar::owner(store.pool, &opaque::digest(token)).await?.ok_or(ServiceError::NotFound)?;
    let mut tx = db::begin_as(store.pool, &Actor::Account { user_id: UserId(owner), role: GlobalRole::Member }).await?;
    let name = db::users::find(&mut tx, UserId(owner)).await?.map(|u| u.display_name).ok_or(ServiceError::NotFound)?;
    let tasks = db::calendar::tasks(&mut tx, MAX_TASKS).await?;
    commit(tx).await?;
    Ok((name, tasks))
}
