use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn me_shows_the_signed_in_account() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let r = app.me(&user.access_token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["user_id"], user.user_id.to_string());
    assert_eq!(r.json["email"], user.email);
}

#[tokio::test]
async fn patch_me_changes_the_display_name_only() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let r = app
        .request(Method::PATCH, "/api/v1/me", Some(&user.access_token), Some(&json!({ "display_name": "  Grace  " })))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["display_name"], "Grace");
    assert_eq!(app.me(&user.access_token).await.json["display_name"], "Grace");

    // Fields other than display_name are refused, not silently ignored.
    let r = app
        .request(
            Method::PATCH,
            "/api/v1/me",
            Some(&user.access_token),
            Some(&json!({ "display_name": "x", "role": "admin" })),
        )
        .await;
    r.assert_problem(422);
    assert_eq!(app.me(&user.access_token).await.json["role"], "member");

    let r =
        app.request(Method::PATCH, "/api/v1/me", Some(&user.access_token), Some(&json!({ "display_name": "" }))).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "display_name");
}

#[tokio::test]
async fn change_password_needs_the_current_one() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&user.access_token),
            &json!({ "current_password": "definitely wrong!", "new_password": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "current_password");
    // Nothing changed.
    assert_eq!(app.login(&user.email, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn change_password_revokes_other_sessions_and_keeps_this_one() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let other = app.login(&user.email, PASSWORD).await;
    let other_access = other.json["access_token"].as_str().unwrap();
    let other_refresh = other.json["refresh_token"].as_str().unwrap();

    let r = app
        .post(
            "/api/v1/me/password",
            Some(&user.access_token),
            &json!({ "current_password": PASSWORD, "new_password": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);

    assert_eq!(app.me(&user.access_token).await.status, 200);
    app.me(other_access).await.assert_problem(401);
    app.refresh(other_refresh).await.assert_problem(401);
    app.login(&user.email, PASSWORD).await.assert_problem(401);
    assert_eq!(app.login(&user.email, "a brand new passphrase").await.status, 200);
}

#[tokio::test]
async fn a_new_password_must_meet_the_length_rule() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&user.access_token),
            &json!({ "current_password": PASSWORD, "new_password": "short" }),
        )
        .await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "new_password");
}

#[tokio::test]
async fn a_time_zone_is_chosen_at_sign_up_changed_later_and_exported() {
    let app = spawn_app().await;
    // API sign-ups without one are in UTC.
    let plain = app.create_user().await;
    assert_eq!(app.me(&plain.access_token).await.json["time_zone"], "UTC");

    let body = json!({ "email": "tz@example.com", "password": PASSWORD, "display_name": "Zoned", "time_zone": "Europe/Berlin" });
    let r = app.post("/api/v1/auth/register", None, &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["time_zone"], "Europe/Berlin");
    let token = app.login("tz@example.com", PASSWORD).await.json["access_token"].as_str().unwrap().to_owned();
    let bad =
        json!({ "email": "tz2@example.com", "password": PASSWORD, "display_name": "Z", "time_zone": "Mars/Base" });
    let r = app.post("/api/v1/auth/register", None, &bad).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "time_zone");

    // PATCH changes what it names and keeps the rest.
    let patch = |body: serde_json::Value| {
        let (app, token) = (&app, token.clone());
        async move { app.request(Method::PATCH, "/api/v1/me", Some(&token), Some(&body)).await }
    };
    let r = patch(json!({ "time_zone": "America/New_York" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.json["time_zone"].as_str(), r.json["display_name"].as_str()),
        (Some("America/New_York"), Some("Zoned"))
    );
    let r = patch(json!({ "display_name": "Still zoned" })).await;
    assert_eq!(r.json["time_zone"], "America/New_York");
    // Both fields wrong: both named, nothing changed.
    let r = patch(json!({ "display_name": "", "time_zone": "New York" })).await;
    let fields: Vec<&str> =
        r.assert_problem(422)["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["display_name", "time_zone"]);
    assert_eq!(patch(json!({})).await.assert_problem(422)["errors"][0]["field"], "body");
    assert_eq!(patch(json!({ "time_zone": null })).await.status, 422, "a zone cannot be cleared");
    let me = app.me(&token).await;
    assert_eq!(
        (me.json["display_name"].as_str(), me.json["time_zone"].as_str()),
        (Some("Still zoned"), Some("America/New_York"))
    );

    // The GDPR export holds it too.
    let export = app.get("/api/v1/me/export", Some(&token)).await;
    assert_eq!(export.json["profile"]["time_zone"], "America/New_York", "{}", export.text);
}
