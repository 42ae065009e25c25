//! Budgets: limits on a team's or a task's time and money, their use, and
//! hard budgets that Postgres enforces.

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::helpers::{act_as, spawn_app, sqlstate, Reply, TestApp, TestUser};

async fn track(app: &TestApp, who: &TestUser, task: &Value, start: &str, seconds: i64) -> Reply {
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    app.post(
        &path,
        Some(&who.access_token),
        &json!({ "started_at": start, "duration_seconds": seconds, "billable": true }),
    )
    .await
}

#[tokio::test]
async fn budgets_are_set_by_admins_and_validated() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let other_team = app.create_team(&owner, "U").await;
    let foreign = app.create_task(&owner, json!({ "title": "f", "team_id": other_team })).await;
    let path = format!("/api/v1/teams/{team}/budgets");
    let hours = json!({ "period": "monthly", "seconds": 3600 });

    app.post(&path, Some(&member.access_token), &hours).await.assert_problem(403);
    app.get(&path, Some(&member.access_token)).await.assert_problem(403);
    for (body, field) in [
        (json!({ "period": "monthly" }), "seconds"),
        (json!({ "period": "monthly", "seconds": 0 }), "seconds"),
        (json!({ "period": "monthly", "seconds": -60 }), "seconds"),
        (json!({ "period": "monthly", "amount": 10.5 }), "amount"),
        (json!({ "period": "lifetime", "seconds": 60, "task_id": foreign["task_id"] }), "task_id"),
    ] {
        let r = app.post(&path, Some(&owner.access_token), &body).await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], field, "{body}");
    }
    let weekly = app.post(&path, Some(&owner.access_token), &json!({ "period": "weekly", "seconds": 60 })).await;
    assert!(weekly.assert_problem(422)["detail"].as_str().is_some());
    // Money needs the team's currency first.
    let money = json!({ "period": "lifetime", "amount": 100_000 });
    let early = app.post(&path, Some(&owner.access_token), &money).await;
    assert!(early.assert_problem(409)["detail"].as_str().unwrap().contains("rate first"), "{}", early.text);

    let created = app.post(&path, Some(&owner.access_token), &hours).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["percent"], 0);
    assert_eq!(created.json["remaining_seconds"], 3600);
    assert_eq!(created.json["hard"], false);
    let location = created.header("location").unwrap().to_owned();
    app.post(&path, Some(&owner.access_token), &hours).await.assert_problem(409);
    assert_eq!(app.get(&path, Some(&owner.access_token)).await.json["items"].as_array().unwrap().len(), 1);

    let changed = app.patch(&location, Some(&owner.access_token), &json!({ "seconds": 7200, "hard": true })).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!((changed.json["seconds"].as_i64(), changed.json["hard"].as_bool()), (Some(7200), Some(true)));
    let emptied = app.patch(&location, Some(&owner.access_token), &json!({ "seconds": null })).await;
    assert_eq!(emptied.assert_problem(422)["errors"][0]["field"], "seconds");
    app.patch(&location, Some(&member.access_token), &json!({ "hard": false })).await.assert_problem(403);
    app.delete(&location, Some(&member.access_token)).await.assert_problem(403);
    assert_eq!(app.delete(&location, Some(&owner.access_token)).await.status, 204);
    app.get(&location, Some(&owner.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn a_hard_budget_refuses_time_past_it_and_a_soft_one_reports_it() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let task = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    let side = app.create_task(&owner, json!({ "title": "s", "team_id": team })).await;
    let rate = app
        .post(
            &format!("/api/v1/teams/{team}/rates"),
            Some(&owner.access_token),
            &json!({ "hourly_rate": 10_000, "currency": "EUR", "effective_from": "2026-01-01" }),
        )
        .await;
    assert_eq!(rate.status, 201, "{}", rate.text);
    let path = format!("/api/v1/teams/{team}/budgets");
    let hard = app
        .post(
            &path,
            Some(&owner.access_token),
            &json!({ "period": "lifetime", "task_id": task["task_id"], "seconds": 3600, "hard": true }),
        )
        .await;
    assert_eq!(hard.status, 201, "{}", hard.text);
    let hard_id = hard.json["budget_id"].as_str().unwrap().to_owned();
    let soft = app.post(&path, Some(&owner.access_token), &json!({ "period": "lifetime", "amount": 5_000 })).await;
    assert_eq!(soft.status, 201, "{}", soft.text);
    assert_eq!(soft.json["currency"], "EUR");

    assert_eq!(track(&app, &member, &task, "2026-11-02T09:00:00Z", 1800).await.status, 201);
    let over = track(&app, &member, &task, "2026-11-03T09:00:00Z", 2700).await;
    let detail = over.assert_problem(409)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains(&hard_id) && detail.contains("100%"), "{detail}");
    // Exactly to the limit is allowed; past it nothing more, not even a timer.
    assert_eq!(track(&app, &member, &task, "2026-11-03T09:00:00Z", 1800).await.status, 201);
    let timer = format!("/api/v1/tasks/{}/timer", task["task_id"].as_str().unwrap());
    app.post(&timer, Some(&member.access_token), &json!({})).await.assert_problem(409);
    let entries = app
        .get(&format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap()), Some(&member.access_token))
        .await;
    assert_eq!(entries.json["items"].as_array().unwrap().len(), 2, "the refused entry left nothing behind");
    // Lengthening an entry is refused too; other tasks are not under it.
    let first = entries.json["items"][1]["entry_id"].as_str().unwrap();
    let longer = app
        .patch(
            &format!("/api/v1/time-entries/{first}"),
            Some(&member.access_token),
            &json!({ "ended_at": "2026-11-02T10:00:00Z" }),
        )
        .await;
    longer.assert_problem(409);
    assert_eq!(track(&app, &member, &side, "2026-11-04T09:00:00Z", 3600).await.status, 201);

    // The soft team budget (50.00 EUR) is past 100%: reported, not refused.
    let list = app.get(&path, Some(&owner.access_token)).await;
    let items = list.json["items"].as_array().unwrap();
    let soft_now = items.iter().find(|b| b["amount"] == 5_000).unwrap();
    assert_eq!(soft_now["used_amount"], 20_000, "two hours at 100.00 EUR");
    assert_eq!(soft_now["percent"], 400);
    assert_eq!(soft_now["remaining_amount"], -15_000);
    let hard_now = items.iter().find(|b| b["budget_id"] == hard_id.as_str()).unwrap();
    assert_eq!((hard_now["used_seconds"].as_i64(), hard_now["percent"].as_i64()), (Some(3600), Some(100)));

    // The summary shows the most used budgets to owners and admins only.
    let summary = format!("/api/v1/teams/{team}/summary");
    let top = app.get(&summary, Some(&owner.access_token)).await;
    assert_eq!(top.json["top_budgets"][0]["percent"], 400, "{}", top.text);
    assert_eq!(app.get(&summary, Some(&member.access_token)).await.json["top_budgets"], json!([]));

    // Raised, the budget has room again.
    let raised = app.patch(&format!("{path}/{hard_id}"), Some(&owner.access_token), &json!({ "seconds": 7200 })).await;
    assert_eq!(raised.json["percent"], 50);
    assert_eq!(app.post(&timer, Some(&member.access_token), &json!({})).await.status, 201);

    // Postgres refuses the same straight from the app role.
    let soften = app.patch(&format!("{path}/{hard_id}"), Some(&owner.access_token), &json!({ "seconds": 3600 })).await;
    assert_eq!(soften.status, 200);
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    act_as(&mut tx, Some(member.user_id), false).await;
    let err = sqlx::query(
        "insert into time_entries (entry_id, task_id, user_id, started_at, ended_at)
         values (gen_random_uuid(), $1, $2, '2026-11-05T09:00:00Z', '2026-11-05T10:00:00Z')",
    )
    .bind(uuid::Uuid::parse_str(task["task_id"].as_str().unwrap()).unwrap())
    .bind(member.user_id)
    .execute(&mut *tx)
    .await
    .expect_err("past the hard budget");
    assert_eq!(sqlstate(&err).as_deref(), Some("23514"), "{err}");
    // And the app role cannot read another's usage through the function.
    let peek = sqlx::query("select * from private.budget_usage_seen($1, current_date)")
        .bind(uuid::Uuid::parse_str(&hard_id).unwrap())
        .fetch_all(&mut *tx)
        .await;
    assert!(peek.is_err(), "a member reads no budget's usage");
    drop(tx);

    // Lowered below its use, the budget still lets an entry be shortened.
    let lowered = app.patch(&format!("{path}/{hard_id}"), Some(&owner.access_token), &json!({ "seconds": 1800 })).await;
    assert_eq!(lowered.json["percent"], 200, "{}", lowered.text);
    let shorter = app
        .patch(
            &format!("/api/v1/time-entries/{first}"),
            Some(&member.access_token),
            &json!({ "ended_at": "2026-11-02T09:20:00Z" }),
        )
        .await;
    assert_eq!(shorter.status, 200, "{}", shorter.text);
}

#[tokio::test]
async fn a_monthly_budget_counts_each_calendar_month_on_its_own() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let task = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    let r = app
        .post(
            &format!("/api/v1/teams/{team}/budgets"),
            Some(&owner.access_token),
            &json!({ "period": "monthly", "seconds": 3600, "hard": true }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(track(&app, &owner, &task, "2026-10-05T09:00:00Z", 2400).await.status, 201);
    track(&app, &owner, &task, "2026-10-20T09:00:00Z", 2400).await.assert_problem(409);
    assert_eq!(track(&app, &owner, &task, "2026-09-20T09:00:00Z", 2400).await.status, 201, "September is its own");
    // 2026-10-31 23:30 UTC is already November in Berlin.
    let zone = app.patch("/api/v1/me", Some(&owner.access_token), &json!({ "time_zone": "Europe/Berlin" })).await;
    assert_eq!(zone.status, 200);
    assert_eq!(track(&app, &owner, &task, "2026-10-31T23:30:00Z", 2400).await.status, 201);
    // This month (in the caller's zone) has none of that time.
    let list = app.get(&format!("/api/v1/teams/{team}/budgets"), Some(&owner.access_token)).await;
    assert_eq!(list.json["items"][0]["used_seconds"], 0, "{}", list.text);
}
