//! Bad input is always a clear problem+json 4xx; a starved pool is a 503.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{read, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let r = read(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body("{\"email\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(400);
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let r = read(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "text/plain")
            .body(r#"{"email":"a@b.c","password":"x"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(415);
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_422() {
    let app = spawn_app().await;
    let r = app
        .post("/api/v1/auth/login", None, &json!({ "email": "a@example.com", "password": "x", "admin": true }))
        .await;
    let p = r.assert_problem(422);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("unknown field"), "{}", r.text);
    app.post("/api/v1/auth/login", None, &json!({ "email": 42, "password": "x" })).await.assert_problem(422);
    app.post("/api/v1/auth/login", None, &json!({ "email": "a@example.com" })).await.assert_problem(422);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app().await;
    let huge = "x".repeat(1024 * 1024 + 1);
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({ "email": "a@example.com", "password": huge, "display_name": "x" }),
        )
        .await;
    r.assert_problem(413);
}

#[tokio::test]
async fn a_configured_smaller_limit_is_honoured() {
    let app = spawn_app_with(|s| s.application.max_body_bytes = 64).await;
    let r =
        app.post("/api/v1/auth/login", None, &json!({ "email": "a@example.com", "password": "p".repeat(100) })).await;
    r.assert_problem(413);
}

#[tokio::test]
async fn unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    app.get("/api/v1/does-not-exist", None).await.assert_problem(404);
    // `/` is the web app now; anything else outside the routes is still a problem.
    app.get("/nothing-here", None).await.assert_problem(404);
    app.get("/assets/", None).await.assert_problem(404);
}

#[tokio::test]
async fn wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let r = app.request(Method::PUT, "/api/v1/me", None, None).await;
    r.assert_problem(405);
    let allow = r.header("allow").unwrap_or_default();
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");
    app.get("/api/v1/auth/login", None).await.assert_problem(405);
}

#[tokio::test]
async fn an_exhausted_pool_is_a_fast_503_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.database.max_connections = 1;
        s.database.acquire_timeout_ms = 300;
    })
    .await;
    let user = app.create_user().await;
    let _held = app.pool.acquire().await.expect("hold the only connection");
    // A hang would fail here as a client timeout rather than block the suite.
    let r = read(
        app.client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&user.access_token)
            .timeout(std::time::Duration::from_secs(30))
            .send()
            .await
            .expect("answered instead of hanging"),
    )
    .await;
    r.assert_problem(503);
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let app = spawn_app().await;
    let r =
        read(app.client.get(app.url("/health/live")).header("x-request-id", "trace-123").send().await.unwrap()).await;
    assert_eq!(r.header("x-request-id"), Some("trace-123"));
    let r = read(
        app.client.get(app.url("/health/live")).header("x-request-id", "bad id with spaces").send().await.unwrap(),
    )
    .await;
    let made = r.header("x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(made).is_ok(), "{made}");
}
