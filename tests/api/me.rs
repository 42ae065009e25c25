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
