//! Locked periods: entries on or before a team's lock are neither created,
//! edited nor deleted, by anyone, through the API or straight in Postgres.

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::helpers::{spawn_app, sqlstate, TestApp, TestUser};

async fn track(app: &TestApp, who: &TestUser, task: &Value, start: &str) -> crate::helpers::Reply {
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    app.post(&path, Some(&who.access_token), &json!({ "started_at": start, "duration_seconds": 600 })).await
}

fn conflict_names_the_lock(r: &crate::helpers::Reply, day: &str) {
    let problem = r.assert_problem(409);
    assert!(problem["detail"].as_str().unwrap().contains(day), "{problem}");
}

#[tokio::test]
async fn a_locked_period_refuses_every_change_to_its_entries() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &admin, "admin").await;
    app.add_member(&owner, team, &member, "member").await;
    let task = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    let early = track(&app, &member, &task, "2026-11-10T09:00:00Z").await;
    let late = track(&app, &member, &task, "2026-11-20T09:00:00Z").await;
    let early = format!("/api/v1/time-entries/{}", early.json["entry_id"].as_str().unwrap());
    let late = format!("/api/v1/time-entries/{}", late.json["entry_id"].as_str().unwrap());
    let locks = format!("/api/v1/teams/{team}/time-locks");

    app.post(&locks, Some(&member.access_token), &json!({ "until": "2026-11-15" })).await.assert_problem(403);
    let lock = app.post(&locks, Some(&admin.access_token), &json!({ "until": "2026-11-15" })).await;
    assert_eq!(lock.status, 201, "{}", lock.text);
    let location = lock.header("location").unwrap().to_owned();
    assert_eq!(app.get(&location, Some(&member.access_token)).await.json["until"], "2026-11-15", "members see locks");
    assert_eq!(app.get(&locks, Some(&member.access_token)).await.json["items"].as_array().unwrap().len(), 1);

    // On or before the 15th: no edit, delete or new entry, by the tracker or an admin.
    conflict_names_the_lock(
        &app.patch(&early, Some(&member.access_token), &json!({ "note": "x" })).await,
        "2026-11-15",
    );
    conflict_names_the_lock(&app.delete(&early, Some(&member.access_token)).await, "2026-11-15");
    conflict_names_the_lock(&app.delete(&early, Some(&admin.access_token)).await, "2026-11-15");
    conflict_names_the_lock(&track(&app, &member, &task, "2026-11-15T22:00:00Z").await, "2026-11-15");
    // Nor moved into the locked days; after them all is open.
    let into = app
        .patch(
            &late,
            Some(&member.access_token),
            &json!({ "started_at": "2026-11-14T09:00:00Z", "ended_at": "2026-11-14T09:10:00Z" }),
        )
        .await;
    conflict_names_the_lock(&into, "2026-11-15");
    assert_eq!(track(&app, &member, &task, "2026-11-16T00:00:00Z").await.status, 201);
    assert_eq!(app.patch(&late, Some(&member.access_token), &json!({ "note": "fine" })).await.status, 200);
    assert_eq!(app.get(&early, Some(&member.access_token)).await.json["note"], Value::Null, "nothing half-written");

    // A lock only moves forward, and covers days that have begun.
    app.post(&locks, Some(&admin.access_token), &json!({ "until": "2026-11-12" })).await.assert_problem(409);
    let future = app.post(&locks, Some(&admin.access_token), &json!({ "until": "2099-01-01" })).await;
    assert_eq!(future.assert_problem(422)["errors"][0]["field"], "until");

    // Postgres refuses the same writes from the app role directly.
    let entry_id: uuid::Uuid = early.rsplit('/').next().unwrap().parse().unwrap();
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    for sql in
        ["update time_entries set note = 'direct' where entry_id = $1", "delete from time_entries where entry_id = $1"]
    {
        let mut tx = conn.begin().await.unwrap();
        crate::helpers::act_as(&mut tx, Some(member.user_id), false).await;
        let err = sqlx::query(sql).bind(entry_id).execute(&mut *tx).await.expect_err(sql);
        assert_eq!(sqlstate(&err).as_deref(), Some("23514"), "{sql}: {err}");
        assert!(err.to_string().contains("locked up to and including 2026-11-15"), "{err}");
    }

    // Lifting the lock (audited) opens the days again.
    app.delete(&location, Some(&member.access_token)).await.assert_problem(403);
    assert_eq!(app.delete(&location, Some(&admin.access_token)).await.status, 204);
    assert_eq!(app.patch(&early, Some(&member.access_token), &json!({ "note": "reopened" })).await.status, 200);
    let mut tx = conn.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, Some(owner.user_id), true).await;
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_events where team_id = $1 and action like 'time_lock%' order by occurred_at",
    )
    .bind(team)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(actions, ["time_lock.created", "time_lock.lifted"]);
}

#[tokio::test]
async fn a_running_timer_can_still_stop_and_deleting_the_task_takes_locked_entries_along() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let task = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    assert_eq!(track(&app, &owner, &task, "2026-11-10T09:00:00Z").await.status, 201);
    let timer = app
        .post(
            &format!("/api/v1/tasks/{}/timer", task["task_id"].as_str().unwrap()),
            Some(&owner.access_token),
            &json!({}),
        )
        .await;
    assert_eq!(timer.status, 201, "{}", timer.text);
    // Today is locked while the timer runs; stopping it is still allowed.
    let today = chrono::Utc::now().date_naive().to_string();
    let lock = app
        .post(&format!("/api/v1/teams/{team}/time-locks"), Some(&owner.access_token), &json!({ "until": today }))
        .await;
    assert_eq!(lock.status, 201, "{}", lock.text);
    let stopped = app.post("/api/v1/timer/stop", Some(&owner.access_token), &json!({})).await;
    assert_eq!(stopped.status, 200, "{}", stopped.text);
    // But no new timer starts on a locked day.
    let again = app
        .post(
            &format!("/api/v1/tasks/{}/timer", task["task_id"].as_str().unwrap()),
            Some(&owner.access_token),
            &json!({}),
        )
        .await;
    conflict_names_the_lock(&again, &today);
    // The lock guards entries, not the task they hang on: deleted (to the
    // trash, where its time still counts) and then for good, it takes them.
    let task_id = task["task_id"].as_str().unwrap();
    let r = app.delete(&format!("/api/v1/tasks/{task_id}"), Some(&owner.access_token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let kept = app.get("/api/v1/time-entries", Some(&owner.access_token)).await;
    assert_eq!(kept.json["items"].as_array().map(Vec::len), Some(2), "{}", kept.text);
    let r = app.delete(&format!("/api/v1/trash/{task_id}"), Some(&owner.access_token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let left = app.get("/api/v1/time-entries", Some(&owner.access_token)).await;
    assert_eq!(left.json["items"], json!([]));
}
