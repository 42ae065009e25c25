//! The `team_invitations` table: invitations by email, answered by the invitee.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::team::{InvitationStatus, TeamRole};
use crate::domain::user::Email;

/// An invitation as a team's owners and admins see it.
#[derive(Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub invitation_id: Uuid,
    pub team_id: Uuid,
    pub email: String,
    pub role: TeamRole,
    pub invited_by: Option<Uuid>,
    pub status: InvitationStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
}

/// An open invitation as its invitee sees it.
#[derive(Clone, sqlx::FromRow)]
pub struct OpenInvitationRow {
    pub invitation_id: Uuid,
    pub team_id: Uuid,
    pub team_name: String,
    pub role: TeamRole,
    pub invited_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Invites `email`: a pending invitation to the same address is replaced
/// (revoked) so the newest role and expiry hold.
pub async fn create(
    tx: &mut Tx,
    invitation_id: Uuid,
    team_id: Uuid,
    email: &Email,
    role: TeamRole,
    invited_by: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<InvitationRow, DbError> {
    let _timer = crate::metrics::db_timer("invitations.create");
    sqlx::query!(
        r#"update team_invitations set status = 'revoked', responded_at = now()
           where team_id = $1 and email = $2 and status = 'pending'"#,
        team_id,
        email.as_str(),
    )
    .execute(&mut **tx)
    .await
    .map_err(at("invitations.create"))?;
    let row = sqlx::query_as!(
        InvitationRow,
        r#"insert into team_invitations (invitation_id, team_id, email, role, invited_by, expires_at)
           values ($1, $2, $3, $4, $5, $6)
           returning invitation_id, team_id, email, role as "role: _", invited_by, status as "status: _", created_at, expires_at, responded_at"#,
        invitation_id,
        team_id,
        email.as_str(),
        role.as_str(),
        invited_by,
        expires_at,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("invitations.create"))?;
    Ok(row)
}

/// A team's invitations, newest first, after the keyset `after`.
pub async fn list_for_team(
    tx: &mut Tx,
    team_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<InvitationRow>, DbError> {
    let _timer = crate::metrics::db_timer("invitations.list_for_team");
    let (after_time, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        InvitationRow,
        r#"select invitation_id, team_id, email, role as "role: _", invited_by, status as "status: _", created_at, expires_at, responded_at
           from team_invitations
           where team_id = $1
             and ($2::timestamptz is null or (created_at, invitation_id) < ($2, $3))
           order by created_at desc, invitation_id desc
           limit $4"#,
        team_id,
        after_time,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("invitations.list_for_team"))?;
    Ok(rows)
}

pub async fn find(tx: &mut Tx, invitation_id: Uuid) -> Result<Option<InvitationRow>, DbError> {
    let _timer = crate::metrics::db_timer("invitations.find");
    let row = sqlx::query_as!(
        InvitationRow,
        r#"select invitation_id, team_id, email, role as "role: _", invited_by, status as "status: _", created_at, expires_at, responded_at
           from team_invitations where invitation_id = $1
           for update"#,
        invitation_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("invitations.find"))?;
    Ok(row)
}

/// One of the caller's open (pending, unexpired) invitations, locked: what
/// an answer acts on. Other people's, answered and expired ones are None.
pub async fn find_open_for_me(tx: &mut Tx, invitation_id: Uuid) -> Result<Option<InvitationRow>, DbError> {
    let _timer = crate::metrics::db_timer("invitations.find_open_for_me");
    let row = sqlx::query_as!(
        InvitationRow,
        r#"select invitation_id, team_id, email, role as "role: _", invited_by, status as "status: _", created_at, expires_at, responded_at
           from team_invitations
           where invitation_id = $1 and email = private.my_email() and status = 'pending' and expires_at > now()
           for update"#,
        invitation_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("invitations.find_open_for_me"))?;
    Ok(row)
}

/// The caller's open (pending, unexpired) invitations, newest first.
pub async fn mine(
    tx: &mut Tx,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<OpenInvitationRow>, DbError> {
    let _timer = crate::metrics::db_timer("invitations.mine");
    let (after_time, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        OpenInvitationRow,
        r#"select invitation_id as "invitation_id!", team_id as "team_id!", team_name as "team_name!",
                  role as "role!: _", invited_by_name, created_at as "created_at!", expires_at as "expires_at!"
           from private.my_open_invitations()
           where $1::timestamptz is null or (created_at, invitation_id) < ($1, $2)
           order by created_at desc, invitation_id desc
           limit $3"#,
        after_time,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("invitations.mine"))?;
    Ok(rows)
}

/// Answers or revokes a pending invitation; false when it was no longer pending.
pub async fn respond(tx: &mut Tx, invitation_id: Uuid, status: InvitationStatus) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("invitations.respond");
    let r = sqlx::query!(
        r#"update team_invitations set status = $2, responded_at = now()
           where invitation_id = $1 and status = 'pending'"#,
        invitation_id,
        status.as_str(),
    )
    .execute(&mut **tx)
    .await
    .map_err(at("invitations.respond"))?;
    Ok(r.rows_affected() == 1)
}

/// Erasure: every invitation addressed to the caller's email.
pub async fn delete_mine(tx: &mut Tx) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("invitations.delete_mine");
    let r = sqlx::query!("delete from team_invitations where email = private.my_email()")
        .execute(&mut **tx)
        .await
        .map_err(at("invitations.delete_mine"))?;
    Ok(r.rows_affected())
}
