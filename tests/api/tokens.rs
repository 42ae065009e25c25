//! Access tokens that must never pass: each is a 401 with WWW-Authenticate.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Reply, TestApp, TestUser};

fn claims(user: &TestUser) -> Value {
    // Start from the real token's claims so only the tampered part differs.
    let payload = user.access_token.split('.').nth(1).unwrap();
    let mut c: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    c["jti"] = json!(uuid::Uuid::new_v4());
    c
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret).unwrap()).unwrap()
}

fn secret(app: &TestApp) -> Vec<u8> {
    use secrecy::ExposeSecret;
    app.settings.auth.jwt_secret.as_ref().unwrap().expose_secret().as_bytes().to_vec()
}

fn assert_rejected(r: &Reply) {
    r.assert_problem(401);
    assert_eq!(r.header("www-authenticate"), Some(r#"Bearer realm="taskflow""#));
}

#[tokio::test]
async fn a_correctly_resigned_copy_is_accepted_so_the_tampering_tests_mean_something() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let token = sign(&claims(&user), &secret(&app));
    assert_eq!(app.me(&token).await.status, 200);
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_401() {
    let app = spawn_app().await;
    assert_rejected(&app.get("/api/v1/me", None).await);
    for header in ["Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt", "Bearer    "] {
        let r = crate::helpers::read(
            app.client.get(app.url("/api/v1/me")).header("authorization", header).send().await.unwrap(),
        )
        .await;
        assert_rejected(&r);
    }
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&user)).unwrap());
    assert_rejected(&app.me(&format!("{header}.{payload}.")).await);
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_rejected() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let token = sign(&claims(&user), b"some-other-secret-of-sufficient-length!!");
    assert_rejected(&app.me(&token).await);
}

#[tokio::test]
async fn an_expired_token_is_rejected() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let mut c = claims(&user);
    let now = chrono::Utc::now().timestamp();
    c["iat"] = json!(now - 3600);
    c["nbf"] = json!(now - 3600);
    c["exp"] = json!(now - 60);
    assert_rejected(&app.me(&sign(&c, &secret(&app))).await);
}

#[tokio::test]
async fn a_token_not_yet_valid_is_rejected() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let mut c = claims(&user);
    c["nbf"] = json!(chrono::Utc::now().timestamp() + 600);
    assert_rejected(&app.me(&sign(&c, &secret(&app))).await);
}

#[tokio::test]
async fn wrong_audience_or_issuer_is_rejected() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let mut c = claims(&user);
    c["aud"] = json!("some-other-api");
    assert_rejected(&app.me(&sign(&c, &secret(&app))).await);
    let mut c = claims(&user);
    c["iss"] = json!("someone-else");
    assert_rejected(&app.me(&sign(&c, &secret(&app))).await);
}

#[tokio::test]
async fn a_token_missing_a_required_claim_is_rejected() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    for claim in ["exp", "nbf", "iss", "aud", "sub", "jti", "sid"] {
        let mut c = claims(&user);
        c.as_object_mut().unwrap().remove(claim);
        let r = app.me(&sign(&c, &secret(&app))).await;
        assert_eq!(r.status, 401, "token without {claim} was accepted");
    }
}

#[tokio::test]
async fn a_non_access_token_type_is_rejected() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let mut c = claims(&user);
    c["typ"] = json!("refresh");
    assert_rejected(&app.me(&sign(&c, &secret(&app))).await);
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    assert_rejected(&app.me(&user.refresh_token).await);
}

#[tokio::test]
async fn a_validly_signed_token_for_an_unknown_session_is_rejected() {
    // Even with the real key, a token for a session that does not exist in
    // Postgres is refused by the chokepoint.
    let app = spawn_app().await;
    let user = app.create_user().await;
    let mut c = claims(&user);
    c["sid"] = json!(uuid::Uuid::new_v4());
    assert_rejected(&app.me(&sign(&c, &secret(&app))).await);
}
