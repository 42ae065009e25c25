//! Hourly rates: the most specific in force when an entry starts is saved
//! with it; reports carry amounts to those who may see them; repricing is
//! explicit and audited; bad rates are 4xx naming the field.

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::helpers::{read, spawn_app, TestApp, TestUser};

async fn track(app: &TestApp, who: &TestUser, task: &Value, start: &str, secs: i64, billable: bool) {
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    let body = json!({ "started_at": start, "duration_seconds": secs, "billable": billable });
    let r = app.post(&path, Some(&who.access_token), &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn rate(app: &TestApp, who: &TestUser, team: uuid::Uuid, body: Value) -> crate::helpers::Reply {
    app.post(&format!("/api/v1/teams/{team}/rates"), Some(&who.access_token), &body).await
}

/// (key, billable_amount) per group.
fn amounts(report: &Value) -> Vec<(String, i64)> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().to_owned(), g["billable_amount"].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn the_most_specific_rate_is_saved_with_each_entry_and_reports_show_amounts_to_who_may_see_them() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let a = app.create_task(&owner, json!({ "title": "A", "team_id": team })).await;
    let b = app.create_task(&owner, json!({ "title": "B", "team_id": team })).await;

    let team_default =
        rate(&app, &owner, team, json!({ "hourly_rate": 6000, "currency": "EUR", "effective_from": "2026-01-01" }))
            .await;
    assert_eq!(team_default.status, 201, "{}", team_default.text);
    let location = team_default.header("location").unwrap().to_owned();
    assert_eq!(app.get(&location, Some(&owner.access_token)).await.json, team_default.json);
    assert_eq!(app.get(&format!("/api/v1/teams/{team}"), Some(&owner.access_token)).await.json["currency"], "EUR");
    let members_rate =
        json!({ "hourly_rate": 9000, "currency": "EUR", "effective_from": "2026-01-01", "user_id": member.user_id });
    assert_eq!(rate(&app, &owner, team, members_rate).await.status, 201);
    let task_rate =
        json!({ "hourly_rate": 12000, "currency": "EUR", "effective_from": "2026-01-01", "task_id": b["task_id"] });
    assert_eq!(rate(&app, &owner, team, task_rate).await.status, 201);

    track(&app, &member, &a, "2026-11-02T09:00:00Z", 3600, true).await; // the member's rate: 9000
    track(&app, &owner, &a, "2026-11-02T10:00:00Z", 1800, true).await; // the team's: 3000
    track(&app, &member, &b, "2026-11-03T09:00:00Z", 1800, true).await; // the task's beats the member's: 6000
    track(&app, &member, &a, "2026-11-03T11:00:00Z", 600, false).await; // not billable: 0
                                                                        // 1 s at 9000/h is 2.5 minor units: rounded half up per entry, to 3.
    track(&app, &member, &a, "2026-11-04T09:00:00Z", 1, true).await;

    let report = format!("/api/v1/reports/time?team_id={team}&from=2026-11-01&to=2026-11-30&tz=UTC&group_by=user");
    let all = app.get(&report, Some(&owner.access_token)).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["currency"], "EUR");
    assert_eq!(all.json["billable_amount"], 18003);
    assert_eq!(amounts(&all.json), [(member.user_id.to_string(), 15003), (owner.user_id.to_string(), 3000)]);
    // Members see their own amounts (and only their own time).
    let mine = app.get(&report, Some(&member.access_token)).await;
    assert_eq!((mine.json["currency"].as_str(), mine.json["billable_amount"].as_i64()), (Some("EUR"), Some(15003)));
    // Viewers see no money at all.
    let seen = app.get(&report, Some(&viewer.access_token)).await;
    assert_eq!(seen.status, 200);
    assert!(seen.json.get("currency").is_none() && seen.json.get("billable_amount").is_none(), "{}", seen.text);
    // Two levels carry amounts on every inner group; a personal report none.
    let by_day = app.get(&report.replace("group_by=user", "group_by=task,day"), Some(&owner.access_token)).await;
    let b_days =
        &by_day.json["groups"].as_array().unwrap().iter().find(|g| g["key"] == b["task_id"]).unwrap()["groups"];
    assert_eq!(b_days[2]["key"], "2026-11-03");
    assert_eq!(b_days[2]["billable_amount"], 6000);
    assert_eq!(b_days[0]["billable_amount"], 0);
    let personal = app.get("/api/v1/reports/time?from=2026-11-01&to=2026-11-30", Some(&member.access_token)).await;
    assert!(personal.json.get("currency").is_none(), "amounts need one team's currency");

    // The CSV has the same amounts.
    let csv = read(
        app.client
            .get(app.url(&report.replace("/reports/time?", "/reports/time.csv?")))
            .bearer_auth(&owner.access_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "key,label,seconds,billable_seconds,billable_amount,currency");
    assert!(lines[1].ends_with(",15003,\"EUR\""), "{}", csv.text);

    // A new team rate does not rewrite the past; repricing does, and says how many.
    let raise = json!({ "hourly_rate": 7000, "currency": "EUR", "effective_from": "2026-11-01" });
    assert_eq!(rate(&app, &owner, team, raise).await.status, 201);
    let still = app.get(&report, Some(&owner.access_token)).await;
    assert_eq!(still.json["billable_amount"], 18003);
    let repriced = app
        .post(
            &format!("/api/v1/teams/{team}/rates/reprice"),
            Some(&owner.access_token),
            &json!({ "since": "2026-11-01" }),
        )
        .await;
    assert_eq!(repriced.status, 200, "{}", repriced.text);
    assert_eq!(repriced.json["repriced"], 1, "only the owner's entry was at the team rate");
    let after = app.get(&report, Some(&owner.access_token)).await;
    assert_eq!(amounts(&after.json), [(member.user_id.to_string(), 15003), (owner.user_id.to_string(), 3500)]);
    app.post(
        &format!("/api/v1/teams/{team}/rates/reprice"),
        Some(&member.access_token),
        &json!({ "since": "2026-11-01" }),
    )
    .await
    .assert_problem(403);

    // Both were audited (read as an instance admin: the log is RLS-protected too).
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    crate::helpers::act_as(&mut tx, Some(owner.user_id), true).await;
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_events where team_id = $1 and action like 'rate%' order by occurred_at",
    )
    .bind(team)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(actions, ["rate.created", "rate.created", "rate.created", "rate.created", "rates.repriced"]);
}

#[tokio::test]
async fn rates_are_for_team_admins_and_bad_ones_are_refused_whole() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let other_team = app.create_team(&outsider, "O").await;
    app.add_member(&owner, team, &member, "member").await;
    let foreign_task = app.create_task(&outsider, json!({ "title": "x", "team_id": other_team })).await;
    let good = json!({ "hourly_rate": 9500, "currency": "EUR", "effective_from": "2026-11-01" });

    rate(&app, &member, team, good.clone()).await.assert_problem(403);
    rate(&app, &outsider, team, good.clone()).await.assert_problem(404);
    app.get(&format!("/api/v1/teams/{team}/rates"), Some(&member.access_token)).await.assert_problem(403);
    let cases = [
        (
            json!({ "hourly_rate": 95.5, "currency": "EUR", "effective_from": "2026-11-01" }),
            "hourly_rate",
            "whole minor units",
        ),
        (json!({ "hourly_rate": -1, "currency": "EUR", "effective_from": "2026-11-01" }), "hourly_rate", "negative"),
        (json!({ "hourly_rate": 1e12, "currency": "EUR", "effective_from": "2026-11-01" }), "hourly_rate", "at most"),
        (json!({ "hourly_rate": 9500, "currency": "eur", "effective_from": "2026-11-01" }), "currency", "ISO 4217"),
        (json!({ "hourly_rate": 9500, "currency": "XTS", "effective_from": "2026-11-01" }), "currency", "ISO 4217"),
        (json!({ "hourly_rate": 9500, "currency": "EUR", "effective_from": "2026-13-01" }), "effective_from", "a date"),
        (
            json!({ "hourly_rate": 9500, "currency": "EUR", "effective_from": "2026-11-01", "user_id": outsider.user_id }),
            "user_id",
            "not a member",
        ),
        (
            json!({ "hourly_rate": 9500, "currency": "EUR", "effective_from": "2026-11-01", "task_id": foreign_task["task_id"] }),
            "task_id",
            "not a task of this team",
        ),
    ];
    for (body, field, message) in cases {
        let r = rate(&app, &owner, team, body.clone()).await;
        let problem = r.assert_problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains(message), "{body}: {problem}");
    }
    // Every bad field at once.
    let r = rate(&app, &owner, team, json!({ "hourly_rate": 1.5, "currency": "??", "effective_from": "soon" })).await;
    let fields: Vec<&str> =
        r.assert_problem(422)["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["hourly_rate", "currency", "effective_from"]);
    assert_eq!(
        app.get(&format!("/api/v1/teams/{team}"), Some(&owner.access_token)).await.json["currency"],
        Value::Null,
        "nothing written"
    );

    let first = rate(&app, &owner, team, good.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    // One currency per team, and one rate per scope and day.
    let usd =
        rate(&app, &owner, team, json!({ "hourly_rate": 9500, "currency": "USD", "effective_from": "2026-12-01" }))
            .await;
    let problem = usd.assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "currency");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("bills in EUR"), "{problem}");
    rate(&app, &owner, team, good.clone()).await.assert_problem(409);

    let list = app.get(&format!("/api/v1/teams/{team}/rates"), Some(&owner.access_token)).await;
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1, "only the good rate: {}", list.text);
    let path = first.header("location").unwrap().to_owned();
    app.delete(&path, Some(&member.access_token)).await.assert_problem(403);
    assert_eq!(app.delete(&path, Some(&owner.access_token)).await.status, 204);
    app.get(&path, Some(&owner.access_token)).await.assert_problem(404);
    app.post(
        &format!("/api/v1/teams/{team}/rates/reprice"),
        Some(&owner.access_token),
        &json!({ "since": "11/01/2026" }),
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn the_rate_list_pages_latest_first() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    for day in ["2026-09-01", "2026-11-01", "2026-10-01"] {
        let r = rate(&app, &owner, team, json!({ "hourly_rate": 100, "currency": "JPY", "effective_from": day })).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let first = app.get(&format!("/api/v1/teams/{team}/rates?limit=2"), Some(&owner.access_token)).await;
    let days = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|r| r["effective_from"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(days(&first.json), ["2026-11-01", "2026-10-01"]);
    assert!(first.header("link").unwrap().contains("rel=\"next\""));
    let cursor = first.json["next_cursor"].as_str().unwrap();
    let second =
        app.get(&format!("/api/v1/teams/{team}/rates?limit=2&cursor={cursor}"), Some(&owner.access_token)).await;
    assert_eq!(days(&second.json), ["2026-09-01"]);
    assert!(second.json["next_cursor"].is_null());
}
