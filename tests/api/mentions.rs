//! @mentions: `@display name` or `@email-local-part`, resolved on save to
//! the people who can read the task (members of its team; for a personal
//! task its creator and assignees), re-resolved when the text changes,
//! listed newest first for whoever was named, never about a task they can
//! no longer read.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, TestUser};

fn id(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_else(|| panic!("{field} in {v}")).to_owned()
}

/// The part of an address before the `@`: a handle the text may use.
fn handle(u: &TestUser) -> &str {
    u.email.split('@').next().unwrap()
}

async fn named(app: &TestApp, name: &str) -> TestUser {
    let u = app.create_user().await;
    let r = app.patch("/api/v1/me", Some(&u.access_token), &json!({ "display_name": name })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    u
}

/// (user id, texts joined by `|`) of a `mentions` array.
fn mentions(v: &Value) -> Vec<(String, String)> {
    v["mentions"]
        .as_array()
        .unwrap_or_else(|| panic!("mentions in {v}"))
        .iter()
        .map(|m| {
            let texts: Vec<&str> = m["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
            (id(m, "user_id"), texts.join("|"))
        })
        .collect()
}

fn of(u: &TestUser, texts: &str) -> (String, String) {
    (u.user_id.to_string(), texts.to_owned())
}

/// (task id, comment id or "", mentioned_by) of every mention of `who`, newest first.
async fn my_mentions(app: &TestApp, who: &TestUser) -> Vec<(String, String, String)> {
    let r = app.get("/api/v1/me/mentions?limit=100", Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (id(m, "task_id"), m["comment_id"].as_str().unwrap_or("").to_owned(), id(m, "mentioned_by")))
        .collect()
}

#[tokio::test]
async fn a_mention_names_a_member_of_the_tasks_team_and_anything_else_stays_text() {
    let app = spawn_app().await;
    let ada = named(&app, "Ada Lovelace").await;
    let bob = named(&app, "Bob Byte").await;
    let vic = named(&app, "Vic Viewer").await;
    let olga = named(&app, "Olga Out").await;
    let team = app.create_team(&ada, "T").await;
    app.add_member(&ada, team, &bob, "member").await;
    app.add_member(&ada, team, &vic, "viewer").await;
    // Olga shares another team with Ada, but not this one.
    let other = app.create_team(&ada, "Other").await;
    app.add_member(&ada, other, &olga, "member").await;

    let task = app
        .create_task(
            &ada,
            json!({ "title": "Plan", "team_id": team,
                    "description": "With @Bob Byte and @Olga Out, and @nobody; mail me at x@ada" }),
        )
        .await;
    let task_id = id(&task, "task_id");
    assert_eq!(mentions(&task), vec![of(&bob, "Bob Byte")], "{task}");
    let read = app.get(&format!("/api/v1/tasks/{task_id}"), Some(&vic.access_token)).await;
    assert_eq!(mentions(&read.json), vec![of(&bob, "Bob Byte")]);
    assert_eq!(read.json["mentions"][0]["display_name"], "Bob Byte");
    // A list carries no mentions.
    let list = app.get(&format!("/api/v1/tasks?team_id={team}"), Some(&ada.access_token)).await;
    assert!(list.json["items"][0].get("mentions").is_none(), "{}", list.text);

    // A viewer may comment, and name anyone of the team, by either handle,
    // in any case; an address is no mention.
    let body = format!("@ada lovelace and @{}: see @Olga Out, or write to {}", handle(&vic).to_uppercase(), ada.email);
    let r =
        app.post(&format!("/api/v1/tasks/{task_id}/comments"), Some(&vic.access_token), &json!({ "body": body })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let comment = id(&r.json, "comment_id");
    assert_eq!(mentions(&r.json), vec![of(&ada, "ada lovelace"), of(&vic, &handle(&vic).to_uppercase())]);
    let got = app.get(&format!("/api/v1/tasks/{task_id}/comments/{comment}"), Some(&bob.access_token)).await;
    assert_eq!(mentions(&got.json), mentions(&r.json));
    let listed = app.get(&format!("/api/v1/tasks/{task_id}/comments"), Some(&bob.access_token)).await;
    assert_eq!(mentions(&listed.json["items"][0]), mentions(&r.json));
    assert_eq!(my_mentions(&app, &ada).await, vec![(task_id.clone(), comment.clone(), vic.user_id.to_string())]);
    assert_eq!(my_mentions(&app, &bob).await, vec![(task_id.clone(), String::new(), ada.user_id.to_string())]);
    assert!(my_mentions(&app, &olga).await.is_empty());

    // Whoever is named watches the task (Bob never commented).
    let w = app.get(&format!("/api/v1/tasks/{task_id}/watchers"), Some(&ada.access_token)).await;
    let watching: Vec<String> = w.json["items"].as_array().unwrap().iter().map(|x| id(x, "user_id")).collect();
    assert!(watching.contains(&bob.user_id.to_string()), "{}", w.text);

    // Editing re-resolves: Ada is no longer named, Bob now is.
    let r = app
        .patch(
            &format!("/api/v1/tasks/{task_id}/comments/{comment}"),
            Some(&vic.access_token),
            &json!({ "body": "only @Bob Byte, and @bob byte again" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(mentions(&r.json), vec![of(&bob, "Bob Byte|bob byte")]);
    assert!(my_mentions(&app, &ada).await.is_empty());
    assert_eq!(my_mentions(&app, &bob).await.len(), 2);

    // A description without names names nobody any more.
    let r =
        app.patch(&format!("/api/v1/tasks/{task_id}"), Some(&ada.access_token), &json!({ "description": null })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(mentions(&r.json), vec![]);
    assert_eq!(my_mentions(&app, &bob).await, vec![(task_id.clone(), comment.clone(), vic.user_id.to_string())]);
    // A PATCH that leaves the description alone keeps its mentions.
    let r = app
        .patch(&format!("/api/v1/tasks/{task_id}"), Some(&ada.access_token), &json!({ "description": "hi @bob byte" }))
        .await;
    assert_eq!(mentions(&r.json), vec![of(&bob, "bob byte")]);
    let r =
        app.patch(&format!("/api/v1/tasks/{task_id}"), Some(&ada.access_token), &json!({ "title": "Plan B" })).await;
    assert_eq!(mentions(&r.json), vec![of(&bob, "bob byte")]);

    // Deleting the comment takes its mentions along.
    let r = app.delete(&format!("/api/v1/tasks/{task_id}/comments/{comment}"), Some(&ada.access_token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(my_mentions(&app, &bob).await, vec![(task_id.clone(), String::new(), ada.user_id.to_string())]);
}

#[tokio::test]
async fn a_name_two_members_share_names_neither() {
    let app = spawn_app().await;
    let owner = named(&app, "Owner").await;
    let sam1 = named(&app, "Sam").await;
    let sam2 = named(&app, "Sam").await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &sam1, "member").await;
    app.add_member(&owner, team, &sam2, "member").await;
    let text = format!("@Sam? @{} then", handle(&sam2));
    let task = app.create_task(&owner, json!({ "title": "x", "team_id": team, "description": text })).await;
    assert_eq!(mentions(&task), vec![of(&sam2, handle(&sam2))]);
}

#[tokio::test]
async fn a_personal_task_names_only_its_creator_and_assignees() {
    let app = spawn_app().await;
    let ann = named(&app, "Ann").await;
    let bob = named(&app, "Bob").await;
    let carl = named(&app, "Carl").await;
    let team = app.create_team(&ann, "T").await;
    app.add_member(&ann, team, &bob, "member").await;
    app.add_member(&ann, team, &carl, "member").await;
    let task = app
        .create_task(
            &ann,
            json!({ "title": "mine", "description": "@Bob and @Carl and @Ann", "assignee_ids": [bob.user_id] }),
        )
        .await;
    assert_eq!(mentions(&task), vec![of(&bob, "Bob"), of(&ann, "Ann")]);
    assert!(my_mentions(&app, &carl).await.is_empty());
    // Taken off the task, Bob no longer reads it, nor his mention of it.
    let task_id = id(&task, "task_id");
    let r =
        app.patch(&format!("/api/v1/tasks/{task_id}"), Some(&ann.access_token), &json!({ "assignee_ids": [] })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(my_mentions(&app, &bob).await.is_empty());
}

#[tokio::test]
async fn my_mentions_come_newest_first_page_by_page_and_outlive_their_author() {
    let app = spawn_app().await;
    let cy = named(&app, "Cy").await;
    let ada = named(&app, "Ada").await;
    let bob = named(&app, "Bob").await;
    let team = app.create_team(&cy, "T").await;
    app.add_member(&cy, team, &ada, "member").await;
    app.add_member(&cy, team, &bob, "member").await;
    let task = app.create_task(&ada, json!({ "title": "Release notes", "team_id": team })).await;
    let task_id = id(&task, "task_id");
    let mut comments = Vec::new();
    for n in 0..5 {
        let body = format!("{} words first. @Bob please look at part {n}", "many ".repeat(40));
        let r = app
            .post(&format!("/api/v1/tasks/{task_id}/comments"), Some(&ada.access_token), &json!({ "body": body }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        comments.push(id(&r.json, "comment_id"));
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/me/mentions?limit=2".to_owned();
    loop {
        let r = app.get(&path, Some(&bob.access_token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.json["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        for m in items {
            assert_eq!(m["task_title"], "Release notes");
            assert_eq!(m["mentioned_by_name"], "Ada");
            let excerpt = m["excerpt"].as_str().unwrap();
            assert!(excerpt.contains("@Bob please look at part"), "{excerpt}");
            assert!(excerpt.chars().count() <= 200, "{excerpt}");
            seen.push(id(m, "comment_id"));
        }
        match r.json["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/me/mentions?limit=2&cursor={c}"),
            None => break,
        }
    }
    comments.reverse();
    assert_eq!(seen, comments, "newest first, each once");
    // Someone else's list does not hold them.
    assert!(my_mentions(&app, &ada).await.is_empty());
    // A cursor from another list is refused, naming it.
    let r = app.get("/api/v1/me/mentions?cursor=abc", Some(&bob.access_token)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("cursor"), "{}", r.text);
    // Erased, Ada is nobody in particular; what she wrote stays.
    let r = app.post("/api/v1/me/erase", Some(&ada.access_token), &json!({ "password": ada.password })).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.get("/api/v1/me/mentions?limit=1", Some(&bob.access_token)).await;
    assert_eq!(r.json["items"][0]["mentioned_by"], Value::Null, "{}", r.text);
    assert_eq!(r.json["items"][0]["mentioned_by_name"], "deleted user");
}

#[tokio::test]
async fn leaving_the_team_hides_its_mentions_and_the_export_holds_mine() {
    let app = spawn_app().await;
    let ada = named(&app, "Ada").await;
    let bob = named(&app, "Bob").await;
    let team = app.create_team(&ada, "T").await;
    app.add_member(&ada, team, &bob, "member").await;
    let task = app.create_task(&ada, json!({ "title": "t", "team_id": team, "description": "@Bob hello" })).await;
    assert_eq!(my_mentions(&app, &bob).await.len(), 1);
    let export = app.get("/api/v1/me/export", Some(&bob.access_token)).await;
    let held = export.json["mentions"].as_array().unwrap();
    assert_eq!(held.len(), 1, "{}", export.text);
    assert_eq!(held[0]["task_id"], task["task_id"]);
    let r = app.delete(&format!("/api/v1/teams/{team}/members/{}", bob.user_id), Some(&ada.access_token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(my_mentions(&app, &bob).await.is_empty());
}
