//! API tokens: a person makes, lists and revokes their own; a team owner
//! makes and revokes the team's service tokens (each acting as its own
//! service account, a member or viewer of that team only); and a presented
//! token is turned into who it acts as and what it may do.
//!
//! Only a session reaches the first two (the route table says so); a token
//! never manages tokens.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::{begin, commit, require_team_role, Result, ServiceError, Store};
use crate::auth::opaque;
use crate::db::audit::Event;
use crate::db::tokens::{NewToken, TokenRow};
use crate::db::{self, Actor, Pool};
use crate::domain::team::TeamRole;
use crate::domain::token::{Lifetime, Scopes, ServiceRole, TokenName};
use crate::domain::user::{Caller, UserId};

/// What every API token starts with.
pub const PREFIX: &str = crate::auth::extractor::API_TOKEN_PREFIX;
/// Live personal tokens one person may hold at once.
pub const MAX_PERSONAL: i64 = 50;
/// Characters of the secret kept in the clear to tell tokens apart.
const SHOWN_CHARS: usize = 6;

/// A request for a new token, parsed.
pub struct NewTokenRequest {
    pub name: TokenName,
    pub scopes: Scopes,
    pub lifetime: Lifetime,
}

/// A live token's holder and powers.
pub struct Grant {
    pub token_id: Uuid,
    pub user_id: UserId,
    pub scopes: Scopes,
}

/// A new secret, with what the database keeps of it.
struct Minted {
    secret: String,
    digest: Vec<u8>,
    /// The prefix that lists show.
    shown: String,
    scopes: Vec<String>,
}

impl Minted {
    fn new(req: &NewTokenRequest) -> Self {
        let (secret, digest) = opaque::issue_base62(PREFIX);
        let shown = secret.chars().take(PREFIX.len() + SHOWN_CHARS).collect();
        Self { secret, digest, shown, scopes: req.scopes.to_strings() }
    }

    /// The row to insert for it (personal or team: the same fields).
    fn row<'a>(&'a self, req: &'a NewTokenRequest) -> NewToken<'a> {
        NewToken {
            token_id: Uuid::now_v7(),
            name: req.name.as_str(),
            scopes: &self.scopes,
            digest: &self.digest,
            prefix: &self.shown,
            expires_at: Utc::now() + Duration::days(req.lifetime.days()),
        }
    }
}

/// Tokens are made only from a signed-in session (the route table keeps
/// tokens out; this keeps the rule if a route were ever misfiled).
fn require_session(user: &Caller) -> Result<()> {
    match user.session() {
        Some(_) => Ok(()),
        None => Err(ServiceError::Forbidden("API tokens cannot manage API tokens; sign in")),
    }
}

pub async fn create_personal(store: Store<'_>, user: &Caller, req: NewTokenRequest) -> Result<(String, TokenRow)> {
    require_session(user)?;
    let minted = Minted::new(&req);
    let mut tx = begin(store.pool, user).await?;
    if db::tokens::count_live_personal(&mut tx, user.user_id).await? >= MAX_PERSONAL {
        return Err(ServiceError::Conflict(format!(
            "you hold {MAX_PERSONAL} live API tokens, the most there may be; revoke one first"
        )));
    }
    let row = db::tokens::insert_personal(&mut tx, user.user_id, &minted.row(&req)).await?;
    let event = Event::new("token.created")
        .actor(user.user_id.0)
        .subject(user.user_id.0)
        .target(row.token_id)
        .details(serde_json::json!({ "scopes": minted.scopes, "expires_at": row.expires_at }));
    db::audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok((minted.secret, row))
}

pub async fn list_personal(store: Store<'_>, user: &Caller) -> Result<Vec<TokenRow>> {
    require_session(user)?;
    let mut tx = begin(store.pool, user).await?;
    let rows = db::tokens::list_personal(&mut tx, user.user_id).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Revoked at once: the next request with it is a 401.
pub async fn revoke_personal(store: Store<'_>, user: &Caller, token_id: Uuid) -> Result<()> {
    require_session(user)?;
    let mut tx = begin(store.pool, user).await?;
    if !db::tokens::revoke_personal(&mut tx, user.user_id, token_id).await? {
        return Err(ServiceError::NotFound);
    }
    let event = Event::new("token.revoked").actor(user.user_id.0).subject(user.user_id.0).target(token_id);
    db::audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(())
}

/// A team owner's new service token, acting as a new service account that
/// is a `role` of the team and nothing else.
pub async fn create_team(
    store: Store<'_>,
    user: &Caller,
    team_id: Uuid,
    role: ServiceRole,
    req: NewTokenRequest,
) -> Result<(String, TokenRow)> {
    require_session(user)?;
    let minted = Minted::new(&req);
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Owner, "only team owners make service tokens").await?;
    let account = Uuid::now_v7();
    let row = db::tokens::create_team(&mut tx, team_id, account, role, &minted.row(&req)).await?;
    let event =
        Event::new("token.created").actor(user.user_id.0).subject(account).team(team_id).target(row.token_id).details(
            serde_json::json!({ "scopes": minted.scopes, "role": role.as_str(), "expires_at": row.expires_at }),
        );
    db::audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok((minted.secret, row))
}

/// A team's live service tokens, for its owners and admins.
pub async fn list_team(store: Store<'_>, user: &Caller, team_id: Uuid) -> Result<Vec<TokenRow>> {
    require_session(user)?;
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Admin, "only team owners and admins see service tokens")
        .await?;
    let rows = db::tokens::list_team(&mut tx, team_id).await?;
    commit(tx).await?;
    Ok(rows)
}

/// Revokes the token and retires its service account (out of the team,
/// disabled), in one transaction.
pub async fn revoke_team(store: Store<'_>, user: &Caller, team_id: Uuid, token_id: Uuid) -> Result<()> {
    require_session(user)?;
    let mut tx = begin(store.pool, user).await?;
    require_team_role(&mut tx, user, team_id, TeamRole::Owner, "only team owners revoke service tokens").await?;
    if !db::tokens::revoke_team(&mut tx, team_id, token_id).await? {
        return Err(ServiceError::NotFound);
    }
    let event = Event::new("token.revoked").actor(user.user_id.0).team(team_id).target(token_id);
    db::audit::record(&mut tx, event).await?;
    commit(tx).await?;
    Ok(())
}

/// Who a presented token acts as, if it is live. Its use is marked and
/// audited at most once a minute (`token.used`, with the request's address).
pub async fn authenticate(pool: &Pool, token: &str) -> Result<Option<Grant>> {
    if !opaque::well_formed_base62(token, PREFIX) {
        return Ok(None);
    }
    let Some(row) = db::tokens::grant(pool, &opaque::digest(token)).await? else { return Ok(None) };
    let user_id = UserId(row.user_id);
    if row.touched {
        let mut tx = db::begin_as(pool, &Actor::Token { user_id, token_id: row.token_id }).await?;
        let mut event = Event::new("token.used").actor(row.user_id).subject(row.user_id).target(row.token_id);
        if let Some(team) = row.team_id {
            event = event.team(team);
        }
        db::audit::record(&mut tx, event).await?;
        commit(tx).await?;
    }
    Ok(Some(Grant { token_id: row.token_id, user_id, scopes: row.scopes }))
}
