use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};

use uuid::Uuid;

use crate::helpers::{read, spawn_app, TestApp, TestUser};

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|t| t["task_id"].as_str().unwrap().to_owned()).collect()
}

async fn list(app: &TestApp, user: &TestUser, query: &str) -> Value {
    let r = app.get(&format!("/api/v1/tasks{query}"), Some(&user.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

#[tokio::test]
async fn create_returns_201_with_location_and_etag() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let r = app
        .post(
            "/api/v1/tasks",
            Some(&u.access_token),
            &json!({ "title": "  Write docs ", "priority": "high", "labels": ["docs", "docs", "q4"],
                     "due_at": "2030-01-02T03:04:05Z", "description": "all of them" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["task_id"].as_str().unwrap();
    assert_eq!(r.header("location"), Some(format!("/api/v1/tasks/{id}").as_str()));
    assert_eq!(r.header("etag"), Some("\"v1\""));
    assert_eq!(r.json["title"], "Write docs");
    assert_eq!(r.json["status"], "todo");
    assert_eq!(r.json["priority"], "high");
    assert_eq!(r.json["labels"], json!(["docs", "q4"]));
    assert_eq!(r.json["due_at"], "2030-01-02T03:04:05Z");
    assert_eq!(r.json["team_id"], Value::Null);
    assert_eq!(r.json["created_by"], u.user_id.to_string());
}

#[tokio::test]
async fn invalid_task_fields_are_reported_per_field() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let r = app
        .post(
            "/api/v1/tasks",
            Some(&u.access_token),
            &json!({ "title": "x".repeat(201), "status": "doing", "priority": "meh", "due_at": "tomorrow",
                     "labels": (0..21).map(|i| i.to_string()).collect::<Vec<_>>() }),
        )
        .await;
    let p = r.assert_problem(422);
    let fields: HashSet<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, HashSet::from(["title", "status", "priority", "due_at", "labels"]));
    app.post("/api/v1/tasks", Some(&u.access_token), &json!({ "title": "ok", "bogus": 1 })).await.assert_problem(422);
    app.post("/api/v1/tasks", Some(&u.access_token), &json!({ "title": "ok", "team_id": "nope" }))
        .await
        .assert_problem(422);
}

#[tokio::test]
async fn completed_at_follows_status() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t" })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    let done = app.patch(&path, Some(&u.access_token), &json!({ "status": "done" })).await;
    assert!(done.json["completed_at"].is_string(), "{}", done.text);
    assert_eq!(done.json["version"], 2);
    let reopened = app.patch(&path, Some(&u.access_token), &json!({ "status": "in_progress" })).await;
    assert_eq!(reopened.json["completed_at"], Value::Null);
}

#[tokio::test]
async fn etags_drive_conditional_requests() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t" })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());

    let not_modified = read(
        app.client
            .get(app.url(&path))
            .bearer_auth(&u.access_token)
            .header("if-none-match", "\"v1\"")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(not_modified.status, 304);
    assert_eq!(not_modified.text, "");

    let stale = read(
        app.client
            .patch(app.url(&path))
            .bearer_auth(&u.access_token)
            .header("if-match", "\"v0\"")
            .json(&json!({ "title": "lost update" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    stale.assert_problem(412);
    assert_eq!(app.get(&path, Some(&u.access_token)).await.json["title"], "t", "a 412 changed nothing");

    let fresh = read(
        app.client
            .patch(app.url(&path))
            .bearer_auth(&u.access_token)
            .header("if-match", "\"v1\"")
            .json(&json!({ "title": "kept" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    assert_eq!(fresh.header("etag"), Some("\"v2\""));
}

#[tokio::test]
async fn two_patches_with_the_same_if_match_exactly_one_wins() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t" })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    let send = |title: &'static str| {
        app.client
            .patch(app.url(&path))
            .bearer_auth(&u.access_token)
            .header("if-match", "\"v1\"")
            .json(&json!({ "title": title }))
            .send()
    };
    let (a, b) = tokio::join!(send("from a"), send("from b"));
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
    assert_eq!(app.get(&path, Some(&u.access_token)).await.json["version"], 2);
}

#[tokio::test]
async fn patch_clears_nullable_fields_with_null() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let t = app.create_task(&u, json!({ "title": "t", "description": "d", "due_at": "2031-01-01T00:00:00Z" })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    let r = app.patch(&path, Some(&u.access_token), &json!({ "description": null, "due_at": null })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["description"], Value::Null);
    assert_eq!(r.json["due_at"], Value::Null);
    assert_eq!(r.json["title"], "t", "absent fields stay");
    app.patch(&path, Some(&u.access_token), &json!({})).await.assert_problem(422);
}

#[tokio::test]
async fn personal_tasks_are_seen_by_creator_and_assignee_only() {
    let app = spawn_app().await;
    let creator = app.create_user().await;
    let assignee = app.create_user().await;
    let stranger = app.create_user().await;
    // A personal task may be assigned to someone who shares a team with its creator.
    let shared = app.create_team(&creator, "shared").await;
    app.add_member(&creator, shared, &assignee, "member").await;
    let t = app.create_task(&creator, json!({ "title": "mine", "assignee_id": assignee.user_id })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    assert_eq!(app.get(&path, Some(&assignee.access_token)).await.status, 200);
    // The assignee may work on it but not delete it.
    assert_eq!(app.patch(&path, Some(&assignee.access_token), &json!({ "status": "in_progress" })).await.status, 200);
    app.delete(&path, Some(&assignee.access_token)).await.assert_problem(403);
    // A stranger learns nothing: 404 for read, write and delete alike.
    app.get(&path, Some(&stranger.access_token)).await.assert_problem(404);
    app.patch(&path, Some(&stranger.access_token), &json!({ "title": "x" })).await.assert_problem(404);
    app.delete(&path, Some(&stranger.access_token)).await.assert_problem(404);
    assert_eq!(list(&app, &stranger, "").await["items"], json!([]));
    assert_eq!(app.delete(&path, Some(&creator.access_token)).await.status, 204);
    app.get(&path, Some(&creator.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn team_roles_decide_what_members_may_do() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;

    let t = app.create_task(&member, json!({ "title": "team task", "team_id": team })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    // Viewers read, but neither create nor edit.
    assert_eq!(app.get(&path, Some(&viewer.access_token)).await.status, 200);
    app.patch(&path, Some(&viewer.access_token), &json!({ "title": "x" })).await.assert_problem(403);
    app.post("/api/v1/tasks", Some(&viewer.access_token), &json!({ "title": "v", "team_id": team }))
        .await
        .assert_problem(403);
    // Members edit; a member may delete their own task but not someone else's.
    let other = app.create_task(&owner, json!({ "title": "owner's", "team_id": team })).await;
    let other_path = format!("/api/v1/tasks/{}", other["task_id"].as_str().unwrap());
    assert_eq!(app.patch(&other_path, Some(&member.access_token), &json!({ "priority": "low" })).await.status, 200);
    app.delete(&other_path, Some(&member.access_token)).await.assert_problem(403);
    assert_eq!(app.delete(&path, Some(&member.access_token)).await.status, 204);
    // The owner deletes anything in the team.
    assert_eq!(app.delete(&other_path, Some(&owner.access_token)).await.status, 204);
}

#[tokio::test]
async fn a_team_tasks_assignee_must_be_a_member() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let r = app
        .post(
            "/api/v1/tasks",
            Some(&owner.access_token),
            &json!({ "title": "t", "team_id": team, "assignee_id": outsider.user_id }),
        )
        .await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "assignee_id");
    let t = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    let r = app
        .patch(
            &format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap()),
            Some(&owner.access_token),
            &json!({ "assignee_id": outsider.user_id }),
        )
        .await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "assignee_id");
}

#[tokio::test]
async fn moving_a_task_needs_membership_in_both_teams() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let bob = app.create_user().await;
    let a = app.create_team(&alice, "A").await;
    let b = app.create_team(&bob, "B").await;
    let t = app.create_task(&alice, json!({ "title": "t", "team_id": a })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    let r = app.patch(&path, Some(&alice.access_token), &json!({ "team_id": b })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "team_id");
    app.add_member(&bob, b, &alice, "viewer").await;
    app.patch(&path, Some(&alice.access_token), &json!({ "team_id": b })).await.assert_problem(403);
    app.patch(
        &format!("/api/v1/teams/{b}/members/{}", alice.user_id),
        Some(&bob.access_token),
        &json!({ "role": "member" }),
    )
    .await;
    let r = app.patch(&path, Some(&alice.access_token), &json!({ "team_id": b })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["team_id"], b.to_string());
    assert_eq!(app.get(&path, Some(&bob.access_token)).await.status, 200);
}

#[tokio::test]
async fn list_filters_combine() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let team = app.create_team(&u, "T").await;
    let a = app
        .create_task(
            &u,
            json!({ "title": "Fix the login bug", "labels": ["bug"], "priority": "urgent", "team_id": team,
                                 "assignee_id": u.user_id, "due_at": "2030-01-01T00:00:00Z" }),
        )
        .await;
    let b = app
        .create_task(
            &u,
            json!({ "title": "Write release notes", "status": "done", "description": "for the login page" }),
        )
        .await;
    let c = app
        .create_task(&u, json!({ "title": "Plan offsite", "labels": ["team"], "due_at": "2031-01-01T00:00:00Z" }))
        .await;
    let id = |t: &Value| t["task_id"].as_str().unwrap().to_owned();

    assert_eq!(ids(&list(&app, &u, &format!("?team_id={team}")).await), [id(&a)]);
    let mut s = ids(&list(&app, &u, "?status=todo&status=done").await);
    s.sort();
    let mut expected = vec![id(&a), id(&b), id(&c)];
    expected.sort();
    assert_eq!(s, expected);
    assert_eq!(ids(&list(&app, &u, "?status=done").await), [id(&b)]);
    assert_eq!(ids(&list(&app, &u, "?priority=urgent").await), [id(&a)]);
    assert_eq!(ids(&list(&app, &u, "?assignee_id=me").await), [id(&a)]);
    assert_eq!(ids(&list(&app, &u, "?label=team").await), [id(&c)]);
    assert_eq!(ids(&list(&app, &u, "?due_before=2030-06-01T00:00:00Z").await), [id(&a)]);
    assert_eq!(ids(&list(&app, &u, "?due_after=2030-06-01T00:00:00Z").await), [id(&c)]);
    // Full text covers title and description.
    let mut login = ids(&list(&app, &u, "?q=login").await);
    login.sort();
    let mut expected = vec![id(&a), id(&b)];
    expected.sort();
    assert_eq!(login, expected);
    assert_eq!(ids(&list(&app, &u, "?sort=due_at").await), [id(&a), id(&c), id(&b)], "no due date sorts last");
    assert_eq!(ids(&list(&app, &u, "?sort=-due_at").await), [id(&c), id(&a), id(&b)]);
    assert_eq!(ids(&list(&app, &u, "?sort=-priority&status=todo").await)[0], id(&a));
    for bad in ["?status=doing", "?sort=title", "?limit=0", "?limit=201", "?assignee_id=you", "?cursor=zzz", "?bogus=1"]
    {
        app.get(&format!("/api/v1/tasks{bad}"), Some(&u.access_token)).await.assert_problem(422);
    }
}

#[tokio::test]
async fn a_cursor_walk_over_500_tasks_has_no_duplicates_or_gaps_while_inserting() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let mut existing = HashSet::new();
    for chunk in 0..10 {
        let futures = (0..50).map(|i| app.create_task(&u, json!({ "title": format!("task {chunk}-{i}") })));
        for t in futures_util::future::join_all(futures).await {
            existing.insert(t["task_id"].as_str().unwrap().to_owned());
        }
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=37&cursor={c}"),
            None => "?limit=37".to_owned(),
        };
        let page = list(&app, &u, &q).await;
        seen.extend(ids(&page));
        pages += 1;
        // New tasks arrive while the client pages through.
        app.create_task(&u, json!({ "title": format!("late {pages}") })).await;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a task appeared twice");
    assert!(existing.is_subset(&unique), "{} pre-existing tasks were skipped", existing.difference(&unique).count());
    assert_eq!(pages, 14);
}

#[tokio::test]
async fn cursors_work_for_every_sort() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    for i in 0..7 {
        let due = if i % 2 == 0 { json!(format!("2030-01-0{}T00:00:00Z", i + 1)) } else { Value::Null };
        let prio = ["low", "medium", "high", "urgent"][i % 4];
        app.create_task(&u, json!({ "title": format!("t{i}"), "due_at": due, "priority": prio })).await;
    }
    for sort in ["created_at", "-created_at", "updated_at", "due_at", "-due_at", "priority", "-priority"] {
        let full = ids(&list(&app, &u, &format!("?sort={sort}&limit=200")).await);
        let mut walked = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = list(&app, &u, &format!("?sort={sort}&limit=2{cursor}")).await;
            walked.extend(ids(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(walked, full, "sort {sort}");
    }
    // A cursor from one sort is refused by another.
    let page = list(&app, &u, "?sort=priority&limit=2").await;
    let c = page["next_cursor"].as_str().unwrap();
    app.get(&format!("/api/v1/tasks?sort=due_at&cursor={c}"), Some(&u.access_token)).await.assert_problem(422);
}

#[tokio::test]
async fn stored_text_comes_back_verbatim_as_json() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let nasty = "<script>alert(1)</script>'; drop table tasks; --";
    let t = app.create_task(&u, json!({ "title": nasty, "description": nasty })).await;
    let r = app.get(&format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap()), Some(&u.access_token)).await;
    assert_eq!(r.content_type(), "application/json");
    assert_eq!(r.json["title"], nasty);
    assert_eq!(ids(&list(&app, &u, "?q=drop%20table").await).len(), 1);
    let r = app.request(Method::GET, "/api/v1/tasks?q=%27%3B%20select%201%3B--", Some(&u.access_token), None).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_member_cannot_take_a_team_task_out_of_the_team() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let t = app.create_task(&member, json!({ "title": "t", "team_id": team, "assignee_id": member.user_id })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    let mine = app.create_team(&member, "mine").await;
    // Neither to personal nor into another team of the member's.
    for target in [Value::Null, json!(mine)] {
        let r = app.patch(&path, Some(&member.access_token), &json!({ "team_id": target })).await;
        r.assert_problem(403);
    }
    let r = app.get(&path, Some(&owner.access_token)).await;
    assert_eq!(r.json["team_id"], team.to_string(), "the task stayed in the team");
    // The member still edits it while it is in; the team's owner may move it on.
    assert_eq!(app.patch(&path, Some(&member.access_token), &json!({ "status": "done" })).await.status, 200);
    let other = app.create_team(&owner, "other").await;
    let r = app.patch(&path, Some(&owner.access_token), &json!({ "team_id": other, "assignee_id": null })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["team_id"], other.to_string());
    // Once out of the team, the member has no way back to it.
    app.get(&path, Some(&member.access_token)).await.assert_problem(404);
}

#[tokio::test]
async fn a_personal_task_is_assigned_only_within_shared_teams() {
    let app = spawn_app().await;
    let me = app.create_user().await;
    let stranger = app.create_user().await;
    let unknown = Uuid::new_v4();
    // A stranger's id and an id nobody has answer alike.
    let mut answers = Vec::new();
    for who in [stranger.user_id, unknown] {
        let r = app.post("/api/v1/tasks", Some(&me.access_token), &json!({ "title": "t", "assignee_id": who })).await;
        answers.push(r.assert_problem(422)["errors"].clone());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0][0]["field"], "assignee_id");
    let t = app.create_task(&me, json!({ "title": "t", "assignee_id": me.user_id })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    app.patch(&path, Some(&me.access_token), &json!({ "assignee_id": stranger.user_id })).await.assert_problem(422);
    // Once they share a team, the same assignment is fine.
    let team = app.create_team(&me, "T").await;
    app.add_member(&me, team, &stranger, "viewer").await;
    let r = app.patch(&path, Some(&me.access_token), &json!({ "assignee_id": stranger.user_id })).await;
    assert_eq!(r.status, 200, "{}", r.text);
}
