//! `taskflow smoke --base-url URL`: a deployed TaskFlow, end to end, from
//! outside. Each step prints a line; the first failure stops the run with a
//! non-zero exit and says what was expected.

use std::time::{Duration, Instant};

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

pub struct Options {
    pub base_url: String,
    /// Where `/metrics` is reachable (it is not behind the public Ingress).
    pub metrics_url: Option<String>,
}

struct Run {
    client: Client,
    base: String,
    token: Option<String>,
    steps: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("{step}: {reason}")]
pub struct SmokeFailure {
    pub step: String,
    pub reason: String,
}

impl Run {
    async fn call(
        &mut self,
        step: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        expect: StatusCode,
    ) -> Result<Value, SmokeFailure> {
        let started = Instant::now();
        let url = if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base) };
        let mut req = self.client.request(method, &url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let fail = |reason: String| SmokeFailure { step: step.to_owned(), reason };
        let resp = req.send().await.map_err(|e| fail(format!("request to {url} failed: {e}")))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| fail(format!("reading the body failed: {e}")))?;
        if status != expect {
            let excerpt: String = text.chars().take(300).collect();
            return Err(fail(format!("expected {expect}, got {status}: {excerpt}")));
        }
        self.steps += 1;
        println!("ok   {step:<28} {status} in {} ms", started.elapsed().as_millis());
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn field(v: &Value, name: &str, step: &str) -> Result<String, SmokeFailure> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| SmokeFailure { step: step.into(), reason: format!("response has no `{name}`: {v}") })
}

pub async fn run(opts: Options) -> Result<usize, SmokeFailure> {
    let client = Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| SmokeFailure { step: "client".into(), reason: e.to_string() })?;
    let base = opts.base_url.trim_end_matches('/').to_owned();
    let mut r = Run { client, base: base.clone(), token: None, steps: 0 };

    r.call("liveness", Method::GET, "/health/live", None, StatusCode::OK).await?;
    r.call("readiness", Method::GET, "/health/ready", None, StatusCode::OK).await?;

    let email = format!("smoke-{}@smoke.taskflow.test", uuid::Uuid::new_v4().simple());
    let password = format!("smoke-{}", uuid::Uuid::new_v4());
    r.call(
        "register smoke user",
        Method::POST,
        "/api/v1/auth/register",
        Some(json!({ "email": email, "password": password, "display_name": "Smoke Test" })),
        StatusCode::CREATED,
    )
    .await?;
    let login = r
        .call(
            "log in",
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({ "email": email, "password": password })),
            StatusCode::OK,
        )
        .await?;
    r.token = Some(field(&login, "access_token", "log in")?);

    let task = r
        .call("create task", Method::POST, "/api/v1/tasks", Some(json!({ "title": "smoke test" })), StatusCode::CREATED)
        .await?;
    let task_id = field(&task, "task_id", "create task")?;
    let path = format!("/api/v1/tasks/{task_id}");
    r.call("read task", Method::GET, &path, None, StatusCode::OK).await?;
    let patched =
        r.call("update task", Method::PATCH, &path, Some(json!({ "status": "done" })), StatusCode::OK).await?;
    if patched["completed_at"].is_null() {
        return Err(SmokeFailure { step: "update task".into(), reason: "done task has no completed_at".into() });
    }
    r.call("comment", Method::POST, &format!("{path}/comments"), Some(json!({ "body": "smoke" })), StatusCode::CREATED)
        .await?;
    let started = (chrono::Utc::now() - chrono::Duration::minutes(30)).to_rfc3339();
    r.call(
        "time entry",
        Method::POST,
        &format!("{path}/time-entries"),
        Some(json!({ "started_at": started, "duration_seconds": 600 })),
        StatusCode::CREATED,
    )
    .await?;
    r.call("time report", Method::GET, "/api/v1/reports/time?group_by=task", None, StatusCode::OK).await?;
    r.call("delete task", Method::DELETE, &path, None, StatusCode::NO_CONTENT).await?;
    r.call("deleted task is gone", Method::GET, &path, None, StatusCode::NOT_FOUND).await?;
    r.call("log out", Method::POST, "/api/v1/auth/logout", None, StatusCode::NO_CONTENT).await?;

    let metrics_url = opts.metrics_url.unwrap_or_else(|| format!("{base}/metrics"));
    r.token = None;
    let started = Instant::now();
    let text = r
        .client
        .get(&metrics_url)
        .send()
        .await
        .map_err(|e| SmokeFailure { step: "metrics".into(), reason: e.to_string() })?
        .text()
        .await
        .map_err(|e| SmokeFailure { step: "metrics".into(), reason: e.to_string() })?;
    if !text.contains("http_requests_total") {
        return Err(SmokeFailure {
            step: "metrics".into(),
            reason: format!("{metrics_url} has no http_requests_total"),
        });
    }
    r.steps += 1;
    println!("ok   {:<28} 200 in {} ms", "metrics", started.elapsed().as_millis());
    Ok(r.steps)
}
