//! The trash: DELETE moves a task and its subtasks there, out of every
//! list and lookup; restoring brings back exactly what went, with its
//! comments, time and relations; the team's owners and admins (or a
//! personal task's creator) delete it for good; its time still counts in
//! reports, and the report says how much.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, TestUser};

fn id(v: &Value) -> String {
    v["task_id"].as_str().unwrap_or_else(|| panic!("task_id in {v}")).to_owned()
}

/// (task id, subtasks that went with it, parent in the trash) of `who`'s trash.
async fn trash(app: &TestApp, who: &TestUser) -> Vec<(String, i64, bool)> {
    let r = app.get("/api/v1/trash?limit=100", Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (id(t), t["subtasks"].as_i64().unwrap(), t["parent_trashed"].as_bool().unwrap()))
        .collect()
}

async fn listed(app: &TestApp, who: &TestUser, team: uuid::Uuid) -> Vec<String> {
    let r = app.get(&format!("/api/v1/tasks?team_id={team}&limit=100"), Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut ids: Vec<String> = r.json["items"].as_array().unwrap().iter().map(id).collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn deleting_moves_a_task_and_its_subtasks_to_the_trash_and_restoring_brings_it_all_back() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let other_member = app.create_user().await;
    let viewer = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &other_member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let tok = Some(member.access_token.as_str());
    let parent = id(&app.create_task(&member, json!({ "title": "Launch", "team_id": team })).await);
    let sub = id(&app.create_task(&member, json!({ "title": "Copy", "parent_task_id": parent })).await);
    let subsub = id(&app.create_task(&member, json!({ "title": "Proofread", "parent_task_id": sub })).await);
    let other = id(&app.create_task(&owner, json!({ "title": "Announce", "team_id": team })).await);
    let r = app.post(&format!("/api/v1/tasks/{parent}/comments"), tok, &json!({ "body": "ready?" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let entry = json!({ "started_at": "2026-11-30T09:00:00Z", "duration_seconds": 1800 });
    let r = app.post(&format!("/api/v1/tasks/{subsub}/time-entries"), tok, &entry).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(&format!("/api/v1/tasks/{parent}/relations"), tok, &json!({ "kind": "blocks", "task_id": other }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    let r = app.delete(&format!("/api/v1/tasks/{parent}"), tok).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Gone from every list and lookup, subtasks too.
    for t in [&parent, &sub, &subsub] {
        app.get(&format!("/api/v1/tasks/{t}"), tok).await.assert_problem(404);
        app.get(&format!("/api/v1/tasks/{t}/comments"), tok).await.assert_problem(404);
    }
    assert_eq!(listed(&app, &owner, team).await, vec![other.clone()]);
    let rel = app.get(&format!("/api/v1/tasks/{other}/relations"), Some(&owner.access_token)).await;
    assert_eq!((rel.json["items"].as_array().unwrap().len(), rel.json["open_blockers"].as_u64()), (0, Some(0)));
    let summary = app.get(&format!("/api/v1/teams/{team}/summary"), Some(&owner.access_token)).await;
    assert_eq!(summary.json["tasks"]["total"], 1, "{}", summary.text);
    // Whoever deleted it and the team's owners see it in the trash; other
    // members and viewers do not.
    assert_eq!(trash(&app, &member).await, vec![(parent.clone(), 2, false)]);
    assert_eq!(trash(&app, &owner).await, vec![(parent.clone(), 2, false)]);
    assert!(trash(&app, &other_member).await.is_empty());
    assert!(trash(&app, &viewer).await.is_empty());
    let r = app.get("/api/v1/trash", tok).await;
    assert_eq!(r.json["items"][0]["trashed_by"], member.user_id.to_string());
    assert_eq!(r.json["items"][0]["title"], "Launch");
    // Its time still counts, and the report says so.
    let report =
        app.get(&format!("/api/v1/reports/time?team_id={team}&from=2026-11-30&to=2026-11-30&tz=UTC"), tok).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(
        (report.json["total_seconds"].as_i64(), report.json["trashed_seconds"].as_i64()),
        (Some(1800), Some(1800))
    );

    // Another member may not bring it back; nobody can change it meanwhile.
    app.post(&format!("/api/v1/trash/{parent}/restore"), Some(&other_member.access_token), &json!({}))
        .await
        .assert_problem(403);
    app.patch(&format!("/api/v1/tasks/{sub}"), tok, &json!({ "title": "x" })).await.assert_problem(404);
    let r = app.post(&format!("/api/v1/trash/{parent}/restore"), tok, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(id(&r.json), parent);
    assert!(r.headers.get("etag").is_some());
    assert_eq!(r.json["subtasks"], json!({ "total": 1, "done": 0 }));
    assert_eq!(
        listed(&app, &owner, team).await,
        sorted(vec![parent.clone(), sub.clone(), subsub.clone(), other.clone()])
    );
    let comments = app.get(&format!("/api/v1/tasks/{parent}/comments"), tok).await;
    assert_eq!(comments.json["items"].as_array().unwrap().len(), 1);
    let entries = app.get(&format!("/api/v1/tasks/{subsub}/time-entries"), tok).await;
    assert_eq!(entries.json["items"].as_array().unwrap().len(), 1);
    let rel = app.get(&format!("/api/v1/tasks/{other}/relations"), Some(&owner.access_token)).await;
    assert_eq!(rel.json["open_blockers"], 1, "{}", rel.text);
    assert!(trash(&app, &member).await.is_empty());
    let report =
        app.get(&format!("/api/v1/reports/time?team_id={team}&from=2026-11-30&to=2026-11-30&tz=UTC"), tok).await;
    assert_eq!(report.json["trashed_seconds"], 0, "{}", report.text);
    // The history says when it went and came back.
    let activity = app.get(&format!("/api/v1/tasks/{parent}/activity"), tok).await;
    let trashed: Vec<&Value> =
        activity.json["items"].as_array().unwrap().iter().filter(|e| e["field"] == "trashed_at").collect();
    assert_eq!(trashed.len(), 2, "{}", activity.text);
    assert!(trashed[0]["new"].is_null() && trashed[0]["old"].is_string(), "restored: {}", trashed[0]);
    assert!(trashed[1]["old"].is_null() && trashed[1]["new"].is_string(), "trashed: {}", trashed[1]);
}

#[tokio::test]
async fn a_subtask_deleted_on_its_own_comes_back_only_after_its_parent() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let tok = Some(owner.access_token.as_str());
    let parent = id(&app.create_task(&owner, json!({ "title": "P", "team_id": team })).await);
    let sub = id(&app.create_task(&owner, json!({ "title": "S", "parent_task_id": parent })).await);
    let before = app.get(&format!("/api/v1/tasks/{parent}"), tok).await;
    assert_eq!(app.delete(&format!("/api/v1/tasks/{sub}"), tok).await.status, 204);
    let after = app.get(&format!("/api/v1/tasks/{parent}"), tok).await;
    assert_eq!(after.json["subtasks"]["total"], 0);
    assert_ne!(before.headers.get("etag"), after.headers.get("etag"), "the parent's counts changed");
    assert_eq!(app.delete(&format!("/api/v1/tasks/{parent}"), tok).await.status, 204);
    assert_eq!(trash(&app, &owner).await, vec![(parent.clone(), 0, false), (sub.clone(), 0, true)]);
    let r = app.post(&format!("/api/v1/trash/{sub}/restore"), tok, &json!({})).await;
    r.assert_problem(409);
    assert!(r.text.contains("restore the parent first"), "{}", r.text);
    assert_eq!(app.post(&format!("/api/v1/trash/{parent}/restore"), tok, &json!({})).await.status, 200);
    assert_eq!(trash(&app, &owner).await, vec![(sub.clone(), 0, false)]);
    let r = app.post(&format!("/api/v1/trash/{sub}/restore"), tok, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.get(&format!("/api/v1/tasks/{parent}"), tok).await.json["subtasks"]["total"], 1);
    // A task not in the trash is not found there.
    app.post(&format!("/api/v1/trash/{sub}/restore"), tok, &json!({})).await.assert_problem(404);
}

#[tokio::test]
async fn only_owners_admins_or_a_personal_tasks_creator_delete_for_good() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &admin, "admin").await;
    app.add_member(&owner, team, &member, "member").await;
    let task = id(&app.create_task(&member, json!({ "title": "Mine", "team_id": team })).await);
    let entry = json!({ "started_at": "2026-11-30T09:00:00Z", "duration_seconds": 600 });
    assert_eq!(
        app.post(&format!("/api/v1/tasks/{task}/time-entries"), Some(&member.access_token), &entry).await.status,
        201
    );
    assert_eq!(app.delete(&format!("/api/v1/tasks/{task}"), Some(&member.access_token)).await.status, 204);
    app.delete(&format!("/api/v1/trash/{task}"), Some(&member.access_token)).await.assert_problem(403);
    app.delete(&format!("/api/v1/trash/{task}"), Some(&outsider.access_token)).await.assert_problem(404);
    app.post(&format!("/api/v1/trash/{task}/restore"), Some(&outsider.access_token), &json!({}))
        .await
        .assert_problem(404);
    assert_eq!(trash(&app, &admin).await.len(), 1);
    let r = app.delete(&format!("/api/v1/trash/{task}"), Some(&admin.access_token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(trash(&app, &owner).await.is_empty());
    app.post(&format!("/api/v1/trash/{task}/restore"), Some(&owner.access_token), &json!({})).await.assert_problem(404);
    let report = app
        .get(
            &format!("/api/v1/reports/time?team_id={team}&from=2026-11-30&to=2026-11-30&tz=UTC"),
            Some(&owner.access_token),
        )
        .await;
    assert_eq!(report.json["total_seconds"], 0, "deleted for good, its time goes: {}", report.text);

    // A personal task: its creator deletes it for good.
    let mine = id(&app.create_task(&member, json!({ "title": "Personal" })).await);
    assert_eq!(app.delete(&format!("/api/v1/tasks/{mine}"), Some(&member.access_token)).await.status, 204);
    assert_eq!(trash(&app, &member).await, vec![(mine.clone(), 0, false)]);
    assert!(trash(&app, &owner).await.is_empty(), "a personal task is nobody else's");
    assert_eq!(app.delete(&format!("/api/v1/trash/{mine}"), Some(&member.access_token)).await.status, 204);
    assert!(trash(&app, &member).await.is_empty());
}

#[tokio::test]
async fn a_project_with_tasks_in_the_trash_is_not_empty_and_the_trash_pages() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let tok = Some(owner.access_token.as_str());
    let r = app.post(&format!("/api/v1/teams/{team}/projects"), tok, &json!({ "name": "Site" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let project = r.json["project_id"].as_str().unwrap().to_owned();
    let mut deleted = Vec::new();
    for n in 0..3 {
        let t = id(&app
            .create_task(&owner, json!({ "title": format!("t{n}"), "team_id": team, "project_id": project }))
            .await);
        assert_eq!(app.delete(&format!("/api/v1/tasks/{t}"), tok).await.status, 204);
        deleted.push(t);
    }
    let p = app.get(&format!("/api/v1/teams/{team}/projects/{project}"), tok).await;
    assert_eq!(p.json["tasks"]["total"], 0, "{}", p.text);
    let r = app.delete(&format!("/api/v1/teams/{team}/projects/{project}"), tok).await;
    r.assert_problem(409);
    assert!(r.text.contains("trash"), "{}", r.text);
    // Newest first, a page at a time.
    let mut seen = Vec::new();
    let mut path = "/api/v1/trash?limit=2".to_owned();
    loop {
        let r = app.get(&path, tok).await;
        assert_eq!(r.status, 200, "{}", r.text);
        seen.extend(r.json["items"].as_array().unwrap().iter().map(id));
        match r.json["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/trash?limit=2&cursor={c}"),
            None => break,
        }
    }
    deleted.reverse();
    assert_eq!(seen, deleted);
    app.get("/api/v1/trash?cursor=nope", tok).await.assert_problem(422);
    for t in &deleted {
        assert_eq!(app.delete(&format!("/api/v1/trash/{t}"), tok).await.status, 204);
    }
    assert_eq!(app.delete(&format!("/api/v1/teams/{team}/projects/{project}"), tok).await.status, 204);
}
