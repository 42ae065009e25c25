//! Projects: a team's groups of tasks, who shapes them, what archiving
//! hides, and the rules a task's project follows.

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::helpers::{act_as, spawn_app, TestApp, TestUser};

async fn project(app: &TestApp, by: &TestUser, team: Uuid, name: &str) -> Value {
    let r = app.post(&format!("/api/v1/teams/{team}/projects"), Some(&by.access_token), &json!({ "name": name })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|t| t["task_id"].as_str().unwrap().to_owned()).collect()
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

async fn audit_actions(app: &TestApp, team: Uuid) -> Vec<String> {
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    act_as(&mut tx, None, true).await;
    sqlx::query_scalar(
        "select action from audit_events where team_id = $1 and action like 'project.%' order by occurred_at",
    )
    .bind(team)
    .fetch_all(&mut *tx)
    .await
    .unwrap()
}

#[tokio::test]
async fn owners_and_admins_shape_projects_and_every_member_reads_them() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let admin = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let outsider = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    for (who, role) in [(&admin, "admin"), (&member, "member"), (&viewer, "viewer")] {
        app.add_member(&owner, team, who, role).await;
    }
    let path = format!("/api/v1/teams/{team}/projects");
    let body = json!({ "name": "Website", "description": "The relaunch" });
    app.post(&path, Some(&member.access_token), &body).await.assert_problem(403);
    app.post(&path, Some(&viewer.access_token), &body).await.assert_problem(403);
    app.post(&path, Some(&outsider.access_token), &body).await.assert_problem(404);
    for (bad, field) in [
        (json!({ "name": "  " }), "name"),
        (json!({ "name": "x".repeat(101) }), "name"),
        (json!({ "name": "a\tb" }), "name"),
        (json!({ "name": "ok", "description": "d".repeat(2001) }), "description"),
    ] {
        let r = app.post(&path, Some(&owner.access_token), &bad).await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], field, "{bad}");
    }
    app.post(&path, Some(&owner.access_token), &json!({ "name": "ok", "extra": 1 })).await.assert_problem(422);

    let created = app.post(&path, Some(&admin.access_token), &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let p = &created.json;
    assert_eq!((p["name"].as_str(), p["description"].as_str()), (Some("Website"), Some("The relaunch")));
    assert_eq!((p["archived"].as_bool(), p["tasks"].clone()), (Some(false), json!({ "total": 0, "open": 0 })));
    assert_eq!(p["created_by"], admin.user_id.to_string());
    let location = created.header("location").unwrap().to_owned();
    assert_eq!(location, format!("{path}/{}", p["project_id"].as_str().unwrap()));
    // One name per team, whatever the case; another team may reuse it.
    let again = app.post(&path, Some(&owner.access_token), &json!({ "name": "WEBSITE" })).await;
    assert!(again.assert_problem(409)["detail"].as_str().unwrap().contains("already has a project"));
    let other = app.create_team(&owner, "U").await;
    project(&app, &owner, other, "Website").await;
    project(&app, &owner, team, "api").await;
    project(&app, &owner, team, "Mobile").await;

    // Everyone in the team reads them, by name ignoring case, a page at a time.
    for who in [&owner, &member, &viewer] {
        let list = app.get(&path, Some(&who.access_token)).await;
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(names(&list.json), ["api", "Mobile", "Website"]);
        assert_eq!(app.get(&location, Some(&who.access_token)).await.json["name"], "Website");
    }
    app.get(&path, Some(&outsider.access_token)).await.assert_problem(404);
    app.get(&location, Some(&outsider.access_token)).await.assert_problem(404);
    // Another team's path does not reach this team's project.
    app.get(
        &format!("/api/v1/teams/{other}/projects/{}", p["project_id"].as_str().unwrap()),
        Some(&owner.access_token),
    )
    .await
    .assert_problem(404);
    let first = app.get(&format!("{path}?limit=2"), Some(&member.access_token)).await;
    assert_eq!(names(&first.json), ["api", "Mobile"]);
    let cursor = first.json["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("{path}?limit=2&cursor={cursor}"), Some(&member.access_token)).await;
    assert_eq!((names(&rest.json), rest.json["next_cursor"].clone()), (vec!["Website".to_owned()], Value::Null));
    app.get(&format!("{path}?state=closed"), Some(&member.access_token)).await.assert_problem(422);

    // Rename, describe, clear: admins only.
    app.patch(&location, Some(&member.access_token), &json!({ "name": "Mine" })).await.assert_problem(403);
    app.patch(&location, Some(&owner.access_token), &json!({})).await.assert_problem(422);
    app.patch(&location, Some(&owner.access_token), &json!({ "name": "api" })).await.assert_problem(409);
    let renamed =
        app.patch(&location, Some(&owner.access_token), &json!({ "name": "Site", "description": null })).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!((renamed.json["name"].as_str(), renamed.json["description"].clone()), (Some("Site"), Value::Null));

    app.delete(&location, Some(&member.access_token)).await.assert_problem(403);
    assert_eq!(app.delete(&location, Some(&admin.access_token)).await.status, 204);
    app.get(&location, Some(&owner.access_token)).await.assert_problem(404);
    app.delete(&location, Some(&owner.access_token)).await.assert_problem(404);
    assert_eq!(
        audit_actions(&app, team).await,
        ["project.created", "project.created", "project.created", "project.changed", "project.deleted"]
    );
}

#[tokio::test]
async fn a_task_is_in_at_most_one_project_of_its_own_team() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let viewer = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    app.add_member(&owner, team, &viewer, "viewer").await;
    let other = app.create_team(&owner, "U").await;
    let web = project(&app, &owner, team, "Web").await;
    let ops = project(&app, &owner, team, "Ops").await;
    let foreign = project(&app, &owner, other, "Elsewhere").await;
    let (web_id, ops_id) = (web["project_id"].as_str().unwrap(), ops["project_id"].as_str().unwrap());

    let t = app.create_task(&member, json!({ "title": "Landing page", "team_id": team, "project_id": web_id })).await;
    assert_eq!(t["project_id"], web_id);
    let loose = app.create_task(&member, json!({ "title": "Loose", "team_id": team })).await;
    assert_eq!(loose["project_id"], Value::Null);
    // Another team's project, a personal task, an unknown id: 422 naming project_id.
    for body in [
        json!({ "title": "x", "team_id": team, "project_id": foreign["project_id"] }),
        json!({ "title": "x", "project_id": web_id }),
        json!({ "title": "x", "team_id": team, "project_id": Uuid::now_v7() }),
    ] {
        let r = app.post("/api/v1/tasks", Some(&member.access_token), &body).await;
        assert_eq!(r.assert_problem(422)["errors"][0]["field"], "project_id", "{body}");
    }

    // The list filters by project, or by none.
    let tok = Some(member.access_token.as_str());
    let (tid, loose_id) = (t["task_id"].as_str().unwrap(), loose["task_id"].as_str().unwrap());
    assert_eq!(ids(&app.get(&format!("/api/v1/tasks?project_id={web_id}"), tok).await.json), [tid]);
    assert_eq!(ids(&app.get("/api/v1/tasks?project_id=none", tok).await.json), [loose_id]);
    assert_eq!(app.get(&format!("/api/v1/tasks?project_id={ops_id}"), tok).await.json["items"], json!([]));
    app.get("/api/v1/tasks?project_id=web", tok).await.assert_problem(422);

    // A member moves tasks between the team's projects; a viewer may not.
    let path = format!("/api/v1/tasks/{tid}");
    app.patch(&path, Some(&viewer.access_token), &json!({ "project_id": ops_id })).await.assert_problem(403);
    let moved = app.patch(&path, tok, &json!({ "project_id": ops_id })).await;
    assert_eq!((moved.status.as_u16(), moved.json["project_id"].as_str()), (200, Some(ops_id)));
    let counts = app.get(&format!("/api/v1/teams/{team}/projects/{ops_id}"), tok).await;
    assert_eq!(counts.json["tasks"], json!({ "total": 1, "open": 1 }));
    app.patch(&path, tok, &json!({ "status": "done" })).await;
    let counts = app.get(&format!("/api/v1/teams/{team}/projects/{ops_id}"), tok).await;
    assert_eq!(counts.json["tasks"], json!({ "total": 1, "open": 0 }));
    let out = app.patch(&path, tok, &json!({ "project_id": null })).await;
    assert_eq!(out.json["project_id"], Value::Null);
    app.patch(&path, tok, &json!({ "project_id": foreign["project_id"] })).await.assert_problem(422);

    // Changing teams leaves the old team's project, unless the move names
    // one of the new team's.
    app.patch(&path, tok, &json!({ "project_id": web_id })).await;
    let to_other = app.patch(&path, Some(&owner.access_token), &json!({ "team_id": other })).await;
    assert_eq!(to_other.status, 200, "{}", to_other.text);
    assert_eq!(to_other.json["project_id"], Value::Null);
    let back = app.patch(&path, Some(&owner.access_token), &json!({ "team_id": team, "project_id": web_id })).await;
    assert_eq!(
        (back.json["team_id"].as_str(), back.json["project_id"].as_str()),
        (Some(&*team.to_string()), Some(web_id))
    );
    // Custody still holds: a member cannot take it out of the team, project or not.
    app.patch(&path, tok, &json!({ "team_id": null })).await.assert_problem(403);
    // Leaving the team for a personal list takes it out of the project too.
    let personal = app.patch(&path, Some(&owner.access_token), &json!({ "team_id": null })).await;
    assert_eq!((personal.json["team_id"].clone(), personal.json["project_id"].clone()), (Value::Null, Value::Null));
}

#[tokio::test]
async fn an_archived_project_hides_its_tasks_from_default_lists_but_keeps_them_readable() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let old = project(&app, &owner, team, "Old").await;
    let live = project(&app, &owner, team, "Live").await;
    let (old_id, live_id) = (old["project_id"].as_str().unwrap(), live["project_id"].as_str().unwrap());
    let archived_task =
        app.create_task(&member, json!({ "title": "old work", "team_id": team, "project_id": old_id })).await;
    let live_task =
        app.create_task(&member, json!({ "title": "live work", "team_id": team, "project_id": live_id })).await;
    let personal = app.create_task(&member, json!({ "title": "mine" })).await;
    let (a, l, p) = (
        archived_task["task_id"].as_str().unwrap(),
        live_task["task_id"].as_str().unwrap(),
        personal["task_id"].as_str().unwrap(),
    );
    let location = format!("/api/v1/teams/{team}/projects/{old_id}");
    app.patch(&location, Some(&member.access_token), &json!({ "archived": true })).await.assert_problem(403);
    let archived = app.patch(&location, Some(&owner.access_token), &json!({ "archived": true })).await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    assert_eq!(archived.json["archived"], true);
    assert!(archived.json["archived_at"].is_string());

    let tok = Some(member.access_token.as_str());
    assert_eq!(ids(&app.get("/api/v1/tasks", tok).await.json), [p, l], "the default list hides it");
    assert_eq!(ids(&app.get(&format!("/api/v1/tasks?team_id={team}"), tok).await.json), [l]);
    assert_eq!(ids(&app.get("/api/v1/tasks?include_archived=true", tok).await.json), [p, l, a]);
    assert_eq!(ids(&app.get(&format!("/api/v1/tasks?project_id={old_id}"), tok).await.json), [a], "named, it shows");
    // Readable and editable, as before.
    let read = app.get(&format!("/api/v1/tasks/{a}"), tok).await;
    assert_eq!((read.status.as_u16(), read.json["project_id"].as_str()), (200, Some(old_id)));
    assert_eq!(app.patch(&format!("/api/v1/tasks/{a}"), tok, &json!({ "priority": "high" })).await.status, 200);

    // It takes no new tasks, by create or by move; moving out is fine.
    let refused =
        app.post("/api/v1/tasks", tok, &json!({ "title": "new", "team_id": team, "project_id": old_id })).await;
    assert!(refused.assert_problem(409)["detail"].as_str().unwrap().contains("archived"));
    app.patch(&format!("/api/v1/tasks/{l}"), tok, &json!({ "project_id": old_id })).await.assert_problem(409);

    // The switcher lists open projects by default.
    let projects = format!("/api/v1/teams/{team}/projects");
    assert_eq!(names(&app.get(&projects, tok).await.json), ["Live"]);
    assert_eq!(names(&app.get(&format!("{projects}?state=archived"), tok).await.json), ["Old"]);
    assert_eq!(names(&app.get(&format!("{projects}?state=all"), tok).await.json), ["Live", "Old"]);

    let restored = app.patch(&location, Some(&owner.access_token), &json!({ "archived": false })).await;
    assert_eq!((restored.json["archived"].as_bool(), restored.json["archived_at"].clone()), (Some(false), Value::Null));
    assert_eq!(ids(&app.get("/api/v1/tasks", tok).await.json), [p, l, a]);
    assert_eq!(
        audit_actions(&app, team).await,
        ["project.created", "project.created", "project.archived", "project.restored"]
    );
}

#[tokio::test]
async fn a_project_is_deleted_only_once_it_is_empty_and_a_team_takes_its_projects_along() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let p = project(&app, &owner, team, "P").await;
    let pid = p["project_id"].as_str().unwrap();
    let t = app.create_task(&owner, json!({ "title": "t", "team_id": team, "project_id": pid })).await;
    let location = format!("/api/v1/teams/{team}/projects/{pid}");
    let refused = app.delete(&location, Some(&owner.access_token)).await;
    assert!(refused.assert_problem(409)["detail"].as_str().unwrap().contains("still has tasks"));
    assert_eq!(app.get(&location, Some(&owner.access_token)).await.status, 200, "nothing half-done");
    app.patch(
        &format!("/api/v1/tasks/{}", t["task_id"].as_str().unwrap()),
        Some(&owner.access_token),
        &json!({ "project_id": null }),
    )
    .await;
    assert_eq!(app.delete(&location, Some(&owner.access_token)).await.status, 204);

    // Deleting the team deletes its projects with its tasks.
    let q = project(&app, &owner, team, "Q").await;
    app.create_task(&owner, json!({ "title": "u", "team_id": team, "project_id": q["project_id"] })).await;
    assert_eq!(app.delete(&format!("/api/v1/teams/{team}"), Some(&owner.access_token)).await.status, 204);
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    act_as(&mut tx, None, true).await;
    let left: i64 = sqlx::query_scalar("select count(*) from projects where team_id = $1")
        .bind(team)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn reports_group_time_by_project_under_its_current_name() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let web = project(&app, &owner, team, "Web").await;
    let ops = project(&app, &owner, team, "Ops").await;
    let a = app.create_task(&owner, json!({ "title": "a", "team_id": team, "project_id": web["project_id"] })).await;
    let b = app.create_task(&owner, json!({ "title": "b", "team_id": team, "project_id": ops["project_id"] })).await;
    let c = app.create_task(&owner, json!({ "title": "c", "team_id": team })).await;
    for (task, start, secs) in [
        (&a, "2026-11-02T09:00:00Z", 3600),
        (&b, "2026-11-02T11:00:00Z", 1800),
        (&c, "2026-11-03T09:00:00Z", 600),
        (&a, "2026-11-03T10:00:00Z", 900),
    ] {
        let r = app
            .post(
                &format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap()),
                Some(&owner.access_token),
                &json!({ "started_at": start, "duration_seconds": secs }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let path = |group: &str| {
        format!("/api/v1/reports/time?team_id={team}&from=2026-11-02&to=2026-11-03&tz=UTC&group_by={group}")
    };
    let groups = |v: &Value| -> Vec<(String, String, i64)> {
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["key"].as_str().unwrap().to_owned(),
                    g["label"].as_str().unwrap().to_owned(),
                    g["seconds"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let (web_id, ops_id) =
        (web["project_id"].as_str().unwrap().to_owned(), ops["project_id"].as_str().unwrap().to_owned());
    let r = app.get(&path("project"), Some(&owner.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["total_seconds"], 6900);
    assert_eq!(
        groups(&r.json),
        [
            (web_id.clone(), "Web".to_owned(), 4500),
            (ops_id.clone(), "Ops".to_owned(), 1800),
            (String::new(), "(no project)".to_owned(), 600)
        ]
    );
    let by_day = app.get(&path("project,day"), Some(&owner.access_token)).await;
    assert_eq!(by_day.status, 200, "{}", by_day.text);
    let web_days: Vec<i64> =
        by_day.json["groups"][0]["groups"].as_array().unwrap().iter().map(|g| g["seconds"].as_i64().unwrap()).collect();
    assert_eq!(web_days, [3600, 900]);

    // A rename shows at once: the team's cached report is dropped.
    app.patch(
        &format!("/api/v1/teams/{team}/projects/{web_id}"),
        Some(&owner.access_token),
        &json!({ "name": "Website" }),
    )
    .await;
    let again = app.get(&path("project"), Some(&owner.access_token)).await;
    assert_eq!(groups(&again.json)[0].1, "Website");
}
