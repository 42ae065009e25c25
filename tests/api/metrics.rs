//! `/metrics`: the names alerts and dashboards use, and promtool's lint.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::helpers::spawn_app;

const REQUIRED: &[&str] = &[
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "db_query_duration_seconds_bucket",
    "db_pool_connections",
    "cache_requests_total",
    "taskflow_tasks_created_total",
    "taskflow_comments_created_total",
    "taskflow_time_tracked_seconds_total",
    "taskflow_active_users",
    "taskflow_running_timers",
    "taskflow_auth_failures_total",
    "taskflow_build_info",
    "process_resident_memory_bytes",
    "process_resident_memory_max_bytes",
    "taskflow_jobs_total",
    "taskflow_jobs_dead_total",
    "taskflow_job_queue_depth",
    "taskflow_job_oldest_age_seconds",
];

#[tokio::test]
async fn metrics_expose_the_names_alerts_use_and_pass_promtool() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t" })).await;
    let id = t["task_id"].as_str().unwrap();
    app.post(&format!("/api/v1/tasks/{id}/comments"), Some(&u.access_token), &json!({ "body": "c" })).await;
    app.post(&format!("/api/v1/tasks/{id}/timer"), Some(&u.access_token), &json!({})).await;
    app.post("/api/v1/timer/stop", Some(&u.access_token), &json!({})).await;
    app.login(&u.email, "wrong password, surely").await;
    app.get(&format!("/api/v1/tasks/{id}"), Some(&u.access_token)).await;
    app.get(&format!("/api/v1/teams/{}/summary", uuid::Uuid::new_v4()), Some(&u.access_token)).await;

    let r = app.get("/metrics", None).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type().starts_with("text/plain"), "{}", r.content_type());
    let body = r.text;
    for name in REQUIRED {
        assert!(body.lines().any(|l| l.starts_with(name)), "metric {name} missing from /metrics:\n{body}");
    }
    // Routes are labelled by pattern, never by the raw path with its ids.
    assert!(body.contains(r#"route="/api/v1/tasks/{task_id}""#), "{body}");
    assert!(!body.contains(id), "a raw id leaked into a label");
    assert!(body.contains(r#"taskflow_auth_failures_total{reason="invalid_credentials"}"#));
    assert!(body.contains(r#"taskflow_running_timers"#));

    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (make test installs Debian's prometheus package)");
    child.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every TaskFlow metric an alert or dashboard queries must exist, or the
/// alert can never fire and the panel stays empty.
#[tokio::test]
async fn every_metric_in_alerts_and_dashboards_is_exported() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let team = app.create_team(&u, "T").await;
    let t = app.create_task(&u, json!({ "title": "t", "team_id": team })).await;
    let id = t["task_id"].as_str().unwrap();
    app.post(&format!("/api/v1/tasks/{id}/comments"), Some(&u.access_token), &json!({ "body": "c" })).await;
    app.get(&format!("/api/v1/teams/{team}/summary"), Some(&u.access_token)).await;
    app.get(&format!("/api/v1/teams/{team}/summary"), Some(&u.access_token)).await;
    app.login(&u.email, "wrong password, surely").await;
    let exported = app.get("/metrics", None).await.text;

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    let mut sources = vec![std::fs::read_to_string(root.join("prometheus/alerts.yml")).unwrap()];
    for entry in std::fs::read_dir(root.join("grafana/dashboards")).unwrap() {
        sources.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let mut checked = 0;
    for text in &sources {
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            let ours = ["http_request", "db_", "cache_", "taskflow_"].iter().any(|p| word.starts_with(p));
            if !ours || word.ends_with('_') {
                continue;
            }
            let base = word.trim_end_matches("_bucket").trim_end_matches("_count").trim_end_matches("_sum");
            assert!(
                exported.lines().any(|l| l.starts_with(base)),
                "{word} is used by an alert or dashboard but /metrics has no {base}"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} metric references found; is the scan broken?");
}

#[tokio::test]
async fn with_a_metrics_port_metrics_leave_the_public_port() {
    let app = crate::helpers::spawn_app_with(|s| s.application.metrics_port = Some(0)).await;
    let metrics_port = app.metrics_port.expect("a metrics listener");
    assert_ne!(metrics_port, app.port);
    app.get("/api/v1/tasks", None).await.assert_problem(401);
    // Not on the public port, even though the route exists there.
    app.get("/metrics", None).await.assert_problem(404);
    let own = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics")).await.unwrap();
    assert_eq!(own.status(), 200);
    let body = own.text().await.unwrap();
    assert!(body.contains("http_requests_total"), "{body}");
    // And the metrics listener serves nothing else.
    let api = reqwest::get(format!("http://127.0.0.1:{metrics_port}/api/v1/tasks")).await.unwrap();
    assert_eq!(api.status(), 404);
    let health = reqwest::get(format!("http://127.0.0.1:{metrics_port}/health/ready")).await.unwrap();
    assert_eq!(health.status(), 404);
    // Both listeners stop on shutdown.
    app.handle.stop().await;
    assert!(reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics")).await.is_err());
}

/// Label values of `http_requests_total` in a scrape.
fn label_values(scrape: &str, label: &str) -> std::collections::BTreeSet<String> {
    let key = format!("{label}=\"");
    scrape
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .filter_map(|l| l.split(&key).nth(1).and_then(|rest| rest.split('"').next()).map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn made_up_methods_and_paths_add_no_label_values() {
    let app = spawn_app().await;
    let mut made_up = Vec::new();
    for i in 0..1000u32 {
        let method = format!("PROBE{}", i % 250);
        let path = format!("/probe/{i}/{}", uuid::Uuid::new_v4().simple());
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = app.client.request(m, app.url(&path)).send().await.unwrap();
        assert!(r.status().is_client_error(), "{method} {path}: {}", r.status());
        made_up.push((method, path));
    }
    let scrape = app.get("/metrics", None).await.text;
    let methods = label_values(&scrape, "method");
    let allowed = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"];
    assert!(methods.iter().all(|m| allowed.contains(&m.as_str())), "{methods:?}");
    assert!(methods.contains("OTHER"));
    let routes = label_values(&scrape, "route");
    assert!(routes.contains("unmatched"), "{routes:?}");
    assert!(routes.iter().all(|r| !r.starts_with("/probe")), "raw paths became routes: {routes:?}");
}
