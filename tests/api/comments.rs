use serde_json::{json, Value};

use crate::helpers::spawn_app;

#[tokio::test]
async fn comments_follow_task_visibility_and_authorship() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let viewer = app.create_user().await;
    let admin = app.create_user().await;
    let stranger = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    app.add_member(&owner, team, &admin, "admin").await;
    let t = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    let base = format!("/api/v1/tasks/{}/comments", t["task_id"].as_str().unwrap());

    // Viewers may comment.
    let r = app.post(&base, Some(&viewer.access_token), &json!({ "body": "looks good" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["author_id"], viewer.user_id.to_string());
    assert_eq!(r.json["edited_at"], Value::Null);
    let comment = format!("{base}/{}", r.json["comment_id"].as_str().unwrap());
    assert_eq!(r.header("location"), Some(comment.as_str()));

    // Strangers see nothing and cannot comment.
    app.get(&base, Some(&stranger.access_token)).await.assert_problem(404);
    app.post(&base, Some(&stranger.access_token), &json!({ "body": "hi" })).await.assert_problem(404);
    app.patch(&comment, Some(&stranger.access_token), &json!({ "body": "x" })).await.assert_problem(404);

    // Only the author edits; the edit is marked.
    app.patch(&comment, Some(&owner.access_token), &json!({ "body": "x" })).await.assert_problem(403);
    let edited = app.patch(&comment, Some(&viewer.access_token), &json!({ "body": "looks great" })).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert!(edited.json["edited_at"].is_string());

    // A team admin may delete someone else's comment.
    assert_eq!(app.delete(&comment, Some(&admin.access_token)).await.status, 204);
    assert_eq!(app.get(&base, Some(&owner.access_token)).await.json["items"], json!([]));
}

#[tokio::test]
async fn a_plain_member_cannot_delete_others_comments() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let t = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    let base = format!("/api/v1/tasks/{}/comments", t["task_id"].as_str().unwrap());
    let c = app.post(&base, Some(&owner.access_token), &json!({ "body": "owner's" })).await;
    let comment = format!("{base}/{}", c.json["comment_id"].as_str().unwrap());
    app.delete(&comment, Some(&member.access_token)).await.assert_problem(403);
    assert_eq!(app.delete(&comment, Some(&owner.access_token)).await.status, 204);
}

#[tokio::test]
async fn comment_bodies_are_validated_and_lists_paginate() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t" })).await;
    let base = format!("/api/v1/tasks/{}/comments", t["task_id"].as_str().unwrap());
    app.post(&base, Some(&u.access_token), &json!({ "body": "" })).await.assert_problem(422);
    app.post(&base, Some(&u.access_token), &json!({ "body": "x".repeat(10_001) })).await.assert_problem(422);
    assert_eq!(app.post(&base, Some(&u.access_token), &json!({ "body": "x".repeat(10_000) })).await.status, 201);
    for i in 0..4 {
        app.post(&base, Some(&u.access_token), &json!({ "body": format!("c{i}") })).await;
    }
    let mut bodies = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app.get(&format!("{base}?limit=2{cursor}"), Some(&u.access_token)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        for c in page.json["items"].as_array().unwrap() {
            bodies.push(c["body"].as_str().unwrap().chars().take(3).collect::<String>());
        }
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(bodies, ["xxx", "c0", "c1", "c2", "c3"], "oldest first, none lost");
}

#[tokio::test]
async fn comments_on_another_task_are_not_reachable_through_this_one() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let a = app.create_task(&u, json!({ "title": "a" })).await;
    let b = app.create_task(&u, json!({ "title": "b" })).await;
    let c = app
        .post(
            &format!("/api/v1/tasks/{}/comments", a["task_id"].as_str().unwrap()),
            Some(&u.access_token),
            &json!({ "body": "on a" }),
        )
        .await;
    let wrong =
        format!("/api/v1/tasks/{}/comments/{}", b["task_id"].as_str().unwrap(), c.json["comment_id"].as_str().unwrap());
    app.patch(&wrong, Some(&u.access_token), &json!({ "body": "x" })).await.assert_problem(404);
    app.delete(&wrong, Some(&u.access_token)).await.assert_problem(404);
}
