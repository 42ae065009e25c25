//! Task history: every field change recorded by Postgres with who and when,
//! read with comments and time as one stream by whoever can read the task,
//! and written by nobody else.

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::helpers::{act_as, spawn_app, sqlstate};

fn kinds(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match i["kind"].as_str().unwrap() {
            "changed" => format!("changed {}", i["field"].as_str().unwrap()),
            other => other.to_owned(),
        })
        .collect()
}

#[tokio::test]
async fn every_change_is_recorded_with_who_when_and_the_values_before_and_after() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let t = app.create_task(&owner, json!({ "title": "Draft", "team_id": team, "labels": ["a"] })).await;
    let id = t["task_id"].as_str().unwrap();
    let path = format!("/api/v1/tasks/{id}");
    let changed = app
        .patch(
            &path,
            Some(&member.access_token),
            &json!({ "title": "Final", "status": "in_progress", "labels": ["a", "b"] }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    // A PATCH that changes nothing records nothing.
    app.patch(&path, Some(&member.access_token), &json!({ "title": "Final" })).await;
    let comment =
        app.post(&format!("{path}/comments"), Some(&viewer.access_token), &json!({ "body": "Looks good" })).await;
    assert_eq!(comment.status, 201);
    let entry = app
        .post(
            &format!("{path}/time-entries"),
            Some(&member.access_token),
            &json!({ "started_at": "2026-11-30T09:00:00Z", "duration_seconds": 1800, "note": "pairing" }),
        )
        .await;
    assert_eq!(entry.status, 201, "{}", entry.text);
    app.patch(
        &path,
        Some(&owner.access_token),
        &json!({ "assignee_id": member.user_id, "due_at": "2026-12-24T17:00:00Z" }),
    )
    .await;

    let activity = format!("{path}/activity");
    let r = app.get(&activity, Some(&owner.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        kinds(&r.json),
        [
            "changed assignee_ids",
            "changed due_at",
            "time_entry",
            "comment",
            "changed labels",
            "changed status",
            "changed title",
            "created"
        ],
        "newest first; the fields of one change in the order the trigger records them, reversed"
    );
    let items = r.json["items"].as_array().unwrap();
    let title = items.iter().find(|i| i["field"] == "title").unwrap();
    assert_eq!((title["old"].as_str(), title["new"].as_str()), (Some("Draft"), Some("Final")));
    assert_eq!(title["actor_id"], member.user_id.to_string());
    assert!(title["actor_name"].is_string());
    let labels = items.iter().find(|i| i["field"] == "labels").unwrap();
    assert_eq!((labels["old"].clone(), labels["new"].clone()), (json!(["a"]), json!(["a", "b"])));
    // The deprecated single assignee is recorded as the list it stands for.
    let assigned = items.iter().find(|i| i["field"] == "assignee_ids").unwrap();
    assert_eq!((assigned["old"].clone(), assigned["new"].clone()), (json!([]), json!([member.user_id])));
    let due = items.iter().find(|i| i["field"] == "due_at").unwrap();
    assert_eq!(due["old"], Value::Null, "a field that was empty");
    assert_eq!(items.last().unwrap()["actor_id"], owner.user_id.to_string());
    assert_eq!(items.last().unwrap()["title"], "Final");
    let time = items.iter().find(|i| i["kind"] == "time_entry").unwrap();
    assert_eq!((time["seconds"].as_i64(), time["note"].as_str()), (Some(1800), Some("pairing")));
    assert_eq!(items.iter().find(|i| i["kind"] == "comment").unwrap()["body"], "Looks good");

    // A viewer reads the stream, except time it may not see (another's entry).
    let seen = app.get(&activity, Some(&viewer.access_token)).await;
    assert_eq!(seen.status, 200);
    assert!(!kinds(&seen.json).contains(&"time_entry".to_owned()), "{}", seen.text);
    assert_eq!(kinds(&seen.json).len(), 7);
    app.get(&activity, Some(&outsider.access_token)).await.assert_problem(404);
    app.get(&format!("/api/v1/tasks/{}/activity", uuid::Uuid::now_v7()), Some(&owner.access_token))
        .await
        .assert_problem(404);

    // Pages of three, following the cursor, give the whole stream once.
    let mut all = Vec::new();
    let mut url = format!("{activity}?limit=3");
    loop {
        let page = app.get(&url, Some(&owner.access_token)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        all.extend(kinds(&page.json));
        match page.json["next_cursor"].as_str() {
            Some(c) => url = format!("{activity}?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(all, kinds(&r.json));
}

#[tokio::test]
async fn history_is_written_by_postgres_alone_and_never_edited() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let t = app.create_task(&owner, json!({ "title": "x" })).await;
    let id: uuid::Uuid = t["task_id"].as_str().unwrap().parse().unwrap();
    app.patch(&format!("/api/v1/tasks/{id}"), Some(&owner.access_token), &json!({ "priority": "high" })).await;

    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    for (sql, what) in [
        (
            "insert into task_events (task_id, actor_id, field, new_value) values ($1, null, 'title', '\"forged\"')",
            "insert",
        ),
        ("update task_events set new_value = '\"low\"' where task_id = $1", "update"),
        ("delete from task_events where task_id = $1", "delete"),
    ] {
        let mut tx = conn.begin().await.unwrap();
        // Even as an instance admin.
        act_as(&mut tx, Some(owner.user_id), true).await;
        let err = sqlx::query(sql).bind(id).execute(&mut *tx).await.expect_err(what);
        assert_eq!(sqlstate(&err).as_deref(), Some("42501"), "{what}: {err}");
        tx.rollback().await.unwrap();
    }
    // Its own change, as it was.
    let r = app.get(&format!("/api/v1/tasks/{id}/activity"), Some(&owner.access_token)).await;
    let change = &r.json["items"][0];
    assert_eq!(
        (change["field"].as_str(), change["old"].as_str(), change["new"].as_str()),
        (Some("priority"), Some("medium"), Some("high"))
    );

    // Deleting the task for good (from the trash) takes its history along;
    // erasing the person keeps the history of tasks others still have,
    // without them.
    assert_eq!(app.delete(&format!("/api/v1/tasks/{id}"), Some(&owner.access_token)).await.status, 204);
    assert_eq!(app.delete(&format!("/api/v1/trash/{id}"), Some(&owner.access_token)).await.status, 204);
    let mut tx = conn.begin().await.unwrap();
    act_as(&mut tx, None, true).await;
    let left: i64 = sqlx::query_scalar("select count(*) from task_events where task_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn an_erased_account_leaves_the_history_of_the_teams_tasks_without_a_name() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let t = app.create_task(&owner, json!({ "title": "kept", "team_id": team })).await;
    let id = t["task_id"].as_str().unwrap();
    app.patch(&format!("/api/v1/tasks/{id}"), Some(&member.access_token), &json!({ "status": "done" })).await;
    // The export carries the changes the person made.
    let export = app.get("/api/v1/me/export", Some(&member.access_token)).await;
    assert_eq!(export.json["task_events"][0]["field"], "status", "{}", export.text);
    let erase = app.post("/api/v1/me/erase", Some(&member.access_token), &json!({ "password": member.password })).await;
    assert_eq!(erase.status, 204, "{}", erase.text);
    let r = app.get(&format!("/api/v1/tasks/{id}/activity"), Some(&owner.access_token)).await;
    let change = &r.json["items"][0];
    assert_eq!(
        (change["field"].as_str(), change["actor_id"].clone(), change["actor_name"].clone()),
        (Some("status"), Value::Null, Value::Null)
    );
}
