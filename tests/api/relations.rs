//! Relations between tasks: each side reads its own direction, a blocks
//! cycle is refused naming its path (and hiding what the caller cannot
//! see), open blockers hold a task back from done unless forced, and a
//! relation never shows a task to someone who cannot read it.

use serde_json::{json, Value};

use crate::helpers::{race, spawn_app, TestApp, TestUser};

fn id(task: &Value) -> String {
    task["task_id"].as_str().unwrap().to_owned()
}

async fn relate(app: &TestApp, who: &TestUser, from: &str, kind: &str, to: &str) -> crate::helpers::Reply {
    app.post(
        &format!("/api/v1/tasks/{from}/relations"),
        Some(&who.access_token),
        &json!({ "kind": kind, "task_id": to }),
    )
    .await
}

/// (kind from this side, other task id) of a task's relations, and its open blockers.
async fn relations(app: &TestApp, who: &TestUser, task: &str) -> (Vec<(String, String)>, u64) {
    let r = app.get(&format!("/api/v1/tasks/{task}/relations"), Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap().to_owned(), i["task"]["task_id"].as_str().unwrap().to_owned()))
        .collect();
    (items, r.json["open_blockers"].as_u64().unwrap())
}

async fn listed(app: &TestApp, who: &TestUser, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/tasks{query}"), Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut ids: Vec<String> = r.json["items"].as_array().unwrap().iter().map(id).collect();
    ids.sort();
    ids
}

async fn events(app: &TestApp, who: &TestUser, task: &str, field: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/tasks/{task}/activity"), Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["items"].as_array().unwrap().iter().filter(|e| e["field"] == field).cloned().collect()
}

#[tokio::test]
async fn each_side_reads_its_direction_and_blockers_hold_a_task_back_from_done() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let mut t = Vec::new();
    for title in ["venue", "invitations", "catering"] {
        t.push(id(&app.create_task(&owner, json!({ "title": title, "team_id": team })).await));
    }
    let (venue, invitations, catering) = (&t[0], &t[1], &t[2]);

    let r = relate(&app, &owner, venue, "blocks", invitations).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("location"), Some(format!("/api/v1/tasks/{venue}/relations").as_str()));
    assert_eq!(relate(&app, &owner, catering, "duplicates", venue).await.status, 201);
    assert_eq!(relate(&app, &owner, invitations, "relates_to", catering).await.status, 201);

    assert_eq!(
        relations(&app, &owner, venue).await,
        (vec![("blocks".into(), invitations.clone()), ("duplicated_by".into(), catering.clone())], 0)
    );
    assert_eq!(
        relations(&app, &owner, invitations).await,
        (vec![("blocked_by".into(), venue.clone()), ("relates_to".into(), catering.clone())], 1)
    );
    assert_eq!(
        relations(&app, &owner, catering).await,
        (vec![("duplicates".into(), venue.clone()), ("relates_to".into(), invitations.clone())], 0)
    );

    // Once per kind per pair, whichever side; not to itself; known kinds
    // and visible tasks only.
    relate(&app, &owner, catering, "relates_to", invitations).await.assert_problem(409);
    let r = relate(&app, &owner, venue, "relates_to", venue).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "task_id");
    let r = relate(&app, &owner, venue, "blocked_by", invitations).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "kind");
    let r = relate(&app, &owner, venue, "blocks", &uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "task_id");

    // ?blocked=: tasks with an open blocker, or without.
    let mut all = t.clone();
    all.sort();
    assert_eq!(listed(&app, &owner, "?blocked=true").await, vec![invitations.clone()]);
    let mut unblocked: Vec<String> = all.iter().filter(|x| *x != invitations).cloned().collect();
    unblocked.sort();
    assert_eq!(listed(&app, &owner, "?blocked=false").await, unblocked);
    app.get("/api/v1/tasks?blocked=maybe", Some(&owner.access_token)).await.assert_problem(422);

    // Done while blocked: 409 naming the blocker; forced, it moves and the
    // history says past which.
    let path = format!("/api/v1/tasks/{invitations}");
    let r = app.patch(&path, Some(&owner.access_token), &json!({ "status": "done" })).await;
    assert!(r.assert_problem(409)["detail"].as_str().unwrap().contains(venue.as_str()), "{}", r.text);
    assert_eq!(events(&app, &owner, invitations, "status").await.len(), 0, "the refused move left nothing");
    let r = app.patch(&format!("{path}?force=true"), Some(&owner.access_token), &json!({ "status": "done" })).await;
    assert_eq!(r.json["status"], "done", "{}", r.text);
    let forced = events(&app, &owner, invitations, "blockers_overridden").await;
    assert_eq!(forced.len(), 1);
    assert_eq!(forced[0]["new"], json!([venue]));
    // Other changes need no force, and the force is only for open blockers.
    let r = app.patch(&path, Some(&owner.access_token), &json!({ "status": "todo" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.patch(&format!("/api/v1/tasks/{venue}"), Some(&owner.access_token), &json!({ "status": "done" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(relations(&app, &owner, invitations).await.1, 0);
    assert_eq!(listed(&app, &owner, "?blocked=true").await, Vec::<String>::new());
    let r = app.patch(&path, Some(&owner.access_token), &json!({ "status": "done" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(events(&app, &owner, invitations, "blockers_overridden").await.len(), 1, "no new override");

    // Both tasks' histories have the relation, each from its side; removing
    // it (from either side) too.
    let made = events(&app, &owner, venue, "relation").await;
    assert!(made.iter().any(|e| e["new"] == json!({ "kind": "blocks", "task_id": invitations })), "{made:?}");
    let made = events(&app, &owner, invitations, "relation").await;
    assert!(made.iter().any(|e| e["new"] == json!({ "kind": "blocked_by", "task_id": venue })), "{made:?}");
    let rel = app.get(&format!("/api/v1/tasks/{invitations}/relations"), Some(&owner.access_token)).await;
    let rel_id = rel.json["items"][0]["relation_id"].as_str().unwrap().to_owned();
    let gone = app.delete(&format!("/api/v1/tasks/{invitations}/relations/{rel_id}"), Some(&owner.access_token)).await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    app.delete(&format!("/api/v1/tasks/{invitations}/relations/{rel_id}"), Some(&owner.access_token))
        .await
        .assert_problem(404);
    assert!(events(&app, &owner, venue, "relation").await.iter().any(|e| e["old"]["kind"] == "blocks"));

    // A deleted task takes its relations along.
    assert_eq!(app.delete(&format!("/api/v1/tasks/{catering}"), Some(&owner.access_token)).await.status, 204);
    assert_eq!(relations(&app, &owner, venue).await, (vec![], 0));
}

#[tokio::test]
async fn a_blocks_cycle_is_refused_naming_its_path_but_not_what_the_caller_cannot_see() {
    let app = spawn_app().await;
    let (owner, member) = (app.create_user().await, app.create_user().await);
    let shared = app.create_team(&owner, "shared").await;
    let private = app.create_team(&owner, "private").await;
    app.add_member(&owner, shared, &member, "member").await;
    let a = id(&app.create_task(&owner, json!({ "title": "a", "team_id": shared })).await);
    let b = id(&app.create_task(&owner, json!({ "title": "b", "team_id": private })).await);
    let c = id(&app.create_task(&owner, json!({ "title": "c", "team_id": shared })).await);
    // a blocks b blocks c: c blocking a would close the cycle.
    assert_eq!(relate(&app, &owner, &a, "blocks", &b).await.status, 201);
    assert_eq!(relate(&app, &owner, &b, "blocks", &c).await.status, 201);

    let r = relate(&app, &owner, &c, "blocks", &a).await;
    let detail = r.assert_problem(409)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains(&format!("{c} blocks {a} blocks {b} blocks {c}")), "{detail}");

    // The member sees a and c, not b: the path hides b, and refuses alike.
    let r = relate(&app, &member, &c, "blocks", &a).await;
    let detail = r.assert_problem(409)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains(&format!("{c} blocks {a} blocks (a task you cannot see) blocks {c}")), "{detail}");
    assert!(!detail.contains(&b), "{detail}");
    // Other kinds make no cycle.
    assert_eq!(relate(&app, &member, &c, "relates_to", &a).await.status, 201);
    // Nor does blocking the other way along the chain.
    assert_eq!(relate(&app, &owner, &a, "blocks", &c).await.status, 201);
}

#[tokio::test]
async fn a_relation_shows_no_task_to_someone_who_cannot_read_it() {
    let app = spawn_app().await;
    let (owner, member, viewer) = (app.create_user().await, app.create_user().await, app.create_user().await);
    let team = app.create_team(&owner, "T").await;
    let other = app.create_team(&owner, "U").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let mine = id(&app.create_task(&owner, json!({ "title": "seen", "team_id": team })).await);
    let hidden = id(&app.create_task(&owner, json!({ "title": "hidden", "team_id": other })).await);
    assert_eq!(relate(&app, &owner, &hidden, "blocks", &mine).await.status, 201);

    // The owner sees both; the member neither the relation nor its events,
    // nor a blocker: the task is not blocked for them.
    assert_eq!(relations(&app, &owner, &mine).await.1, 1);
    assert_eq!(relations(&app, &member, &mine).await, (vec![], 0));
    assert!(events(&app, &member, &mine, "relation").await.is_empty());
    assert_eq!(events(&app, &owner, &mine, "relation").await.len(), 1);
    assert_eq!(listed(&app, &member, "?blocked=true").await, Vec::<String>::new());
    let r = app.patch(&format!("/api/v1/tasks/{mine}"), Some(&member.access_token), &json!({ "status": "done" })).await;
    assert_eq!(r.status, 200, "no blocker the member can see: {}", r.text);
    // The override the owner would have needed is not recorded for a move
    // past nothing the mover saw.
    assert!(events(&app, &owner, &mine, "blockers_overridden").await.is_empty());

    // The member cannot reach the hidden task (422, as for an unknown one),
    // the viewer cannot relate at all (403), an outsider sees nothing (404).
    let r = relate(&app, &member, &mine, "relates_to", &hidden).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "task_id");
    let second = id(&app.create_task(&owner, json!({ "title": "second", "team_id": team })).await);
    relate(&app, &viewer, &mine, "relates_to", &second).await.assert_problem(403);
    let outsider = app.create_user().await;
    relate(&app, &outsider, &mine, "relates_to", &second).await.assert_problem(404);
    app.get(&format!("/api/v1/tasks/{mine}/relations"), Some(&outsider.access_token)).await.assert_problem(404);

    // A relation the member made, the viewer (who may change neither task) cannot remove.
    assert_eq!(relate(&app, &member, &mine, "relates_to", &second).await.status, 201);
    let rel = app.get(&format!("/api/v1/tasks/{mine}/relations"), Some(&viewer.access_token)).await;
    let rel_id = rel.json["items"][0]["relation_id"].as_str().unwrap().to_owned();
    app.delete(&format!("/api/v1/tasks/{mine}/relations/{rel_id}"), Some(&viewer.access_token))
        .await
        .assert_problem(403);
    // Nor can anyone remove it through a task it does not join.
    app.delete(&format!("/api/v1/tasks/{hidden}/relations/{rel_id}"), Some(&owner.access_token))
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn the_database_refuses_a_blocks_cycle_made_by_two_concurrent_writers() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let a = id(&app.create_task(&owner, json!({ "title": "a", "team_id": team })).await);
    let b = id(&app.create_task(&owner, json!({ "title": "b", "team_id": team })).await);
    let blocks = "insert into task_relations (kind, task_id, other_task_id, created_by) \
                  values ('blocks', $1::uuid, $2::uuid, $3::uuid)";
    let me = owner.user_id.to_string();
    let second = race(&app, owner.user_id, (blocks, &[&a, &b, &me]), (blocks, &[&b, &a, &me])).await;
    assert_eq!(second, Err("23514".to_owned()), "b blocks a after a blocks b is a cycle");
    assert_eq!(relations(&app, &owner, &b).await, (vec![("blocked_by".into(), a.clone())], 1));
}
