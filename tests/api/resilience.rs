//! Faults around the server: retries, shutdown, a database that goes away,
//! statements that run too long.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::helpers::{lock_task, read, spawn_app, spawn_app_with, test_settings, ServerProcess, TestDatabase};

#[tokio::test]
async fn a_retried_create_with_the_same_idempotency_key_makes_one_task() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let body = json!({ "title": "pay the invoice" });
    let send = |timeout: Option<Duration>| {
        let mut req = app
            .client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&u.access_token)
            .header("idempotency-key", "invoice-42")
            .json(&body);
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        req.send()
    };
    // The client gives up before it hears back; it cannot know whether the task exists.
    let _ = send(Some(Duration::from_millis(1))).await;
    let retry = read(send(None).await.unwrap()).await;
    assert_eq!(retry.status, 201, "{}", retry.text);
    let again = read(send(None).await.unwrap()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json["task_id"], retry.json["task_id"]);
    assert_eq!(again.header("location"), retry.header("location"));

    let list = app.get("/api/v1/tasks?q=invoice", Some(&u.access_token)).await;
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1, "exactly one task: {}", list.text);

    // The same key with another body is refused, and creates nothing.
    let other = read(
        app.client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&u.access_token)
            .header("idempotency-key", "invoice-42")
            .json(&json!({ "title": "something else" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(other.assert_problem(422)["errors"][0]["field"], "idempotency_key");
    assert_eq!(app.get("/api/v1/tasks", Some(&u.access_token)).await.json["items"].as_array().unwrap().len(), 1);

    // Keys are per user.
    let v = app.create_user().await;
    let theirs = read(
        app.client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&v.access_token)
            .header("idempotency-key", "invoice-42")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(theirs.status, 201);
    assert!(theirs.header("idempotent-replayed").is_none());
    assert_ne!(theirs.json["task_id"], retry.json["task_id"]);
}

#[tokio::test]
async fn concurrent_creates_with_one_key_create_once() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t" })).await;
    let path = format!("/api/v1/tasks/{}/comments", t["task_id"].as_str().unwrap());
    let send = || {
        app.client
            .post(app.url(&path))
            .bearer_auth(&u.access_token)
            .header("idempotency-key", "comment-1")
            .json(&json!({ "body": "only once" }))
            .send()
    };
    let (a, b) = tokio::join!(send(), send());
    let (a, b) = (read(a.unwrap()).await, read(b.unwrap()).await);
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201), "{} / {}", a.text, b.text);
    assert_eq!(a.json["comment_id"], b.json["comment_id"]);
    assert_eq!(app.get(&path, Some(&u.access_token)).await.json["items"].as_array().unwrap().len(), 1);

    // Time entries honour keys too; a bad key is a 422.
    let entries = format!("/api/v1/tasks/{}/time-entries", t["task_id"].as_str().unwrap());
    let start = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    for _ in 0..2 {
        let r = read(
            app.client
                .post(app.url(&entries))
                .bearer_auth(&u.access_token)
                .header("idempotency-key", "entry-1")
                .json(&json!({ "started_at": start, "duration_seconds": 60 }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    assert_eq!(app.get(&entries, Some(&u.access_token)).await.json["items"].as_array().unwrap().len(), 1);
    let bad = read(
        app.client
            .post(app.url(&entries))
            .bearer_auth(&u.access_token)
            .header("idempotency-key", "has spaces")
            .json(&json!({ "started_at": start, "duration_seconds": 60 }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    bad.assert_problem(422);
}

#[tokio::test]
async fn sigterm_fails_readiness_then_finishes_in_flight_requests_and_exits_0() {
    let settings = test_settings();
    let db = TestDatabase::create(&settings).await;
    let server = ServerProcess::start(&db, &settings, &[("TASKFLOW_APPLICATION__DRAIN_SECONDS", "1")]);
    let client = reqwest::Client::new();
    let base = server.base.clone();
    // A user and a task, through the real binary.
    let app = crate::helpers::spawn_app_with(|s| s.database.name = db.name.clone()).await;
    let user = app.create_user().await;
    let task = app.create_task(&user, json!({ "title": "slow" })).await;
    let task_id = task["task_id"].as_str().unwrap().to_owned();

    // The PATCH waits on a row lock the test holds: a slow request, made deterministic.
    let lock = lock_task(&app, &user, &task_id).await;
    let patch = {
        let client = client.clone();
        let url = format!("{base}/api/v1/tasks/{task_id}");
        let token = user.access_token.clone();
        tokio::spawn(
            async move { client.patch(url).bearer_auth(token).json(&json!({ "title": "finished" })).send().await },
        )
    };
    // Wait until the server has the request (the lock blocks it).
    let mut blocked = false;
    for _ in 0..400 {
        let waiting: i64 =
            sqlx::query_scalar("select count(*) from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'")
                .bind(&db.name)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        if waiting > 0 {
            blocked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(blocked, "the PATCH never reached the lock");

    server.sigterm();
    // Readiness fails while the listener still answers (the drain window).
    let mut saw_503 = false;
    for _ in 0..100 {
        match client.get(format!("{base}/health/ready")).send().await {
            Ok(r) if r.status() == 503 => {
                saw_503 = true;
                break;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(_) => break,
        }
    }
    assert!(saw_503, "readiness never reported 503 after SIGTERM");
    // Then the listener closes while the PATCH is still in flight.
    for _ in 0..400 {
        if client.get(format!("{base}/health/live")).send().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    lock.rollback().await.unwrap();
    let resp = patch.await.unwrap().expect("the in-flight request got an answer");
    assert_eq!(resp.status(), 200);
    let (status, _) = server.wait();
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(app.get(&format!("/api/v1/tasks/{task_id}"), Some(&user.access_token)).await.json["title"], "finished");
}

/// A TCP proxy to Postgres that the test can cut and restore, standing in
/// for a database restart without disturbing other tests.
struct Proxy {
    port: u16,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let t = tasks.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let handle = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", 5432)).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                t.lock().await.push(handle);
            }
        });
        Self { port, tasks, acceptor: Some(acceptor) }
    }

    async fn cut(&mut self) {
        if let Some(a) = self.acceptor.take() {
            a.abort();
            let _ = a.await;
        }
        for t in self.tasks.lock().await.drain(..) {
            t.abort();
        }
    }
}

#[tokio::test]
async fn while_postgres_is_away_requests_fail_fast_with_503_and_recover_without_restart() {
    let mut proxy = Proxy::start(0).await;
    let port = proxy.port;
    let app = spawn_app_with(|s| {
        s.database.port = port;
        s.database.acquire_timeout_ms = 1000;
    })
    .await;
    let u = app.create_user().await;
    app.create_task(&u, json!({ "title": "before" })).await;

    proxy.cut().await;
    let down = read(
        app.client
            .get(app.url("/api/v1/tasks"))
            .bearer_auth(&u.access_token)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("an answer, not a hang"),
    )
    .await;
    down.assert_problem(503);
    assert!(down.header("retry-after").is_some());
    assert_eq!(app.get("/health/ready", None).await.status, 503);

    let _proxy = Proxy::start(port).await;
    let mut recovered = None;
    for _ in 0..100 {
        let r = app.get("/api/v1/tasks", Some(&u.access_token)).await;
        if r.status == 200 {
            recovered = Some(r);
            break;
        }
        assert_eq!(r.status, 503, "only 503 while reconnecting: {}", r.text);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = recovered.expect("requests succeed again once Postgres is back");
    assert_eq!(r.json["items"][0]["title"], "before");
    assert_eq!(app.get("/health/ready", None).await.status, 200);
}

#[tokio::test]
async fn a_statement_over_the_timeout_is_a_503_and_changes_nothing() {
    let app = spawn_app_with(|s| s.database.statement_timeout_ms = 300).await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "locked" })).await;
    let id = t["task_id"].as_str().unwrap();
    let lock = lock_task(&app, &u, id).await;
    let r = app.patch(&format!("/api/v1/tasks/{id}"), Some(&u.access_token), &json!({ "title": "changed" })).await;
    r.assert_problem(503);
    lock.rollback().await.unwrap();
    assert_eq!(app.get(&format!("/api/v1/tasks/{id}"), Some(&u.access_token)).await.json["title"], "locked");
}

#[tokio::test]
async fn prune_removes_only_expired_idempotency_keys() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    for key in ["old", "new"] {
        let r = read(
            app.client
                .post(app.url("/api/v1/tasks"))
                .bearer_auth(&u.access_token)
                .header("idempotency-key", key)
                .json(&json!({ "title": key }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 201);
    }
    let mut tx = app.pool.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, Some(u.user_id), false).await;
    sqlx::query("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(taskflow::db::idempotency::prune(&app.pool).await.unwrap(), 1);
    // The expired key is free again: reusing it creates a new task.
    let r = read(
        app.client
            .post(app.url("/api/v1/tasks"))
            .bearer_auth(&u.access_token)
            .header("idempotency-key", "old")
            .json(&json!({ "title": "old again" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 201);
    assert!(r.header("idempotent-replayed").is_none());
}
