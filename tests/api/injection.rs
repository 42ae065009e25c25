//! Hostile strings in every string field and query parameter: each request
//! ends in a 2xx or a 4xx, and what is stored comes back byte for byte.

use serde_json::{json, Value};

use crate::helpers::{read, spawn_app, TestApp, TestUser};

const PAYLOADS: &[&str] = &[
    "' OR '1'='1",
    "'; DROP TABLE tasks; --",
    "\" OR 1=1 --",
    "1) UNION SELECT password_hash FROM users --",
    "$$; select pg_sleep(5); $$",
    "\\'; select set_config('app.role','admin',true); --",
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7}",
    "%00%27",
];

fn assert_no_server_error(r: &crate::helpers::Reply, what: &str) {
    assert!(r.status.as_u16() < 500, "{what} -> {}: {}", r.status, r.text);
    if r.status.as_u16() >= 400 {
        assert_eq!(r.content_type(), "application/problem+json", "{what}");
        assert!(!r.text.to_lowercase().contains("syntax error"), "SQL error text leaked: {}", r.text);
    } else if !r.text.is_empty() {
        assert!(r.content_type().starts_with("application/json"), "{what}: {}", r.content_type());
    }
}

async fn setup(app: &TestApp) -> (TestUser, String, String) {
    let u = app.create_user().await;
    let team = app.create_team(&u, "T").await.to_string();
    let task =
        app.create_task(&u, json!({ "title": "t", "team_id": team })).await["task_id"].as_str().unwrap().to_owned();
    (u, team, task)
}

#[tokio::test]
async fn hostile_strings_in_bodies_are_refused_or_stored_verbatim() {
    let app = spawn_app().await;
    let (u, team, task) = setup(&app).await;
    let tok = Some(u.access_token.as_str());
    for p in PAYLOADS {
        // Tasks: every string field.
        let r = app
            .post("/api/v1/tasks", tok, &json!({ "title": p, "description": p, "labels": [p], "team_id": team }))
            .await;
        assert_no_server_error(&r, "create task");
        if r.status == 201 {
            let got = app.get(&format!("/api/v1/tasks/{}", r.json["task_id"].as_str().unwrap()), tok).await;
            assert_eq!(got.json["title"], Value::from(p.trim()));
            assert_eq!(got.json["description"], Value::from(*p));
        }
        for field in ["status", "priority", "due_at"] {
            let r = app.post("/api/v1/tasks", tok, &json!({ "title": "x", field: p })).await;
            assert_no_server_error(&r, field);
            assert_eq!(r.status, 422, "{field} accepted {p}");
        }
        let r = app.patch(&format!("/api/v1/tasks/{task}"), tok, &json!({ "title": p, "description": p })).await;
        assert_no_server_error(&r, "patch task");
        // Comments, time notes, teams, profile.
        let r = app.post(&format!("/api/v1/tasks/{task}/comments"), tok, &json!({ "body": p })).await;
        assert_no_server_error(&r, "comment");
        assert_eq!(r.json["body"], Value::from(*p));
        let start = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        let r = app
            .post(
                &format!("/api/v1/tasks/{task}/time-entries"),
                tok,
                &json!({ "started_at": start, "duration_seconds": 60, "note": p }),
            )
            .await;
        assert_no_server_error(&r, "time entry");
        assert_eq!(r.json["note"], Value::from(*p));
        let r = app
            .post(
                &format!("/api/v1/tasks/{task}/time-entries"),
                tok,
                &json!({ "started_at": p, "duration_seconds": 60 }),
            )
            .await;
        assert_no_server_error(&r, "started_at");
        let r = app.post("/api/v1/teams", tok, &json!({ "name": p })).await;
        assert_no_server_error(&r, "team name");
        let r = app.patch("/api/v1/me", tok, &json!({ "display_name": p })).await;
        assert_no_server_error(&r, "display name");
        let r = app.post(&format!("/api/v1/teams/{team}/members"), tok, &json!({ "email": p })).await;
        assert_no_server_error(&r, "member email");
        // Unauthenticated bodies.
        assert_no_server_error(&app.login(p, p).await, "login");
        assert_no_server_error(&app.register(p, "a long enough password").await, "register");
        assert_no_server_error(&app.refresh(p).await, "refresh");
        let r = app.post("/api/v1/auth/mfa/verify", None, &json!({ "mfa_token": p, "code": p })).await;
        assert_no_server_error(&r, "mfa verify");
    }
    // The data is intact: the tasks table still answers and holds our rows.
    let list = app.get("/api/v1/tasks?limit=200", tok).await;
    assert_eq!(list.status, 200);
    assert!(list.json["items"].as_array().unwrap().len() > PAYLOADS.len());
}

#[tokio::test]
async fn hostile_strings_in_query_parameters_and_paths_never_500() {
    let app = spawn_app().await;
    let (u, team, task) = setup(&app).await;
    let tok = Some(u.access_token.as_str());
    for p in PAYLOADS {
        let e = urlencode(p);
        for path in [
            format!("/api/v1/tasks?q={e}"),
            format!("/api/v1/tasks?label={e}"),
            format!("/api/v1/tasks?status={e}"),
            format!("/api/v1/tasks?priority={e}"),
            format!("/api/v1/tasks?sort={e}"),
            format!("/api/v1/tasks?assignee_id={e}"),
            format!("/api/v1/tasks?team_id={e}"),
            format!("/api/v1/tasks?due_before={e}"),
            format!("/api/v1/tasks?cursor={e}"),
            format!("/api/v1/tasks?limit={e}"),
            format!("/api/v1/tasks/{task}/comments?cursor={e}"),
            format!("/api/v1/time-entries?from={e}&user_id={e}"),
            format!("/api/v1/reports/time?team_id={team}&group_by={e}"),
            format!("/api/v1/reports/time?from={e}"),
            format!("/api/v1/me/audit-events?cursor={e}"),
            format!("/api/v1/tasks/{e}"),
            format!("/api/v1/teams/{e}/members"),
        ] {
            let r = read(app.client.get(app.url(&path)).bearer_auth(&u.access_token).send().await.unwrap()).await;
            assert_no_server_error(&r, &path);
        }
        let r = app.get(&format!("/api/v1/tasks?q={e}"), tok).await;
        assert_eq!(r.status, 200, "full-text search treats {p} as text");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A cursor as a client could forge it: the JSON inside, base64url-encoded.
fn forged_cursor(ordering: &str, instant: &str) -> String {
    use base64::Engine;
    let json = json!({ "s": ordering, "t": instant, "id": uuid::Uuid::new_v4() }).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

#[tokio::test]
async fn nul_characters_and_extreme_instants_are_a_422_naming_the_field() {
    let app = spawn_app().await;
    let (u, team, task) = setup(&app).await;
    let tok = Some(u.access_token.as_str());
    let nul = "before\u{0}after";
    let field_of = |r: &crate::helpers::Reply| r.assert_problem(422)["errors"][0]["field"].clone();

    let r = app.post("/api/v1/tasks", tok, &json!({ "title": "t", "description": nul, "team_id": team })).await;
    assert_eq!(field_of(&r), "description");
    let r = app.patch(&format!("/api/v1/tasks/{task}"), tok, &json!({ "description": nul })).await;
    assert_eq!(field_of(&r), "description");
    let r = app.post(&format!("/api/v1/tasks/{task}/comments"), tok, &json!({ "body": nul })).await;
    assert_eq!(field_of(&r), "body");
    let start = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let r = app
        .post(
            &format!("/api/v1/tasks/{task}/time-entries"),
            tok,
            &json!({ "started_at": start, "duration_seconds": 60, "note": nul }),
        )
        .await;
    assert_eq!(field_of(&r), "note");
    let r = app.patch("/api/v1/me", tok, &json!({ "display_name": nul })).await;
    assert_eq!(field_of(&r), "display_name");

    // Query parameters, including the admin filters.
    let admin = app.promote_to_admin(&u).await;
    for (path, name) in [
        ("/api/v1/tasks?status=todo&q=a%00b".to_owned(), "q"),
        ("/api/v1/tasks?label=%00".to_owned(), "label"),
        ("/api/v1/admin/users?q=%00".to_owned(), "q"),
        ("/api/v1/admin/audit-events?action=team.%00".to_owned(), "action"),
        (format!("/api/v1/reports/time?team_id={team}&group_by=%00"), "group_by"),
    ] {
        let r = app.get(&path, Some(&admin)).await;
        assert_eq!(field_of(&r), "query", "{path}: {}", r.text);
        let message = r.json["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("NUL") && message.contains(&format!("`{name}`")), "{path}: {}", r.text);
    }
    // An encoded percent sign followed by zeros is text, not a NUL.
    assert_eq!(app.get("/api/v1/tasks?q=100%2500", Some(&admin)).await.status, 200);

    // Hand-made cursors with instants Postgres cannot hold.
    for instant in ["+200000-01-01T00:00:00Z", "-4000-01-01T00:00:00Z"] {
        for (path, ordering) in [
            ("/api/v1/tasks".to_owned(), "-created_at"),
            (format!("/api/v1/tasks/{task}/comments"), "comments"),
            ("/api/v1/me/audit-events".to_owned(), "audit"),
        ] {
            let url = format!("{path}?cursor={}", forged_cursor(ordering, instant));
            let r = app.get(&url, tok).await;
            assert!(r.status.as_u16() < 500, "{url} -> {}: {}", r.status, r.text);
            assert_eq!(field_of(&r), "cursor", "{url}");
        }
    }
}
