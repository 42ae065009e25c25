//! GDPR: export, erasure, consent.

use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::json;
use sqlx::Connection;

use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn export_holds_what_the_user_gave_us_and_is_audited() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let team = app.create_team(&u, "Mine").await;
    let p = app
        .post(&format!("/api/v1/teams/{team}/projects"), Some(&u.access_token), &json!({ "name": "Mine too" }))
        .await;
    let t = app
        .create_task(&u, json!({ "title": "exported task", "team_id": team, "project_id": p.json["project_id"] }))
        .await;
    let id = t["task_id"].as_str().unwrap();
    // A subtask of it, and a relation between the two.
    let sub = app.create_task(&u, json!({ "title": "exported subtask", "parent_task_id": id })).await;
    let r = app
        .post(
            &format!("/api/v1/tasks/{id}/relations"),
            Some(&u.access_token),
            &json!({ "kind": "relates_to", "task_id": sub["task_id"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rate = json!({ "hourly_rate": 9_500, "currency": "EUR", "effective_from": "2000-01-01" });
    assert_eq!(app.post(&format!("/api/v1/teams/{team}/rates"), Some(&u.access_token), &rate).await.status, 201);
    app.post(&format!("/api/v1/tasks/{id}/comments"), Some(&u.access_token), &json!({ "body": "my words" })).await;
    let start = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    app.post(
        &format!("/api/v1/tasks/{id}/time-entries"),
        Some(&u.access_token),
        &json!({ "started_at": start, "duration_seconds": 60 }),
    )
    .await;
    app.request(
        Method::PUT,
        "/api/v1/me/consents",
        Some(&u.access_token),
        Some(&json!({ "consents": [{ "purpose": "usage_analytics", "granted": true, "policy_version": "2026-11" }] })),
    )
    .await;

    let inviter = app.create_user().await;
    let theirs = app.create_team(&inviter, "Theirs").await;
    let invitation = app.invite(&inviter, theirs, &u.email, "viewer").await;

    let feed = app.post("/api/v1/me/calendar-feed", Some(&u.access_token), &json!({})).await;
    assert_eq!(feed.status, 201);
    let r = app.get("/api/v1/me/export", Some(&u.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.header("content-disposition").unwrap().contains("attachment"));
    assert_eq!(r.json["invitations_received"][0]["invitation_id"], invitation.to_string());
    assert_eq!(r.json["invitations_received"][0]["status"], "pending");
    let doc = r.json;
    assert_eq!(doc["profile"]["email"], u.email);
    assert!(doc["profile"].get("password_hash").is_none(), "no password material in the export");
    assert!(doc["calendar_feed"]["created_at"].is_string(), "{}", doc["calendar_feed"]);
    assert!(doc["calendar_feed"].get("token_digest").is_none(), "no token material in the export");
    assert_eq!(doc["teams"][0]["name"], "Mine");
    assert_eq!(doc["tasks"][0]["title"], "exported task");
    assert_eq!(doc["tasks"][0]["project_id"], p.json["project_id"]);
    assert_eq!(doc["projects"][0]["name"], "Mine too", "the projects they created");
    assert_eq!(doc["tasks"][1]["parent_task_id"], id, "a subtask says under which task");
    assert_eq!(doc["relations"][0]["kind"], "relates_to", "the relations they made");
    assert_eq!(doc["relations"][0]["other_task_id"], sub["task_id"]);
    assert_eq!(doc["comments"][0]["body"], "my words");
    assert_eq!(doc["time_entries"].as_array().unwrap().len(), 1);
    assert_eq!(doc["time_entries"][0]["state"], "draft");
    assert_eq!(doc["time_entry_rates"][0]["entry_id"], doc["time_entries"][0]["entry_id"]);
    assert_eq!(
        (doc["time_entry_rates"][0]["hourly_rate"].as_i64(), doc["time_entry_rates"][0]["currency"].as_str()),
        (Some(9_500), Some("EUR"))
    );
    assert_eq!(doc["consents"][0]["purpose"], "usage_analytics");
    assert!(doc["audit_events"].as_array().unwrap().iter().any(|e| e["action"] == "consent.granted"));
    assert!(doc["audit_events"].as_array().unwrap().iter().any(|e| e["action"] == "account.data_exported"));
}

#[tokio::test]
async fn consent_is_withdrawn_as_easily_as_granted_and_both_are_audited() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let (app_ref, token) = (&app, u.access_token.clone());
    let put = |granted: bool| {
        let token = token.clone();
        async move {
            let body =
                json!({ "consents": [{ "purpose": "marketing_emails", "granted": granted, "policy_version": "v1" }] });
            app_ref.request(Method::PUT, "/api/v1/me/consents", Some(&token), Some(&body)).await
        }
    };
    let r = put(true).await;
    assert_eq!(r.json["consents"][0]["granted"], true);
    let r = put(false).await;
    assert_eq!(r.json["consents"][0]["granted"], false);
    let got = app.get("/api/v1/me/consents", Some(&u.access_token)).await;
    assert_eq!(got.json["consents"][0]["granted"], false);
    assert!(got.json["purposes"].as_array().unwrap().len() >= 3);
    let events = app.get("/api/v1/me/audit-events", Some(&u.access_token)).await;
    let actions: Vec<&str> =
        events.json["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"consent.granted") && actions.contains(&"consent.withdrawn"), "{actions:?}");
    app.request(
        Method::PUT,
        "/api/v1/me/consents",
        Some(&u.access_token),
        Some(&json!({ "consents": [{ "purpose": "selling_data", "granted": true, "policy_version": "v1" }] })),
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn erasure_removes_the_person_keeps_shared_work_and_pseudonymises_the_log() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let leaver = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &leaver, "admin").await;
    // An event of the owner's about the leaver.
    let role = format!("/api/v1/teams/{team}/members/{}", leaver.user_id);
    assert_eq!(app.patch(&role, Some(&owner.access_token), &json!({ "role": "member" })).await.status, 200);
    let t = app.create_task(&leaver, json!({ "title": "shared work", "team_id": team })).await;
    let id = t["task_id"].as_str().unwrap();
    app.post(&format!("/api/v1/tasks/{id}/comments"), Some(&leaver.access_token), &json!({ "body": "my take" })).await;
    // A team only the leaver belongs to goes with them.
    let solo = app.create_team(&leaver, "Solo").await;

    let wrong = app
        .request(
            Method::DELETE,
            "/api/v1/me",
            Some(&leaver.access_token),
            Some(&json!({ "password": "not my password!" })),
        )
        .await;
    wrong.assert_problem(422);
    let r = app
        .request(Method::POST, "/api/v1/me/erase", Some(&leaver.access_token), Some(&json!({ "password": PASSWORD })))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);

    app.me(&leaver.access_token).await.assert_problem(401);
    app.login(&leaver.email, PASSWORD).await.assert_problem(401);
    // Shared work stays; the comment is attributed to a deleted user.
    let task = app.get(&format!("/api/v1/tasks/{id}"), Some(&owner.access_token)).await;
    assert_eq!(task.json["title"], "shared work");
    assert!(task.json["created_by"].is_null());
    let comments = app.get(&format!("/api/v1/tasks/{id}/comments"), Some(&owner.access_token)).await;
    assert_eq!(comments.json["items"][0]["body"], "my take");
    assert_eq!(comments.json["items"][0]["author_name"], "deleted user");
    assert!(comments.json["items"][0]["author_id"].is_null());
    let members = app.get(&format!("/api/v1/teams/{team}/members"), Some(&owner.access_token)).await;
    assert_eq!(members.json["items"].as_array().unwrap().len(), 1);
    // The owner's view of the membership event no longer names the leaver.
    let events = app.get("/api/v1/me/audit-events", Some(&owner.access_token)).await;
    let added = events.json["items"].as_array().unwrap().iter().find(|e| e["action"] == "team.role_changed").unwrap();
    assert_ne!(added["subject_id"], leaver.user_id.to_string());
    assert!(!events.text.contains(&leaver.user_id.to_string()));
    assert!(!events.text.contains(&leaver.email));
    // The team only the leaver belonged to went with them.
    let mut conn = sqlx::PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, None, true).await;
    let left: i64 = sqlx::query_scalar("select count(*) from teams where team_id = $1")
        .bind(solo)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(left, 0, "the leaver's solo team survived the erasure");
    let kept: i64 = sqlx::query_scalar("select count(*) from teams where team_id = $1")
        .bind(team)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(kept, 1);
}

#[tokio::test]
async fn a_sole_owner_must_hand_over_before_erasure() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "Needs an owner").await;
    app.add_member(&owner, team, &member, "member").await;
    let r = app
        .request(Method::POST, "/api/v1/me/erase", Some(&owner.access_token), Some(&json!({ "password": PASSWORD })))
        .await;
    let p = r.assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains("Needs an owner"));
    assert_eq!(app.me(&owner.access_token).await.status, 200, "nothing was erased");
}

/// Every row of every table in `public`, as text, read past RLS: the owner
/// lifts FORCE inside a transaction that is rolled back.
async fn every_row_as_text(app: &crate::helpers::TestApp) -> Vec<(String, String)> {
    use sqlx::Row;
    let mut conn = sqlx::PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'r' order by 1",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        sqlx::query(&format!(r#"alter table "{table}" no force row level security"#)).execute(&mut *tx).await.unwrap();
        let found = sqlx::query(&format!(r#"select t::text from "{table}" t"#)).fetch_all(&mut *tx).await.unwrap();
        rows.extend(found.into_iter().map(|r| (table.clone(), r.get::<String, _>(0))));
    }
    tx.rollback().await.unwrap();
    rows
}

/// Every key under this test's Redis prefix with its value(s), as text.
async fn every_redis_entry(app: &crate::helpers::TestApp) -> Vec<String> {
    let url = app.settings.redis.url.expose_secret().to_owned();
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let prefix = &app.settings.redis.key_prefix;
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut conn).await.unwrap();
    let mut out = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE").arg(&key).query_async(&mut conn).await.unwrap();
        let value: Vec<String> = match kind.as_str() {
            "string" => vec![redis::cmd("GET").arg(&key).query_async(&mut conn).await.unwrap_or_default()],
            "zset" => redis::cmd("ZRANGE").arg(&key).arg(0).arg(-1).query_async(&mut conn).await.unwrap(),
            other => vec![format!("<{other}>")],
        };
        out.push(format!("{key} = {}", value.join(",")));
    }
    out
}

#[tokio::test]
async fn erasure_leaves_no_trace_in_any_table_or_redis_key() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let leaver = app.create_user().await;
    let name = format!("Leaver {}", uuid::Uuid::new_v4().simple());
    let r = app.patch("/api/v1/me", Some(&leaver.access_token), &json!({ "display_name": name })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &leaver, "member").await;
    let t = app.create_task(&leaver, json!({ "title": "shared work", "team_id": team })).await;
    let id = t["task_id"].as_str().unwrap();
    app.post(&format!("/api/v1/tasks/{id}/comments"), Some(&leaver.access_token), &json!({ "body": "my take" })).await;
    // Traces of every kind: a failed sign-in, a wrong password on an action, activity.
    app.login(&leaver.email, "not the password at all").await.assert_problem(401);
    let body = json!({ "current_password": "not the password at all", "new_password": "another long passphrase" });
    app.post("/api/v1/me/password", Some(&leaver.access_token), &body).await.assert_problem(422);
    let before = every_row_as_text(&app).await;
    let needle_id = leaver.user_id.to_string();
    assert!(before.iter().any(|(_, row)| row.contains(&needle_id)), "the fixture must leave traces to find");
    assert!(every_redis_entry(&app).await.iter().any(|e| e.contains(&needle_id)), "and Redis entries");

    let r = app
        .request(Method::DELETE, "/api/v1/me", Some(&leaver.access_token), Some(&json!({ "password": PASSWORD })))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    // The DELETE form erases just as well until its sunset, and says so.
    assert_eq!(r.header("sunset"), Some("Tue, 01 Jun 2027 00:00:00 GMT"));
    assert_eq!(r.header("link"), Some("</api/v1/me/erase>; rel=\"successor-version\""));

    let needles = [needle_id.as_str(), leaver.email.as_str(), name.as_str(), leaver.email.split('@').next().unwrap()];
    for (table, row) in every_row_as_text(&app).await {
        for needle in needles {
            assert!(!row.contains(needle), "{table} still holds {needle}: {row}");
        }
    }
    for entry in every_redis_entry(&app).await {
        for needle in needles {
            assert!(!entry.contains(needle), "Redis still holds {needle}: {entry}");
        }
    }
    // The erasure event itself keeps no address.
    let admin = app.create_user().await;
    let token = app.promote_to_admin(&admin).await;
    let events = app.get("/api/v1/admin/audit-events?action=account.erased", Some(&token)).await;
    assert_eq!(events.json["items"][0]["ip"], serde_json::Value::Null, "{}", events.text);
}
