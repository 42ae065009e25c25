//! OIDC sign-in against a real standalone provider on 127.0.0.1
//! (tests/oidc/provider.mjs, npm oauth2-mock-server 8).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::helpers::{read, spawn_app, spawn_app_with, Reply, TestApp, PASSWORD};

struct Provider {
    child: Child,
    issuer: String,
}

impl Provider {
    fn start(mode: &str, subject: &str, email: &str) -> Self {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir)
            .env("MODE", mode)
            .env("SUBJECT", subject)
            .env("EMAIL", email)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs the test OIDC provider (make test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&line).expect("provider prints its issuer");
        Self { child, issuer: parsed["issuer"].as_str().unwrap().to_owned() }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn app_with(provider: &Provider) -> TestApp {
    app_with_and(provider, |_| {}).await
}

/// The app with `provider` configured as "mock", then `customise`d.
async fn app_with_and(provider: &Provider, customise: impl FnOnce(&mut taskflow::config::Settings)) -> TestApp {
    let issuer = provider.issuer.clone();
    spawn_app_with(move |s| {
        customise(s);
        s.oidc.providers.insert(
            "mock".into(),
            taskflow::config::OidcProvider {
                issuer,
                client_id: "taskflow-test".into(),
                client_secret: Some("not-so-secret".to_owned().into()),
                scopes: vec!["openid".into(), "email".into(), "profile".into()],
                display_name: Some("Mock ID".into()),
            },
        );
    })
    .await
}

/// Runs authorize -> provider -> callback like a browser, returning the
/// callback URL and the binding cookie.
async fn begin(app: &TestApp, authorize: reqwest::Response) -> (String, String) {
    assert_eq!(authorize.status(), 302);
    let cookie = authorize
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("binding cookie")
        .to_owned();
    assert!(authorize.headers()["set-cookie"].to_str().unwrap().contains("HttpOnly"));
    let to_provider = authorize.headers()["location"].to_str().unwrap().to_owned();
    assert!(to_provider.contains("code_challenge_method=S256") && to_provider.contains("nonce="), "{to_provider}");
    let from_provider = app.client.get(&to_provider).send().await.unwrap();
    assert_eq!(from_provider.status(), 302, "provider did not redirect back");
    let callback = from_provider.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with(&app.address), "{callback}");
    (callback, cookie)
}

async fn callback(app: &TestApp, url: &str, cookie: Option<&str>) -> Reply {
    let mut req = app.client.get(url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    read(req.send().await.unwrap()).await
}

async fn start_login(app: &TestApp) -> (String, String) {
    let authorize = app.client.get(app.url("/api/v1/auth/oauth/mock/authorize")).send().await.unwrap();
    begin(app, authorize).await
}

#[tokio::test]
async fn first_sign_in_creates_an_account_and_the_next_finds_it() {
    let provider = Provider::start("ok", "oidc-subject-1", "oidc.one@example.com");
    let app = app_with(&provider).await;
    let (url, cookie) = start_login(&app).await;
    let r = callback(&app, &url, Some(&cookie)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let me = app.me(r.json["access_token"].as_str().unwrap()).await;
    assert_eq!(me.json["email"], "oidc.one@example.com");
    let user_id = me.json["user_id"].clone();

    let (url, cookie) = start_login(&app).await;
    let again = callback(&app, &url, Some(&cookie)).await;
    assert_eq!(app.me(again.json["access_token"].as_str().unwrap()).await.json["user_id"], user_id);
    // No password works for an account created this way.
    app.login("oidc.one@example.com", PASSWORD).await.assert_problem(401);
}

#[tokio::test]
async fn state_is_single_use_and_bound_to_the_browser() {
    let provider = Provider::start("ok", "oidc-subject-2", "oidc.two@example.com");
    let app = app_with(&provider).await;
    let (url, cookie) = start_login(&app).await;
    // Another browser (no cookie, or another cookie) cannot finish it...
    callback(&app, &url, None).await.assert_problem(400);
    // A second sign-in's callback with the first one's cookie.
    let (url, _other_cookie) = start_login(&app).await;
    callback(&app, &url, Some(&cookie)).await.assert_problem(400);
    // ...a made-up state is refused...
    let (url, cookie) = start_login(&app).await;
    let forged = url.split("state=").next().unwrap().to_owned() + "state=forged";
    callback(&app, &forged, Some(&cookie)).await.assert_problem(400);
    // ...and a state, once used, is gone.
    let ok = callback(&app, &url, Some(&cookie)).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    callback(&app, &url, Some(&cookie)).await.assert_problem(400);
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let provider = Provider::start("wrong_audience", "oidc-subject-3", "oidc.three@example.com");
    let app = app_with(&provider).await;
    let (url, cookie) = start_login(&app).await;
    callback(&app, &url, Some(&cookie)).await.assert_problem(401);
    app.login("oidc.three@example.com", PASSWORD).await.assert_problem(401);
}

#[tokio::test]
async fn a_token_with_the_wrong_nonce_is_refused() {
    let provider = Provider::start("wrong_nonce", "oidc-subject-4", "oidc.four@example.com");
    let app = app_with(&provider).await;
    let (url, cookie) = start_login(&app).await;
    callback(&app, &url, Some(&cookie)).await.assert_problem(401);
}

#[tokio::test]
async fn an_existing_email_is_never_taken_over_and_linking_needs_the_account() {
    let provider = Provider::start("ok", "oidc-subject-5", "owner@example.com");
    let app = app_with(&provider).await;
    assert_eq!(app.register("owner@example.com", PASSWORD).await.status, 201);
    let (url, cookie) = start_login(&app).await;
    callback(&app, &url, Some(&cookie)).await.assert_problem(409);

    // The owner signs in with the password and links the provider.
    let token = app.login("owner@example.com", PASSWORD).await.json["access_token"].as_str().unwrap().to_owned();
    // Linking adds a way in: the password is asked for again.
    let bare = app.post("/api/v1/me/oauth/mock/link", Some(&token), &json!({})).await;
    assert_eq!(bare.assert_problem(422)["errors"][0]["field"], "password");
    let wrong = app.post("/api/v1/me/oauth/mock/link", Some(&token), &json!({"password": "not-the-password"})).await;
    assert_eq!(wrong.assert_problem(422)["errors"][0]["field"], "password");
    app.post("/api/v1/me/oauth/nope/link", Some(&token), &json!({"password": PASSWORD})).await.assert_problem(404);
    let link = app.post("/api/v1/me/oauth/mock/link", Some(&token), &json!({"password": PASSWORD})).await;
    assert_eq!(link.status, 200, "{}", link.text);
    let cookie = link.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let to_provider = link.json["authorization_url"].as_str().unwrap();
    let back = app.client.get(to_provider).send().await.unwrap();
    let url = back.headers()["location"].to_str().unwrap().to_owned();
    let linked = callback(&app, &url, Some(&cookie)).await;
    assert_eq!(linked.status, 200, "{}", linked.text);
    // From now on the provider signs this very account in.
    let (url, cookie) = start_login(&app).await;
    let r = callback(&app, &url, Some(&cookie)).await;
    assert_eq!(app.me(r.json["access_token"].as_str().unwrap()).await.json["email"], "owner@example.com");

    // The account lists the link, and can undo it (it still has its password).
    let listed = app.get("/api/v1/me/identities", Some(&token)).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let identities = listed.json["identities"].as_array().unwrap();
    assert_eq!(identities.len(), 1, "{}", listed.text);
    assert_eq!(identities[0]["provider"], "mock");
    assert_eq!(identities[0]["issuer"], provider.issuer.as_str());
    assert_eq!(identities[0]["email"], "owner@example.com");
    assert_eq!(app.delete("/api/v1/me/identities/mock", Some(&token)).await.status, 204);
    assert_eq!(app.get("/api/v1/me/identities", Some(&token)).await.json["identities"], json!([]));
    app.delete("/api/v1/me/identities/mock", Some(&token)).await.assert_problem(404);
    app.delete("/api/v1/me/identities/nope", Some(&token)).await.assert_problem(404);
    let events = app.get("/api/v1/me/audit-events", Some(&token)).await;
    assert!(events.text.contains("auth.identity_unlinked"), "{}", events.text);
    // Unlinked: the provider's next sign-in meets the account's email again.
    let (url, cookie) = start_login(&app).await;
    callback(&app, &url, Some(&cookie)).await.assert_problem(409);
}

#[tokio::test]
async fn the_only_way_into_an_account_cannot_be_unlinked() {
    let provider = Provider::start("ok", "oidc-subject-10", "oidc.ten@example.com");
    let app = app_with(&provider).await;
    let token = provider_sign_in(&app).await;
    let r = app.delete("/api/v1/me/identities/mock", Some(&token)).await;
    assert!(r.assert_problem(409)["detail"].as_str().unwrap().contains("only way into the account"));
    assert_eq!(app.get("/api/v1/me/identities", Some(&token)).await.json["identities"].as_array().unwrap().len(), 1);
    // With a password it becomes an ordinary link.
    let set = app.post("/api/v1/me/password", Some(&token), &json!({"new_password": PASSWORD})).await;
    assert_eq!(set.status, 204, "{}", set.text);
    assert_eq!(app.delete("/api/v1/me/identities/mock", Some(&token)).await.status, 204);
}

#[tokio::test]
async fn mfa_still_applies_to_provider_sign_ins_and_unknown_providers_are_404() {
    let provider = Provider::start("ok", "oidc-subject-6", "oidc.six@example.com");
    let app = app_with(&provider).await;
    let (url, cookie) = start_login(&app).await;
    let first = callback(&app, &url, Some(&cookie)).await;
    let token = first.json["access_token"].as_str().unwrap().to_owned();
    let enrol = app.post("/api/v1/me/mfa/totp", Some(&token), &json!({})).await;
    let secret = enrol.json["secret"].as_str().unwrap().to_owned();
    let code = {
        let script = format!("import pyotp; print(pyotp.TOTP('{secret}').now())");
        let out = Command::new("python3").args(["-c", &script]).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(app.post("/api/v1/me/mfa/totp/confirm", Some(&token), &json!({ "code": code })).await.status, 200);
    let (url, cookie) = start_login(&app).await;
    let r = callback(&app, &url, Some(&cookie)).await;
    assert_eq!(r.json["mfa_required"], true, "{}", r.text);
    assert!(r.json.get("access_token").is_none());
    app.get("/api/v1/auth/oauth/nope/authorize", None).await.assert_problem(404);
}

#[tokio::test]
async fn the_sign_in_page_learns_the_configured_providers() {
    let provider = Provider::start("ok", "oidc-subject-7", "oidc.seven@example.com");
    let app = app_with(&provider).await;
    let r = read(app.client.get(app.url("/api/v1/auth/providers")).send().await.unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"providers": [{"name": "mock", "display_name": "Mock ID", "authorize_url": "/api/v1/auth/oauth/mock/authorize"}]})
    );
    assert_eq!(r.headers["cache-control"], "public, max-age=60");
    // The advertised URL is the one that starts a sign-in.
    let authorize = app.client.get(app.url("/api/v1/auth/oauth/mock/authorize")).send().await.unwrap();
    assert_eq!(authorize.status(), 302);

    let bare = spawn_app().await;
    let none = read(bare.client.get(bare.url("/api/v1/auth/providers")).send().await.unwrap()).await;
    assert_eq!(none.json, json!({"providers": []}));
}

/// The callback as a browser's page load: sent on to the web app, whose
/// fetch of the same callback then signs in (the redirect used nothing up).
#[tokio::test]
async fn a_browser_landing_on_the_callback_is_handed_to_the_web_app() {
    let provider = Provider::start("ok", "oidc-subject-8", "oidc.eight@example.com");
    let app = app_with(&provider).await;
    let (url, cookie) = start_login(&app).await;
    let landing =
        app.client.get(&url).header("cookie", &cookie).header("sec-fetch-mode", "navigate").send().await.unwrap();
    assert_eq!(landing.status(), 303);
    assert_eq!(landing.headers()["cache-control"], "no-store");
    let location = landing.headers()["location"].to_str().unwrap().to_owned();
    let fragment = location.strip_prefix("/#/oauth?").unwrap_or_else(|| panic!("{location}"));
    let handed: std::collections::HashMap<String, String> =
        reqwest::Url::parse(&format!("http://x/?{fragment}")).unwrap().query_pairs().into_owned().collect();
    let given: std::collections::HashMap<String, String> =
        reqwest::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
    assert_eq!(handed["provider"], "mock");
    assert_eq!((&handed["code"], &handed["state"]), (&given["code"], &given["state"]));

    // What the web app does next: fetch the callback with the same query.
    let r = callback(&app, &url, Some(&cookie)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.me(r.json["access_token"].as_str().unwrap()).await.json["email"], "oidc.eight@example.com");

    // Older browsers send no Fetch Metadata; their page loads ask for HTML.
    let old = app.client.get(&url).header("accept", "text/html,application/xhtml+xml").send().await.unwrap();
    assert_eq!(old.status(), 303);
    // A refusal travels too, so the app can say what happened.
    let refused = app
        .client
        .get(app.url("/api/v1/auth/oauth/mock/callback?error=access_denied"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.headers()["location"], "/#/oauth?provider=mock&error=access_denied");
    let said = callback(&app, &app.url("/api/v1/auth/oauth/mock/callback?error=access_denied"), None).await;
    said.assert_problem(400);
    assert!(said.text.contains("refused the sign-in: access_denied"), "{}", said.text);
    // Free text in the parameter is not repeated: a crafted link cannot put words on the page.
    let crafted = "/api/v1/auth/oauth/mock/callback?error=Call%20%2B1-555-0100%20to%20unlock";
    let said = callback(&app, &app.url(crafted), None).await;
    assert!(said.text.contains("an unrecognised error") && !said.text.contains("555"), "{}", said.text);
    let unknown = app
        .client
        .get(app.url("/api/v1/auth/oauth/nope/callback?code=x&state=y"))
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

/// Pretends the session behind `token` began 11 minutes ago.
async fn age_session(app: &TestApp, token: &str) {
    use sqlx::{Connection, PgConnection};
    let claims = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, claims).unwrap(),
    )
    .unwrap();
    let mut conn = PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, None, true).await;
    let aged =
        sqlx::query("update sessions set created_at = now() - interval '11 minutes' where session_id = $1::uuid")
            .bind(claims["sid"].as_str().unwrap())
            .execute(&mut *tx)
            .await
            .unwrap();
    assert_eq!(aged.rows_affected(), 1);
    tx.commit().await.unwrap();
}

async fn provider_sign_in(app: &TestApp) -> String {
    let (url, cookie) = start_login(app).await;
    let r = callback(app, &url, Some(&cookie)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["access_token"].as_str().unwrap().to_owned()
}

/// An account made through a provider has no password to re-enter: a recent
/// sign-in at the provider stands in for it, so it can still set a password,
/// turn MFA off or erase itself (GDPR), and a stolen old token cannot.
#[tokio::test]
async fn a_provider_account_confirms_sensitive_changes_by_a_recent_sign_in() {
    let provider = Provider::start("ok", "oidc-subject-9", "oidc.nine@example.com");
    let app = app_with(&provider).await;
    let token = provider_sign_in(&app).await;
    assert_eq!(app.me(&token).await.json["has_password"], false);
    let export = app.get("/api/v1/me/export", Some(&token)).await;
    assert_eq!(export.json["identities"][0]["issuer"], provider.issuer.as_str(), "{}", export.text);
    assert_eq!(export.json["identities"][0]["email"], "oidc.nine@example.com");

    age_session(&app, &token).await;
    let set = json!({"new_password": PASSWORD});
    let stale = app.post("/api/v1/me/password", Some(&token), &set).await;
    assert!(stale.assert_problem(403)["detail"].as_str().unwrap().contains("sign in with it again"));
    app.request(reqwest::Method::DELETE, "/api/v1/me", Some(&token), Some(&json!({}))).await.assert_problem(403);
    app.post("/api/v1/me/oauth/mock/link", Some(&token), &json!({})).await.assert_problem(403);

    // Fresh from the provider: the first password can be set, and then it is required.
    let token = provider_sign_in(&app).await;
    let r = app.post("/api/v1/me/password", Some(&token), &set).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(app.me(&token).await.json["has_password"], true);
    assert_eq!(app.login("oidc.nine@example.com", PASSWORD).await.status, 200);
    let no_password = app.request(reqwest::Method::DELETE, "/api/v1/me", Some(&token), Some(&json!({}))).await;
    assert_eq!(no_password.assert_problem(422)["errors"][0]["field"], "password");
    let erase = json!({"password": PASSWORD});
    let r = app.request(reqwest::Method::DELETE, "/api/v1/me", Some(&token), Some(&erase)).await;
    assert_eq!(r.status, 204, "{}", r.text);

    // Erased with its identity: the next provider sign-in makes a new account,
    // which can erase itself straight away.
    let token = provider_sign_in(&app).await;
    assert_eq!(app.me(&token).await.json["has_password"], false);
    let r = app.request(reqwest::Method::DELETE, "/api/v1/me", Some(&token), Some(&json!({}))).await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.me(&token).await.assert_problem(401);
}

#[tokio::test]
async fn an_email_the_provider_does_not_vouch_for_makes_no_account() {
    for mode in ["no_email_verified", "email_unverified"] {
        let email = format!("unverified.{mode}@example.com");
        let provider = Provider::start(mode, &format!("subject-{mode}"), &email);
        let app = app_with(&provider).await;
        let (url, cookie) = start_login(&app).await;
        let r = callback(&app, &url, Some(&cookie)).await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], "email", "{mode}: {}", r.text);
        // Nobody was created under that address: a password sign-up with it still works.
        assert_eq!(app.register(&email, PASSWORD).await.status, 201, "{mode}");
    }
}

#[tokio::test]
async fn the_provider_endpoints_spend_the_per_address_auth_budget() {
    let provider = Provider::start("ok", "oidc-budget", "oidc.budget@example.com");
    let app = app_with_and(&provider, |s| s.rate_limits.auth_per_ip_per_minute = 3).await;
    let providers = app.get("/api/v1/auth/providers", None).await;
    assert_eq!(providers.status, 200);
    assert!(providers.header("ratelimit").is_some_and(|v| v.starts_with("\"auth\";r=2;")), "{:?}", providers.headers);
    let authorize = app.client.get(app.url("/api/v1/auth/oauth/mock/authorize")).send().await.unwrap();
    assert_eq!(authorize.status(), 302);
    let callback = app.get("/api/v1/auth/oauth/mock/callback?code=x&state=y", None).await;
    assert_eq!(callback.status, 400, "{}", callback.text);
    for path in ["/api/v1/auth/providers", "/api/v1/auth/oauth/mock/authorize", "/api/v1/auth/oauth/mock/callback"] {
        let r = read(app.client.get(app.url(path)).send().await.unwrap()).await;
        r.assert_problem(429);
        assert!(r.header("retry-after").is_some(), "{path}");
    }
}
