//! The audit log: written with the change it records, readable by the right
//! people, and impossible to rewrite from the app role.

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::helpers::{read, spawn_app, TestApp, TestUser, PASSWORD};

async fn my_actions(app: &TestApp, user: &TestUser) -> Vec<Value> {
    let r = app.get("/api/v1/me/audit-events?limit=200", Some(&user.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["items"].as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["action"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn account_and_team_events_are_recorded_with_request_context() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    app.login(&user.email, "a wrong passphrase!!").await;
    let r = read(
        app.client
            .post(app.url("/api/v1/me/password"))
            .bearer_auth(&user.access_token)
            .header("x-request-id", "audit-pw-change")
            .json(&json!({ "current_password": PASSWORD, "new_password": "another fine passphrase" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 204);
    let other = app.create_user().await;
    let team = app.create_team(&user, "T").await;
    app.add_member(&user, team, &other, "member").await;

    let events = my_actions(&app, &user).await;
    let seen = actions(&events);
    // The owner invited; the member's acceptance is the member's own event.
    for expected in
        ["auth.login", "auth.login_failed", "account.password_changed", "team.created", "team.invitation_created"]
    {
        assert!(seen.contains(&expected), "{expected} missing from {seen:?}");
    }
    let change = events.iter().find(|e| e["action"] == "account.password_changed").unwrap();
    assert_eq!(change["request_id"], "audit-pw-change");
    assert_eq!(change["ip"], "127.0.0.1");
    assert_eq!(change["actor_id"], user.user_id.to_string());
    // The failed login names the account only by a masked email.
    let failed = events.iter().find(|e| e["action"] == "auth.login_failed").unwrap();
    assert!(failed["details"]["email"].as_str().unwrap().contains("***@"));
    assert!(!failed.to_string().contains(&user.email));
    // The member sees the membership event about them, not the owner's password change.
    let theirs = actions(&my_actions(&app, &other).await).join(",");
    assert!(theirs.contains("team.member_added") && !theirs.contains("password_changed"), "{theirs}");
}

#[tokio::test]
async fn refresh_reuse_logout_and_denied_access_are_audited() {
    // No grace: the immediate replay below counts as a reuse.
    let app = crate::helpers::spawn_app_with(|s| s.auth.refresh_reuse_grace_seconds = 0).await;
    let user = app.create_user().await;
    assert_eq!(app.refresh(&user.refresh_token).await.status, 200);
    app.refresh(&user.refresh_token).await.assert_problem(401);
    let fresh = app.login(&user.email, PASSWORD).await.json["access_token"].as_str().unwrap().to_owned();
    // A member trying an admin action: denied and recorded.
    app.get("/api/v1/admin/users", Some(&fresh)).await.assert_problem(403);
    app.logout(&fresh).await;
    let again = app.login(&user.email, PASSWORD).await.json["access_token"].as_str().unwrap().to_owned();
    let r = app.get("/api/v1/me/audit-events", Some(&again)).await;
    let events = r.json["items"].as_array().unwrap();
    let seen = actions(events);
    for expected in ["auth.refresh_reuse", "access.denied", "auth.logout"] {
        assert!(seen.contains(&expected), "{expected} missing from {seen:?}");
    }
    let denied = events.iter().find(|e| e["action"] == "access.denied").unwrap();
    assert_eq!(denied["details"]["route"], "/api/v1/admin/users");
}

#[tokio::test]
async fn the_app_role_can_append_but_never_rewrite_the_log() {
    let app = spawn_app().await;
    let user = app.create_user().await;
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    for sql in
        ["update audit_events set action = 'nothing.happened'", "delete from audit_events", "truncate audit_events"]
    {
        let mut tx = conn.begin().await.unwrap();
        crate::helpers::act_as(&mut tx, Some(user.user_id), true).await;
        let err = sqlx::query(sql).execute(&mut *tx).await.expect_err(sql);
        assert_eq!(crate::helpers::sqlstate(&err).as_deref(), Some("42501"), "{sql}: {err}");
    }
    // Appending in someone else's name is refused too.
    let mut tx = conn.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, Some(user.user_id), false).await;
    let err = sqlx::query("insert into audit_events (event_id, actor_id, action) values ($1, $2, 'forged.event')")
        .bind(uuid::Uuid::now_v7())
        .bind(uuid::Uuid::now_v7())
        .execute(&mut *tx)
        .await
        .expect_err("forged actor");
    assert_eq!(crate::helpers::sqlstate(&err).as_deref(), Some("42501"));
}

#[tokio::test]
async fn admins_read_everything_with_filters_and_prune_keeps_recent_events() {
    let app = spawn_app().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let token = app.promote_to_admin(&admin).await;
    app.patch(&format!("/api/v1/admin/users/{}", member.user_id), Some(&token), &json!({ "disabled": true })).await;

    let r = app.get(&format!("/api/v1/admin/audit-events?subject_id={}", member.user_id), Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let seen = actions(r.json["items"].as_array().unwrap());
    assert!(seen.contains(&"admin.user_updated") && seen.contains(&"auth.login"), "{seen:?}");
    let only = app.get("/api/v1/admin/audit-events?action=admin.user_updated", Some(&token)).await;
    assert!(actions(only.json["items"].as_array().unwrap()).iter().all(|a| *a == "admin.user_updated"));
    app.get("/api/v1/admin/audit-events", Some(&member.access_token)).await.assert_problem(401);

    // An event from long ago goes; everything recent stays.
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    sqlx::query("insert into audit_events (event_id, occurred_at, action) values ($1, now() - interval '100 days', 'old.event')")
        .bind(uuid::Uuid::now_v7())
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(taskflow::db::audit::prune(&app.pool, 90).await.unwrap(), 1);
    // The app role cannot wipe the log through the retention door.
    for days in [0, 89] {
        let err = sqlx::query("select private.prune_audit_events(make_interval(days => $1))")
            .bind(days)
            .execute(&mut conn)
            .await
            .expect_err("retention below 90 days must be refused");
        assert_eq!(crate::helpers::sqlstate(&err).as_deref(), Some("22023"), "{err}");
    }
    let after = app.get("/api/v1/admin/audit-events?limit=200", Some(&token)).await;
    assert!(actions(after.json["items"].as_array().unwrap()).contains(&"admin.user_updated"));
}
