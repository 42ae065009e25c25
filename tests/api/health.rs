use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn liveness_answers_without_dependencies() {
    let app = spawn_app_with(|s| s.database.port = 1).await;
    let r = app.get("/health/live", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["status"], "live");
}

#[tokio::test]
async fn readiness_is_ok_with_postgres_migrated_and_redis_up() {
    let app = spawn_app().await;
    let r = app.get("/health/ready", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status"], "ready");
    assert_eq!(r.json["checks"]["postgres"], "ok");
    assert_eq!(r.json["checks"]["migrations"], "current");
    assert_eq!(r.json["checks"]["redis"], "ok");
}

#[tokio::test]
async fn readiness_reports_redis_degraded_but_stays_ready() {
    let app = spawn_app_with(|s| s.redis.url = "redis://127.0.0.1:1".to_owned().into()).await;
    let r = app.get("/health/ready", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["checks"]["redis"], "degraded");
}

#[tokio::test]
async fn readiness_fails_when_postgres_is_unreachable() {
    let app = spawn_app_with(|s| {
        s.database.port = 1;
        s.database.acquire_timeout_ms = 500;
    })
    .await;
    let r = app.get("/health/ready", None).await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json["checks"]["postgres"], "unavailable");
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn readiness_turns_503_once_draining_begins() {
    let app = spawn_app().await;
    app.handle.begin_drain();
    let r = app.get("/health/ready", None).await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json["status"], "shutting_down");
    // Liveness is unaffected: the process is healthy, just leaving.
    assert_eq!(app.get("/health/live", None).await.status, 200);
}
