//! Team invitations: owners and admins invite an email; the person behind it
//! accepts or declines. Inviting reveals nothing about whether an account
//! exists, and nobody joins a team without saying yes.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::Store;
use super::{begin, commit, team_role, Result, ServiceError};
use crate::auth::rate_limit::RateLimiter;
use crate::db::audit::Event;
use crate::db::invitations::{InvitationRow, OpenInvitationRow};
use crate::db::teams::TeamRow;
use crate::db::{self, Tx};
use crate::domain::team::{InvitationStatus, TeamRole};
use crate::domain::user::Caller;
use crate::domain::user::Email;

/// How long an invitation stays open.
pub const VALID_FOR_DAYS: i64 = 7;
/// Invitations one person may send per hour, so nobody floods an address.
const PER_INVITER_PER_HOUR: u64 = 100;

/// The caller must manage the team (owner or admin); outsiders get 404.
async fn require_manager(tx: &mut Tx, user: &Caller, team_id: Uuid) -> Result<TeamRole> {
    let role = team_role(tx, user, team_id).await?.ok_or(ServiceError::NotFound)?;
    if !role.can_moderate() {
        return Err(ServiceError::Forbidden("only team owners and admins manage invitations"));
    }
    Ok(role)
}

pub async fn invite(
    store: Store<'_>,
    limits: &RateLimiter,
    user: &Caller,
    team_id: Uuid,
    email: Email,
    role: TeamRole,
) -> Result<InvitationRow> {
    if role == TeamRole::Owner {
        return Err(ServiceError::invalid("role", "invite as admin, member or viewer; owners are made from members"));
    }
    // Counted before the transaction, so no pooled connection waits on Redis.
    let budget = limits.hit(&format!("invite:{}", user.user_id), (PER_INVITER_PER_HOUR, hour())).await;
    if !budget.allowed {
        return Err(ServiceError::TooMany(budget.info));
    }
    let mut tx = begin(store.pool, user).await?;
    require_manager(&mut tx, user, team_id).await?;
    let expires_at = Utc::now() + Duration::days(VALID_FOR_DAYS);
    let row =
        db::invitations::create(&mut tx, Uuid::now_v7(), team_id, &email, role, user.user_id.0, expires_at).await?;
    // The email stays in the invitation row, not in the longer-lived audit log.
    let event = Event::new("team.invitation_created").actor(user.user_id.0).team(team_id).target(row.invitation_id);
    db::audit::record(&mut tx, event.details(serde_json::json!({ "role": role.as_str() }))).await?;
    commit(tx).await?;
    Ok(row)
}

fn hour() -> std::time::Duration {
    std::time::Duration::from_secs(3600)
}

pub async fn list_for_team(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<InvitationRow>> {
    let mut tx = begin(store.pool, user).await?;
    require_manager(&mut tx, user, team_id).await?;
    let rows = db::invitations::list_for_team(&mut tx, team_id, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

pub async fn revoke(store: Store<'_>, user: &Caller, team_id: Uuid, invitation_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    require_manager(&mut tx, user, team_id).await?;
    let row = db::invitations::find(&mut tx, invitation_id)
        .await?
        .filter(|r| r.team_id == team_id)
        .ok_or(ServiceError::NotFound)?;
    if row.status != InvitationStatus::Pending {
        return Err(ServiceError::Conflict(format!("the invitation was already {}", row.status.as_str())));
    }
    db::invitations::respond(&mut tx, invitation_id, InvitationStatus::Revoked).await?;
    let event = Event::new("team.invitation_revoked").actor(user.user_id.0).team(team_id).target(invitation_id);
    db::audit::record(&mut tx, event).await?;
    Ok(commit(tx).await?)
}

pub async fn mine(
    store: Store<'_>,
    user: &Caller,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<OpenInvitationRow>> {
    let mut tx = begin(store.pool, user).await?;
    let rows = db::invitations::mine(&mut tx, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Joins the team with the invitation's role.
pub async fn accept(store: Store<'_>, user: &Caller, invitation_id: Uuid) -> Result<TeamRow> {
    let mut tx = begin(store.pool, user).await?;
    // Someone else's (a team's, as its admin sees it), answered or expired: not found.
    let inv = db::invitations::find_open_for_me(&mut tx, invitation_id).await?.ok_or(ServiceError::NotFound)?;
    let role = inv.role;
    let already = db::teams::my_role(&mut tx, inv.team_id, user.user_id).await?.is_some();
    if !already {
        // RLS admits this insert only while the invitation is open (private.invited_as).
        db::teams::add_member(&mut tx, inv.team_id, user.user_id.0, role).await?;
    }
    db::invitations::respond(&mut tx, invitation_id, InvitationStatus::Accepted).await?;
    let me = user.user_id.0;
    let accepted = Event::new("team.invitation_accepted").actor(me).subject(me).team(inv.team_id).target(invitation_id);
    db::audit::record(&mut tx, accepted).await?;
    if !already {
        let added = Event::new("team.member_added").actor(me).subject(me).team(inv.team_id);
        let details = serde_json::json!({ "role": role.as_str(), "invitation_id": invitation_id });
        db::audit::record(&mut tx, added.details(details)).await?;
    }
    let team = db::teams::find(&mut tx, inv.team_id, user.user_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    store.cache.team_changed(inv.team_id).await;
    store.cache.user_changed(me).await;
    Ok(team)
}

pub async fn decline(store: Store<'_>, user: &Caller, invitation_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    let inv = db::invitations::find_open_for_me(&mut tx, invitation_id).await?.ok_or(ServiceError::NotFound)?;
    db::invitations::respond(&mut tx, invitation_id, InvitationStatus::Declined).await?;
    let me = user.user_id.0;
    let event = Event::new("team.invitation_declined").actor(me).subject(me).team(inv.team_id).target(invitation_id);
    db::audit::record(&mut tx, event).await?;
    Ok(commit(tx).await?)
}
