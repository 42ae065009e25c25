//! Runs the real binary, drives a full auth flow, and reads what it logged.

use serde_json::{json, Value};

use crate::helpers::{read, test_settings, ServerProcess, TestDatabase};

const SECRET_PASSWORD: &str = "log-canary-passphrase-9431";
const EMAIL: &str = "log.canary.person@example.com";

#[tokio::test]
async fn logs_are_bunyan_json_with_request_context_and_no_secrets() {
    let settings = test_settings();
    let db = TestDatabase::create(&settings).await;
    let server = ServerProcess::start(&db, &settings, &[]);
    let base = server.base.clone();
    let client = reqwest::Client::new();

    let reg = read(
        client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({ "email": EMAIL, "password": SECRET_PASSWORD, "display_name": "Canary" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reg.status, 201, "{}", reg.text);
    let user_id = reg.json["user_id"].as_str().unwrap().to_owned();
    let _ = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": EMAIL, "password": "a wrong passphrase here" }))
        .send()
        .await
        .unwrap();
    let login = read(
        client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "email": EMAIL, "password": SECRET_PASSWORD }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let access = login.json["access_token"].as_str().unwrap().to_owned();
    let refresh = login.json["refresh_token"].as_str().unwrap().to_owned();
    let me = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&access)
        .header("x-request-id", "log-test-request")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let rotated = read(
        client
            .post(format!("{base}/api/v1/auth/refresh"))
            .json(&json!({ "refresh_token": refresh }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let rotated_refresh = rotated.json["refresh_token"].as_str().unwrap().to_owned();
    let _ = client.post(format!("{base}/api/v1/auth/logout")).bearer_auth(&access).send().await.unwrap();

    // SIGTERM: a graceful stop exits 0.
    server.sigterm();
    let (exit, lines) = server.wait();
    assert!(exit.success(), "taskflow exited with {exit:?} after SIGTERM");

    let secrets = [SECRET_PASSWORD, EMAIL, access.as_str(), refresh.as_str(), rotated_refresh.as_str()];
    for line in &lines {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        for field in ["v", "name", "msg", "level", "hostname", "pid", "time"] {
            assert!(v.get(field).is_some(), "bunyan field {field} missing: {line}");
        }
        for s in secrets {
            assert!(!line.contains(s), "a secret or email leaked into the log: {line}");
        }
        assert!(!line.to_lowercase().contains("bearer "), "an Authorization header leaked: {line}");
    }
    let completed: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["msg"].as_str().is_some_and(|m| m.ends_with("request completed")))
        .collect();
    let me_line = completed
        .iter()
        .find(|v| v["request_id"] == "log-test-request")
        .expect("a completion line for the /me request");
    assert_eq!(me_line["http.method"], "GET");
    assert_eq!(me_line["http.route"], "/api/v1/me");
    assert_eq!(me_line["http.status_code"], 200);
    assert_eq!(me_line["user_id"], user_id);
    assert!(me_line["latency_ms"].as_f64().is_some());
    // The failed login is logged with a masked address.
    assert!(lines.iter().any(|l| l.contains("l***@example.com")), "no masked email in the log");
}
