//! Timesheets and approvals: a member submits a week, a team admin approves
//! or rejects it, approved time is frozen until reopened; Postgres holds the
//! same rules for writes straight from the app role.

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::helpers::{act_as, spawn_app, sqlstate, Reply, TestApp, TestUser};

async fn track(app: &TestApp, who: &TestUser, task: &Value, start: &str, seconds: i64) -> String {
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    let r =
        app.post(&path, Some(&who.access_token), &json!({ "started_at": start, "duration_seconds": seconds })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    format!("/api/v1/time-entries/{}", r.json["entry_id"].as_str().unwrap())
}

fn id_of(path: &str) -> uuid::Uuid {
    path.rsplit('/').next().unwrap().parse().unwrap()
}

async fn berlin(app: &TestApp, who: &TestUser) {
    let r = app.patch("/api/v1/me", Some(&who.access_token), &json!({ "time_zone": "Europe/Berlin" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

struct Team {
    owner: TestUser,
    admin: TestUser,
    member: TestUser,
    colleague: TestUser,
    team: uuid::Uuid,
    task: Value,
    other: Value,
}

async fn team(app: &TestApp) -> Team {
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let colleague = app.create_user().await;
    let team = app.create_team(&owner, "Studio").await;
    app.add_member(&owner, team, &admin, "admin").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &colleague, "member").await;
    let task = app.create_task(&owner, json!({ "title": "Write", "team_id": team })).await;
    let other = app.create_task(&owner, json!({ "title": "Review", "team_id": team })).await;
    Team { owner, admin, member, colleague, team, task, other }
}

fn state(r: &Reply) -> &str {
    r.json["state"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_week_is_submitted_approved_and_then_frozen_until_reopened() {
    let app = spawn_app().await;
    let t = team(&app).await;
    berlin(&app, &t.member).await;
    let own = app.create_task(&t.member, json!({ "title": "Own" })).await;
    // Monday 23:30 UTC is Tuesday 00:30 in Berlin: the sheet puts it on Tuesday.
    let late = track(&app, &t.member, &t.task, "2026-11-23T23:30:00Z", 3600).await;
    let wed = track(&app, &t.member, &t.other, "2026-11-25T09:00:00Z", 1800).await;
    let personal = track(&app, &t.member, &own, "2026-11-26T09:00:00Z", 600).await;
    let next_week = track(&app, &t.member, &t.task, "2026-11-30T09:00:00Z", 900).await;

    let sheet = app.get("/api/v1/timesheets?week=2026-W48", Some(&t.member.access_token)).await;
    assert_eq!(sheet.status, 200, "{}", sheet.text);
    assert_eq!(sheet.json["week"], "2026-W48");
    assert_eq!(sheet.json["time_zone"], "Europe/Berlin");
    assert_eq!(sheet.json["days"][0], "2026-11-23");
    assert_eq!(sheet.json["day_totals"], json!([0, 3600, 1800, 600, 0, 0, 0]));
    assert_eq!(sheet.json["seconds"], 6000);
    let titles: Vec<&str> =
        sheet.json["rows"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Own", "Review", "Write"]);
    assert_eq!(state(&sheet), "draft");
    assert_eq!(sheet.json["entries"].as_array().unwrap().len(), 3, "next week's entry is not in it");

    // Submitting takes the team time; the personal entry has no reviewer.
    let submitted = app.post("/api/v1/timesheets/2026-W48/submit", Some(&t.member.access_token), &json!({})).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.json["entries"], 2);
    assert_eq!(submitted.json["timesheet"]["state"], "submitted");
    assert_eq!(
        submitted.json["timesheet"]["counts"],
        json!({"draft": 0, "submitted": 2, "approved": 0, "rejected": 0})
    );
    assert_eq!(state(&app.get(&personal, Some(&t.member.access_token)).await), "draft");
    assert_eq!(state(&app.get(&next_week, Some(&t.member.access_token)).await), "draft");
    let again = app.post("/api/v1/timesheets/2026-W48/submit", Some(&t.member.access_token), &json!({})).await;
    assert_eq!(again.json["entries"], 0, "nothing new to submit");

    // Submitted time waits: the tracker neither edits nor deletes it.
    let edit = app.patch(&late, Some(&t.member.access_token), &json!({ "note": "x" })).await;
    assert!(edit.assert_problem(409)["detail"].as_str().unwrap().contains("submitted"), "{}", edit.text);
    app.delete(&wed, Some(&t.member.access_token)).await.assert_problem(409);

    // The team's admins see the week and the queue; members and outsiders do not.
    let path = format!("/api/v1/timesheets?week=2026-W48&user_id={}", t.member.user_id);
    let seen = app.get(&path, Some(&t.admin.access_token)).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.json["seconds"], 5400, "the admin sees the team's time, not the personal task's");
    app.get(&path, Some(&t.colleague.access_token)).await.assert_problem(404);
    let outsider = app.create_user().await;
    app.get(&path, Some(&outsider.access_token)).await.assert_problem(404);
    let queue = format!("/api/v1/teams/{}/approvals", t.team);
    let pending = app.get(&queue, Some(&t.admin.access_token)).await;
    assert_eq!(pending.status, 200, "{}", pending.text);
    assert_eq!(
        pending.json["items"],
        json!([{ "user_id": t.member.user_id, "name": pending.json["items"][0]["name"], "week": "2026-W48", "entries": 2, "seconds": 5400 }])
    );
    app.get(&queue, Some(&t.member.access_token)).await.assert_problem(403);

    // Members do not approve (not even their own time); admins do.
    let approve = "/api/v1/timesheets/2026-W48/approve";
    app.post(approve, Some(&t.member.access_token), &json!({ "user_id": t.member.user_id })).await.assert_problem(403);
    app.post(&format!("{late}/approve"), Some(&t.member.access_token), &json!({})).await.assert_problem(403);
    let approved = app.post(approve, Some(&t.admin.access_token), &json!({ "user_id": t.member.user_id })).await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.json["entries"], 2);
    assert_eq!(approved.json["timesheet"]["state"], "approved");
    let entry = app.get(&late, Some(&t.member.access_token)).await;
    assert_eq!(state(&entry), "approved");
    assert_eq!(entry.json["reviewed_by"], json!(t.admin.user_id));
    assert!(app.get(&queue, Some(&t.admin.access_token)).await.json["items"].as_array().unwrap().is_empty());

    // Approved time is frozen, for the admin too, until reopened.
    app.patch(&late, Some(&t.member.access_token), &json!({ "note": "x" })).await.assert_problem(409);
    app.delete(&late, Some(&t.admin.access_token)).await.assert_problem(409);
    app.post(&format!("{late}/approve"), Some(&t.admin.access_token), &json!({})).await.assert_problem(409);

    // Postgres refuses the same from the app role directly.
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let direct: [(&str, uuid::Uuid, uuid::Uuid, &str, &str); 5] = [
        (
            "update time_entries set note = 'direct' where entry_id = $1",
            t.member.user_id,
            id_of(&late),
            "23514",
            "approved",
        ),
        ("delete from time_entries where entry_id = $1", t.member.user_id, id_of(&late), "23514", "approved"),
        (
            "update time_entries set state = 'draft' where entry_id = $1",
            t.member.user_id,
            id_of(&late),
            "42501",
            "owners and admins",
        ),
        (
            "update time_entries set state = 'approved' where entry_id = $1",
            t.member.user_id,
            id_of(&next_week),
            "23514",
            "from draft to approved",
        ),
        (
            "update time_entries set note = 'by the admin' where entry_id = $1",
            t.admin.user_id,
            id_of(&next_week),
            "42501",
            "tracked",
        ),
    ];
    for (sql, who, entry, code, says) in direct {
        let mut tx = conn.begin().await.unwrap();
        act_as(&mut tx, Some(who), false).await;
        let err = sqlx::query(sql).bind(entry).execute(&mut *tx).await.expect_err(sql);
        assert_eq!(sqlstate(&err).as_deref(), Some(code), "{sql}: {err}");
        assert!(err.to_string().contains(says), "{sql}: {err}");
    }
    // Nor does an entry start out approved.
    let mut tx = conn.begin().await.unwrap();
    act_as(&mut tx, Some(t.member.user_id), false).await;
    let err = sqlx::query(
        "insert into time_entries (entry_id, task_id, user_id, started_at, ended_at, state)
         values (gen_random_uuid(), $1, $2, now() - interval '2 hours', now() - interval '1 hour', 'approved')",
    )
    .bind(uuid::Uuid::parse_str(t.task["task_id"].as_str().unwrap()).unwrap())
    .bind(t.member.user_id)
    .execute(&mut *tx)
    .await
    .expect_err("an approved insert");
    assert_eq!(sqlstate(&err).as_deref(), Some("23514"), "{err}");
    drop(tx);

    // Reopening (admins only) makes it a draft its tracker edits again.
    app.post(&format!("{late}/reopen"), Some(&t.member.access_token), &json!({})).await.assert_problem(403);
    let reopened = app.post(&format!("{late}/reopen"), Some(&t.admin.access_token), &json!({})).await;
    assert_eq!(reopened.status, 200, "{}", reopened.text);
    assert_eq!(state(&reopened), "draft");
    app.post(&format!("{late}/reopen"), Some(&t.admin.access_token), &json!({})).await.assert_problem(409);
    assert_eq!(app.patch(&late, Some(&t.member.access_token), &json!({ "note": "fixed" })).await.status, 200);

    let mut tx = conn.begin().await.unwrap();
    act_as(&mut tx, Some(t.owner.user_id), true).await;
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_events where subject_id = $1 and (action like 'timesheet.%' or action like 'time_entry.%')
         order by occurred_at, action",
    )
    .bind(t.member.user_id)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(actions, ["timesheet.submitted", "timesheet.submitted", "timesheet.approved", "time_entry.reopened"]);
}

#[tokio::test]
async fn rejected_time_is_corrected_and_submitted_again() {
    let app = spawn_app().await;
    let t = team(&app).await;
    let a = track(&app, &t.member, &t.task, "2026-11-24T09:00:00Z", 3600).await;
    let b = track(&app, &t.member, &t.other, "2026-11-25T09:00:00Z", 3600).await;
    let c = track(&app, &t.member, &t.other, "2026-11-26T09:00:00Z", 3600).await;

    // Only submitted time is reviewed.
    app.post(&format!("{a}/approve"), Some(&t.admin.access_token), &json!({})).await.assert_problem(409);
    let submit = "/api/v1/timesheets/2026-W48/submit";
    assert_eq!(app.post(submit, Some(&t.member.access_token), &json!({})).await.json["entries"], 3);

    // A rejection says why.
    let blank = app.post(&format!("{a}/reject"), Some(&t.admin.access_token), &json!({ "reason": "  " })).await;
    assert_eq!(blank.assert_problem(422)["errors"][0]["field"], "reason");
    let rejected =
        app.post(&format!("{a}/reject"), Some(&t.admin.access_token), &json!({ "reason": "wrong task" })).await;
    assert_eq!(rejected.status, 200, "{}", rejected.text);
    assert_eq!(state(&rejected), "rejected");
    assert_eq!(rejected.json["rejection_reason"], "wrong task");
    let sheet = app.get("/api/v1/timesheets?week=2026-W48", Some(&t.member.access_token)).await;
    assert_eq!(state(&sheet), "rejected");

    // The tracker corrects it: a draft again, the reason still there to read.
    let fixed = app.patch(&a, Some(&t.member.access_token), &json!({ "note": "moved" })).await;
    assert_eq!(state(&fixed), "draft");
    assert_eq!(fixed.json["rejection_reason"], "wrong task");
    let again = app.post(submit, Some(&t.member.access_token), &json!({})).await;
    assert_eq!(again.json["entries"], 1);
    let entry = app.get(&a, Some(&t.member.access_token)).await;
    assert_eq!(state(&entry), "submitted");
    assert_eq!(entry.json["rejection_reason"], Value::Null);

    // A whole week goes back at once, with the reason.
    let reject = "/api/v1/timesheets/2026-W48/reject";
    let none = app.post(reject, Some(&t.admin.access_token), &json!({ "user_id": t.member.user_id })).await;
    assert!(none.assert_problem(422)["errors"][0]["message"].as_str().unwrap().contains("reason"), "{}", none.text);
    let back = app
        .post(reject, Some(&t.admin.access_token), &json!({ "user_id": t.member.user_id, "reason": "split by client" }))
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(back.json["entries"], 3);
    for e in [&a, &b, &c] {
        assert_eq!(app.get(e, Some(&t.member.access_token)).await.json["rejection_reason"], "split by client");
    }

    // Personal time has no reviewer; bad weeks are named.
    let own = app.create_task(&t.admin, json!({ "title": "Own" })).await;
    let mine = track(&app, &t.admin, &own, "2026-11-24T09:00:00Z", 60).await;
    app.post(&format!("{mine}/approve"), Some(&t.admin.access_token), &json!({})).await.assert_problem(409);
    for bad in ["2026-W60", "2025-W53", "2026-48", "2026-W4"] {
        let r = app.get(&format!("/api/v1/timesheets?week={bad}"), Some(&t.member.access_token)).await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], "week", "{bad}");
        let r = app.post(&format!("/api/v1/timesheets/{bad}/submit"), Some(&t.member.access_token), &json!({})).await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], "week", "{bad}");
    }
    // The default week is the current one.
    let current = app.get("/api/v1/timesheets", Some(&t.member.access_token)).await;
    let today = chrono::Utc::now().date_naive();
    let iso = chrono::Datelike::iso_week(&today);
    assert_eq!(current.json["week"], format!("{:04}-W{:02}", iso.year(), iso.week()));
}

#[tokio::test]
async fn submitting_leaves_locked_days_alone() {
    let app = spawn_app().await;
    let t = team(&app).await;
    let early = track(&app, &t.member, &t.task, "2026-11-23T09:00:00Z", 600).await;
    let late = track(&app, &t.member, &t.task, "2026-11-27T09:00:00Z", 600).await;
    let lock = app
        .post(
            &format!("/api/v1/teams/{}/time-locks", t.team),
            Some(&t.owner.access_token),
            &json!({ "until": "2026-11-24" }),
        )
        .await;
    assert_eq!(lock.status, 201, "{}", lock.text);
    let r = app.post("/api/v1/timesheets/2026-W48/submit", Some(&t.member.access_token), &json!({})).await;
    assert_eq!(r.json["entries"], 1, "{}", r.text);
    assert_eq!(state(&app.get(&early, Some(&t.member.access_token)).await), "draft");
    assert_eq!(state(&app.get(&late, Some(&t.member.access_token)).await), "submitted");
}

#[tokio::test]
async fn a_reviewer_who_leaves_takes_nothing_with_them_even_from_locked_time() {
    let app = spawn_app().await;
    let t = team(&app).await;
    let entry = track(&app, &t.member, &t.task, "2026-11-24T09:00:00Z", 600).await;
    app.post("/api/v1/timesheets/2026-W48/submit", Some(&t.member.access_token), &json!({})).await;
    let approved = app.post(&format!("{entry}/approve"), Some(&t.admin.access_token), &json!({})).await;
    assert_eq!(approved.json["reviewed_by"], json!(t.admin.user_id));
    let lock = app
        .post(
            &format!("/api/v1/teams/{}/time-locks", t.team),
            Some(&t.owner.access_token),
            &json!({ "until": "2026-11-30" }),
        )
        .await;
    assert_eq!(lock.status, 201, "{}", lock.text);
    // Erasing the reviewer clears `reviewed_by` on the approved, locked entry.
    let erased = app
        .post("/api/v1/me/erase", Some(&t.admin.access_token), &json!({ "password": crate::helpers::PASSWORD }))
        .await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    let kept = app.get(&entry, Some(&t.member.access_token)).await;
    assert_eq!(state(&kept), "approved");
    assert_eq!(kept.json["reviewed_by"], Value::Null);
}
