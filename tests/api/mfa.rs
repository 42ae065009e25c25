//! TOTP MFA end to end, with codes from an independent implementation (pyotp).

use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, TestUser, PASSWORD};

/// The code pyotp computes for `secret`, `offset` steps from now.
fn pyotp(secret: &str, offset: i64) -> String {
    let script = format!("import pyotp, time; print(pyotp.TOTP('{secret}').at(time.time() + {offset} * 30))");
    let out =
        Command::new("python3").args(["-c", &script]).output().expect("python3 with pyotp (make test installs it)");
    assert!(out.status.success(), "pyotp failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Enrols and confirms MFA; returns the base32 secret and the recovery codes.
async fn enable_mfa(app: &TestApp, user: &TestUser) -> (String, Vec<String>) {
    let enrol = app.post("/api/v1/me/mfa/totp", Some(&user.access_token), &json!({})).await;
    assert_eq!(enrol.status, 200, "{}", enrol.text);
    let secret = enrol.json["secret"].as_str().unwrap().to_owned();
    assert!(enrol.json["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/TaskFlow:"));
    assert!(enrol.json["qr_png_base64"].as_str().unwrap().len() > 100);
    let confirm =
        app.post("/api/v1/me/mfa/totp/confirm", Some(&user.access_token), &json!({ "code": pyotp(&secret, 0) })).await;
    assert_eq!(confirm.status, 200, "{}", confirm.text);
    let codes: Vec<String> =
        confirm.json["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn mfa_token(app: &TestApp, user: &TestUser) -> String {
    let r = app.login(&user.email, PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["mfa_required"], true, "{}", r.text);
    assert!(r.json.get("access_token").is_none(), "no tokens before the second factor");
    r.json["mfa_token"].as_str().unwrap().to_owned()
}

async fn verify(app: &TestApp, token: &str, body: Value) -> crate::helpers::Reply {
    let mut body = body;
    body["mfa_token"] = json!(token);
    app.post("/api/v1/auth/mfa/verify", None, &body).await
}

#[tokio::test]
async fn totp_enrolment_and_login_work_with_a_standard_authenticator() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let (secret, _) = enable_mfa(&app, &user).await;

    let token = mfa_token(&app, &user).await;
    // The MFA token is not an access token.
    app.me(&token).await.assert_problem(401);
    app.get("/api/v1/tasks", Some(&token)).await.assert_problem(401);
    app.refresh(&token).await.assert_problem(401);

    let wrong = verify(&app, &token, json!({ "code": "000000" })).await;
    wrong.assert_problem(401);
    // The next step's code is inside the ±1 window and newer than the one confirmed.
    let code = pyotp(&secret, 1);
    let ok = verify(&app, &token, json!({ "code": code })).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(app.me(ok.json["access_token"].as_str().unwrap()).await.status, 200);

    // A code is accepted once: replaying it, even with a fresh challenge, fails.
    let again = mfa_token(&app, &user).await;
    verify(&app, &again, json!({ "code": code })).await.assert_problem(401);
    // And a challenge is good for one success only.
    verify(&app, &token, json!({ "code": pyotp(&secret, 1) })).await.assert_problem(401);
}

#[tokio::test]
async fn recovery_codes_work_once_and_regenerating_replaces_them() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let (secret, codes) = enable_mfa(&app, &user).await;

    let token = mfa_token(&app, &user).await;
    let ok = verify(&app, &token, json!({ "recovery_code": codes[0].to_uppercase() })).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let token = mfa_token(&app, &user).await;
    verify(&app, &token, json!({ "recovery_code": codes[0] })).await.assert_problem(401);

    let fresh = ok.json["access_token"].as_str().unwrap();
    // A stolen session alone cannot mint new codes: the password is needed too.
    let r = app.post("/api/v1/me/mfa/recovery-codes", Some(fresh), &json!({ "code": pyotp(&secret, 1) })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "password");
    let r = app
        .post("/api/v1/me/mfa/recovery-codes", Some(fresh), &json!({ "password": PASSWORD, "code": pyotp(&secret, 1) }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let new_codes = r.json["recovery_codes"].as_array().unwrap();
    // The old set is void; the new one works.
    verify(&app, &token, json!({ "recovery_code": codes[1] })).await.assert_problem(401);
    let token = mfa_token(&app, &user).await;
    let ok = verify(&app, &token, json!({ "recovery_code": new_codes[0] })).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn disabling_needs_password_and_code_and_is_audited() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let (secret, _) = enable_mfa(&app, &user).await;
    let path = "/api/v1/me/mfa/totp/disable";
    let wrong_pw = app
        .request(
            reqwest::Method::POST,
            path,
            Some(&user.access_token),
            Some(&json!({ "password": "not my password!", "code": pyotp(&secret, 1) })),
        )
        .await;
    wrong_pw.assert_problem(422);
    let wrong_code = app
        .request(
            reqwest::Method::POST,
            path,
            Some(&user.access_token),
            Some(&json!({ "password": PASSWORD, "code": "123456" })),
        )
        .await;
    wrong_code.assert_problem(422);
    let ok = app
        .request(
            reqwest::Method::POST,
            path,
            Some(&user.access_token),
            Some(&json!({ "password": PASSWORD, "code": pyotp(&secret, 1) })),
        )
        .await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    assert!(ok.header("deprecation").is_none(), "the POST action is the primary form");
    // Plain password login again.
    assert!(app.login(&user.email, PASSWORD).await.json["access_token"].is_string());
    let events = app.get("/api/v1/me/audit-events", Some(&user.access_token)).await;
    let actions: Vec<&str> =
        events.json["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"mfa.enabled") && actions.contains(&"mfa.disabled"), "{actions:?}");
}

/// The DELETE-with-a-body form keeps working until its sunset and says so.
#[tokio::test]
async fn the_delete_form_still_turns_mfa_off_and_announces_its_sunset() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let (secret, _) = enable_mfa(&app, &user).await;
    let body = json!({ "password": PASSWORD, "code": pyotp(&secret, 1) });
    let ok = app.request(reqwest::Method::DELETE, "/api/v1/me/mfa/totp", Some(&user.access_token), Some(&body)).await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    assert_eq!(ok.header("deprecation"), Some("@1796083200"));
    assert_eq!(ok.header("sunset"), Some("Tue, 01 Jun 2027 00:00:00 GMT"));
    assert_eq!(ok.header("link"), Some("</api/v1/me/mfa/totp/disable>; rel=\"successor-version\""));
    assert!(app.login(&user.email, PASSWORD).await.json["access_token"].is_string(), "MFA is off");
}

#[tokio::test]
async fn wrong_codes_count_toward_the_sign_in_lockout() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let (secret, _) = enable_mfa(&app, &user).await;
    let token = mfa_token(&app, &user).await;
    for _ in 0..5 {
        verify(&app, &token, json!({ "code": "999999" })).await.assert_problem(401);
    }
    verify(&app, &token, json!({ "code": pyotp(&secret, 1) })).await.assert_problem(429);
}

#[tokio::test]
async fn totp_secrets_are_stored_encrypted() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let (secret, _) = enable_mfa(&app, &user).await;
    let mut tx = app.pool.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, Some(user.user_id), false).await;
    let (key_id, ciphertext): (String, Vec<u8>) =
        sqlx::query_as("select key_id, secret_ciphertext from user_mfa").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(key_id, "dev");
    let raw = totp_rs::Secret::try_from_base32(&secret).unwrap();
    let raw: &[u8] = raw.as_ref();
    assert!(!ciphertext.windows(raw.len()).any(|w| w == raw), "the plaintext secret is in the database");
    assert_eq!(ciphertext.len(), raw.len() + 16, "AES-GCM adds a 16-byte tag");
}

#[tokio::test]
async fn one_mfa_token_opens_one_session_even_when_two_verifies_race() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let (_, codes) = enable_mfa(&app, &user).await;
    // Two different valid factors at once, so neither is refused as a replay
    // of the other: only the claim on the token can stop the second.
    for pair in codes.chunks(2) {
        let token = mfa_token(&app, &user).await;
        let (a, b) = tokio::join!(
            verify(&app, &token, json!({ "recovery_code": pair[0] })),
            verify(&app, &token, json!({ "recovery_code": pair[1] })),
        );
        let ok = [&a, &b].iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 1, "exactly one session per MFA token: {} / {}", a.text, b.text);
    }
}

#[tokio::test]
async fn wrong_passwords_and_codes_outside_login_lock_only_that_action() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let (secret, _) = enable_mfa(&app, &user).await;
    let tok = Some(user.access_token.as_str());
    // Five wrong codes for new recovery codes, then even a right one waits.
    for _ in 0..5 {
        let body = json!({ "password": PASSWORD, "code": "000000" });
        app.post("/api/v1/me/mfa/recovery-codes", tok, &body).await.assert_problem(422);
    }
    let body = json!({ "password": PASSWORD, "code": pyotp(&secret, 1) });
    let locked = app.post("/api/v1/me/mfa/recovery-codes", tok, &body).await;
    locked.assert_problem(429);
    assert!(locked.header("retry-after").is_some());
    // Wrong passwords count the same way, per action.
    for _ in 0..5 {
        let body = json!({ "current_password": "not the password at all", "new_password": "another long passphrase" });
        app.post("/api/v1/me/password", tok, &body).await.assert_problem(422);
    }
    let body = json!({ "current_password": PASSWORD, "new_password": "another long passphrase" });
    app.post("/api/v1/me/password", tok, &body).await.assert_problem(429);
    // Other actions, the session and signing in are untouched.
    assert_eq!(app.me(&user.access_token).await.status, 200);
    let r = app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/me/mfa/totp",
            tok,
            Some(&json!({ "password": "wrong", "code": "1" })),
        )
        .await;
    assert_eq!(r.status, 422, "a different action still checks: {}", r.text);
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200);
    // The lock is audited.
    let events = app.get("/api/v1/me/audit-events?limit=200", tok).await;
    let locks = events.json["items"].as_array().unwrap().iter().filter(|e| e["action"] == "auth.action_locked").count();
    assert_eq!(locks, 2, "{}", events.text);
}
