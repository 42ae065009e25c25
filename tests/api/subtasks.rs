//! Subtasks: where a task may sit (same team, at most five levels, never
//! under itself), what `subtasks: {total, done}` counts and who sees it,
//! the parent's ETag following its subtasks, and the database holding the
//! rule against concurrent moves.

use serde_json::{json, Value};

use crate::helpers::{race, spawn_app, TestApp, TestUser};

fn id(task: &Value) -> String {
    task["task_id"].as_str().unwrap().to_owned()
}

async fn subtask(app: &TestApp, who: &TestUser, parent: &str, title: &str) -> Value {
    app.create_task(who, json!({ "title": title, "parent_task_id": parent })).await
}

async fn counts(app: &TestApp, who: &TestUser, task: &str) -> (u64, u64) {
    let r = app.get(&format!("/api/v1/tasks/{task}"), Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    (r.json["subtasks"]["total"].as_u64().unwrap(), r.json["subtasks"]["done"].as_u64().unwrap())
}

fn titles(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_subtask_joins_its_parents_team_and_project_and_counts_towards_its_progress() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let project =
        app.post(&format!("/api/v1/teams/{team}/projects"), Some(&owner.access_token), &json!({ "name": "P" })).await;
    assert_eq!(project.status, 201, "{}", project.text);
    let project = project.json["project_id"].as_str().unwrap().to_owned();
    let parent = app.create_task(&owner, json!({ "title": "parent", "team_id": team, "project_id": project })).await;
    assert_eq!(parent["subtasks"], json!({ "total": 0, "done": 0 }));
    assert!(parent["parent_task_id"].is_null());
    let p = id(&parent);

    // Left out, the team and project are the parent's.
    let a = subtask(&app, &owner, &p, "a").await;
    assert_eq!(a["team_id"], team.to_string());
    assert_eq!(a["project_id"], project);
    assert_eq!(a["parent_task_id"], p);
    let b = subtask(&app, &owner, &p, "b").await;
    let c = subtask(&app, &owner, &p, "c").await;
    assert_eq!(counts(&app, &owner, &p).await, (3, 0));

    // Done counts as done; cancelled in neither number.
    for (task, status) in [(&a, "done"), (&c, "cancelled")] {
        let r = app
            .patch(&format!("/api/v1/tasks/{}", id(task)), Some(&owner.access_token), &json!({ "status": status }))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    assert_eq!(counts(&app, &owner, &p).await, (2, 1));

    // The list carries the counts too, and filters by parent.
    let page = app.get(&format!("/api/v1/tasks?parent_task_id={p}&sort=created_at"), Some(&owner.access_token)).await;
    assert_eq!(titles(&page.json), ["a", "b", "c"], "{}", page.text);
    let top = app.get("/api/v1/tasks?parent_task_id=none", Some(&owner.access_token)).await;
    assert_eq!(titles(&top.json), ["parent"]);
    let all = app.get("/api/v1/tasks", Some(&owner.access_token)).await;
    let listed = all.json["items"].as_array().unwrap().iter().find(|t| t["task_id"] == p.as_str()).unwrap().clone();
    assert_eq!(listed["subtasks"], json!({ "total": 2, "done": 1 }));
    app.get("/api/v1/tasks?parent_task_id=nope", Some(&owner.access_token)).await.assert_problem(422);

    // GET /tasks/{id}/subtasks: pages with a cursor; sort as the list's.
    let first =
        app.get(&format!("/api/v1/tasks/{p}/subtasks?limit=2&sort=created_at"), Some(&owner.access_token)).await;
    assert_eq!(titles(&first.json), ["a", "b"], "{}", first.text);
    let cursor = first.json["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/tasks/{p}/subtasks?limit=2&sort=created_at&cursor={cursor}"), Some(&owner.access_token))
        .await;
    assert_eq!(titles(&rest.json), ["c"]);
    assert!(rest.json["next_cursor"].is_null());
    let leaf = app.get(&format!("/api/v1/tasks/{}/subtasks", id(&b)), Some(&owner.access_token)).await;
    assert_eq!(titles(&leaf.json), Vec::<String>::new());
    app.get(&format!("/api/v1/tasks/{p}/subtasks?sort=title"), Some(&owner.access_token)).await.assert_problem(422);

    // Moved to the top level, a subtask leaves the count, and its history says so.
    let path = format!("/api/v1/tasks/{}", id(&b));
    let r = app.patch(&path, Some(&owner.access_token), &json!({ "parent_task_id": null })).await;
    assert!(r.json["parent_task_id"].is_null(), "{}", r.text);
    assert_eq!(counts(&app, &owner, &p).await, (1, 1));
    let activity = app.get(&format!("{path}/activity"), Some(&owner.access_token)).await;
    let moved = activity.json["items"].as_array().unwrap().iter().find(|e| e["field"] == "parent_task_id").cloned();
    let moved = moved.unwrap_or_else(|| panic!("a parent_task_id event: {}", activity.text));
    assert_eq!(moved["old"], p, "{moved}");
    assert!(moved["new"].is_null());
}

#[tokio::test]
async fn the_parents_etag_follows_its_subtasks() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let parent = app.create_task(&owner, json!({ "title": "parent" })).await;
    let p = id(&parent);
    let path = format!("/api/v1/tasks/{p}");
    let etag = |r: &crate::helpers::Reply| r.header("etag").unwrap().to_owned();
    let before = etag(&app.get(&path, Some(&owner.access_token)).await);

    let child = subtask(&app, &owner, &p, "child").await;
    let after_create = etag(&app.get(&path, Some(&owner.access_token)).await);
    assert_ne!(before, after_create, "a new subtask changes what the parent shows");

    // A change that moves no count leaves the parent alone.
    let child_path = format!("/api/v1/tasks/{}", id(&child));
    app.patch(&child_path, Some(&owner.access_token), &json!({ "status": "in_progress" })).await;
    app.patch(&child_path, Some(&owner.access_token), &json!({ "title": "renamed" })).await;
    assert_eq!(etag(&app.get(&path, Some(&owner.access_token)).await), after_create);

    // Done moves it: a cached copy is no longer current, a stale If-Match fails.
    app.patch(&child_path, Some(&owner.access_token), &json!({ "status": "done" })).await;
    let cached = app
        .client
        .get(app.url(&path))
        .bearer_auth(&owner.access_token)
        .header("if-none-match", &after_create)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 200, "not 304: the counts changed");
    let stale = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&owner.access_token)
        .header("if-match", &after_create)
        .json(&json!({ "title": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    assert_eq!(counts(&app, &owner, &p).await, (1, 1));

    // Deleting the parent deletes its subtasks.
    assert_eq!(app.delete(&path, Some(&owner.access_token)).await.status, 204);
    app.get(&child_path, Some(&owner.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn a_task_never_sits_under_itself_another_team_or_more_than_five_levels_down() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let other = app.create_team(&owner, "U").await;
    let root = app.create_task(&owner, json!({ "title": "0", "team_id": team })).await;
    // A chain of five levels below the top: 0 > 1 > 2 > 3 > 4 > 5.
    let mut chain = vec![id(&root)];
    for level in 1..=5 {
        let t = subtask(&app, &owner, chain.last().unwrap(), &level.to_string()).await;
        assert_eq!(t["parent_task_id"], chain.last().unwrap().as_str(), "level {level}: {t}");
        chain.push(id(&t));
    }
    let r = app
        .post("/api/v1/tasks", Some(&owner.access_token), &json!({ "title": "6", "parent_task_id": chain[5] }))
        .await;
    assert!(r.assert_problem(409)["detail"].as_str().unwrap().contains("5 levels"), "{}", r.text);

    // Under itself, or under one of its own subtasks: 409.
    let root_path = format!("/api/v1/tasks/{}", chain[0]);
    for target in [&chain[0], &chain[3]] {
        let r = app.patch(&root_path, Some(&owner.access_token), &json!({ "parent_task_id": target })).await;
        assert!(r.assert_problem(409)["detail"].as_str().unwrap().contains("parent_task_id"), "{}", r.text);
    }

    // A subtree moved under another task must fit: 3 > 4 > 5 (two below 3)
    // under x3 (at depth 3) would reach depth 6.
    let elsewhere = app.create_task(&owner, json!({ "title": "x", "team_id": team })).await;
    let mut other_chain = vec![id(&elsewhere)];
    for level in 1..=3 {
        other_chain.push(id(&subtask(&app, &owner, other_chain.last().unwrap(), &format!("x{level}")).await));
    }
    let r = app
        .patch(
            &format!("/api/v1/tasks/{}", chain[3]),
            Some(&owner.access_token),
            &json!({ "parent_task_id": other_chain[3] }),
        )
        .await;
    r.assert_problem(409);
    // ... and one that fits moves, with its own subtasks.
    let r = app
        .patch(
            &format!("/api/v1/tasks/{}", chain[4]),
            Some(&owner.access_token),
            &json!({ "parent_task_id": other_chain[3] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Another team's task, a personal one, an unknown id: 422 naming the field.
    let foreign = app.create_task(&owner, json!({ "title": "f", "team_id": other })).await;
    let personal = app.create_task(&owner, json!({ "title": "p" })).await;
    for parent in [id(&foreign), id(&personal), uuid::Uuid::now_v7().to_string()] {
        let r = app
            .post(
                "/api/v1/tasks",
                Some(&owner.access_token),
                &json!({ "title": "s", "team_id": team, "parent_task_id": parent }),
            )
            .await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], "parent_task_id", "{}", r.text);
    }

    // A task that has subtasks stays in its team; a subtask moved to another
    // team leaves its parent.
    let r = app.patch(&root_path, Some(&owner.access_token), &json!({ "team_id": other })).await;
    assert!(r.assert_problem(409)["detail"].as_str().unwrap().contains("subtasks"), "{}", r.text);
    // (3 has had no subtasks since 4 moved away.)
    let r = app
        .patch(&format!("/api/v1/tasks/{}", chain[3]), Some(&owner.access_token), &json!({ "team_id": other }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["parent_task_id"].is_null());
    assert_eq!(r.json["team_id"], other.to_string());

    // The history has the two moves, and nothing of the refusals.
    for (task, moves) in [(&chain[0], 0), (&chain[3], 1), (&chain[4], 1)] {
        let r = app.get(&format!("/api/v1/tasks/{task}/activity"), Some(&owner.access_token)).await;
        let n = r.json["items"].as_array().unwrap().iter().filter(|e| e["field"] == "parent_task_id").count();
        assert_eq!(n, moves, "{}", r.text);
    }
}

#[tokio::test]
async fn subtasks_are_counted_only_where_the_reader_can_read_them() {
    let app = spawn_app().await;
    let (owner, friend) = (app.create_user().await, app.create_user().await);
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &friend, "member").await;
    // A personal task shared with a friend, with two personal subtasks of
    // its creator's: the friend reads the parent but neither subtask.
    let parent = app.create_task(&owner, json!({ "title": "mine", "assignee_ids": [friend.user_id] })).await;
    let p = id(&parent);
    subtask(&app, &owner, &p, "private 1").await;
    let shared = subtask(&app, &owner, &p, "private 2").await;
    assert_eq!(counts(&app, &owner, &p).await, (2, 0));
    assert_eq!(counts(&app, &friend, &p).await, (0, 0), "nothing of what the friend cannot read");
    let page = app.get(&format!("/api/v1/tasks/{p}/subtasks"), Some(&friend.access_token)).await;
    assert_eq!(titles(&page.json), Vec::<String>::new());

    // Assigned to one, they see that one.
    let r = app
        .patch(
            &format!("/api/v1/tasks/{}", id(&shared)),
            Some(&owner.access_token),
            &json!({ "assignee_ids": [friend.user_id] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(counts(&app, &friend, &p).await, (1, 0));

    // The friend may not hang their own task under it (a personal task's
    // subtasks are its creator's), nor list an unknown task's subtasks.
    let r =
        app.post("/api/v1/tasks", Some(&friend.access_token), &json!({ "title": "theirs", "parent_task_id": p })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "parent_task_id");
    let outsider = app.create_user().await;
    app.get(&format!("/api/v1/tasks/{p}/subtasks"), Some(&outsider.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn the_database_refuses_a_cycle_made_by_two_concurrent_moves() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let a = id(&app.create_task(&owner, json!({ "title": "a", "team_id": team })).await);
    let b = id(&app.create_task(&owner, json!({ "title": "b", "team_id": team })).await);

    // The first puts a under b and stays open; the second, putting b
    // under a, waits for it, then finds the cycle.
    let move_under = "update tasks set parent_task_id = $1::uuid where task_id = $2::uuid";
    let second = race(&app, owner.user_id, (move_under, &[&b, &a]), (move_under, &[&a, &b])).await;
    assert_eq!(second, Err("23514".to_owned()), "the cycle check saw the first move");
    let r = app.get(&format!("/api/v1/tasks/{b}"), Some(&owner.access_token)).await;
    assert!(r.json["parent_task_id"].is_null(), "{}", r.text);
}
