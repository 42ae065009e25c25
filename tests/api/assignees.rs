//! Several assignees (with the deprecated single `assignee_id` still
//! understood) and watchers: who may be assigned, who finds what with
//! `?assignee_id=`, who watches automatically, and what leaving takes away.

use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, TestApp, TestUser, PASSWORD};

fn ids(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect()
}

fn task_ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|t| t["task_id"].as_str().unwrap().to_owned()).collect()
}

async fn list(app: &TestApp, who: &TestUser, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/tasks{query}"), Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    task_ids(&r.json)
}

async fn watcher_ids(app: &TestApp, who: &TestUser, task: &str) -> (bool, Vec<String>) {
    let r = app.get(&format!("/api/v1/tasks/{task}/watchers"), Some(&who.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["total"].as_u64(), Some(r.json["items"].as_array().unwrap().len() as u64));
    let mut out: Vec<String> =
        r.json["items"].as_array().unwrap().iter().map(|w| w["user_id"].as_str().unwrap().to_owned()).collect();
    out.sort();
    (r.json["watching"].as_bool().unwrap(), out)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn a_task_has_several_assignees_in_order_and_the_old_field_still_works() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let (a, b) = (app.create_user().await, app.create_user().await);
    let viewer = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &a, "member").await;
    app.add_member(&owner, team, &b, "admin").await;
    app.add_member(&owner, team, &viewer, "viewer").await;

    // Order kept, repeats folded; the deprecated field shows the first.
    let t = app
        .create_task(
            &owner,
            json!({ "title": "t", "team_id": team, "assignee_ids": [b.user_id, a.user_id, b.user_id] }),
        )
        .await;
    assert_eq!(ids(&t["assignee_ids"]), [b.user_id.to_string(), a.user_id.to_string()]);
    assert_eq!(t["assignee_id"], b.user_id.to_string());
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());

    // A PATCH replaces the list; [] unassigns everyone; null is not a list.
    let r = app.patch(&path, Some(&a.access_token), &json!({ "assignee_ids": [a.user_id] })).await;
    assert_eq!(ids(&r.json["assignee_ids"]), [a.user_id.to_string()], "{}", r.text);
    let r = app.patch(&path, Some(&a.access_token), &json!({ "assignee_ids": [] })).await;
    assert!(r.json["assignee_ids"].as_array().unwrap().is_empty(), "{}", r.text);
    assert!(r.json["assignee_id"].is_null());
    let r = app.patch(&path, Some(&a.access_token), &json!({ "assignee_ids": null })).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "body", "a shape error, as for any field");

    // The deprecated field: one person, or (null) nobody.
    let r = app.patch(&path, Some(&a.access_token), &json!({ "assignee_id": b.user_id })).await;
    assert_eq!(ids(&r.json["assignee_ids"]), [b.user_id.to_string()]);
    let r = app.patch(&path, Some(&a.access_token), &json!({ "assignee_id": null })).await;
    assert!(r.json["assignee_ids"].as_array().unwrap().is_empty());

    // Both at once, too many, a viewer, an outsider: 422 naming the field used.
    let outsider = app.create_user().await;
    let many: Vec<Uuid> = (0..21).map(|_| Uuid::now_v7()).collect();
    for (body, field) in [
        (json!({ "assignee_ids": [a.user_id], "assignee_id": a.user_id }), "assignee_id"),
        (json!({ "assignee_ids": many }), "assignee_ids"),
        (json!({ "assignee_ids": [a.user_id, viewer.user_id] }), "assignee_ids"),
        (json!({ "assignee_ids": [outsider.user_id] }), "assignee_ids"),
        (json!({ "assignee_id": viewer.user_id }), "assignee_id"),
        (json!({ "assignee_ids": ["not-a-uuid"] }), "body"),
    ] {
        let r = app.patch(&path, Some(&a.access_token), &body).await;
        let problem = r.assert_problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    let r = app
        .post(
            "/api/v1/tasks",
            Some(&a.access_token),
            &json!({ "title": "t", "team_id": team, "assignee_ids": [viewer.user_id] }),
        )
        .await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "assignee_ids");
    // Nothing half-written: the task kept its (empty) list through the refusals.
    let r = app.get(&path, Some(&owner.access_token)).await;
    assert!(r.json["assignee_ids"].as_array().unwrap().is_empty(), "{}", r.text);
}

#[tokio::test]
async fn assignee_id_me_finds_every_task_i_am_one_of_the_assignees_of() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let me = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &me, "member").await;
    let first =
        app.create_task(&owner, json!({ "title": "first", "team_id": team, "assignee_ids": [me.user_id] })).await;
    let second = app
        .create_task(&owner, json!({ "title": "second", "team_id": team, "assignee_ids": [owner.user_id, me.user_id] }))
        .await;
    let nobody = app.create_task(&owner, json!({ "title": "nobody's", "team_id": team })).await;
    // A personal task of the owner's shared with me: it reaches me only as an assignee.
    let shared = app.create_task(&owner, json!({ "title": "shared", "assignee_ids": [me.user_id] })).await;
    let private = app.create_task(&owner, json!({ "title": "private" })).await;
    let id = |t: &Value| t["task_id"].as_str().unwrap().to_owned();

    assert_eq!(list(&app, &me, "?assignee_id=me").await, [id(&shared), id(&second), id(&first)]);
    assert_eq!(list(&app, &owner, "?assignee_id=me").await, [id(&second)]);
    assert_eq!(
        list(&app, &owner, &format!("?assignee_id={}", me.user_id)).await,
        [id(&shared), id(&second), id(&first)]
    );
    assert_eq!(list(&app, &owner, "?assignee_id=none").await, [id(&private), id(&nobody)]);
    // The default list reaches the shared personal task, and not the private one.
    let mine = list(&app, &me, "").await;
    assert!(mine.contains(&id(&shared)) && !mine.contains(&id(&private)), "{mine:?}");
    assert_eq!(mine.len(), 4);
    // Pages of one follow the same order.
    let mut seen = Vec::new();
    let mut url = "/api/v1/tasks?assignee_id=me&limit=1".to_owned();
    loop {
        let r = app.get(&url, Some(&me.access_token)).await;
        seen.extend(task_ids(&r.json));
        match r.json["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/tasks?assignee_id=me&limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [id(&shared), id(&second), id(&first)]);
    for bad in ["?assignee_id=nobody", "?assignee_id=ME"] {
        let r = app.get(&format!("/api/v1/tasks{bad}"), Some(&me.access_token)).await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], "assignee_id");
    }
}

#[tokio::test]
async fn sharing_a_personal_task_is_audited_and_unsharing_takes_it_away() {
    let app = spawn_app().await;
    let me = app.create_user().await;
    let mate = app.create_user().await;
    let team = app.create_team(&me, "T").await;
    app.add_member(&me, team, &mate, "viewer").await;
    let t = app.create_task(&me, json!({ "title": "p", "assignee_ids": [me.user_id] })).await;
    let path = format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap());
    app.get(&path, Some(&mate.access_token)).await.assert_problem(404);
    let r = app.patch(&path, Some(&me.access_token), &json!({ "assignee_ids": [me.user_id, mate.user_id] })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The mate works on it now.
    let r = app.patch(&path, Some(&mate.access_token), &json!({ "status": "in_progress" })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.patch(&path, Some(&me.access_token), &json!({ "assignee_ids": [] })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.get(&path, Some(&mate.access_token)).await.assert_problem(404);

    let events = app.get("/api/v1/me/audit-events?limit=200", Some(&me.access_token)).await;
    let shared: Vec<&Value> =
        events.json["items"].as_array().unwrap().iter().filter(|e| e["action"] == "task.shared").collect();
    assert_eq!(shared.len(), 2, "{}", events.text);
    let mate_id = json!([mate.user_id]);
    let details: Vec<(&Value, &Value)> =
        shared.iter().map(|e| (&e["details"]["added"], &e["details"]["removed"])).collect();
    assert!(details.contains(&(&mate_id, &json!([]))), "{details:?}");
    assert!(details.contains(&(&json!([]), &mate_id)), "{details:?}");
    // Assigning oneself changes nobody's access: no event for it.
    assert!(shared.iter().all(|e| !e["details"].to_string().contains(&me.user_id.to_string())));
}

#[tokio::test]
async fn creators_assignees_and_commenters_watch_and_anyone_who_reads_may_toggle() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let commenter = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &commenter, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let t = app.create_task(&owner, json!({ "title": "t", "team_id": team, "assignee_ids": [member.user_id] })).await;
    let task = t["task_id"].as_str().unwrap().to_owned();
    let s = |u: &TestUser| u.user_id.to_string();

    assert_eq!(watcher_ids(&app, &owner, &task).await, (true, sorted(vec![s(&owner), s(&member)])));
    let c = app
        .post(&format!("/api/v1/tasks/{task}/comments"), Some(&commenter.access_token), &json!({ "body": "hi" }))
        .await;
    assert_eq!(c.status, 201, "{}", c.text);
    let everyone = sorted(vec![s(&owner), s(&member), s(&commenter)]);
    assert_eq!(watcher_ids(&app, &viewer, &task).await, (false, everyone.clone()));
    let names = app.get(&format!("/api/v1/tasks/{task}/watchers"), Some(&owner.access_token)).await;
    assert!(names.json["items"].as_array().unwrap().iter().all(|w| w["display_name"].is_string()), "{}", names.text);

    // A viewer starts watching; twice is no change; stopping twice neither.
    let me = format!("/api/v1/tasks/{task}/watchers/me");
    for _ in 0..2 {
        let r = app.request(Method::PUT, &me, Some(&viewer.access_token), None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!((r.json["watching"].as_bool(), r.json["total"].as_u64()), (Some(true), Some(4)));
    }
    for _ in 0..2 {
        let r = app.delete(&me, Some(&viewer.access_token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!((r.json["watching"].as_bool(), r.json["total"].as_u64()), (Some(false), Some(3)));
    }
    // The creator may stop too, and others' changes (another field, another
    // assignee) do not start it again; being assigned does.
    assert_eq!(app.delete(&me, Some(&owner.access_token)).await.status, 200);
    assert!(!watcher_ids(&app, &owner, &task).await.0);
    let path = format!("/api/v1/tasks/{task}");
    for body in [json!({ "title": "renamed" }), json!({ "assignee_ids": [member.user_id, commenter.user_id] })] {
        let r = app.patch(&path, Some(&member.access_token), &body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(!watcher_ids(&app, &owner, &task).await.0, "re-watched by {body}");
    }
    app.patch(&path, Some(&member.access_token), &json!({ "assignee_ids": [member.user_id, owner.user_id] })).await;
    assert!(watcher_ids(&app, &owner, &task).await.0, "assigned again, watching again");

    // Outsiders and unknown tasks: 404 for reading and for watching.
    app.get(&format!("/api/v1/tasks/{task}/watchers"), Some(&outsider.access_token)).await.assert_problem(404);
    app.request(Method::PUT, &me, Some(&outsider.access_token), None).await.assert_problem(404);
    app.delete(&me, Some(&outsider.access_token)).await.assert_problem(404);
    let unknown = format!("/api/v1/tasks/{}/watchers/me", Uuid::now_v7());
    app.request(Method::PUT, &unknown, Some(&owner.access_token), None).await.assert_problem(404);

    // Someone's own start and stop is in the history; automatic watching is not.
    let activity = app.get(&format!("{path}/activity?limit=200"), Some(&owner.access_token)).await;
    let watcher_events: Vec<(&Value, &Value, &Value)> = activity.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["field"] == "watcher")
        .map(|i| (&i["actor_id"], &i["old"], &i["new"]))
        .collect();
    let (v, o) = (json!(s(&viewer)), json!(s(&owner)));
    assert_eq!(
        watcher_events,
        [(&o, &o, &Value::Null), (&v, &v, &Value::Null), (&v, &Value::Null, &v)],
        "newest first: {}",
        activity.text
    );

    // Leaving the team ends watching and the assignment.
    let r = app.delete(&format!("/api/v1/teams/{team}/members/{}", member.user_id), Some(&owner.access_token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let (_, left) = watcher_ids(&app, &owner, &task).await;
    assert!(!left.contains(&s(&member)), "{left:?}");
    let r = app.get(&path, Some(&owner.access_token)).await;
    assert_eq!(ids(&r.json["assignee_ids"]), [s(&owner)]);
}

#[tokio::test]
async fn export_lists_what_i_watch_and_erasure_unassigns_me_without_a_trace_in_history() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let leaver = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &leaver, "member").await;
    let t = app
        .create_task(&owner, json!({ "title": "t", "team_id": team, "assignee_ids": [leaver.user_id, owner.user_id] }))
        .await;
    let task = t["task_id"].as_str().unwrap().to_owned();

    let export = app.get("/api/v1/me/export", Some(&leaver.access_token)).await;
    assert_eq!(export.status, 200, "{}", export.text);
    let watching = export.json["watching"].as_array().unwrap();
    assert_eq!(watching.len(), 1, "{}", export.text);
    assert_eq!(watching[0]["task_id"], task);
    assert!(
        export.json["tasks"].as_array().unwrap().iter().any(|x| x["task_id"] == task),
        "assigned tasks are exported"
    );

    let r = app
        .request(Method::POST, "/api/v1/me/erase", Some(&leaver.access_token), Some(&json!({ "password": PASSWORD })))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.get(&format!("/api/v1/tasks/{task}"), Some(&owner.access_token)).await;
    assert_eq!(ids(&r.json["assignee_ids"]), [owner.user_id.to_string()]);
    let activity = app.get(&format!("/api/v1/tasks/{task}/activity"), Some(&owner.access_token)).await;
    assert!(!activity.text.contains(&leaver.user_id.to_string()), "{}", activity.text);
    let (_, watchers) = watcher_ids(&app, &owner, &task).await;
    assert_eq!(watchers, [owner.user_id.to_string()]);
}

#[tokio::test]
async fn the_deprecated_field_is_marked_in_the_document_and_announced_when_used() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.json;
    let schemas = &doc["components"]["schemas"];
    for schema in ["CreateTaskRequest", "PatchTaskRequest", "TaskResponse"] {
        assert_eq!(schemas[schema]["properties"]["assignee_id"]["deprecated"], true, "{schema}");
        assert!(schemas[schema]["properties"]["assignee_ids"]["deprecated"].is_null(), "{schema}");
    }
    let me = app.create_user().await;
    let current =
        app.post("/api/v1/tasks", Some(&me.access_token), &json!({ "title": "t", "assignee_ids": [me.user_id] })).await;
    assert_eq!(current.status, 201);
    assert!(current.header("deprecation").is_none() && current.header("sunset").is_none());
    let old =
        app.post("/api/v1/tasks", Some(&me.access_token), &json!({ "title": "t", "assignee_id": me.user_id })).await;
    assert_eq!(old.status, 201, "{}", old.text);
    assert_eq!(old.header("deprecation"), Some("@1796169600"));
    assert_eq!(old.header("sunset"), Some("Wed, 02 Jun 2027 00:00:00 GMT"));
    let path = old.header("location").unwrap().to_owned();
    let r = app.patch(&path, Some(&me.access_token), &json!({ "assignee_id": null })).await;
    assert_eq!((r.status.as_u16(), r.header("deprecation").is_some()), (200, true));
    let r = app.patch(&path, Some(&me.access_token), &json!({ "title": "u" })).await;
    assert_eq!((r.status.as_u16(), r.header("deprecation").is_some()), (200, false));
}
