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

    // ---- ID-token validation, against a key the test holds ----

    /// RFC 8032 section 7.1, test 1: an Ed25519 key pair anyone can check.
    const ED25519_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const ED25519_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const ISSUER: &str = "http://127.0.0.1:1/realm";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).filter_map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
    }

    /// The provider's signing key: PKCS#8 DER is a fixed prefix and the seed.
    fn signing_key() -> jsonwebtoken::EncodingKey {
        let mut der = hex("302e020100300506032b657004220420");
        der.extend(hex(ED25519_SECRET));
        jsonwebtoken::EncodingKey::from_ed_der(&der)
    }

    fn provider() -> OidcProvider {
        OidcProvider {
            issuer: ISSUER.into(),
            client_id: "taskflow".into(),
            client_secret: None,
            scopes: vec!["openid".into()],
            display_name: Some("Mock ID".into()),
        }
    }

    fn discovery() -> Discovery {
        Discovery {
            issuer: ISSUER.into(),
            authorization_endpoint: format!("{ISSUER}/authorize"),
            token_endpoint: format!("{ISSUER}/token"),
            jwks_uri: format!("{ISSUER}/jwks"),
        }
    }

    /// A client whose discovery cache already holds the provider's document
    /// and keys, and whose Redis is unreachable.
    async fn client() -> OidcClient {
        let settings = OidcSettings { providers: [("mock".to_owned(), provider())].into_iter().collect() };
        let redis = crate::config::RedisSettings {
            url: "redis://127.0.0.1:1".to_owned().into(),
            key_prefix: "test:".into(),
            timeout_ms: 50,
            cache_ttl_seconds: 60,
        };
        let kv = Kv::new(&redis).unwrap_or_else(|e| panic!("{e}"));
        let client = OidcClient::new(&settings, kv).unwrap_or_else(|e| panic!("{e}"));
        let jwks = serde_json::json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "kid": "k1", "alg": "EdDSA", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(hex(ED25519_PUBLIC)),
        }]});
        let keys: JwkSet = serde_json::from_value(jwks).unwrap_or_else(|e| panic!("{e}"));
        client.discovered.write().await.insert("mock".into(), (discovery(), keys));
        client
    }

    fn claims(overrides: serde_json::Value) -> serde_json::Value {
        let now = chrono::Utc::now().timestamp();
        let mut c = serde_json::json!({
            "iss": ISSUER, "aud": "taskflow", "sub": "user-1", "nonce": "n-1",
            "iat": now, "exp": now + 300, "email": "ada@example.com", "email_verified": true, "name": "Ada",
        });
        if let (Some(c), Some(o)) = (c.as_object_mut(), overrides.as_object()) {
            for (k, v) in o {
                if v.is_null() {
                    c.remove(k);
                } else {
                    c.insert(k.clone(), v.clone());
                }
            }
        }
        c
    }

    fn token(claims: &serde_json::Value, kid: &str) -> String {
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, claims, &signing_key()).unwrap_or_else(|e| panic!("{e}"))
    }

    async fn validate(id_token: &str) -> Result<IdClaims, OidcError> {
        client().await.validate("mock", &provider(), &discovery(), id_token, "n-1").await
    }

    #[tokio::test]
    async fn a_token_the_provider_signed_for_us_yields_its_claims() {
        let c = validate(&token(&claims(serde_json::json!({})), "k1")).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.sub.as_str(), c.email.as_deref(), c.email_verified),
            ("user-1", Some("ada@example.com"), Some(true))
        );
        assert_eq!(c.name.as_deref(), Some("Ada"));
    }

    #[rstest::rstest]
    #[case::wrong_nonce(serde_json::json!({"nonce": "n-2"}), "nonce")]
    #[case::no_nonce(serde_json::json!({"nonce": null}), "nonce")]
    #[case::another_audience(serde_json::json!({"aud": "someone-else"}), "")]
    #[case::another_issuer(serde_json::json!({"iss": "http://127.0.0.1:1/other"}), "")]
    #[case::expired(serde_json::json!({"exp": 1_000_000_000}), "")]
    #[case::no_subject(serde_json::json!({"sub": null}), "")]
    #[case::no_expiry(serde_json::json!({"exp": null}), "")]
    #[tokio::test]
    async fn a_token_that_does_not_hold_is_refused(#[case] overrides: serde_json::Value, #[case] says: &str) {
        let got = validate(&token(&claims(overrides), "k1")).await;
        assert!(matches!(&got, Err(OidcError::BadIdToken(m)) if m.contains(says)), "{:?}", got.err());
    }

    #[tokio::test]
    async fn a_symmetric_token_is_refused_whatever_its_key() {
        let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
        header.kid = Some("k1".into());
        let key = jsonwebtoken::EncodingKey::from_secret(&hex(ED25519_PUBLIC)).unwrap_or_else(|e| panic!("{e}"));
        let forged =
            jsonwebtoken::encode(&header, &claims(serde_json::json!({})), &key).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(validate(&forged).await, Err(OidcError::BadIdToken(m)) if m.contains("not accepted")));
    }

    #[tokio::test]
    async fn a_token_from_an_unknown_key_is_refused_after_looking_for_new_keys() {
        // The key id is unknown, so the keys are fetched again; the provider
        // here is unreachable, which refuses the token too.
        assert!(validate(&token(&claims(serde_json::json!({})), "k9")).await.is_err());
    }

    #[tokio::test]
    async fn a_tampered_token_is_refused() {
        let good = token(&claims(serde_json::json!({})), "k1");
        let other = token(&claims(serde_json::json!({"sub": "user-2"})), "k1");
        let parts: Vec<&str> = good.split('.').collect();
        let other_parts: Vec<&str> = other.split('.').collect();
        let spliced = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
        assert!(matches!(validate(&spliced).await, Err(OidcError::BadIdToken(_))));
    }

    #[tokio::test]
    async fn configured_providers_are_listed_by_name_and_found_by_issuer() {
        let c = client().await;
        assert_eq!(c.providers(), vec![("mock", "Mock ID")]);
        assert!(c.is_configured("mock") && !c.is_configured("other"));
        assert_eq!(c.issuer_of("mock").ok(), Some(ISSUER));
        assert!(matches!(c.issuer_of("other"), Err(OidcError::UnknownProvider)));
        assert_eq!(c.name_of_issuer(&format!("{ISSUER}/")), Some("mock"), "a trailing slash does not matter");
        assert_eq!(c.name_of_issuer("http://127.0.0.1:1/other"), None);
    }

    #[tokio::test]
    async fn without_redis_a_sign_in_cannot_start() {
        // The state must be stored to be checked later: no store, no sign-in.
        let c = client().await;
        let started = c.authorize("mock", "http://127.0.0.1/callback".into(), None).await;
        assert!(matches!(started, Err(OidcError::StateStore)));
        assert!(matches!(
            c.authorize("other", "http://127.0.0.1/cb".into(), None).await,
            Err(OidcError::UnknownProvider)
        ));
    }

    #[tokio::test]
    async fn a_callback_without_a_stored_state_is_refused() {
        let c = client().await;
        assert!(matches!(c.callback("mock", "code", "state", Some("binding")).await, Err(OidcError::StateStore)));
    }
}
