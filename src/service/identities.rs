//! Identity-provider accounts: signing in (or up) with one, linking one to a
//! signed-in account, listing and unlinking. The protocol itself (PKCE,
//! state, ID-token validation) is `auth::oidc`.

use secrecy::SecretString;
use serde::Serialize;

use super::accounts::{confirm_presence, Guarded};
use super::sessions::{start, LoginOutcome};
use super::{commit, Auth, AuthError};
use crate::auth::oidc::{same_issuer, Authorization, OidcClient, VerifiedIdentity};
use crate::db::audit::Event;
use crate::db::{self, begin_as, Actor, DbError};
use crate::domain::user::{Caller, DisplayName, Email, GlobalRole, UserId};

type Result<T> = std::result::Result<T, AuthError>;

/// A provider account linked to a TaskFlow account.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkedIdentity {
    /// The configured provider's name; null when no configured provider has
    /// this issuer any more (it can no longer be used to sign in).
    #[schema(example = "google")]
    pub provider: Option<String>,
    #[schema(example = "https://accounts.google.com")]
    pub issuer: String,
    /// The address the provider shared when the account was linked.
    #[schema(example = "ada@example.com")]
    pub email: Option<String>,
    pub linked_at: chrono::DateTime<chrono::Utc>,
}

/// The provider accounts linked to the caller, each with the configured
/// provider's name when it is still offered.
pub async fn linked(auth: Auth<'_>, oidc: &OidcClient, caller: &Caller) -> Result<Vec<LinkedIdentity>> {
    let mut tx = begin_as(auth.pool, &Actor::from(caller)).await?;
    let rows = db::identities::list(&mut tx, caller.user_id).await?;
    commit(tx).await?;
    Ok(rows
        .into_iter()
        .map(|row| LinkedIdentity {
            provider: oidc.name_of_issuer(&row.issuer).map(str::to_owned),
            issuer: row.issuer,
            email: row.email,
            linked_at: row.created_at,
        })
        .collect())
}

/// Unlinks a provider, unless it is the account's only way in (no password
/// and no other linked provider).
pub async fn unlink(auth: Auth<'_>, oidc: &OidcClient, caller: &Caller, name: &str) -> Result<()> {
    let issuer = oidc.issuer_of(name)?;
    let mut tx = begin_as(auth.pool, &Actor::from(caller)).await?;
    let all = db::identities::list(&mut tx, caller.user_id).await?;
    let Some(linked) = all.iter().find(|row| same_issuer(&row.issuer, issuer)) else {
        return Err(AuthError::NotLinked);
    };
    let has_password = db::users::password_hash(&mut tx, caller.user_id).await?.is_some();
    if !has_password && all.iter().all(|row| same_issuer(&row.issuer, issuer)) {
        return Err(AuthError::LastWayIn);
    }
    db::identities::unlink(&mut tx, caller.user_id, &linked.issuer).await?;
    let details = serde_json::json!({ "issuer": linked.issuer });
    let event = Event::new("auth.identity_unlinked").actor(caller.user_id.0).subject(caller.user_id.0).details(details);
    db::audit::record(&mut tx, event).await?;
    Ok(commit(tx).await?)
}

/// Starts linking a provider to the caller's account. Linking adds a way in,
/// so it is confirmed like a password change: a stolen access token alone
/// must not plant the thief's identity.
pub async fn start_link(
    auth: Auth<'_>,
    oidc: &OidcClient,
    caller: &Caller,
    name: &str,
    password: Option<SecretString>,
    redirect_uri: String,
) -> Result<Authorization> {
    oidc.issuer_of(name)?;
    confirm_presence(auth, caller, password, "password", Guarded::LinkProvider).await?;
    Ok(oidc.authorize(name, redirect_uri, Some(caller.user_id.0)).await?)
}

/// Finishes a provider sign-in: verifies the provider's answer, then signs in
/// the linked account, links the identity to the account that asked, or
/// creates an account. The account's own state decides what comes back:
/// disabled, an MFA challenge, or tokens.
pub async fn sign_in(
    auth: Auth<'_>,
    oidc: &OidcClient,
    name: &str,
    code: &str,
    state_token: &str,
    binding: Option<&str>,
) -> Result<LoginOutcome> {
    let identity = oidc.callback(name, code, state_token, binding).await?;
    let mut tx = begin_as(auth.pool, &Actor::Anonymous).await?;
    let known = db::identities::owner(&mut tx, &identity.issuer, &identity.subject).await?;
    commit(tx).await?;

    let user = match (known, identity.link_user) {
        (Some(owner), Some(link)) if owner.0 != link => return Err(AuthError::AlreadyLinked),
        (Some(owner), _) => owner,
        (None, Some(link)) => {
            let user = UserId(link);
            let mut tx = begin_as(auth.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
            db::identities::link(&mut tx, &identity.issuer, &identity.subject, user, identity.email.as_deref()).await?;
            let details = serde_json::json!({ "issuer": identity.issuer });
            db::audit::record(&mut tx, Event::new("auth.identity_linked").actor(link).subject(link).details(details))
                .await?;
            commit(tx).await?;
            user
        }
        (None, None) => create_account(auth, &identity).await?,
    };

    let mut tx = begin_as(auth.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
    let row = db::users::find(&mut tx, user).await?.ok_or(AuthError::InvalidCredentials)?;
    let mfa_on = db::mfa::find(&mut tx, user).await?.is_some_and(|m| m.enabled);
    commit(tx).await?;
    if row.disabled_at.is_some() {
        return Err(AuthError::AccountDisabled);
    }
    if mfa_on {
        let (mfa_token, c) = auth.jwt.issue_mfa(user)?;
        return Ok(LoginOutcome::MfaRequired { mfa_required: true, mfa_token, expires_in: c.exp - c.iat });
    }
    Ok(LoginOutcome::Tokens(start(auth, user, row.role).await?))
}

/// The display name a new account gets: the provider's `name`, else the
/// address's local part, else a neutral placeholder, so an odd claim never
/// stops a sign-up.
fn display_name_for(name: Option<&str>, email: &Email) -> DisplayName {
    let local_part = email.as_str().split('@').next().unwrap_or_default();
    name.and_then(|n| DisplayName::parse(n).ok())
        .or_else(|| DisplayName::parse(local_part).ok())
        .unwrap_or_else(DisplayName::placeholder)
}

/// A first sign-in creates an account, unless the email already belongs to
/// one: linking needs that account's consent (sign in, then link).
async fn create_account(auth: Auth<'_>, identity: &VerifiedIdentity) -> Result<UserId> {
    let raw_email = identity.email.as_deref().filter(|_| identity.email_verified).ok_or(AuthError::NoVerifiedEmail)?;
    let email = Email::parse(raw_email).map_err(|_| AuthError::NoVerifiedEmail)?;
    let name = display_name_for(identity.name.as_deref(), &email);
    let user = UserId::new();
    let mut tx = begin_as(auth.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
    match db::users::insert_without_password(&mut tx, user, &email, &name).await {
        Err(DbError::UniqueViolation(c)) if c == "users_email_key" => return Err(AuthError::EmailTaken),
        other => other?,
    };
    db::identities::link(&mut tx, &identity.issuer, &identity.subject, user, Some(email.as_str())).await?;
    let details = serde_json::json!({ "issuer": identity.issuer });
    db::audit::record(&mut tx, Event::new("account.created_via_oidc").actor(user.0).subject(user.0).details(details))
        .await?;
    commit(tx).await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap_or_else(|m| panic!("{m}"))
    }

    #[test]
    fn a_new_account_is_named_after_the_provider_name_claim() {
        let name = display_name_for(Some("Ada Lovelace"), &email("ada@example.com"));
        assert_eq!(name.as_str(), "Ada Lovelace");
    }

    #[test]
    fn an_unusable_name_claim_falls_back_to_the_local_part() {
        assert_eq!(display_name_for(Some("  \u{7}  "), &email("grace@example.com")).as_str(), "grace");
        assert_eq!(display_name_for(None, &email("linus@example.com")).as_str(), "linus");
    }
}
