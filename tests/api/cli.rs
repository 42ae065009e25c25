//! The `taskflow` command line as operators run it: the real binary, on a
//! test database, judged by exit status and output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use secrecy::ExposeSecret;

use serde_json::json;
use sqlx::{Connection, PgConnection};

use crate::helpers::{act_as, spawn_app, TestApp, PASSWORD};

/// Runs `taskflow ARGS` against the app's database, with `stdin` fed in.
fn taskflow(app: &TestApp, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskflow"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("TASKFLOW_ENV", "test")
        .env("TASKFLOW_DATABASE__NAME", &app.db.name)
        .env("RUST_LOG", "warn")
        .env_remove("TASKFLOW_ADMIN_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in [
        ("TASKFLOW_DATABASE__OWNER_PASSWORD", &app.settings.database.owner_password),
        ("TASKFLOW_DATABASE__APP_PASSWORD", &app.settings.database.app_password),
    ] {
        if let Some(v) = value {
            cmd.env(key, v.expose_secret());
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run taskflow");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[tokio::test]
async fn create_admin_reads_the_password_from_stdin_and_promotes_on_a_second_run() {
    let app = spawn_app().await;
    let created = taskflow(&app, &["create-admin", "--email", "root@example.com"], &[], &format!("{PASSWORD}\n"));
    assert!(created.status.success(), "{}", text(&created));
    assert!(text(&created).contains("created admin root@example.com"), "{}", text(&created));
    let login = app.login("root@example.com", PASSWORD).await;
    assert_eq!(login.status, 200, "the trailing newline is not part of the password: {}", login.text);
    assert_eq!(app.me(login.json["access_token"].as_str().unwrap()).await.json["role"], "admin");

    let user = app.create_user().await;
    let promoted =
        taskflow(&app, &["create-admin", "--email", &user.email], &[("TASKFLOW_ADMIN_PASSWORD", PASSWORD)], "");
    assert!(text(&promoted).contains(&format!("promoted admin {}", user.email)), "{}", text(&promoted));

    let bad =
        taskflow(&app, &["create-admin", "--email", "not-an-email"], &[("TASKFLOW_ADMIN_PASSWORD", PASSWORD)], "");
    assert!(!bad.status.success());
    assert!(text(&bad).contains("email"), "{}", text(&bad));
    let short = taskflow(&app, &["create-admin", "--email", "short@example.com"], &[], "short\n");
    assert!(!short.status.success());
    assert!(text(&short).contains("password"), "{}", text(&short));
    assert!(!text(&short).contains("short\n"), "the password is not echoed");
}

#[tokio::test]
async fn seeding_refuses_production_and_unknown_profiles() {
    let app = spawn_app().await;
    // A production configuration that passes validation (so the refusal seen
    // is the seed command's own, not a missing secret).
    let production = [
        ("TASKFLOW_ENV", "production"),
        ("TASKFLOW_AUTH__JWT_SECRET", "a-production-like-secret-of-more-than-32-bytes"),
        ("TASKFLOW_MFA__ACTIVE_KEY_ID", "k1"),
        ("TASKFLOW_MFA__KEYS__K1", "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="),
    ];
    let prod = taskflow(&app, &["seed", "--profile", "demo"], &production, "");
    assert!(!prod.status.success());
    assert!(text(&prod).contains("refusing to seed demo data into a production environment"), "{}", text(&prod));
    let unknown = taskflow(&app, &["seed", "--profile", "nonsense"], &[], "");
    assert!(!unknown.status.success(), "{}", text(&unknown));
    let demo = taskflow(&app, &["seed", "--profile", "demo"], &[], "");
    assert!(demo.status.success(), "{}", text(&demo));
}

#[tokio::test]
async fn maintenance_commands_report_what_they_did() {
    let app = spawn_app().await;
    let prune = taskflow(&app, &["prune"], &[], "");
    assert!(text(&prune).contains("pruned 0 expired idempotency key(s)"), "{}", text(&prune));
    assert!(text(&prune).contains("pruned 0 task(s) in the trash longer than 30 days"), "{}", text(&prune));
    let audit = taskflow(&app, &["prune-audit", "--older-than", "120d"], &[], "");
    assert!(text(&audit).contains("older than 120 days"), "{}", text(&audit));
    let short = taskflow(&app, &["prune-audit", "--older-than", "30d"], &[], "");
    assert_eq!(short.status.code(), Some(2), "below the minimum: {}", text(&short));
    assert!(text(&short).contains("at least 90 days"), "{}", text(&short));
    let nonsense = taskflow(&app, &["prune-audit", "--older-than", "soon"], &[], "");
    assert_eq!(nonsense.status.code(), Some(2), "a usage error: {}", text(&nonsense));
    assert!(text(&nonsense).contains("not a number of days like 90d"), "{}", text(&nonsense));
}

#[tokio::test]
async fn prune_deletes_for_good_what_has_been_in_the_trash_longer_than_trash_days() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let tok = Some(owner.access_token.as_str());
    let mut ids = Vec::new();
    for title in ["old", "recent"] {
        let t = app.create_task(&owner, json!({ "title": title })).await;
        let id = t["task_id"].as_str().unwrap().to_owned();
        assert_eq!(app.delete(&format!("/api/v1/tasks/{id}"), tok).await.status, 204);
        ids.push(id);
    }
    // The first went to the trash 8 days ago.
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    act_as(&mut tx, None, true).await;
    sqlx::query("update tasks set trashed_at = now() - interval '8 days' where task_id = $1::uuid")
        .bind(&ids[0])
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let kept = taskflow(&app, &["prune"], &[("TASKFLOW_TASKS__TRASH_DAYS", "10")], "");
    assert!(text(&kept).contains("pruned 0 task(s) in the trash longer than 10 days"), "{}", text(&kept));
    let pruned = taskflow(&app, &["prune"], &[("TASKFLOW_TASKS__TRASH_DAYS", "7")], "");
    assert!(pruned.status.success(), "{}", text(&pruned));
    assert!(text(&pruned).contains("pruned 1 task(s) in the trash longer than 7 days"), "{}", text(&pruned));
    let r = app.get("/api/v1/trash", tok).await;
    let left: Vec<&str> = r.json["items"].as_array().unwrap().iter().map(|t| t["task_id"].as_str().unwrap()).collect();
    assert_eq!(left, vec![ids[1].as_str()]);
    let refused = taskflow(&app, &["prune"], &[("TASKFLOW_TASKS__TRASH_DAYS", "0")], "");
    assert!(!refused.status.success() && text(&refused).contains("trash_days"), "{}", text(&refused));
}

#[tokio::test]
async fn prune_deletes_jobs_finished_longer_ago_than_keep_days_and_nothing_unfinished() {
    let app = crate::helpers::spawn_app_with(|s| s.jobs.workers = 0).await;
    // Enqueued fresh (the policy admits nothing else), then finished as the
    // workers' definer role would (the owner alone sees no job: FORCE RLS).
    let mut conn = PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    for (state, finished) in
        [("done", Some("20 days")), ("dead", Some("20 days")), ("done", Some("2 days")), ("queued", None)]
    {
        let id = uuid::Uuid::now_v7();
        sqlx::query(
            "insert into jobs (job_id, kind, max_attempts, timeout_ms) values ($1, 'diagnostic.ping', 1, 1000)",
        )
        .bind(id)
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query("set role taskflow_definer").execute(&mut conn).await.unwrap();
        sqlx::query("update jobs set state = $2, attempts = $3, finished_at = now() - $4::interval where job_id = $1")
            .bind(id)
            .bind(state)
            .bind(i32::from(finished.is_some()))
            .bind(finished)
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("reset role").execute(&mut conn).await.unwrap();
    }
    sqlx::query("set role taskflow_definer").execute(&mut conn).await.unwrap();
    let pruned = taskflow(&app, &["prune"], &[], "");
    assert!(pruned.status.success(), "{}", text(&pruned));
    assert!(text(&pruned).contains("pruned 2 job(s) finished more than 14 days ago"), "{}", text(&pruned));
    let left: Vec<String> =
        sqlx::query_scalar("select state from jobs order by state").fetch_all(&mut conn).await.unwrap();
    assert_eq!(left, ["done", "queued"]);
    let again = taskflow(&app, &["prune"], &[("TASKFLOW_JOBS__KEEP_DAYS", "1")], "");
    assert!(text(&again).contains("pruned 1 job(s) finished more than 1 days ago"), "{}", text(&again));
}

#[tokio::test]
async fn a_worker_process_refuses_to_start_with_no_workers() {
    let app = spawn_app().await;
    let out = taskflow(&app, &["worker"], &[("TASKFLOW_JOBS__WORKERS", "0")], "");
    assert!(!out.status.success());
    assert!(text(&out).contains("jobs.workers is 0"), "{}", text(&out));
}

#[tokio::test]
async fn check_config_prints_the_settings_without_their_secrets() {
    let app = spawn_app().await;
    let secret = "a-jwt-secret-that-must-never-be-printed-0123456789";
    let shown = taskflow(&app, &["check-config"], &[("TASKFLOW_AUTH__JWT_SECRET", secret)], "");
    assert!(shown.status.success(), "{}", text(&shown));
    assert!(text(&shown).contains("Settings"), "{}", text(&shown));
    assert!(!text(&shown).contains(secret));
    let app_password = app.settings.database.app_password.as_ref().map(|p| p.expose_secret().to_owned());
    if let Some(p) = app_password.filter(|p| !p.is_empty()) {
        assert!(!text(&shown).contains(&p), "the database password is redacted");
    }
    let invalid = taskflow(&app, &["check-config"], &[("TASKFLOW_AUTH__ACCESS_TOKEN_TTL_SECONDS", "5")], "");
    assert!(!invalid.status.success());
    assert!(text(&invalid).contains("access_token_ttl_seconds"), "{}", text(&invalid));
}

/// The container's HEALTHCHECK runs `taskflow healthcheck` with the
/// container's environment: it must probe the port the server was moved to.
/// (Several threads: the server serves while this one waits on the child.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_probes_the_configured_port_or_the_url_given() {
    let app = spawn_app().await;
    let port = app.port.to_string();
    let ok = taskflow(&app, &["healthcheck"], &[("TASKFLOW_APPLICATION__PORT", &port)], "");
    assert!(ok.status.success(), "{}", text(&ok));
    let url = format!("http://127.0.0.1:{port}/health/live");
    assert!(taskflow(&app, &["healthcheck", "--url", &url], &[], "").status.success());
    // Nothing listens on port 1: unhealthy, and it says where it looked.
    let down = taskflow(&app, &["healthcheck"], &[("TASKFLOW_APPLICATION__PORT", "1")], "");
    assert!(!down.status.success());
    assert!(text(&down).contains("127.0.0.1:1"), "{}", text(&down));
}
