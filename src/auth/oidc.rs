//! The OpenID Connect protocol client: authorization code flow with PKCE
//! (S256), `state` (single use, bound to the initiating browser by a cookie)
//! and `nonce`; ID tokens validated (signature against the provider's JWKS,
//! issuer, audience, expiry, nonce). It answers with verified claims; what an
//! identity means for an account is `service::identities`.

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

use crate::config::{OidcProvider, OidcSettings};
use crate::kv::Kv;

pub const BINDING_COOKIE: &str = "tf_oauth";
const STATE_TTL: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("unknown sign-in provider")]
    UnknownProvider,
    #[error("the sign-in state is unknown, expired, already used or from another browser")]
    BadState,
    #[error("the provider's answer could not be verified: {0}")]
    BadIdToken(String),
    #[error("the provider is unreachable or misbehaving: {0}")]
    Provider(String),
    #[error("sign-in state storage (Redis) is unavailable")]
    StateStore,
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

pub struct OidcClient {
    settings: OidcSettings,
    http: reqwest::Client,
    discovered: RwLock<HashMap<String, (Discovery, JwkSet)>>,
    /// Pending sign-ins (state, PKCE verifier, nonce) between authorize and callback.
    kv: Kv,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Issuers compare without a trailing slash (configurations and discovery
/// documents disagree about it).
pub fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

fn sha256_b64(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
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

/// What a finished sign-in proves: a provider account, by (issuer, subject),
/// with what the provider says about it.
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Only an address the provider vouches for: a missing claim is not a yes.
    pub email_verified: bool,
    pub name: Option<String>,
    /// The signed-in account that asked to link this identity, if any.
    pub link_user: Option<Uuid>,
}

impl OidcClient {
    pub fn new(settings: &OidcSettings, kv: Kv) -> Result<Self, OidcError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        Ok(Self { settings: settings.clone(), http, discovered: RwLock::new(HashMap::new()), kv })
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
    pub fn name_of_issuer(&self, issuer: &str) -> Option<&str> {
        self.settings.providers.iter().find(|(_, p)| same_issuer(&p.issuer, issuer)).map(|(name, _)| name.as_str())
    }

    /// The issuer a configured provider signs in with.
    pub fn issuer_of(&self, name: &str) -> Result<&str, OidcError> {
        Ok(&self.provider(name)?.issuer)
    }

    pub fn is_configured(&self, name: &str) -> bool {
        self.settings.providers.contains_key(name)
    }

    fn provider(&self, name: &str) -> Result<&OidcProvider, OidcError> {
        self.settings.providers.get(name).ok_or(OidcError::UnknownProvider)
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let resp = self.http.get(url).send().await.map_err(|e| OidcError::Provider(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(OidcError::Provider(format!("{url} answered {}", resp.status())));
        }
        resp.json().await.map_err(|e| OidcError::Provider(e.to_string()))
    }

    /// Discovery document and keys, cached; `refresh` re-reads the keys (a
    /// token signed with a key we have not seen yet).
    async fn discover(&self, name: &str, refresh: bool) -> Result<(Discovery, JwkSet), OidcError> {
        if !refresh {
            if let Some(found) = self.discovered.read().await.get(name) {
                return Ok(found.clone());
            }
        }
        let p = self.provider(name)?;
        let url = format!("{}/.well-known/openid-configuration", p.issuer.trim_end_matches('/'));
        let d: Discovery = self.fetch_json(&url).await?;
        if !same_issuer(&d.issuer, &p.issuer) {
            return Err(OidcError::Provider(format!("discovery names issuer {}, configured {}", d.issuer, p.issuer)));
        }
        let keys: JwkSet = self.fetch_json(&d.jwks_uri).await?;
        self.discovered.write().await.insert(name.to_owned(), (d.clone(), keys.clone()));
        Ok((d, keys))
    }

    /// Starts a sign-in (or, with `link_user`, linking to a signed-in account).
    pub async fn authorize(
        &self,
        name: &str,
        redirect_uri: String,
        link_user: Option<Uuid>,
    ) -> Result<Authorization, OidcError> {
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
        let json = serde_json::to_string(&pending).map_err(|e| OidcError::Provider(e.to_string()))?;
        self.kv
            .set_with_ttl(&format!("oauth:state:{}", sha256_b64(&state_token)), &json, STATE_TTL)
            .await
            .map_err(|_| OidcError::StateStore)?;
        let mut url = reqwest::Url::parse(&d.authorization_endpoint).map_err(|e| OidcError::Provider(e.to_string()))?;
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

    /// Finishes a sign-in at the provider: the state is consumed whatever
    /// happens next; the answer is an identity whose ID token verified.
    pub async fn callback(
        &self,
        name: &str,
        code: &str,
        state_token: &str,
        binding: Option<&str>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let key = format!("oauth:state:{}", sha256_b64(state_token));
        let raw = self.kv.take(&key).await.map_err(|_| OidcError::StateStore)?.ok_or(OidcError::BadState)?;
        let pending: Pending = serde_json::from_str(&raw).map_err(|_| OidcError::BadState)?;
        if pending.provider != name || binding.map(sha256_b64).as_deref() != Some(pending.binding_hash.as_str()) {
            return Err(OidcError::BadState);
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
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(OidcError::BadIdToken(format!("token endpoint answered {}", resp.status())));
        }
        let tokens: TokenResponse = resp.json().await.map_err(|e| OidcError::Provider(e.to_string()))?;
        let claims = self.validate(name, p, &d, &tokens.id_token, &pending.nonce).await?;
        Ok(VerifiedIdentity {
            issuer: d.issuer,
            subject: claims.sub,
            email: claims.email,
            email_verified: claims.email_verified == Some(true),
            name: claims.name,
            link_user: pending.link_user,
        })
    }

    async fn validate(
        &self,
        name: &str,
        p: &OidcProvider,
        d: &Discovery,
        id_token: &str,
        nonce: &str,
    ) -> Result<IdClaims, OidcError> {
        let header = decode_header(id_token).map_err(|e| OidcError::BadIdToken(e.to_string()))?;
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
            return Err(OidcError::BadIdToken(format!("algorithm {:?} is not accepted", header.alg)));
        }
        let kid = header.kid.clone().unwrap_or_default();
        let mut keys = self.discover(name, false).await?.1;
        if keys.find(&kid).is_none() {
            keys = self.discover(name, true).await?.1;
        }
        let jwk = keys.find(&kid).ok_or_else(|| OidcError::BadIdToken("unknown signing key".into()))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| OidcError::BadIdToken(e.to_string()))?;
        let mut v = Validation::new(header.alg);
        v.leeway = 30;
        v.set_issuer(&[&d.issuer]);
        v.set_audience(&[&p.client_id]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = decode::<IdClaims>(id_token, &key, &v).map_err(|e| OidcError::BadIdToken(e.to_string()))?.claims;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(OidcError::BadIdToken("nonce mismatch".into()));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error code RFC 6749 and OpenID Connect Core define is named back;
    /// anything else is not echoed.
    #[rstest::rstest]
    #[case("invalid_request")]
    #[case("unauthorized_client")]
    #[case("access_denied")]
    #[case("unsupported_response_type")]
    #[case("invalid_scope")]
    #[case("server_error")]
    #[case("temporarily_unavailable")]
    #[case("interaction_required")]
    #[case("login_required")]
    #[case("account_selection_required")]
    #[case("consent_required")]
    #[case("invalid_request_uri")]
    #[case("invalid_request_object")]
    #[case("request_not_supported")]
    #[case("request_uri_not_supported")]
    #[case("registration_not_supported")]
    fn a_defined_provider_error_is_named(#[case] code: &str) {
        assert_eq!(provider_error(code), code);
    }

    #[rstest::rstest]
    #[case::free_text("Your account is suspended, call 555-0100")]
    #[case::near_miss("access_denied ")]
    #[case::upper_case("ACCESS_DENIED")]
    #[case::empty("")]
    fn any_other_provider_error_is_not_echoed(#[case] code: &str) {
        assert_eq!(provider_error(code), "an unrecognised error");
    }

    #[rstest::rstest]
    #[case("https://id.example.com", "https://id.example.com", true)]
    #[case("https://id.example.com/", "https://id.example.com", true)]
    #[case("https://id.example.com", "https://id.example.com/", true)]
    #[case("https://id.example.com/realms/a", "https://id.example.com/realms/a/", true)]
    #[case("https://id.example.com", "https://id.example.org", false)]
    #[case("https://id.example.com/realms/a", "https://id.example.com/realms/b", false)]
    #[case("http://id.example.com", "https://id.example.com", false)]
    fn issuers_compare_without_a_trailing_slash(#[case] a: &str, #[case] b: &str, #[case] same: bool) {
        assert_eq!(same_issuer(a, b), same);
    }

    #[test]
    fn pkce_challenges_are_unpadded_base64url_sha256() {
        // RFC 7636 Appendix B.
        assert_eq!(
            sha256_b64("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_are_256_bits_and_distinct() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43, "32 bytes, base64url without padding");
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }
}
