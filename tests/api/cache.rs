//! The Redis cache: served when fresh, never to someone RLS would refuse,
//! and never needed for a correct answer.

use std::process::{Child, Command, Stdio};

use serde_json::json;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, TestApp, TestUser};

async fn summary(app: &TestApp, user: &TestUser, team: Uuid) -> crate::helpers::Reply {
    app.get(&format!("/api/v1/teams/{team}/summary"), Some(&user.access_token)).await
}

/// Adds a task behind the API's back (no cache invalidation), as an admin context.
async fn insert_task_directly(app: &TestApp, team: Uuid, creator: Uuid) {
    let mut conn = PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, None, true).await;
    sqlx::query("insert into tasks (task_id, team_id, created_by, title) values ($1, $2, $3, 'sneaky')")
        .bind(Uuid::now_v7())
        .bind(team)
        .bind(creator)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn total(r: &crate::helpers::Reply) -> i64 {
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["tasks"]["total"].as_i64().unwrap()
}

#[tokio::test]
async fn team_summary_is_cached_and_invalidated_by_writes() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.create_task(&owner, json!({ "title": "a", "team_id": team, "due_at": "2000-01-01T00:00:00Z" })).await;
    let first = summary(&app, &owner, team).await;
    assert_eq!(total(&first), 1);
    assert_eq!(first.json["overdue"], 1);

    insert_task_directly(&app, team, owner.user_id).await;
    assert_eq!(total(&summary(&app, &owner, team).await), 1, "the second read is served from the cache");

    // A write through the API invalidates in the same code path.
    app.create_task(&owner, json!({ "title": "b", "team_id": team })).await;
    assert_eq!(total(&summary(&app, &owner, team).await), 3);
}

#[tokio::test]
async fn a_removed_member_stops_seeing_cached_team_data_at_once() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.create_task(&owner, json!({ "title": "a", "team_id": team })).await;
    let now = chrono::Utc::now();
    let from = (now - chrono::Duration::days(30)).format("%Y-%m-%dT00:00:00Z");
    let to = (now + chrono::Duration::days(1)).format("%Y-%m-%dT00:00:00Z");
    let report = format!("/api/v1/reports/time?team_id={team}&from={from}&to={to}");
    // Warm both caches for the member.
    assert_eq!(total(&summary(&app, &member, team).await), 1);
    assert_eq!(total(&summary(&app, &member, team).await), 1);
    assert_eq!(app.get(&report, Some(&member.access_token)).await.status, 200);
    assert_eq!(app.get(&report, Some(&member.access_token)).await.status, 200);

    let r = app.delete(&format!("/api/v1/teams/{team}/members/{}", member.user_id), Some(&owner.access_token)).await;
    assert_eq!(r.status, 204);
    summary(&app, &member, team).await.assert_problem(404);
    app.get(&report, Some(&member.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn cached_views_are_per_user() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let t = app.create_task(&owner, json!({ "title": "a", "team_id": team })).await;
    let entries = format!("/api/v1/tasks/{}/time-entries", t["task_id"].as_str().unwrap());
    let start = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    app.post(&entries, Some(&owner.access_token), &json!({ "started_at": start, "duration_seconds": 600 })).await;
    app.post(&entries, Some(&member.access_token), &json!({ "started_at": start, "duration_seconds": 60 })).await;
    // The owner sees all tracked time, the member only their own, cached or not.
    for _ in 0..2 {
        assert_eq!(summary(&app, &owner, team).await.json["tracked_seconds_last_7_days"], 660);
        assert_eq!(summary(&app, &member, team).await.json["tracked_seconds_last_7_days"], 60);
    }
}

struct RedisServer {
    child: Child,
}

impl RedisServer {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (make test installs it when missing)");
        let server = Self { child };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("redis-server did not listen on {port}");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn answers_stay_correct_while_redis_dies_and_caching_resumes_when_it_returns() {
    let port = free_port();
    let redis = RedisServer::start(port);
    let app = spawn_app_with(|s| {
        s.redis.url = format!("redis://127.0.0.1:{port}").into();
        s.redis.cache_ttl_seconds = 1;
    })
    .await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.create_task(&owner, json!({ "title": "a", "team_id": team })).await;
    assert_eq!(total(&summary(&app, &owner, team).await), 1);
    assert_eq!(app.get("/health/ready", None).await.json["checks"]["redis"], "ok");

    drop(redis);
    // Reads and writes keep working from Postgres, with fresh answers.
    insert_task_directly(&app, team, owner.user_id).await;
    assert_eq!(total(&summary(&app, &owner, team).await), 2);
    app.create_task(&owner, json!({ "title": "b", "team_id": team })).await;
    assert_eq!(total(&summary(&app, &owner, team).await), 3);
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.json["checks"]["redis"], "degraded");
    let me = app.me(&owner.access_token).await;
    assert_eq!(me.status, 200);

    let _redis = RedisServer::start(port);
    // Recovery needs no restart: within a few cache lifetimes a read is cached
    // again, which a write behind the API's back makes visible.
    let mut recovered = false;
    for attempt in 0..40 {
        let before = total(&summary(&app, &owner, team).await);
        insert_task_directly(&app, team, owner.user_id).await;
        let after = total(&summary(&app, &owner, team).await);
        if after == before {
            recovered = true;
            break;
        }
        assert_eq!(after, before + 1, "attempt {attempt}: a fresh answer must be exact");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(recovered, "the cache never served a hit after Redis came back");
    assert_eq!(app.get("/health/ready", None).await.json["checks"]["redis"], "ok");
}
