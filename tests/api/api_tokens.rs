//! Personal and team service API tokens: shown once and stored hashed;
//! scopes enforced by the route table for every route (403
//! `insufficient-scope` with the RFC 6750 challenge); acting under RLS as
//! their account and never as a global admin; dead at once when revoked,
//! expired, or their account disabled or erased; use marked and audited at
//! most once a minute.

use reqwest::Method;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, TestUser, PASSWORD};

async fn make_token(app: &TestApp, user: &TestUser, scopes: &[&str]) -> (String, Value) {
    let r =
        app.post("/api/v1/me/tokens", Some(&user.access_token), &json!({ "name": "script", "scopes": scopes })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    (r.json["token"].as_str().unwrap().to_owned(), r.json.clone())
}

/// The owner connection in the definer role (BYPASSRLS): under FORCE RLS
/// the owner alone sees no token.
async fn definer(app: &TestApp) -> PgConnection {
    let mut conn = PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    sqlx::query("set role taskflow_definer").execute(&mut conn).await.unwrap();
    conn
}

fn challenge(r: &crate::helpers::Reply) -> String {
    r.header("www-authenticate").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_personal_token_is_shown_once_stored_as_its_hash_and_listed_without_it() {
    let app = spawn_app().await;
    let ada = app.create_user().await;
    let r = app
        .post(
            "/api/v1/me/tokens",
            Some(&ada.access_token),
            &json!({ "name": "CI", "scopes": ["tasks:write", "tasks:read", "tasks:read"], "expires_in_days": 90 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("location"), Some("/api/v1/me/tokens"));
    let token = r.json["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("tfp_") && token.len() == 47, "{token}");
    assert!(token[4..].bytes().all(|b| b.is_ascii_alphanumeric()), "{token}");
    assert_eq!(r.json["scopes"], json!(["tasks:read", "tasks:write"]), "sorted, each once");
    assert_eq!(r.json["prefix"], token[..10]);
    assert_eq!(r.json["user_id"], ada.user_id.to_string());
    assert_eq!(r.json["team_id"], Value::Null);
    assert_eq!(r.json["expired"], false);
    let days = (chrono::DateTime::parse_from_rfc3339(r.json["expires_at"].as_str().unwrap()).unwrap()
        - chrono::DateTime::parse_from_rfc3339(r.json["created_at"].as_str().unwrap()).unwrap())
    .num_days();
    assert_eq!(days, 90);

    let list = app.get("/api/v1/me/tokens", Some(&ada.access_token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.json["items"][0]["token_id"], r.json["token_id"]);
    assert!(!list.text.contains(&token[10..]), "the secret is never listed: {}", list.text);

    // The database keeps the SHA-256 of the whole token, never the token.
    let mut conn = definer(&app).await;
    let (digest, prefix): (Vec<u8>, String) =
        sqlx::query_as("select token_digest, token_prefix from api_tokens where user_id = $1")
            .bind(ada.user_id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    use sha2::Digest;
    assert_eq!(digest, sha2::Sha256::digest(token.as_bytes()).to_vec());
    assert_eq!(prefix, &token[..10]);

    // Someone else sees none of it.
    let bob = app.create_user().await;
    assert_eq!(app.get("/api/v1/me/tokens", Some(&bob.access_token)).await.json["items"], json!([]));
    let id = r.json["token_id"].as_str().unwrap();
    app.delete(&format!("/api/v1/me/tokens/{id}"), Some(&bob.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn a_token_does_what_its_scopes_allow_and_is_told_which_scope_it_lacks() {
    let app = spawn_app().await;
    let ada = app.create_user().await;
    let task = app.create_task(&ada, json!({ "title": "Scoped" })).await;
    let (read, _) = make_token(&app, &ada, &["tasks:read"]).await;

    let list = app.get("/api/v1/tasks", Some(&read)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["items"][0]["task_id"], task["task_id"]);

    let create = app.post("/api/v1/tasks", Some(&read), &json!({ "title": "nope" })).await;
    let p = create.assert_problem(403);
    assert_eq!(p["type"], "urn:taskflow:problem:insufficient-scope");
    assert!(p["detail"].as_str().unwrap().contains("tasks:write"), "{p}");
    assert_eq!(challenge(&create), r#"Bearer realm="taskflow", error="insufficient_scope", scope="tasks:write""#);

    // Reading comments is a task read; writing them is its own scope.
    let path = format!("/api/v1/tasks/{}/comments", task["task_id"].as_str().unwrap());
    assert_eq!(app.get(&path, Some(&read)).await.status, 200);
    let c = app.post(&path, Some(&read), &json!({ "body": "hi" })).await;
    c.assert_problem(403);
    assert!(challenge(&c).contains(r#"scope="comments:write""#), "{}", challenge(&c));
    let (comment, _) = make_token(&app, &ada, &["comments:write"]).await;
    assert_eq!(app.post(&path, Some(&comment), &json!({ "body": "hi" })).await.status, 201);

    // Scopes do not imply each other: write does not read.
    let (write, _) = make_token(&app, &ada, &["tasks:write"]).await;
    assert_eq!(app.post("/api/v1/tasks", Some(&write), &json!({ "title": "made by a token" })).await.status, 201);
    let r = app.get("/api/v1/tasks", Some(&write)).await;
    assert!(challenge(&r).contains(r#"scope="tasks:read""#), "{}", r.text);

    // Time and account are their own scopes too.
    assert!(challenge(&app.get("/api/v1/time-entries", Some(&read)).await).contains("time:read"));
    assert!(challenge(&app.get("/api/v1/me", Some(&read)).await).contains("account:read"));
    let (account, _) = make_token(&app, &ada, &["account:read"]).await;
    let me = app.get("/api/v1/me", Some(&account)).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["email"], ada.email);
}

#[tokio::test]
async fn no_token_reaches_tokens_mfa_the_password_sign_in_identities_erasure_or_administration() {
    let app = spawn_app().await;
    let ada = app.create_user().await;
    let all = [
        "tasks:read",
        "tasks:write",
        "comments:write",
        "time:read",
        "time:write",
        "teams:read",
        "teams:admin",
        "webhooks:admin",
        "account:read",
    ];
    let (token, made) = make_token(&app, &ada, &all).await;
    let id = made["token_id"].as_str().unwrap();
    let tries: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/me/tokens".into(), None),
        (Method::POST, "/api/v1/me/tokens".into(), Some(json!({ "name": "more", "scopes": ["tasks:read"] }))),
        (Method::DELETE, format!("/api/v1/me/tokens/{id}"), None),
        (
            Method::POST,
            "/api/v1/me/password".into(),
            Some(json!({ "current_password": PASSWORD, "new_password": "another long passphrase" })),
        ),
        (Method::POST, "/api/v1/me/mfa/totp".into(), Some(json!({}))),
        (Method::POST, "/api/v1/me/erase".into(), Some(json!({ "password": PASSWORD }))),
        (Method::DELETE, "/api/v1/me".into(), Some(json!({ "password": PASSWORD }))),
        (Method::PATCH, "/api/v1/me".into(), Some(json!({ "display_name": "Token" }))),
        (Method::GET, "/api/v1/me/export".into(), None),
        (Method::GET, "/api/v1/me/identities".into(), None),
        (Method::POST, "/api/v1/me/calendar-feed".into(), Some(json!({}))),
        (Method::POST, "/api/v1/auth/logout".into(), Some(json!({}))),
        (Method::GET, "/api/v1/admin/users".into(), None),
        (Method::GET, "/api/v1/admin/jobs".into(), None),
    ];
    for (method, path, body) in tries {
        let r = app.request(method.clone(), &path, Some(&token), body.as_ref()).await;
        let p = r.assert_problem(403);
        assert_eq!(p["type"], "urn:taskflow:problem:insufficient-scope", "{method} {path}: {p}");
        assert_eq!(challenge(&r), r#"Bearer realm="taskflow", error="insufficient_scope""#, "{method} {path}");
    }
    // Nothing was changed on the way: the token is still there and still works.
    assert_eq!(app.get("/api/v1/me/tokens", Some(&ada.access_token)).await.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/v1/tasks", Some(&token)).await.status, 200);
    assert_eq!(
        app.me(&ada.access_token).await.json["display_name"],
        app.me(&ada.access_token).await.json["display_name"]
    );
}

#[tokio::test]
async fn a_global_admins_token_acts_as_a_plain_member() {
    let app = spawn_app().await;
    let admin = app.create_user().await;
    let admin_session = app.promote_to_admin(&admin).await;
    let other = app.create_user().await;
    let theirs = app.create_task(&other, json!({ "title": "Not the admin's" })).await;
    let path = format!("/api/v1/tasks/{}", theirs["task_id"].as_str().unwrap());
    // The admin's session sees every tenant's task; the admin's token does not.
    assert_eq!(app.get(&path, Some(&admin_session)).await.status, 200);
    let (token, _) =
        make_token(&app, &TestUser { access_token: admin_session.clone(), ..admin }, &["tasks:read"]).await;
    app.get(&path, Some(&token)).await.assert_problem(404);
}

#[tokio::test]
async fn a_revoked_expired_or_disabled_token_is_refused_at_once() {
    let app = spawn_app().await;
    let ada = app.create_user().await;
    let (token, made) = make_token(&app, &ada, &["tasks:read"]).await;
    assert_eq!(app.get("/api/v1/tasks", Some(&token)).await.status, 200);
    let r =
        app.delete(&format!("/api/v1/me/tokens/{}", made["token_id"].as_str().unwrap()), Some(&ada.access_token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let gone = app.get("/api/v1/tasks", Some(&token)).await;
    gone.assert_problem(401);
    assert!(gone.json["detail"].as_str().unwrap().contains("API token"), "{}", gone.text);
    assert_eq!(app.get("/api/v1/me/tokens", Some(&ada.access_token)).await.json["items"], json!([]));
    app.delete(&format!("/api/v1/me/tokens/{}", made["token_id"].as_str().unwrap()), Some(&ada.access_token))
        .await
        .assert_problem(404);

    // Expired: listed as such, refused.
    let (old, made) = make_token(&app, &ada, &["tasks:read"]).await;
    let mut conn = definer(&app).await;
    sqlx::query("update api_tokens set created_at = now() - interval '2 days', expires_at = now() - interval '1 second' where token_id = $1")
        .bind(made["token_id"].as_str().unwrap().parse::<Uuid>().unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
    app.get("/api/v1/tasks", Some(&old)).await.assert_problem(401);
    assert_eq!(app.get("/api/v1/me/tokens", Some(&ada.access_token)).await.json["items"][0]["expired"], true);

    // Malformed and unknown tokens of the right prefix are a 401, not a 500.
    app.get("/api/v1/tasks", Some("tfp_short")).await.assert_problem(401);
    app.get("/api/v1/tasks", Some(&format!("tfp_{}", "A".repeat(43)))).await.assert_problem(401);

    // Disabled by an admin: dead at the next request, alive again after.
    let (live, _) = make_token(&app, &ada, &["tasks:read"]).await;
    let boss = app.create_user().await;
    let boss_token = app.promote_to_admin(&boss).await;
    let path = format!("/api/v1/admin/users/{}", ada.user_id);
    assert_eq!(app.patch(&path, Some(&boss_token), &json!({ "disabled": true })).await.status, 200);
    app.get("/api/v1/tasks", Some(&live)).await.assert_problem(401);
    assert_eq!(app.patch(&path, Some(&boss_token), &json!({ "disabled": false })).await.status, 200);
    assert_eq!(app.get("/api/v1/tasks", Some(&live)).await.status, 200);
}

#[tokio::test]
async fn erasing_the_account_erases_its_tokens() {
    let app = spawn_app().await;
    let ada = app.create_user().await;
    let (token, _) = make_token(&app, &ada, &["tasks:read"]).await;
    let r = app
        .request(Method::POST, "/api/v1/me/erase", Some(&ada.access_token), Some(&json!({ "password": PASSWORD })))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.get("/api/v1/tasks", Some(&token)).await.assert_problem(401);
    let mut conn = definer(&app).await;
    let n: i64 = sqlx::query_scalar("select count(*) from api_tokens where user_id = $1")
        .bind(ada.user_id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn use_is_marked_and_audited_at_most_once_a_minute() {
    let app = spawn_app().await;
    let ada = app.create_user().await;
    let (token, made) = make_token(&app, &ada, &["tasks:read"]).await;
    assert_eq!(made["last_used_at"], Value::Null);
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/tasks", Some(&token)).await.status, 200);
    }
    let events = app.get("/api/v1/me/audit-events?limit=200", Some(&ada.access_token)).await;
    let actions: Vec<&str> =
        events.json["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "token.used").count(), 1, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "token.created").count(), 1, "{actions:?}");
    let used = app.get("/api/v1/me/tokens", Some(&ada.access_token)).await;
    assert!(used.json["items"][0]["last_used_at"].is_string(), "{}", used.text);

    // A minute later (moved back, not waited for) the next use marks again.
    let mut conn = definer(&app).await;
    sqlx::query("update api_tokens set last_used_at = now() - interval '61 seconds' where user_id = $1")
        .bind(ada.user_id)
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(app.get("/api/v1/tasks", Some(&token)).await.status, 200);
    assert_eq!(app.get("/api/v1/tasks", Some(&token)).await.status, 200);
    let events = app.get("/api/v1/me/audit-events?limit=200", Some(&ada.access_token)).await;
    let n = events.json["items"].as_array().unwrap().iter().filter(|e| e["action"] == "token.used").count();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn a_new_token_names_each_bad_field() {
    let app = spawn_app().await;
    let ada = app.create_user().await;
    let cases = [
        (json!({ "name": "x", "scopes": ["tasks:read", "tasks:delete"] }), "scopes", "scopes[1]: `tasks:delete`"),
        (json!({ "name": "x", "scopes": [] }), "scopes", "at least one"),
        (json!({ "name": "", "scopes": ["tasks:read"] }), "name", "empty"),
        (json!({ "name": "x", "scopes": ["tasks:read"], "expires_in_days": 366 }), "expires_in_days", "365"),
        (json!({ "name": "x", "scopes": ["tasks:read"], "expires_in_days": 0 }), "expires_in_days", "365"),
    ];
    for (body, field, says) in cases {
        let r = app.post("/api/v1/me/tokens", Some(&ada.access_token), &body).await;
        let p = r.assert_problem(422);
        let named = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == field && e["message"].as_str().is_some_and(|m| m.contains(says)));
        assert!(named, "{body} -> {p}");
    }
    // A whole number written as a float is a whole number.
    let r = app
        .post(
            "/api/v1/me/tokens",
            Some(&ada.access_token),
            &json!({ "name": "x", "scopes": ["tasks:read"], "expires_in_days": 7.0 }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(app.get("/api/v1/me/tokens", Some(&ada.access_token)).await.json["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_team_service_token_acts_as_a_member_or_viewer_of_that_team_only() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "Bots").await;
    app.add_member(&owner, team, &admin, "admin").await;
    app.add_member(&owner, team, &member, "member").await;
    let other_team = app.create_team(&owner, "Elsewhere").await;
    let inside = app.create_task(&owner, json!({ "title": "Team work", "team_id": team })).await;
    app.create_task(&owner, json!({ "title": "Other team", "team_id": other_team })).await;
    app.create_task(&owner, json!({ "title": "Owner's own" })).await;
    let path = format!("/api/v1/teams/{team}/tokens");
    let body = json!({ "name": "Deploy bot", "role": "member", "scopes": ["tasks:read", "tasks:write"] });

    // Only the owner makes one; admins see them; members see nothing.
    app.post(&path, Some(&admin.access_token), &body).await.assert_problem(403);
    app.post(&path, Some(&member.access_token), &body).await.assert_problem(403);
    app.get(&path, Some(&member.access_token)).await.assert_problem(403);
    let outsider = app.create_user().await;
    app.post(&path, Some(&outsider.access_token), &body).await.assert_problem(404);

    let r = app.post(&path, Some(&owner.access_token), &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.json["token"].as_str().unwrap().to_owned();
    assert_eq!(r.json["team_id"], team.to_string());
    assert_eq!(r.json["role"], "member");
    let bot = r.json["user_id"].as_str().unwrap().to_owned();
    assert_ne!(bot, owner.user_id.to_string(), "a service account of its own");
    let listed = app.get(&path, Some(&admin.access_token)).await;
    assert_eq!(listed.json["items"][0]["token_id"], r.json["token_id"], "{}", listed.text);
    // A personal token list never shows team tokens.
    assert_eq!(app.get("/api/v1/me/tokens", Some(&owner.access_token)).await.json["items"], json!([]));

    // It reads the team's tasks and nothing else, and writes as itself.
    let tasks = app.get("/api/v1/tasks", Some(&token)).await;
    assert_eq!(tasks.status, 200, "{}", tasks.text);
    let titles: Vec<&str> =
        tasks.json["items"].as_array().unwrap().iter().filter_map(|t| t["title"].as_str()).collect();
    assert_eq!(titles, ["Team work"]);
    let made = app.post("/api/v1/tasks", Some(&token), &json!({ "title": "From CI", "team_id": team })).await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!(made.json["created_by"], bot.as_str());
    let members = app.get(&format!("/api/v1/teams/{team}/members"), Some(&owner.access_token)).await;
    assert!(members.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["user_id"] == bot.as_str() && m["role"] == "member"));
    // Nobody signs in as the service account.
    let email: String = {
        let mut conn = definer(&app).await;
        sqlx::query_scalar("select email from users where user_id = $1")
            .bind(bot.parse::<Uuid>().unwrap())
            .fetch_one(&mut conn)
            .await
            .unwrap()
    };
    app.login(&email, PASSWORD).await.assert_problem(401);

    // A viewer token reads but cannot write, whatever its scopes say.
    let viewer = app
        .post(
            &path,
            Some(&owner.access_token),
            &json!({ "name": "Dashboard", "role": "viewer", "scopes": ["tasks:read", "tasks:write"] }),
        )
        .await;
    assert_eq!(viewer.status, 201, "{}", viewer.text);
    let vt = viewer.json["token"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/tasks/{}", inside["task_id"].as_str().unwrap()), Some(vt)).await.status, 200);
    let refused = app.post("/api/v1/tasks", Some(vt), &json!({ "title": "viewer write", "team_id": team })).await;
    let p = refused.assert_problem(403);
    assert_eq!(p["type"], "urn:taskflow:problem:forbidden", "the role refuses it, not the scope: {p}");

    // Revoked by the owner (not the admin): the token dies, the account leaves the team.
    let one = format!("{path}/{}", r.json["token_id"].as_str().unwrap());
    app.delete(&one, Some(&admin.access_token)).await.assert_problem(403);
    assert_eq!(app.delete(&one, Some(&owner.access_token)).await.status, 204);
    app.get("/api/v1/tasks", Some(&token)).await.assert_problem(401);
    let members = app.get(&format!("/api/v1/teams/{team}/members"), Some(&owner.access_token)).await;
    assert!(!members.json["items"].as_array().unwrap().iter().any(|m| m["user_id"] == bot.as_str()));
    app.delete(&one, Some(&owner.access_token)).await.assert_problem(404);
    // What it made keeps its author.
    let task =
        app.get(&format!("/api/v1/tasks/{}", made.json["task_id"].as_str().unwrap()), Some(&owner.access_token)).await;
    assert_eq!(task.json["created_by"], bot.as_str());
}

#[tokio::test]
async fn the_document_names_each_operations_scope() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.json;
    let op = &doc["paths"]["/api/v1/tasks"]["get"];
    assert_eq!(op["x-required-scope"], "tasks:read");
    assert_eq!(op["security"], json!([{ "bearer": [] }, { "api_token": ["tasks:read"] }]));
    assert_eq!(doc["paths"]["/api/v1/tasks/{task_id}/comments"]["post"]["x-required-scope"], "comments:write");
    // Session-only operations offer no token scheme.
    for (path, method) in
        [("/api/v1/me/tokens", "post"), ("/api/v1/me/password", "post"), ("/api/v1/admin/jobs", "get")]
    {
        let op = &doc["paths"][path][method];
        assert!(op.get("x-required-scope").is_none(), "{path}");
        assert!(!op["security"].to_string().contains("api_token"), "{path}: {}", op["security"]);
    }
    assert!(doc["components"]["securitySchemes"]["api_token"].is_object());
}
