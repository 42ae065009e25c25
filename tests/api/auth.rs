use serde_json::json;

use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn register_returns_the_user_without_any_password_material() {
    let app = spawn_app().await;
    let r = app.register("  Ada@Example.COM ", PASSWORD).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["email"], "ada@example.com");
    assert_eq!(r.json["role"], "member");
    assert_eq!(r.json["display_name"], "Test User");
    assert!(!r.text.contains("argon2"), "{}", r.text);
    assert!(r.json.get("password_hash").is_none());
    assert!(r.json.get("password").is_none());
}

#[tokio::test]
async fn register_stores_an_argon2id_hash() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    // Read as the owner would through RLS: act as the user.
    let mut tx = taskflow::db::begin_as(
        &app.pool,
        &taskflow::db::Actor::Account {
            user_id: taskflow::domain::user::UserId(user.user_id),
            role: taskflow::domain::user::GlobalRole::Member,
        },
    )
    .await
    .expect("begin");
    let hash = taskflow::db::users::password_hash(&mut tx, taskflow::domain::user::UserId(user.user_id))
        .await
        .expect("query")
        .expect("hash");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
}

#[tokio::test]
async fn email_is_unique_ignoring_case() {
    let app = spawn_app().await;
    assert_eq!(app.register("dup@example.com", PASSWORD).await.status, 201);
    let r = app.register("DUP@example.com", PASSWORD).await;
    let p = r.assert_problem(409);
    assert_eq!(p["detail"], "an account with this email already exists");
}

#[tokio::test]
async fn register_reports_every_invalid_field() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({ "email": "not-an-email", "password": "short", "display_name": "   " }),
        )
        .await;
    let p = r.assert_problem(422);
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "password", "display_name"]);
}

#[tokio::test]
async fn password_length_limits_are_12_to_128_characters() {
    let app = spawn_app().await;
    app.register("a@example.com", &"x".repeat(11)).await.assert_problem(422);
    app.register("b@example.com", &"x".repeat(129)).await.assert_problem(422);
    assert_eq!(app.register("c@example.com", &"x".repeat(12)).await.status, 201);
    assert_eq!(app.register("d@example.com", &"x".repeat(128)).await.status, 201);
}

#[tokio::test]
async fn login_returns_a_bearer_token_pair() {
    let app = spawn_app().await;
    app.register("login@example.com", PASSWORD).await;
    let r = app.login("LOGIN@example.com", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["expires_in"], 900);
    assert_eq!(r.json["access_token"].as_str().unwrap().split('.').count(), 3);
    assert!(r.json["refresh_token"].as_str().unwrap().starts_with("tfr_"));
    let me = app.me(r.json["access_token"].as_str().unwrap()).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json["email"], "login@example.com");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_are_indistinguishable() {
    let app = spawn_app().await;
    app.register("known@example.com", PASSWORD).await;
    let wrong = app.login("known@example.com", "not the right password").await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    wrong.assert_problem(401);
    unknown.assert_problem(401);
    assert_eq!(wrong.text, unknown.text);
    assert_eq!(wrong.header("www-authenticate"), unknown.header("www-authenticate"));
}

#[tokio::test]
async fn refresh_rotates_the_pair() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let r = app.refresh(&user.refresh_token).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let new_refresh = r.json["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, user.refresh_token);
    assert_eq!(app.me(r.json["access_token"].as_str().unwrap()).await.status, 200);
    // The successor rotates again.
    assert_eq!(app.refresh(new_refresh).await.status, 200);
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_whole_family() {
    let app = crate::helpers::spawn_app_with(|s| s.auth.refresh_reuse_grace_seconds = 1).await;
    let user = app.create_user().await;
    let rotated = app.refresh(&user.refresh_token).await;
    let successor = rotated.json["refresh_token"].as_str().unwrap().to_owned();
    let successor_access = rotated.json["access_token"].as_str().unwrap().to_owned();

    // A thief replays the first token once the grace is over (Redis expires it).
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    app.refresh(&user.refresh_token).await.assert_problem(401);

    // Every token of the family is now dead, refresh and access alike.
    app.refresh(&successor).await.assert_problem(401);
    app.me(&successor_access).await.assert_problem(401);
    app.me(&user.access_token).await.assert_problem(401);
    // Another session of the same user is untouched.
    let other = app.login(&user.email, PASSWORD).await;
    assert_eq!(app.me(other.json["access_token"].as_str().unwrap()).await.status, 200);
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_get_the_same_pair_and_keep_the_session() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    // Two tabs at once: the row lock serialises them, and the second is
    // handed the pair the first rotated to instead of revoking the session.
    let (a, b) = tokio::join!(app.refresh(&user.refresh_token), app.refresh(&user.refresh_token));
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (200, 200), "{} / {}", a.text, b.text);
    assert_eq!(a.json["refresh_token"], b.json["refresh_token"]);
    assert_eq!(a.json["access_token"], b.json["access_token"]);
    assert_eq!(app.me(a.json["access_token"].as_str().unwrap()).await.status, 200);
    // The shared successor rotates on as usual.
    assert_eq!(app.refresh(a.json["refresh_token"].as_str().unwrap()).await.status, 200);
}

#[tokio::test]
async fn without_a_grace_concurrent_refreshes_let_exactly_one_through() {
    let app = crate::helpers::spawn_app_with(|s| s.auth.refresh_reuse_grace_seconds = 0).await;
    let user = app.create_user().await;
    let (a, b) = tokio::join!(app.refresh(&user.refresh_token), app.refresh(&user.refresh_token));
    let ok = [a.status.as_u16(), b.status.as_u16()].iter().filter(|s| **s == 200).count();
    assert_eq!(ok, 1, "{} / {}", a.text, b.text);
    assert!(a.status == 401 || b.status == 401);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_401() {
    let app = spawn_app().await;
    app.refresh("tfr_not-a-real-token").await.assert_problem(401);
}

#[tokio::test]
async fn logout_revokes_the_access_and_refresh_tokens() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let r = app.logout(&user.access_token).await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.me(&user.access_token).await.assert_problem(401);
    app.refresh(&user.refresh_token).await.assert_problem(401);
}

#[tokio::test]
async fn logout_holds_without_redis() {
    // Redis is unreachable: the denylist write fails, and Postgres must still
    // refuse the revoked session.
    let app = crate::helpers::spawn_app_with(|s| s.redis.url = "redis://127.0.0.1:1".to_owned().into()).await;
    let user = app.create_user().await;
    assert_eq!(app.me(&user.access_token).await.status, 200);
    assert_eq!(app.logout(&user.access_token).await.status, 204);
    app.me(&user.access_token).await.assert_problem(401);
}
