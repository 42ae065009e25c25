//! OAuth2 / OIDC sign-in: authorization code flow with PKCE (S256), `state`
//! (single use, bound to the initiating browser by a cookie) and `nonce`;
//! ID tokens validated (signature against the provider's JWKS, issuer,
//! audience, expiry, nonce). Identities are keyed by (issuer, subject).

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::RwLock;
use uuid::Uuid;

use super::extractor::AuthUser;
use super::session::{start, LoginOutcome};
use super::AuthError;
use crate::config::{OidcProvider, OidcSettings};
use crate::db::audit::Event;
use crate::db::{self, begin_as, Actor, DbError};
use crate::domain::user::{DisplayName, Email, GlobalRole, UserId};
use crate::state::AppState;

pub const BINDING_COOKIE: &str = "tf_oauth";
const STATE_TTL: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("unknown sign-in provider")]
    UnknownProvider,
    #[error("the sign-in state is unknown, expired, already used or from another browser")]
    BadState,
    #[error("the provider's answer could not be verified: {0}")]
    BadIdToken(String),
    #[error("the provider is unreachable or misbehaving: {0}")]
    Provider(String),
    #[error("the provider shared no email address; TaskFlow needs one for a new account")]
    NoEmail,
    #[error("an account with this email exists: sign in with its password, then link this provider")]
    EmailTaken,
    #[error("sign-in state storage (Redis) is unavailable")]
    StateStore,
    #[error("this account is not linked to that provider")]
    NotLinked,
    #[error("this provider is the only way into the account: set a password or link another provider first")]
    LastWayIn,
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<DbError> for OAuthError {
    fn from(e: DbError) -> Self {
        OAuthError::Auth(AuthError::Db(e))
    }
}

impl From<OAuthError> for crate::error::ApiError {
    fn from(e: OAuthError) -> Self {
        use crate::error::ApiError;
        match e {
            OAuthError::UnknownProvider => ApiError::NotFound,
            OAuthError::BadState => ApiError::BadRequest(e.to_string()),
            OAuthError::BadIdToken(_) => ApiError::Unauthorized("the identity provider's token did not verify"),
            OAuthError::Provider(m) => ApiError::internal(anyhow::anyhow!("oidc provider: {m}")),
            OAuthError::NoEmail => {
                ApiError::validation("email", "the provider shared no email address it has verified (email_verified)")
            }
            OAuthError::EmailTaken => ApiError::Conflict(e.to_string()),
            OAuthError::StateStore => ApiError::Unavailable { retry_after_seconds: 5 },
            OAuthError::NotLinked => ApiError::NotFound,
            OAuthError::LastWayIn => ApiError::Conflict(e.to_string()),
            OAuthError::Auth(a) => a.into(),
        }
    }
}

/// The provider's `error` parameter, named only when it is one of the codes
/// the specifications define: the parameter is whatever the link says, and
/// echoing free text would let a crafted link put words in TaskFlow's mouth.
pub fn provider_error(code: &str) -> &'static str {
    // RFC 6749 section 4.1.2.1, then OpenID Connect Core section 3.1.2.6.
    const KNOWN: [&str; 16] = [
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "interaction_required",
        "login_required",
        "account_selection_required",
        "consent_required",
        "invalid_request_uri",
        "invalid_request_object",
        "request_not_supported",
        "request_uri_not_supported",
        "registration_not_supported",
    ];
    KNOWN.into_iter().find(|k| *k == code).unwrap_or("an unrecognised error")
}

#[derive(Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// What a pending sign-in remembers between authorize and callback.
#[derive(Serialize, Deserialize)]
struct Pending {
    provider: String,
    verifier: String,
    nonce: String,
    binding_hash: String,
    redirect_uri: String,
    link_user: Option<Uuid>,
}

pub struct OAuth {
    settings: OidcSettings,
    http: reqwest::Client,
    discovered: RwLock<HashMap<String, (Discovery, JwkSet)>>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Issuers compare without a trailing slash (configurations and discovery
/// documents disagree about it).
fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

fn sha256_b64(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}

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

pub struct Authorization {
    pub url: String,
    /// Set as an HttpOnly cookie; the callback must present it.
    pub binding: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    nonce: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
}

impl OAuth {
    pub fn new(settings: &OidcSettings) -> Result<Self, OAuthError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OAuthError::Provider(e.to_string()))?;
        Ok(Self { settings: settings.clone(), http, discovered: RwLock::new(HashMap::new()) })
    }

    /// The configured providers as (name, label), ordered by name so the
    /// sign-in buttons keep their places between requests.
    pub fn providers(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<_> = self
            .settings
            .providers
            .iter()
            .map(|(name, p)| (name.as_str(), p.display_name.as_deref().unwrap_or(name)))
            .collect();
        all.sort_unstable();
        all
    }

    /// The configured provider whose issuer this is (identities are stored
    /// by issuer, which outlives a provider's name in the configuration).
    fn name_of_issuer(&self, issuer: &str) -> Option<&str> {
        self.settings.providers.iter().find(|(_, p)| same_issuer(&p.issuer, issuer)).map(|(name, _)| name.as_str())
    }

    /// The provider accounts linked to this user, each with the configured
    /// provider's name when it is still offered.
    pub async fn linked(&self, state: &AppState, user: &AuthUser) -> Result<Vec<LinkedIdentity>, OAuthError> {
        let mut tx = begin_as(&state.pool, &user.actor()).await?;
        let rows = db::identities::list(&mut tx, user.user_id).await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(rows
            .into_iter()
            .map(|row| LinkedIdentity {
                provider: self.name_of_issuer(&row.issuer).map(str::to_owned),
                issuer: row.issuer,
                email: row.email,
                linked_at: row.created_at,
            })
            .collect())
    }

    /// Unlinks a provider, unless it is the account's only way in (no
    /// password and no other linked provider).
    pub async fn unlink(&self, state: &AppState, user: &AuthUser, name: &str) -> Result<(), OAuthError> {
        let issuer = self.provider(name)?.issuer.clone();
        let mut tx = begin_as(&state.pool, &user.actor()).await?;
        let all = db::identities::list(&mut tx, user.user_id).await?;
        let Some(linked) = all.iter().find(|row| same_issuer(&row.issuer, &issuer)) else {
            return Err(OAuthError::NotLinked);
        };
        let has_password = db::users::password_hash(&mut tx, user.user_id).await?.is_some();
        if !has_password && all.iter().all(|row| same_issuer(&row.issuer, &issuer)) {
            return Err(OAuthError::LastWayIn);
        }
        db::identities::unlink(&mut tx, user.user_id, &linked.issuer).await?;
        let details = serde_json::json!({ "issuer": linked.issuer });
        let event = Event::new("auth.identity_unlinked").actor(user.user_id.0).subject(user.user_id.0).details(details);
        db::audit::record(&mut tx, event).await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(())
    }

    pub fn is_configured(&self, name: &str) -> bool {
        self.settings.providers.contains_key(name)
    }

    fn provider(&self, name: &str) -> Result<&OidcProvider, OAuthError> {
        self.settings.providers.get(name).ok_or(OAuthError::UnknownProvider)
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OAuthError> {
        let resp = self.http.get(url).send().await.map_err(|e| OAuthError::Provider(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(OAuthError::Provider(format!("{url} answered {}", resp.status())));
        }
        resp.json().await.map_err(|e| OAuthError::Provider(e.to_string()))
    }

    /// Discovery document and keys, cached; `refresh` re-reads the keys (a
    /// token signed with a key we have not seen yet).
    async fn discover(&self, name: &str, refresh: bool) -> Result<(Discovery, JwkSet), OAuthError> {
        if !refresh {
            if let Some(found) = self.discovered.read().await.get(name) {
                return Ok(found.clone());
            }
        }
        let p = self.provider(name)?;
        let url = format!("{}/.well-known/openid-configuration", p.issuer.trim_end_matches('/'));
        let d: Discovery = self.fetch_json(&url).await?;
        if !same_issuer(&d.issuer, &p.issuer) {
            return Err(OAuthError::Provider(format!("discovery names issuer {}, configured {}", d.issuer, p.issuer)));
        }
        let keys: JwkSet = self.fetch_json(&d.jwks_uri).await?;
        self.discovered.write().await.insert(name.to_owned(), (d.clone(), keys.clone()));
        Ok((d, keys))
    }

    /// Starts a sign-in (or, with `link_user`, linking to a signed-in account).
    pub async fn authorize(
        &self,
        state: &AppState,
        name: &str,
        redirect_uri: String,
        link_user: Option<Uuid>,
    ) -> Result<Authorization, OAuthError> {
        let p = self.provider(name)?;
        let (d, _) = self.discover(name, false).await?;
        let (state_token, verifier, nonce, binding) = (random_token(), random_token(), random_token(), random_token());
        let pending = Pending {
            provider: name.to_owned(),
            verifier: verifier.clone(),
            nonce: nonce.clone(),
            binding_hash: sha256_b64(&binding),
            redirect_uri: redirect_uri.clone(),
            link_user,
        };
        let json = serde_json::to_string(&pending).map_err(|e| OAuthError::Provider(e.to_string()))?;
        state
            .kv
            .set_with_ttl(&format!("oauth:state:{}", sha256_b64(&state_token)), &json, STATE_TTL)
            .await
            .map_err(|_| OAuthError::StateStore)?;
        let mut url =
            reqwest::Url::parse(&d.authorization_endpoint).map_err(|e| OAuthError::Provider(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &p.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", &p.scopes.join(" "))
            .append_pair("state", &state_token)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &sha256_b64(&verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(Authorization { url: url.into(), binding })
    }

    /// Finishes a sign-in: the state is consumed whatever happens next.
    pub async fn callback(
        &self,
        state: &AppState,
        name: &str,
        code: &str,
        state_token: &str,
        binding: Option<&str>,
    ) -> Result<LoginOutcome, OAuthError> {
        let key = format!("oauth:state:{}", sha256_b64(state_token));
        let raw = state.kv.take(&key).await.map_err(|_| OAuthError::StateStore)?.ok_or(OAuthError::BadState)?;
        let pending: Pending = serde_json::from_str(&raw).map_err(|_| OAuthError::BadState)?;
        if pending.provider != name || binding.map(sha256_b64).as_deref() != Some(pending.binding_hash.as_str()) {
            return Err(OAuthError::BadState);
        }
        let p = self.provider(name)?;
        let (d, _) = self.discover(name, false).await?;
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", pending.redirect_uri.clone()),
            ("client_id", p.client_id.clone()),
            ("code_verifier", pending.verifier.clone()),
        ];
        if let Some(secret) = &p.client_secret {
            form.push(("client_secret", secret.expose_secret().to_owned()));
        }
        let resp = self
            .http
            .post(&d.token_endpoint)
            .form(&form)
            .send()
            .await
            .map_err(|e| OAuthError::Provider(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(OAuthError::BadIdToken(format!("token endpoint answered {}", resp.status())));
        }
        let tokens: TokenResponse = resp.json().await.map_err(|e| OAuthError::Provider(e.to_string()))?;
        let claims = self.validate(name, p, &d, &tokens.id_token, &pending.nonce).await?;
        self.sign_in(state, &d.issuer, claims, pending.link_user).await
    }

    async fn validate(
        &self,
        name: &str,
        p: &OidcProvider,
        d: &Discovery,
        id_token: &str,
        nonce: &str,
    ) -> Result<IdClaims, OAuthError> {
        let header = decode_header(id_token).map_err(|e| OAuthError::BadIdToken(e.to_string()))?;
        // Asymmetric algorithms only: an HS256 token "signed" with a public key is a classic forgery.
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::ES256
                | Algorithm::ES384
                | Algorithm::PS256
                | Algorithm::EdDSA
        ) {
            return Err(OAuthError::BadIdToken(format!("algorithm {:?} is not accepted", header.alg)));
        }
        let kid = header.kid.clone().unwrap_or_default();
        let mut keys = self.discover(name, false).await?.1;
        if keys.find(&kid).is_none() {
            keys = self.discover(name, true).await?.1;
        }
        let jwk = keys.find(&kid).ok_or_else(|| OAuthError::BadIdToken("unknown signing key".into()))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| OAuthError::BadIdToken(e.to_string()))?;
        let mut v = Validation::new(header.alg);
        v.leeway = 30;
        v.set_issuer(&[&d.issuer]);
        v.set_audience(&[&p.client_id]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = decode::<IdClaims>(id_token, &key, &v).map_err(|e| OAuthError::BadIdToken(e.to_string()))?.claims;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(OAuthError::BadIdToken("nonce mismatch".into()));
        }
        Ok(claims)
    }

    async fn sign_in(
        &self,
        state: &AppState,
        issuer: &str,
        claims: IdClaims,
        link_user: Option<Uuid>,
    ) -> Result<LoginOutcome, OAuthError> {
        let mut tx = begin_as(&state.pool, &Actor::Anonymous).await?;
        let known = db::identities::owner(&mut tx, issuer, &claims.sub).await?;
        tx.commit().await.map_err(DbError::from)?;
        let details = serde_json::json!({ "issuer": issuer });

        let user = match (known, link_user) {
            (Some(owner), Some(link)) if owner.0 != link => {
                return Err(OAuthError::Auth(AuthError::Db(DbError::UniqueViolation(
                    "external_identities_pkey".into(),
                ))))
            }
            (Some(owner), _) => owner,
            (None, Some(link)) => {
                let user = UserId(link);
                let mut tx = begin_as(&state.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
                db::identities::link(&mut tx, issuer, &claims.sub, user, claims.email.as_deref()).await?;
                db::audit::record(
                    &mut tx,
                    Event::new("auth.identity_linked").actor(link).subject(link).details(details.clone()),
                )
                .await?;
                tx.commit().await.map_err(DbError::from)?;
                user
            }
            (None, None) => self.create_account(state, issuer, &claims).await?,
        };

        // The account's own state decides: disabled, MFA, role.
        let mut tx = begin_as(&state.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
        let row = db::users::find(&mut tx, user).await?.ok_or(AuthError::InvalidCredentials)?;
        let mfa_on = db::mfa::find(&mut tx, user).await?.is_some_and(|m| m.enabled);
        tx.commit().await.map_err(DbError::from)?;
        if row.disabled_at.is_some() {
            return Err(AuthError::AccountDisabled.into());
        }
        if mfa_on {
            let (mfa_token, c) = state.jwt.issue_mfa(user).map_err(|e| AuthError::Hashing(e.to_string()))?;
            return Ok(LoginOutcome::MfaRequired { mfa_required: true, mfa_token, expires_in: c.exp - c.iat });
        }
        Ok(LoginOutcome::Tokens(start(state, user, row.role()).await?))
    }

    /// A first sign-in creates an account, unless the email already belongs
    /// to one: linking needs that account's consent (sign in, then link).
    async fn create_account(&self, state: &AppState, issuer: &str, claims: &IdClaims) -> Result<UserId, OAuthError> {
        // Only an address the provider vouches for: a missing claim is not a yes.
        let raw_email =
            claims.email.as_deref().filter(|_| claims.email_verified == Some(true)).ok_or(OAuthError::NoEmail)?;
        let email = Email::parse(raw_email).map_err(|_| OAuthError::NoEmail)?;
        let fallback = email.as_str().split('@').next().unwrap_or("user").to_owned();
        let name = DisplayName::parse(claims.name.as_deref().unwrap_or(&fallback))
            .or_else(|_| DisplayName::parse(&fallback))
            .map_err(|_| OAuthError::NoEmail)?;
        let user = UserId::new();
        let mut tx = begin_as(&state.pool, &Actor::Account { user_id: user, role: GlobalRole::Member }).await?;
        match db::users::insert_without_password(&mut tx, user, &email, &name).await {
            Err(DbError::UniqueViolation(c)) if c == "users_email_key" => return Err(OAuthError::EmailTaken),
            other => other?,
        };
        db::identities::link(&mut tx, issuer, &claims.sub, user, Some(email.as_str())).await?;
        let details = serde_json::json!({ "issuer": issuer });
        db::audit::record(
            &mut tx,
            Event::new("account.created_via_oidc").actor(user.0).subject(user.0).details(details),
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(user)
    }
}
