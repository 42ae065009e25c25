//! The hourly rollups behind person and calendar reports: after every kind
//! of write (entries, timers, rates, repricing, tasks moving or deleted,
//! accounts erased) they equal the entries summed afresh, and reports read
//! through them give the totals the entries give.

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::helpers::{act_as, spawn_app, TestApp, TestUser, PASSWORD};

type Cell = (uuid::Uuid, String, Option<uuid::Uuid>, bool, i64, i64, i64);

/// Both sides as an instance admin sees them: the rollups, and the same
/// sums computed from the entries.
async fn rollups_and_entries(app: &TestApp, admin: &TestUser) -> (Vec<Cell>, Vec<Cell>) {
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    act_as(&mut tx, Some(admin.user_id), true).await;
    let rows = |sql: &'static str| sql;
    let read = |sql: &'static str| {
        sqlx::query_as::<_, (uuid::Uuid, String, Option<uuid::Uuid>, bool, i64, i64, i64)>(rows(sql))
    };
    let rolled = read(
        "select user_id, to_char(hour at time zone 'UTC', 'YYYY-MM-DD HH24'), team_id, billable, entries::bigint,
                seconds, amount
         from time_rollups order by 1, 2, 3, 4",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let fresh = read(
        "select te.user_id, to_char(te.started_at at time zone 'UTC', 'YYYY-MM-DD HH24'), t.team_id, te.billable,
                count(*), sum(extract(epoch from te.ended_at - te.started_at))::bigint,
                coalesce(sum(case when te.billable
                     then (extract(epoch from te.ended_at - te.started_at)::bigint * er.hourly_rate + 1800) / 3600 end), 0)::bigint
         from time_entries te join tasks t on t.task_id = te.task_id
         left join time_entry_rates er on er.entry_id = te.entry_id and er.team_id = t.team_id
         where te.ended_at is not null
         group by 1, 2, 3, 4 order by 1, 2, 3, 4",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    (rolled, fresh)
}

async fn in_step(app: &TestApp, admin: &TestUser, after: &str) {
    let (rolled, fresh) = rollups_and_entries(app, admin).await;
    assert_eq!(rolled, fresh, "the rollups drifted after {after}");
}

async fn track(app: &TestApp, who: &TestUser, task: &Value, start: &str, secs: i64, billable: bool) -> String {
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    let r = app
        .post(
            &path,
            Some(&who.access_token),
            &json!({ "started_at": start, "duration_seconds": secs, "billable": billable }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    format!("/api/v1/time-entries/{}", r.json["entry_id"].as_str().unwrap())
}

#[tokio::test]
async fn the_rollups_follow_every_write_and_reports_through_them_agree_with_the_entries() {
    let app = spawn_app().await;
    let root = app.create_user().await;
    app.promote_to_admin(&root).await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let leaver = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let other = app.create_team(&owner, "U").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &leaver, "member").await;
    let a = app.create_task(&owner, json!({ "title": "a", "team_id": team })).await;
    let b = app.create_task(&owner, json!({ "title": "b", "team_id": team })).await;
    let own = app.create_task(&member, json!({ "title": "own" })).await;
    let rates = format!("/api/v1/teams/{team}/rates");
    let rate = json!({ "hourly_rate": 6_000, "currency": "EUR", "effective_from": "2026-01-01" });
    assert_eq!(app.post(&rates, Some(&owner.access_token), &rate).await.status, 201);
    in_step(&app, &root, "nothing").await;

    let e1 = track(&app, &member, &a, "2026-11-02T09:10:00Z", 1500, true).await;
    let e2 = track(&app, &member, &a, "2026-11-02T09:40:00Z", 1200, true).await;
    track(&app, &member, &b, "2026-11-02T09:50:00Z", 700, false).await;
    track(&app, &member, &own, "2026-11-02T10:05:00Z", 300, false).await;
    track(&app, &owner, &a, "2026-11-03T23:30:00Z", 3600, true).await;
    let gone = track(&app, &leaver, &b, "2026-11-04T08:00:00Z", 900, true).await;
    in_step(&app, &root, "inserts").await;

    // Moved to another hour, made non-billable, lengthened, deleted.
    let moved = app
        .patch(
            &e1,
            Some(&member.access_token),
            &json!({ "started_at": "2026-11-02T11:00:00Z", "ended_at": "2026-11-02T11:30:00Z" }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(app.patch(&e2, Some(&member.access_token), &json!({ "billable": false })).await.status, 200);
    in_step(&app, &root, "edits").await;
    assert_eq!(app.delete(&e2, Some(&member.access_token)).await.status, 204);
    in_step(&app, &root, "a delete").await;

    // A timer counts once stopped.
    let timer = format!("/api/v1/tasks/{}/timer", b["task_id"].as_str().unwrap());
    assert_eq!(app.post(&timer, Some(&member.access_token), &json!({})).await.status, 201);
    in_step(&app, &root, "a timer started").await;
    assert_eq!(app.post("/api/v1/timer/stop", Some(&member.access_token), &json!({})).await.status, 200);
    in_step(&app, &root, "a timer stopped").await;

    // A new rate and a reprice change the amounts.
    let dearer = json!({ "hourly_rate": 9_000, "currency": "EUR", "effective_from": "2026-11-01" });
    assert_eq!(app.post(&rates, Some(&owner.access_token), &dearer).await.status, 201);
    let repriced =
        app.post(&format!("{rates}/reprice"), Some(&owner.access_token), &json!({ "since": "2026-11-01" })).await;
    assert!(repriced.json["repriced"].as_i64().unwrap() > 0, "{}", repriced.text);
    in_step(&app, &root, "a reprice").await;

    // Reports through the rollups (person, calendar) and past them (task)
    // agree, on aligned and on ragged ranges.
    for (from, to) in [("2026-11-01", "2026-11-30"), ("2026-11-02T09:45:00Z", "2026-11-03T23:59:00Z")] {
        let report = |by: &str| {
            format!("/api/v1/reports/time?team_id={team}&group_by={by}&from={from}&to={to}&tz=Europe/Berlin")
        };
        let by_user = app.get(&report("user"), Some(&owner.access_token)).await;
        let by_day = app.get(&report("day"), Some(&owner.access_token)).await;
        let by_task = app.get(&report("task"), Some(&owner.access_token)).await;
        assert_eq!(by_user.status, 200, "{}", by_user.text);
        for field in ["total_seconds", "billable_seconds", "billable_amount"] {
            assert_eq!(by_user.json[field], by_task.json[field], "{field} {from}..{to}");
            assert_eq!(by_day.json[field], by_task.json[field], "{field} {from}..{to}");
        }
        assert!(by_task.json["total_seconds"].as_i64().unwrap() > 0);
        // A member's report is their own time, amounts included.
        let theirs = app.get(&report("user"), Some(&member.access_token)).await;
        let theirs_raw = app.get(&report("task"), Some(&member.access_token)).await;
        assert_eq!(theirs.json["total_seconds"], theirs_raw.json["total_seconds"]);
        assert_eq!(theirs.json["billable_amount"], theirs_raw.json["billable_amount"]);
        assert_eq!(theirs.json["groups"].as_array().unwrap().len(), 1, "only their own row");
    }

    // The default range runs up to now: the current hour, part of which is
    // in the range, comes from its rollup rows.
    let just_now = (chrono::Utc::now() - chrono::Duration::seconds(90)).to_rfc3339();
    track(&app, &member, &b, &just_now, 60, true).await;
    let by = |g: &str| format!("/api/v1/reports/time?team_id={team}&group_by={g}&tz=UTC");
    let (rolled, raw) =
        (app.get(&by("day"), Some(&owner.access_token)).await, app.get(&by("task"), Some(&owner.access_token)).await);
    assert_eq!(rolled.json["total_seconds"], raw.json["total_seconds"], "{}", rolled.text);
    assert_eq!(rolled.json["billable_amount"], raw.json["billable_amount"]);
    assert!(raw.json["total_seconds"].as_i64().unwrap() >= 60);

    // A task moving team, a task deleted, an account erased.
    let path = format!("/api/v1/tasks/{}", b["task_id"].as_str().unwrap());
    let moved = app.patch(&path, Some(&owner.access_token), &json!({ "team_id": other })).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    in_step(&app, &root, "a task moved").await;
    let path = format!("/api/v1/tasks/{}", a["task_id"].as_str().unwrap());
    assert_eq!(app.delete(&path, Some(&owner.access_token)).await.status, 204);
    in_step(&app, &root, "a task deleted").await;
    let _ = gone;
    let erased = app.post("/api/v1/me/erase", Some(&leaver.access_token), &json!({ "password": PASSWORD })).await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    in_step(&app, &root, "an account erased").await;
    let (rolled, _) = rollups_and_entries(&app, &root).await;
    assert!(!rolled.is_empty(), "something is still tracked");
}
