use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::helpers::{read, spawn_app, Reply, TestApp, TestUser};

async fn track(
    app: &TestApp,
    who: &TestUser,
    task: &Value,
    start: chrono::DateTime<Utc>,
    secs: i64,
    billable: bool,
) -> Reply {
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    let body = json!({ "started_at": ts(start), "duration_seconds": secs, "billable": billable });
    app.post(&path, Some(&who.access_token), &body).await
}

fn ts(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[tokio::test]
async fn manual_entries_are_validated() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t" })).await;
    let path = format!("/api/v1/tasks/{}/time-entries", t["task_id"].as_str().unwrap());
    let now = Utc::now();
    let start = now - Duration::hours(3);

    let r = app
        .post(
            &path,
            Some(&u.access_token),
            &json!({ "started_at": ts(start), "duration_seconds": 5400, "note": "deep work", "billable": true }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["duration_seconds"], 5400);
    assert_eq!(r.json["billable"], true);
    assert_eq!(r.json["running"], false);

    let cases = [
        json!({ "started_at": ts(start), "ended_at": ts(start) }),
        json!({ "started_at": ts(start), "ended_at": ts(start - Duration::minutes(1)) }),
        json!({ "started_at": ts(now - Duration::hours(30)), "ended_at": ts(now - Duration::hours(5)) }),
        json!({ "started_at": ts(now), "ended_at": ts(now + Duration::hours(1)) }),
        json!({ "started_at": ts(start), "duration_seconds": 0 }),
        json!({ "started_at": ts(start), "duration_seconds": 60, "ended_at": ts(now) }),
        json!({ "started_at": ts(start) }),
        json!({ "started_at": "yesterday", "duration_seconds": 60 }),
    ];
    for body in cases {
        app.post(&path, Some(&u.access_token), &body).await.assert_problem(422);
    }
    assert_eq!(app.get(&path, Some(&u.access_token)).await.json["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_timer_starts_once_and_stops() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let a = app.create_task(&u, json!({ "title": "a" })).await;
    let b = app.create_task(&u, json!({ "title": "b" })).await;
    assert_eq!(app.get("/api/v1/timer", Some(&u.access_token)).await.json["timer"], Value::Null);
    let started = app
        .post(&format!("/api/v1/tasks/{}/timer", a["task_id"].as_str().unwrap()), Some(&u.access_token), &json!({}))
        .await;
    assert_eq!(started.status, 201, "{}", started.text);
    assert_eq!(started.json["running"], true);
    let second = app
        .post(&format!("/api/v1/tasks/{}/timer", b["task_id"].as_str().unwrap()), Some(&u.access_token), &json!({}))
        .await;
    let p = second.assert_problem(409);
    assert!(p["detail"].as_str().unwrap().contains(started.json["entry_id"].as_str().unwrap()), "{}", second.text);
    assert_eq!(
        app.get("/api/v1/timer", Some(&u.access_token)).await.json["timer"]["entry_id"],
        started.json["entry_id"]
    );
    let stopped = app.post("/api/v1/timer/stop", Some(&u.access_token), &json!({})).await;
    assert_eq!(stopped.status, 200, "{}", stopped.text);
    assert_eq!(stopped.json["running"], false);
    assert!(stopped.json["ended_at"].is_string());
    app.post("/api/v1/timer/stop", Some(&u.access_token), &json!({})).await.assert_problem(404);
}

#[tokio::test]
async fn two_concurrent_timer_starts_give_one_201_and_one_409() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let a = app.create_task(&u, json!({ "title": "a" })).await;
    let b = app.create_task(&u, json!({ "title": "b" })).await;
    let start = |task: &Value| {
        app.client
            .post(app.url(&format!("/api/v1/tasks/{}/timer", task["task_id"].as_str().unwrap())))
            .bearer_auth(&u.access_token)
            .send()
    };
    let (x, y) = tokio::join!(start(&a), start(&b));
    let mut statuses = [x.unwrap().status().as_u16(), y.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
}

#[tokio::test]
async fn entries_belong_to_their_tracker() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &admin, "admin").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let t = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    let path = format!("/api/v1/tasks/{}/time-entries", t["task_id"].as_str().unwrap());
    let start = ts(Utc::now() - Duration::hours(2));

    // Viewers do not track time.
    app.post(&path, Some(&viewer.access_token), &json!({ "started_at": start, "duration_seconds": 60 }))
        .await
        .assert_problem(403);
    let e = app.post(&path, Some(&member.access_token), &json!({ "started_at": start, "duration_seconds": 60 })).await;
    assert_eq!(e.status, 201, "{}", e.text);
    let entry = format!("/api/v1/time-entries/{}", e.json["entry_id"].as_str().unwrap());

    // Members see only their own entries; team admins see all.
    assert_eq!(app.get(&path, Some(&viewer.access_token)).await.json["items"], json!([]));
    assert_eq!(app.get(&path, Some(&admin.access_token)).await.json["items"].as_array().unwrap().len(), 1);

    // Only the tracker edits; a team admin may delete.
    let r = app.patch(&entry, Some(&member.access_token), &json!({ "note": "setup", "billable": true })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["note"], "setup");
    app.patch(&entry, Some(&admin.access_token), &json!({ "note": "x" })).await.assert_problem(403);
    app.patch(&entry, Some(&viewer.access_token), &json!({ "note": "x" })).await.assert_problem(404);
    app.delete(&entry, Some(&viewer.access_token)).await.assert_problem(404);
    assert_eq!(app.delete(&entry, Some(&admin.access_token)).await.status, 204);
}

#[tokio::test]
async fn reports_sum_by_user_task_day_and_label_and_export_csv() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let a = app.create_task(&owner, json!({ "title": "Alpha", "team_id": team, "labels": ["x", "y"] })).await;
    let b = app.create_task(&owner, json!({ "title": "=Beta", "team_id": team })).await;
    let start = Utc::now() - Duration::hours(5);
    assert_eq!(track(&app, &owner, &a, start, 3600, true).await.status, 201);
    assert_eq!(track(&app, &member, &a, start, 1800, false).await.status, 201);
    assert_eq!(track(&app, &member, &b, start, 600, true).await.status, 201);
    let report = |who: &TestUser, group: &str| {
        (format!("/api/v1/reports/time?team_id={team}&group_by={group}"), who.access_token.clone())
    };
    let app_ref = &app;
    let get = |(path, token): (String, String)| async move { app_ref.get(&path, Some(&token)).await };
    // The owner sees every entry of the team.
    let r = get(report(&owner, "user")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["total_seconds"], 6000);
    assert_eq!(r.json["billable_seconds"], 4200);
    let groups = r.json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["key"], owner.user_id.to_string());
    assert_eq!(groups[0]["seconds"], 3600);
    assert_eq!(groups[1]["seconds"], 2400);
    // A member sees only their own.
    let mine = get(report(&member, "task")).await;
    assert_eq!(mine.json["total_seconds"], 2400);
    assert_eq!(mine.json["groups"].as_array().unwrap().len(), 2);
    // By label: an entry counts under each of its task's labels; totals do not double.
    let labels = get(report(&owner, "label")).await;
    assert_eq!(labels.json["total_seconds"], 6000);
    let by_label: Vec<(String, i64)> = labels.json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["label"].as_str().unwrap().to_owned(), g["seconds"].as_i64().unwrap()))
        .collect();
    assert!(by_label.contains(&("x".into(), 5400)) && by_label.contains(&("(no label)".into(), 600)), "{by_label:?}");
    // By day: every day of the default 30, oldest first; the entries' day has their time.
    let day = get(report(&owner, "day")).await;
    let days = day.json["groups"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[29]["key"], Utc::now().format("%Y-%m-%d").to_string());
    let tracked = days.iter().find(|g| g["key"] == start.format("%Y-%m-%d").to_string()).unwrap();
    assert_eq!(tracked["seconds"], 6000);

    let csv = read(
        app.client
            .get(app.url(&format!("/api/v1/reports/time?team_id={team}&group_by=task")))
            .bearer_auth(&owner.access_token)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "key,label,seconds,billable_seconds");
    assert!(lines.iter().any(|l| l.contains("\"'=Beta\",600,600")), "{}", csv.text);

    app.get("/api/v1/reports/time?group_by=year", Some(&owner.access_token)).await.assert_problem(422);
    app.get("/api/v1/reports/time?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z", Some(&owner.access_token))
        .await
        .assert_problem(422);
    let outsider = app.create_user().await;
    get(report(&outsider, "user")).await.assert_problem(404);
}

#[tokio::test]
async fn the_entry_list_filters_and_paginates() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t" })).await;
    let path = format!("/api/v1/tasks/{}/time-entries", t["task_id"].as_str().unwrap());
    for i in 0..5 {
        let start = Utc::now() - Duration::hours(10 - i);
        app.post(
            &path,
            Some(&u.access_token),
            &json!({ "started_at": ts(start), "duration_seconds": 60, "billable": i % 2 == 0 }),
        )
        .await;
    }
    let billable = app.get("/api/v1/time-entries?billable=true&user_id=me", Some(&u.access_token)).await;
    assert_eq!(billable.json["items"].as_array().unwrap().len(), 3);
    let mut seen = 0;
    let mut cursor = String::new();
    loop {
        let page = app.get(&format!("/api/v1/time-entries?limit=2{cursor}"), Some(&u.access_token)).await;
        seen += page.json["items"].as_array().unwrap().len();
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, 5);
}

/// A timer running past `time.max_timer_hours` is flagged, for the client
/// to ask before saving it; the limit is the server's setting.
#[tokio::test]
async fn a_forgotten_timer_is_flagged_past_the_configured_hours() {
    for (max_hours, ran_hours, flagged) in [(12, 11, false), (12, 13, true), (24, 13, false)] {
        let app = crate::helpers::spawn_app_with(|s| s.time.max_timer_hours = max_hours).await;
        let u = app.create_user().await;
        let t = app.create_task(&u, json!({ "title": "t" })).await;
        let r = app
            .post(&format!("/api/v1/tasks/{}/timer", t["task_id"].as_str().unwrap()), Some(&u.access_token), &json!({}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(app.get("/api/v1/timer", Some(&u.access_token)).await.json["long_running"], false, "just started");
        // Started `ran_hours` ago: written as the tracker, as RLS allows.
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect_with(&app.db.app_options()).await.unwrap();
        let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
        crate::helpers::act_as(&mut tx, Some(u.user_id), false).await;
        sqlx::query("update time_entries set started_at = now() - make_interval(hours => $1) where ended_at is null")
            .bind(ran_hours)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let timer = app.get("/api/v1/timer", Some(&u.access_token)).await;
        assert_eq!(timer.json["long_running"], flagged, "{max_hours} h limit, {ran_hours} h run: {}", timer.text);
        assert_eq!(timer.json["max_timer_hours"], max_hours);
    }
}
