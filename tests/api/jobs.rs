//! Background jobs against real workers: in-process servers sharing one
//! database, and `taskflow worker` processes killed and stopped mid-job.
//! The diagnostic ping is the job (it reports the worker that ran it and
//! fails on purpose when asked).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use taskflow::startup::Application;
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, ServerProcess, TestApp};

/// The whole queue, as the workers see it: the owner acting as the definer
/// role (BYPASSRLS), since under FORCE RLS the owner alone sees no job.
async fn queue_connection(app: &TestApp) -> PgConnection {
    let mut conn = PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    sqlx::query("set role taskflow_definer").execute(&mut conn).await.unwrap();
    conn
}

async fn admin(app: &TestApp) -> String {
    let u = app.create_user().await;
    app.promote_to_admin(&u).await
}

async fn ping(app: &TestApp, token: &str, body: Value) -> Vec<String> {
    let r = app.post("/api/v1/admin/jobs/ping", Some(token), &body).await;
    assert_eq!(r.status, 202, "{}", r.text);
    r.json["job_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

/// Polls the job until `done(job)` or the deadline.
async fn wait_for(app: &TestApp, token: &str, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = app.get(&format!("/api/v1/admin/jobs/{id}"), Some(token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        if done(&r.json) {
            return r.json;
        }
        assert!(Instant::now() < deadline, "job {id} never became {what}: {}", r.json);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn state_is(state: &'static str) -> impl Fn(&Value) -> bool {
    move |j| j["state"] == state
}

#[tokio::test]
async fn a_ping_runs_once_and_only_global_admins_see_the_queue() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    let member = app.create_user().await;

    let ids = ping(&app, &token, json!({})).await;
    assert_eq!(ids.len(), 1);
    let job = wait_for(&app, &token, &ids[0], "done", state_is("done")).await;
    assert_eq!(job["kind"], "diagnostic.ping");
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["result"]["attempt"], 1);
    assert!(job["result"]["worker"].as_str().is_some_and(|w| w.split(':').count() == 4), "{job}");
    assert!(job["finished_at"].is_string() && job["locked_by"].is_null() && job["last_error"].is_null(), "{job}");

    // The list, newest first, by state, paged.
    let more = ping(&app, &token, json!({ "count": 3 })).await;
    for id in &more {
        wait_for(&app, &token, id, "done", state_is("done")).await;
    }
    let page = app.get("/api/v1/admin/jobs?state=done&limit=2", Some(&token)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let items: Vec<&str> =
        page.json["items"].as_array().unwrap().iter().map(|j| j["job_id"].as_str().unwrap()).collect();
    assert_eq!(items, [more[2].as_str(), more[1].as_str()]);
    assert!(page.header("link").is_some_and(|l| l.contains("rel=\"next\"")));
    let cursor = page.json["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/admin/jobs?state=done&limit=2&cursor={cursor}"), Some(&token)).await;
    let rest: Vec<&str> =
        rest.json["items"].as_array().unwrap().iter().map(|j| j["job_id"].as_str().unwrap()).collect();
    assert_eq!(rest, [more[0].as_str(), ids[0].as_str()]);
    let queued = app.get("/api/v1/admin/jobs?state=queued", Some(&token)).await;
    assert_eq!(queued.json["items"], json!([]));
    app.get("/api/v1/admin/jobs?state=finished", Some(&token)).await.assert_problem(422);

    // A done job cannot be retried; an unknown one is not there.
    let r = app.post(&format!("/api/v1/admin/jobs/{}/retry", ids[0]), Some(&token), &json!({})).await;
    assert!(r.assert_problem(409)["detail"].as_str().unwrap().contains("this one is done"));
    app.get(&format!("/api/v1/admin/jobs/{}", Uuid::new_v4()), Some(&token)).await.assert_problem(404);

    // Members neither read nor enqueue.
    for r in [
        app.get("/api/v1/admin/jobs", Some(&member.access_token)).await,
        app.get(&format!("/api/v1/admin/jobs/{}", ids[0]), Some(&member.access_token)).await,
        app.post("/api/v1/admin/jobs/ping", Some(&member.access_token), &json!({})).await,
        app.post(&format!("/api/v1/admin/jobs/{}/retry", ids[0]), Some(&member.access_token), &json!({})).await,
    ] {
        r.assert_problem(403);
    }
    app.get("/api/v1/admin/jobs", None).await.assert_problem(401);
}

#[tokio::test]
async fn a_bad_ping_is_refused_naming_the_field_and_enqueues_nothing() {
    let app = spawn_app_with(|s| s.jobs.workers = 0).await;
    let token = admin(&app).await;
    for (body, field) in [
        (json!({ "count": 0 }), "count"),
        (json!({ "count": 1001 }), "count"),
        (json!({ "fail_attempts": 6 }), "fail_attempts"),
        (json!({ "fail_attempts": -1 }), "fail_attempts"),
        (json!({ "sleep_ms": 60001 }), "sleep_ms"),
        (json!({ "timeout_ms": 0 }), "timeout_ms"),
        (json!({ "fail_with": "explode" }), "body"),
        (json!({ "colour": "red" }), "body"),
    ] {
        let r = app.post("/api/v1/admin/jobs/ping", Some(&token), &body).await;
        let p = r.assert_problem(422);
        assert!(p.to_string().contains(field), "{body} -> {p}");
    }
    let all = app.get("/api/v1/admin/jobs", Some(&token)).await;
    assert_eq!(all.json["items"], json!([]));
}

#[tokio::test]
async fn failed_attempts_are_retried_until_the_last_then_the_job_is_dead_and_an_admin_can_retry_it() {
    let app = spawn_app().await;
    let token = admin(&app).await;
    // An error, a panic and a hang past the timeout each fail one attempt.
    let errs = ping(&app, &token, json!({ "fail_attempts": 2, "fail_with": "error" })).await;
    let panics = ping(&app, &token, json!({ "fail_attempts": 1, "fail_with": "panic" })).await;
    let hangs = ping(&app, &token, json!({ "fail_attempts": 1, "fail_with": "hang", "timeout_ms": 200 })).await;
    for (ids, attempts) in [(&errs, 3), (&panics, 2), (&hangs, 2)] {
        let job = wait_for(&app, &token, &ids[0], "done", state_is("done")).await;
        assert_eq!(job["attempts"], attempts, "{job}");
        assert_eq!(job["result"]["attempt"], attempts, "{job}");
    }

    // Failing every attempt: dead, with the last reason, after max_attempts.
    let dead = ping(&app, &token, json!({ "fail_attempts": 5, "fail_with": "error" })).await;
    let job = wait_for(&app, &token, &dead[0], "dead", state_is("dead")).await;
    assert_eq!((job["attempts"].as_i64(), job["max_attempts"].as_i64()), (Some(5), Some(5)), "{job}");
    assert!(job["last_error"].as_str().unwrap().contains("attempt 5"), "{job}");
    assert!(job["result"].is_null() && job["finished_at"].is_string(), "{job}");
    let listed = app.get("/api/v1/admin/jobs?state=dead", Some(&token)).await;
    assert_eq!(listed.json["items"][0]["job_id"], dead[0].as_str());

    // The worker survived the panic and the hang: it still runs jobs, and
    // the metrics count each outcome.
    let after = ping(&app, &token, json!({})).await;
    wait_for(&app, &token, &after[0], "done", state_is("done")).await;
    let metrics = app.get("/metrics", None).await.text;
    for outcome in ["ok", "error", "panic", "timeout"] {
        let line = format!(r#"taskflow_jobs_total{{kind="diagnostic.ping",outcome="{outcome}"}}"#);
        assert!(metrics.lines().any(|l| l.starts_with(&line)), "no {line} in\n{metrics}");
    }
    assert!(metrics.lines().any(|l| l.starts_with(r#"taskflow_jobs_dead_total{kind="diagnostic.ping"}"#)));

    // Retried by an admin: queued with its attempts starting over, and
    // (still failing on purpose) dead again after five more.
    let r = app.post(&format!("/api/v1/admin/jobs/{}/retry", dead[0]), Some(&token), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["attempts"], 0);
    assert!(r.json["finished_at"].is_null());
    let again = wait_for(&app, &token, &dead[0], "dead again", |j| j["state"] == "dead" && j["attempts"] == 5).await;
    assert!(again["finished_at"].as_str() > job["finished_at"].as_str(), "{again}");
    // Every failed attempt above was recorded by this server's workers.
    assert!(app.jobs.failed.load(std::sync::atomic::Ordering::Relaxed) >= 2 + 1 + 1 + 5 + 5);
}

#[tokio::test]
async fn two_servers_run_a_thousand_jobs_each_exactly_once() {
    let a = spawn_app().await;
    let b = Application::build(a.settings.clone()).await.expect("second server");
    let b_jobs = b.job_tally();
    let _b = tokio::spawn(b.run_until_stopped());
    let token = admin(&a).await;

    let ids = ping(&a, &token, json!({ "count": 1000, "sleep_ms": 2 })).await;
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1000);
    let mut conn = queue_connection(&a).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done: i64 =
            sqlx::query_scalar("select count(*) from jobs where state = 'done'").fetch_one(&mut conn).await.unwrap();
        if done == 1000 {
            break;
        }
        assert!(Instant::now() < deadline, "only {done} of 1000 jobs done");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Each job was claimed once (one attempt) and finished once.
    let (attempts, max_attempts): (i64, i32) =
        sqlx::query_as("select sum(attempts), max(attempts) from jobs").fetch_one(&mut conn).await.unwrap();
    assert_eq!((attempts, max_attempts), (1000, 1));
    let ok = |t: &taskflow::worker::Tally| t.ok.load(std::sync::atomic::Ordering::Relaxed);
    let lost = |t: &taskflow::worker::Tally| t.lease_lost.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(ok(&a.jobs) + ok(&b_jobs), 1000, "handlers that finished, across both servers");
    assert_eq!(lost(&a.jobs) + lost(&b_jobs), 0);
    assert!(ok(&a.jobs) > 0 && ok(&b_jobs) > 0, "both servers took part: {} and {}", ok(&a.jobs), ok(&b_jobs));
    // Four workers (two per server) shared the queue.
    let workers: Vec<String> =
        sqlx::query_scalar("select distinct result->>'worker' from jobs").fetch_all(&mut conn).await.unwrap();
    assert_eq!(workers.len(), 4, "{workers:?}");
}

#[tokio::test]
async fn a_job_enqueued_by_a_transaction_that_rolls_back_never_exists() {
    let app = spawn_app_with(|s| s.jobs.workers = 0).await;
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut listener = sqlx::postgres::PgListener::connect_with(&app.pool).await.unwrap();
    listener.listen("taskflow_jobs").await.unwrap();
    let insert = "insert into jobs (job_id, kind, max_attempts, timeout_ms) values ($1, 'diagnostic.ping', 1, 1000)";
    let mut tx = conn.begin().await.unwrap();
    sqlx::query(insert).bind(Uuid::now_v7()).execute(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    // No wake-up for what rolled back...
    let woken = tokio::time::timeout(Duration::from_millis(500), listener.recv()).await;
    assert!(woken.is_err(), "a rolled-back enqueue woke the workers");
    // ...and one at commit.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query(insert).bind(Uuid::now_v7()).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(5), listener.recv()).await;
    assert!(matches!(n, Ok(Ok(ref n)) if n.channel() == "taskflow_jobs"), "{n:?}");
    let mut queue = queue_connection(&app).await;
    let n: i64 = sqlx::query_scalar("select count(*) from jobs").fetch_one(&mut queue).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn metrics_report_the_queue_depth_and_the_age_of_the_oldest_due_job() {
    let app = spawn_app_with(|s| s.jobs.workers = 0).await;
    let token = admin(&app).await;
    let gauge = |body: &str, name: &str| -> f64 {
        let prefix = format!(r#"{name}{{kind="diagnostic.ping"}} "#);
        body.lines().find_map(|l| l.strip_prefix(&prefix)).and_then(|v| v.parse().ok()).unwrap_or(-1.0)
    };
    let before = app.get("/metrics", None).await.text;
    // Every kind is there from the first scrape, with nothing queued.
    assert!(gauge(&before, "taskflow_job_queue_depth") >= 0.0, "{before}");
    assert!(gauge(&before, "taskflow_job_oldest_age_seconds") >= 0.0, "{before}");
    ping(&app, &token, json!({ "count": 3 })).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The gauges are process-wide and other tests' servers in this process
    // set them at their scrapes too: read until this server's reading shows.
    let mut after = String::new();
    for _ in 0..20 {
        after = app.get("/metrics", None).await.text;
        if gauge(&after, "taskflow_job_queue_depth") == 3.0 {
            break;
        }
    }
    assert_eq!(gauge(&after, "taskflow_job_queue_depth"), 3.0, "{after}");
    assert!(gauge(&after, "taskflow_job_oldest_age_seconds") >= 1.0, "{after}");
}

/// The owner's view of one job: state, attempts, holder.
async fn job_row(conn: &mut PgConnection, id: &str) -> (String, i32, Option<String>) {
    sqlx::query_as("select state, attempts, locked_by from jobs where job_id = $1::uuid")
        .bind(id)
        .fetch_one(conn)
        .await
        .unwrap()
}

async fn wait_row(conn: &mut PgConnection, id: &str, what: &str, ok: impl Fn(&(String, i32, Option<String>)) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let row = job_row(conn, id).await;
        if ok(&row) {
            return;
        }
        assert!(Instant::now() < deadline, "job {id} never {what}: {row:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_worker_killed_mid_job_lets_another_worker_take_it_after_its_lease() {
    let app = spawn_app_with(|s| s.jobs.workers = 0).await;
    let token = admin(&app).await;
    let env = [("TASKFLOW_JOBS__WORKERS", "1"), ("TASKFLOW_JOBS__LEASE_SECONDS", "2")];
    let mut first = ServerProcess::start_command("worker", &app.db, &app.settings, &env);
    // Its first attempt hangs (well within its timeout): the worker is killed during it.
    let id =
        ping(&app, &token, json!({ "fail_attempts": 1, "fail_with": "hang", "timeout_ms": 60000 })).await.remove(0);
    let mut conn = queue_connection(&app).await;
    let pid = first.child.id().to_string();
    wait_row(&mut conn, &id, "was claimed by the first worker", |r| {
        r.0 == "running" && r.2.as_deref().is_some_and(|w| w.split(':').nth(1) == Some(pid.as_str()))
    })
    .await;
    first.child.kill().unwrap(); // SIGKILL: no chance to give the job back
    first.child.wait().unwrap();

    // A second worker takes it over once the lease (2 s) lapses.
    let second = ServerProcess::start_command("worker", &app.db, &app.settings, &env);
    wait_row(&mut conn, &id, "done", |r| r.0 == "done").await;
    let job = app.get(&format!("/api/v1/admin/jobs/{id}"), Some(&token)).await.json;
    assert_eq!(job["attempts"], 2, "{job}");
    let by = job["result"]["worker"].as_str().unwrap();
    assert_eq!(by.split(':').nth(1), Some(second.child.id().to_string().as_str()), "{job}");
    // The worker process serves its probes and the job metrics.
    let live = app.client.get(format!("{}/health/live", second.base)).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = app.client.get(format!("{}/health/ready", second.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = app.client.get(format!("{}/metrics", second.base)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"taskflow_jobs_total{kind="diagnostic.ping",outcome="ok"} 1"#), "{metrics}");
    assert!(metrics.contains("taskflow_job_queue_depth"), "{metrics}");
    // It serves no API.
    let api = app.client.get(format!("{}/api/v1/tasks", second.base)).send().await.unwrap();
    assert_eq!(api.status(), 404);
}

#[tokio::test]
async fn sigterm_lets_a_running_job_finish_and_gives_back_one_that_would_not() {
    let app = spawn_app_with(|s| s.jobs.workers = 0).await;
    let token = admin(&app).await;
    let env = [
        ("TASKFLOW_JOBS__WORKERS", "1"),
        ("TASKFLOW_APPLICATION__DRAIN_SECONDS", "0"),
        ("TASKFLOW_APPLICATION__SHUTDOWN_TIMEOUT_SECONDS", "3"),
    ];
    let mut conn = queue_connection(&app).await;

    // A job that needs 1 s finishes within the 3 s grace.
    let worker = ServerProcess::start_command("worker", &app.db, &app.settings, &env);
    let quick = ping(&app, &token, json!({ "sleep_ms": 1000 })).await.remove(0);
    wait_row(&mut conn, &quick, "was claimed", |r| r.0 == "running").await;
    let queued_after = ping(&app, &token, json!({})).await.remove(0);
    worker.sigterm();
    let (status, lines) = worker.wait();
    assert!(status.success(), "{status}: {lines:?}");
    assert_eq!(job_row(&mut conn, &quick).await.0, "done");
    // Nothing new was claimed once the signal came.
    assert_eq!(job_row(&mut conn, &queued_after).await, ("queued".into(), 0, None));

    // A job that hangs is given back at the end of the grace: queued, the
    // attempt not counted, for the next worker.
    let worker = ServerProcess::start_command("worker", &app.db, &app.settings, &env);
    let stuck =
        ping(&app, &token, json!({ "fail_attempts": 1, "fail_with": "hang", "timeout_ms": 60000 })).await.remove(0);
    // The worker runs the earlier queued ping first, then the stuck one.
    wait_row(&mut conn, &stuck, "was claimed", |r| r.0 == "running").await;
    worker.sigterm();
    let (status, lines) = worker.wait();
    assert!(status.success(), "{status}: {lines:?}");
    assert!(lines.iter().any(|l| l.contains("job released at shutdown")), "{lines:?}");
    assert_eq!(job_row(&mut conn, &stuck).await, ("queued".into(), 0, None));
    assert_eq!(job_row(&mut conn, &queued_after).await.0, "done");
}
