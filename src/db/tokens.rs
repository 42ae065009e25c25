//! API tokens: a person's own (RLS: owner only), a team's service tokens
//! (made and revoked by definer functions that also make and retire the
//! service account; read by the team's admins), and the definer lookup
//! from a presented token's digest.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Pool, Tx};
use crate::domain::token::{Scopes, ServiceRole};
use crate::domain::user::UserId;

pub struct TokenRow {
    pub token_id: Uuid,
    pub user_id: Uuid,
    pub team_id: Option<Uuid>,
    pub name: String,
    pub scopes: Scopes,
    pub token_prefix: String,
    /// The service account's team role (team tokens only).
    pub role: Option<ServiceRole>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a new token row says besides its ids.
pub struct NewToken<'a> {
    pub token_id: Uuid,
    pub name: &'a str,
    pub scopes: &'a [String],
    pub digest: &'a [u8],
    pub prefix: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_personal(tx: &mut Tx, user: UserId, t: &NewToken<'_>) -> Result<TokenRow, DbError> {
    let _timer = crate::metrics::db_timer("tokens.insert_personal");
    sqlx::query_as!(
        TokenRow,
        r#"insert into api_tokens (token_id, user_id, created_by, name, scopes, token_digest, token_prefix, expires_at)
           values ($1, $2, $2, $3, $4, $5, $6, $7)
           returning token_id, user_id, team_id, name, scopes as "scopes: Scopes", token_prefix,
                     null::text as "role: ServiceRole", created_by,
                     created_at, expires_at, last_used_at"#,
        t.token_id,
        user.0,
        t.name,
        t.scopes,
        t.digest,
        t.prefix,
        t.expires_at,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("tokens.insert_personal"))
}

/// The caller's live personal tokens (expired ones included, until revoked).
pub async fn list_personal(tx: &mut Tx, user: UserId) -> Result<Vec<TokenRow>, DbError> {
    let _timer = crate::metrics::db_timer("tokens.list_personal");
    sqlx::query_as!(
        TokenRow,
        r#"select token_id, user_id, team_id, name, scopes as "scopes: Scopes", token_prefix,
                  null::text as "role: ServiceRole", created_by,
                  created_at, expires_at, last_used_at
           from api_tokens where user_id = $1 and team_id is null and revoked_at is null
           order by created_at desc, token_id desc"#,
        user.0,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("tokens.list_personal"))
}

/// How many unrevoked, unexpired personal tokens the caller holds.
pub async fn count_live_personal(tx: &mut Tx, user: UserId) -> Result<i64, DbError> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from api_tokens
           where user_id = $1 and team_id is null and revoked_at is null and expires_at > now()"#,
        user.0,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("tokens.count_live_personal"))
}

/// True when there was such a live personal token of the caller's.
pub async fn revoke_personal(tx: &mut Tx, user: UserId, token_id: Uuid) -> Result<bool, DbError> {
    let n = sqlx::query!(
        "update api_tokens set revoked_at = now()
         where token_id = $1 and user_id = $2 and team_id is null and revoked_at is null",
        token_id,
        user.0,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("tokens.revoke_personal"))?
    .rows_affected();
    Ok(n > 0)
}

/// Makes the service account `account` (a `role` of `team`) and its token.
pub async fn create_team(
    tx: &mut Tx,
    team: Uuid,
    account: Uuid,
    role: ServiceRole,
    t: &NewToken<'_>,
) -> Result<TokenRow, DbError> {
    let _timer = crate::metrics::db_timer("tokens.create_team");
    sqlx::query!(
        "select private.create_team_token($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        t.token_id,
        team,
        account,
        t.name,
        role.as_str(),
        t.scopes,
        t.digest,
        t.prefix,
        t.expires_at,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("tokens.create_team"))?;
    let mut rows = list_team_where(tx, team, Some(t.token_id)).await?;
    rows.pop().ok_or(DbError::Forbidden)
}

/// A team's live service tokens, with each service account's role.
pub async fn list_team(tx: &mut Tx, team: Uuid) -> Result<Vec<TokenRow>, DbError> {
    list_team_where(tx, team, None).await
}

async fn list_team_where(tx: &mut Tx, team: Uuid, only: Option<Uuid>) -> Result<Vec<TokenRow>, DbError> {
    let _timer = crate::metrics::db_timer("tokens.list_team");
    sqlx::query_as!(
        TokenRow,
        r#"select t.token_id, t.user_id, t.team_id, t.name, t.scopes as "scopes: Scopes", t.token_prefix,
                  m.role as "role?: ServiceRole", t.created_by,
                  t.created_at, t.expires_at, t.last_used_at
           from api_tokens t left join team_members m on m.team_id = t.team_id and m.user_id = t.user_id
           where t.team_id = $1 and t.revoked_at is null and ($2::uuid is null or t.token_id = $2)
           order by t.created_at desc, t.token_id desc"#,
        team,
        only,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("tokens.list_team"))
}

/// Revokes a team token and retires its service account; false when the
/// team has no such live token.
pub async fn revoke_team(tx: &mut Tx, team: Uuid, token_id: Uuid) -> Result<bool, DbError> {
    sqlx::query_scalar!(r#"select private.revoke_team_token($1, $2) as "revoked!""#, team, token_id)
        .fetch_one(&mut **tx)
        .await
        .map_err(at("tokens.revoke_team"))
}

pub struct GrantRow {
    pub token_id: Uuid,
    pub user_id: Uuid,
    pub team_id: Option<Uuid>,
    pub scopes: Scopes,
    /// Whether this lookup marked the token used (at most once a minute).
    pub touched: bool,
}

/// Who a live token's digest acts as, and what it may do.
pub async fn grant(pool: &Pool, digest: &[u8]) -> Result<Option<GrantRow>, DbError> {
    let _timer = crate::metrics::db_timer("tokens.grant");
    sqlx::query_as!(
        GrantRow,
        r#"select token_id as "token_id!", user_id as "user_id!", team_id, scopes as "scopes!: Scopes", touched as "touched!"
           from private.api_token_grant($1)"#,
        digest,
    )
    .fetch_optional(pool)
    .await
    .map_err(at("tokens.grant"))
}
