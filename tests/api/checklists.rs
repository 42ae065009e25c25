//! Checklists: items inside a task, read with it, written by its editors,
//! kept in order through moves and removals, at most 100.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, TestUser};

async fn bodies(app: &TestApp, who: &TestUser, path: &str) -> Vec<String> {
    let r = app.get(path, Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.json["items"].as_array().unwrap();
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["position"], i, "positions stay dense: {}", r.text);
    }
    items.iter().map(|i| i["body"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn editors_add_tick_move_and_remove_items_and_readers_read_them() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let t = app.create_task(&owner, json!({ "title": "Offsite", "team_id": team })).await;
    let path = format!("/api/v1/tasks/{}/checklist", t["task_id"].as_str().unwrap());
    let tok = Some(member.access_token.as_str());

    for body in ["Book the room", "Order food", "Send the agenda"] {
        let r = app.post(&path, tok, &json!({ "body": body })).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.header("location").unwrap().ends_with(r.json["item_id"].as_str().unwrap()));
    }
    // At the top, and past the end (the end).
    app.post(&path, tok, &json!({ "body": "Pick a date", "position": 0 })).await;
    app.post(&path, tok, &json!({ "body": "Say thanks", "position": 99 })).await;
    assert_eq!(
        bodies(&app, &viewer, &path).await,
        ["Pick a date", "Book the room", "Order food", "Send the agenda", "Say thanks"]
    );

    // Viewers read but do not write; outsiders see nothing.
    app.post(&path, Some(&viewer.access_token), &json!({ "body": "x" })).await.assert_problem(403);
    app.get(&path, Some(&outsider.access_token)).await.assert_problem(404);
    app.post(&path, Some(&outsider.access_token), &json!({ "body": "x" })).await.assert_problem(404);
    for (bad, field) in [
        (json!({ "body": "" }), "body"),
        (json!({ "body": "x".repeat(501) }), "body"),
        (json!({ "body": "ok", "position": -1 }), "position"),
        (json!({ "body": "ok", "position": 100 }), "position"),
        (json!({ "body": "ok", "position": 0.5 }), "position"),
    ] {
        let r = app.post(&path, tok, &bad).await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], field, "{bad}");
    }

    let list = app.get(&path, tok).await.json;
    let id = |i: usize| list["items"][i]["item_id"].as_str().unwrap().to_owned();
    // Tick, and untick: who and when are kept while done.
    let ticked = app.patch(&format!("{path}/{}", id(1)), tok, &json!({ "done": true })).await;
    assert_eq!(ticked.status, 200, "{}", ticked.text);
    assert_eq!(
        (ticked.json["done"].as_bool(), ticked.json["done_by"].as_str()),
        (Some(true), Some(&*member.user_id.to_string()))
    );
    assert!(ticked.json["done_at"].is_string());
    app.patch(&format!("{path}/{}", id(2)), tok, &json!({ "done": true })).await;
    let progress = app.get(&path, tok).await.json;
    assert_eq!((progress["total"].clone(), progress["done"].clone()), (json!(5), json!(2)));
    let unticked = app.patch(&format!("{path}/{}", id(2)), tok, &json!({ "done": false })).await;
    assert_eq!(
        (unticked.json["done"].clone(), unticked.json["done_at"].clone(), unticked.json["done_by"].clone()),
        (json!(false), Value::Null, Value::Null)
    );

    // Move down, move up, move past the end; reword.
    // 3.0 is the integer 3, as JSON Schema counts.
    app.patch(&format!("{path}/{}", id(0)), tok, &json!({ "position": 3.0 })).await;
    assert_eq!(
        bodies(&app, &member, &path).await,
        ["Book the room", "Order food", "Send the agenda", "Pick a date", "Say thanks"]
    );
    app.patch(&format!("{path}/{}", id(4)), tok, &json!({ "position": 0 })).await;
    assert_eq!(
        bodies(&app, &member, &path).await,
        ["Say thanks", "Book the room", "Order food", "Send the agenda", "Pick a date"]
    );
    let moved =
        app.patch(&format!("{path}/{}", id(4)), tok, &json!({ "position": 50, "body": "Thank everyone" })).await;
    assert_eq!((moved.json["position"].clone(), moved.json["body"].clone()), (json!(4), json!("Thank everyone")));
    app.patch(&format!("{path}/{}", id(1)), tok, &json!({})).await.assert_problem(422);
    app.patch(&format!("{path}/{}", id(1)), Some(&viewer.access_token), &json!({ "done": false }))
        .await
        .assert_problem(403);
    app.patch(&format!("{path}/{}", uuid::Uuid::now_v7()), tok, &json!({ "done": true })).await.assert_problem(404);

    // Remove one from the middle ("Order food", second): those below move up.
    assert_eq!(app.delete(&format!("{path}/{}", id(2)), tok).await.status, 204);
    assert_eq!(
        bodies(&app, &owner, &path).await,
        ["Book the room", "Send the agenda", "Pick a date", "Thank everyone"]
    );
    app.delete(&format!("{path}/{}", id(2)), tok).await.assert_problem(404);
    // Another task's item is not this task's.
    let other = app.create_task(&owner, json!({ "title": "Other", "team_id": team })).await;
    let other_path = format!("/api/v1/tasks/{}/checklist", other["task_id"].as_str().unwrap());
    app.delete(&format!("{other_path}/{}", id(1)), tok).await.assert_problem(404);
    assert_eq!(bodies(&app, &owner, &path).await.len(), 4);
}

#[tokio::test]
async fn a_checklist_holds_at_most_100_items() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let t = app.create_task(&owner, json!({ "title": "Long one" })).await;
    let path = format!("/api/v1/tasks/{}/checklist", t["task_id"].as_str().unwrap());
    for i in 0..100 {
        let r = app.post(&path, Some(&owner.access_token), &json!({ "body": format!("step {i}") })).await;
        assert_eq!(r.status, 201, "{i}: {}", r.text);
    }
    for body in [json!({ "body": "one more" }), json!({ "body": "one more", "position": 0 })] {
        let r = app.post(&path, Some(&owner.access_token), &body).await;
        assert!(r.assert_problem(409)["detail"].as_str().unwrap().contains("at most 100"), "{}", r.text);
    }
    let list = app.get(&path, Some(&owner.access_token)).await.json;
    assert_eq!(
        (list["total"].clone(), list["items"][0]["body"].clone()),
        (json!(100), json!("step 0")),
        "nothing moved"
    );
}
