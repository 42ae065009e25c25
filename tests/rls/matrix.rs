//! The visibility matrix: three teams, every role, personal and team tasks,
//! comments and time entries. For every user, the exact sets visible through
//! the API and through the app role directly must equal what the rules say,
//! computed here from the fixture alone.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use crate::helpers::{self, spawn_app, TestApp, TestUser};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

struct Task {
    id: Uuid,
    team: Option<usize>,
    creator: usize,
    assignees: Vec<usize>,
}

struct Comment {
    id: Uuid,
    task: usize,
}

struct Entry {
    id: Uuid,
    task: usize,
    user: usize,
}

struct World {
    users: Vec<TestUser>,
    names: Vec<&'static str>,
    global_admin: usize,
    teams: Vec<Uuid>,
    /// (user, team) -> role
    roles: HashMap<(usize, usize), Role>,
    tasks: Vec<Task>,
    comments: Vec<Comment>,
    entries: Vec<Entry>,
}

impl World {
    fn role(&self, user: usize, team: usize) -> Option<Role> {
        if user == self.global_admin {
            return Some(Role::Owner);
        }
        self.roles.get(&(user, team)).copied()
    }

    fn sees_task(&self, user: usize, t: &Task) -> bool {
        match t.team {
            Some(team) => self.role(user, team).is_some(),
            None => user == self.global_admin || t.creator == user || t.assignees.contains(&user),
        }
    }

    fn can_edit_task(&self, user: usize, t: &Task) -> bool {
        match t.team {
            Some(team) => self.role(user, team).is_some_and(|r| r >= Role::Member),
            None => user == self.global_admin || t.creator == user || t.assignees.contains(&user),
        }
    }

    fn sees_entry(&self, user: usize, e: &Entry) -> bool {
        let t = &self.tasks[e.task];
        e.user == user
            || user == self.global_admin
            || t.team.is_some_and(|team| self.role(user, team).is_some_and(|r| r >= Role::Admin))
    }

    fn expected_tasks(&self, user: usize) -> BTreeSet<Uuid> {
        self.tasks.iter().filter(|t| self.sees_task(user, t)).map(|t| t.id).collect()
    }

    fn expected_comments(&self, user: usize) -> BTreeSet<Uuid> {
        self.comments.iter().filter(|c| self.sees_task(user, &self.tasks[c.task])).map(|c| c.id).collect()
    }

    fn expected_entries(&self, user: usize) -> BTreeSet<Uuid> {
        self.entries.iter().filter(|e| self.sees_entry(user, e)).map(|e| e.id).collect()
    }
}

fn id(v: &Value, field: &str) -> Uuid {
    v[field].as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{field} in {v}"))
}

async fn build_world(app: &TestApp) -> World {
    let names = vec!["o1", "a1", "m1", "v1", "o2", "m2", "o3", "loner", "admin"];
    let mut users = Vec::new();
    for _ in &names {
        users.push(app.create_user().await);
    }
    let global_admin = 8;
    users[global_admin].access_token = app.promote_to_admin(&users[global_admin]).await;
    let teams = vec![
        app.create_team(&users[0], "one").await,
        app.create_team(&users[4], "two").await,
        app.create_team(&users[6], "three").await,
    ];
    let mut roles = HashMap::new();
    roles.insert((0, 0), Role::Owner);
    roles.insert((4, 1), Role::Owner);
    roles.insert((6, 2), Role::Owner);
    for (user, team, role, name) in [
        (1, 0, Role::Admin, "admin"),
        (2, 0, Role::Member, "member"),
        (3, 0, Role::Viewer, "viewer"),
        (5, 1, Role::Member, "member"),
        (2, 1, Role::Viewer, "viewer"),
    ] {
        let owner = if team == 0 { 0 } else { 4 };
        app.add_member(&users[owner], teams[team], &users[user], name).await;
        roles.insert((user, team), role);
    }

    let mut tasks = Vec::new();
    for (creator, team, assignees) in [
        (0, Some(0), vec![]),
        // Viewers are not assigned work: a1 and m1 share this one.
        (2, Some(0), vec![1, 2]),
        (4, Some(1), vec![5]),
        (6, Some(2), vec![]),
        (7, None, vec![]),
        // A personal task's assignees share a team with its creator (m2 and
        // m1 meet in team two; a1 and m1 in team one).
        (2, None, vec![5, 1]),
        (5, None, vec![]),
    ] {
        let body = json!({
            "title": format!("task by {}", names[creator]),
            "team_id": team.map(|t: usize| teams[t]),
            "assignee_ids": assignees.iter().map(|a: &usize| users[*a].user_id).collect::<Vec<_>>(),
        });
        let t = app.create_task(&users[creator], body).await;
        tasks.push(Task { id: id(&t, "task_id"), team, creator, assignees });
    }

    let mut comments = Vec::new();
    for (author, task) in [(0, 0), (3, 0), (2, 1), (4, 2), (5, 2), (6, 3), (7, 4), (5, 5), (5, 6)] {
        let r = app
            .post(
                &format!("/api/v1/tasks/{}/comments", tasks[task].id),
                Some(&users[author].access_token),
                &json!({ "body": format!("{} on {task}", names[author]) }),
            )
            .await;
        assert_eq!(r.status, 201, "{} commenting on task {task}: {}", names[author], r.text);
        comments.push(Comment { id: id(&r.json, "comment_id"), task });
    }

    let mut entries = Vec::new();
    let start = (Utc::now() - Duration::hours(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    for (user, task) in [(2, 0), (1, 0), (0, 1), (4, 2), (5, 2), (6, 3), (7, 4), (5, 5), (2, 5)] {
        let r = app
            .post(
                &format!("/api/v1/tasks/{}/time-entries", tasks[task].id),
                Some(&users[user].access_token),
                &json!({ "started_at": start, "duration_seconds": 600 }),
            )
            .await;
        assert_eq!(r.status, 201, "{} tracking on task {task}: {}", names[user], r.text);
        entries.push(Entry { id: id(&r.json, "entry_id"), task, user });
    }
    World { users, names, global_admin, teams, roles, tasks, comments, entries }
}

async fn api_tasks(app: &TestApp, u: &TestUser) -> BTreeSet<Uuid> {
    let r = app.get("/api/v1/tasks?limit=200", Some(&u.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["next_cursor"].is_null());
    r.json["items"].as_array().unwrap().iter().map(|t| id(t, "task_id")).collect()
}

async fn api_entries(app: &TestApp, u: &TestUser) -> BTreeSet<Uuid> {
    let r = app.get("/api/v1/time-entries?limit=200", Some(&u.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["items"].as_array().unwrap().iter().map(|e| id(e, "entry_id")).collect()
}

async fn api_comments(app: &TestApp, u: &TestUser, world: &World) -> BTreeSet<Uuid> {
    let mut out = BTreeSet::new();
    for t in &world.tasks {
        let r = app.get(&format!("/api/v1/tasks/{}/comments?limit=200", t.id), Some(&u.access_token)).await;
        match r.status.as_u16() {
            200 => out.extend(r.json["items"].as_array().unwrap().iter().map(|c| id(c, "comment_id"))),
            404 => {}
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    out
}

/// The same question asked of Postgres directly, as the app role.
async fn db_ids(conn: &mut PgConnection, user: &TestUser, admin: bool, sql: &str) -> BTreeSet<Uuid> {
    let mut tx = conn.begin().await.unwrap();
    helpers::act_as(&mut tx, Some(user.user_id), admin).await;
    let ids: Vec<Uuid> = sqlx::query_scalar(sql).fetch_all(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    ids.into_iter().collect()
}

#[tokio::test]
async fn every_user_sees_exactly_what_the_rules_allow() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    for (i, user) in world.users.iter().enumerate() {
        let name = world.names[i];
        let admin = i == world.global_admin;
        let tasks = world.expected_tasks(i);
        let comments = world.expected_comments(i);
        let entries = world.expected_entries(i);
        assert_eq!(api_tasks(&app, user).await, tasks, "API tasks for {name}");
        assert_eq!(db_ids(&mut conn, user, admin, "select task_id from tasks").await, tasks, "DB tasks for {name}");
        assert_eq!(api_comments(&app, user, &world).await, comments, "API comments for {name}");
        assert_eq!(
            db_ids(&mut conn, user, admin, "select comment_id from comments").await,
            comments,
            "DB comments for {name}"
        );
        assert_eq!(api_entries(&app, user).await, entries, "API time entries for {name}");
        assert_eq!(
            db_ids(&mut conn, user, admin, "select entry_id from time_entries").await,
            entries,
            "DB entries for {name}"
        );
        // Sanity: the model is not trivially empty or total for ordinary users.
        if !admin && name != "loner" {
            assert!(!tasks.is_empty() && tasks.len() < world.tasks.len(), "{name}: {tasks:?}");
        }
    }
}

#[tokio::test]
async fn every_forbidden_task_write_fails_in_the_api_and_in_postgres() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    for (i, user) in world.users.iter().enumerate() {
        if i == world.global_admin {
            continue;
        }
        for t in &world.tasks {
            let path = format!("/api/v1/tasks/{}", t.id);
            let r = app.patch(&path, Some(&user.access_token), &json!({ "priority": "low" })).await;
            let expected = if !world.sees_task(i, t) {
                404
            } else if !world.can_edit_task(i, t) {
                403
            } else {
                200
            };
            assert_eq!(
                r.status.as_u16(),
                expected,
                "{} patching task by {}: {}",
                world.names[i],
                world.names[t.creator],
                r.text
            );

            // Directly: an update the policy refuses touches no row.
            let mut tx = conn.begin().await.unwrap();
            helpers::act_as(&mut tx, Some(user.user_id), false).await;
            let n = sqlx::query("update tasks set title = 'hijacked' where task_id = $1")
                .bind(t.id)
                .execute(&mut *tx)
                .await
                .unwrap()
                .rows_affected();
            assert_eq!(
                n == 1,
                world.can_edit_task(i, t),
                "{} raw update on task by {}",
                world.names[i],
                world.names[t.creator]
            );
            tx.rollback().await.unwrap();
        }
    }
    // Inserting a task into a team one is not a writer of fails in Postgres with 42501.
    let viewer = &world.users[3];
    let mut tx = conn.begin().await.unwrap();
    helpers::act_as(&mut tx, Some(viewer.user_id), false).await;
    let err = sqlx::query("insert into tasks (task_id, team_id, created_by, title) values ($1, $2, $3, 'x')")
        .bind(Uuid::now_v7())
        .bind(world.teams[0])
        .bind(viewer.user_id)
        .execute(&mut *tx)
        .await
        .expect_err("a viewer's insert must fail");
    assert_eq!(crate::helpers::sqlstate(&err).as_deref(), Some("42501"));
}

#[tokio::test]
async fn an_outsider_gets_404_from_every_endpoint_that_takes_an_id() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    let outsider = &world.users[6]; // owner of team three only
    let tok = Some(outsider.access_token.as_str());
    let team = world.teams[0];
    let member = world.users[2].user_id;
    let task = world.tasks[0].id;
    let comment = world.comments[0].id;
    let entry = world.entries[0].id;
    let body = json!({});
    let attempts: Vec<(&str, String, Value)> = vec![
        ("GET", format!("/api/v1/teams/{team}"), body.clone()),
        ("PATCH", format!("/api/v1/teams/{team}"), json!({ "name": "mine" })),
        ("DELETE", format!("/api/v1/teams/{team}"), body.clone()),
        ("GET", format!("/api/v1/teams/{team}/members"), body.clone()),
        ("GET", format!("/api/v1/teams/{team}/projects"), body.clone()),
        ("POST", format!("/api/v1/teams/{team}/projects"), json!({ "name": "mine" })),
        ("POST", format!("/api/v1/teams/{team}/invitations"), json!({ "email": "someone@example.com" })),
        ("GET", format!("/api/v1/teams/{team}/invitations"), body.clone()),
        ("DELETE", format!("/api/v1/teams/{team}/invitations/{}", Uuid::new_v4()), body.clone()),
        ("PATCH", format!("/api/v1/teams/{team}/members/{member}"), json!({ "role": "viewer" })),
        ("DELETE", format!("/api/v1/teams/{team}/members/{member}"), body.clone()),
        ("GET", format!("/api/v1/tasks/{task}"), body.clone()),
        ("PATCH", format!("/api/v1/tasks/{task}"), json!({ "title": "mine" })),
        ("DELETE", format!("/api/v1/tasks/{task}"), body.clone()),
        ("GET", format!("/api/v1/tasks/{task}/comments"), body.clone()),
        ("GET", format!("/api/v1/tasks/{task}/subtasks"), body.clone()),
        ("GET", format!("/api/v1/tasks/{task}/relations"), body.clone()),
        ("POST", format!("/api/v1/tasks/{task}/relations"), json!({ "kind": "blocks", "task_id": world.tasks[3].id })),
        ("DELETE", format!("/api/v1/tasks/{task}/relations/{}", Uuid::new_v4()), body.clone()),
        ("POST", format!("/api/v1/trash/{task}/restore"), body.clone()),
        ("DELETE", format!("/api/v1/trash/{task}"), body.clone()),
        ("POST", format!("/api/v1/tasks/{task}/comments"), json!({ "body": "hi" })),
        ("PATCH", format!("/api/v1/tasks/{task}/comments/{comment}"), json!({ "body": "x" })),
        ("DELETE", format!("/api/v1/tasks/{task}/comments/{comment}"), body.clone()),
        ("GET", format!("/api/v1/tasks/{task}/time-entries"), body.clone()),
        (
            "POST",
            format!("/api/v1/tasks/{task}/time-entries"),
            json!({ "started_at": "2026-01-01T00:00:00Z", "duration_seconds": 60 }),
        ),
        ("POST", format!("/api/v1/tasks/{task}/timer"), body.clone()),
        ("PATCH", format!("/api/v1/time-entries/{entry}"), json!({ "note": "x" })),
        ("DELETE", format!("/api/v1/time-entries/{entry}"), body.clone()),
        ("GET", format!("/api/v1/reports/time?team_id={team}"), body.clone()),
    ];
    for (method, path, body) in attempts {
        let method: reqwest::Method = method.parse().unwrap();
        let r = app
            .request(method.clone(), &path, tok, if method == "GET" || method == "DELETE" { None } else { Some(&body) })
            .await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text);
    }
    // The direct add is for instance administrators: refused alike whether
    // or not the caller can see the team, so it reveals nothing either.
    let direct = json!({ "user_id": outsider.user_id, "role": "owner" });
    let foreign = app.post(&format!("/api/v1/teams/{team}/members"), tok, &direct).await;
    let unknown = app.post(&format!("/api/v1/teams/{}/members", Uuid::new_v4()), tok, &direct).await;
    assert_eq!((foreign.status.as_u16(), foreign.text.clone()), (403, unknown.text.clone()));
    // Filters naming a foreign team simply find nothing.
    assert_eq!(app.get(&format!("/api/v1/tasks?team_id={team}"), tok).await.json["items"], json!([]));
    assert_eq!(app.get(&format!("/api/v1/time-entries?team_id={team}"), tok).await.json["items"], json!([]));
    // And nothing changed for the rightful owner.
    let owner = &world.users[0];
    assert_eq!(app.get(&format!("/api/v1/tasks/{task}"), Some(&owner.access_token)).await.json["title"], "task by o1");
    assert_eq!(app.get(&format!("/api/v1/teams/{team}"), Some(&owner.access_token)).await.json["name"], "one");
}

/// Relations among the world's tasks, made by the global admin (who may
/// change every task): (from, kind, to).
const RELATIONS: [(usize, &str, usize); 6] = [
    (0, "blocks", 2),
    (1, "relates_to", 0),
    (2, "duplicates", 3),
    (5, "blocks", 1),
    (4, "relates_to", 6),
    (6, "blocks", 5),
];

#[tokio::test]
async fn every_relation_is_seen_exactly_by_whoever_sees_both_its_tasks() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    let admin = &world.users[world.global_admin];
    let mut made = Vec::new();
    for (from, kind, to) in RELATIONS {
        let r = app
            .post(
                &format!("/api/v1/tasks/{}/relations", world.tasks[from].id),
                Some(&admin.access_token),
                &json!({ "kind": kind, "task_id": world.tasks[to].id }),
            )
            .await;
        assert_eq!(r.status, 201, "{from} {kind} {to}: {}", r.text);
        let item =
            r.json["items"].as_array().unwrap().iter().find(|i| i["task"]["task_id"] == world.tasks[to].id.to_string());
        made.push((from, to, id(item.unwrap(), "relation_id")));
    }
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    for (i, user) in world.users.iter().enumerate() {
        let name = world.names[i];
        let both = |(a, b): (usize, usize)| world.sees_task(i, &world.tasks[a]) && world.sees_task(i, &world.tasks[b]);
        let expected: BTreeSet<Uuid> = made.iter().filter(|(a, b, _)| both((*a, *b))).map(|(_, _, r)| *r).collect();
        let db = db_ids(&mut conn, user, i == world.global_admin, "select relation_id from task_relations").await;
        assert_eq!(db, expected, "DB relations for {name}");
        // Through the API: each task's relations, for the tasks they see.
        let mut api = BTreeSet::new();
        for t in world.tasks.iter().filter(|t| world.sees_task(i, t)) {
            let r = app.get(&format!("/api/v1/tasks/{}/relations", t.id), Some(&user.access_token)).await;
            assert_eq!(r.status, 200, "{}", r.text);
            api.extend(r.json["items"].as_array().unwrap().iter().map(|x| id(x, "relation_id")));
        }
        assert_eq!(api, expected, "API relations for {name}");

        // Writes, in Postgres itself: from a task one may change to one
        // one can see, in one's own name.
        if i == world.global_admin {
            continue;
        }
        for (a, ta) in world.tasks.iter().enumerate() {
            for (b, tb) in world.tasks.iter().enumerate() {
                if a == b {
                    continue;
                }
                let allowed = world.can_edit_task(i, ta) && world.sees_task(i, tb);
                let mut tx = conn.begin().await.unwrap();
                helpers::act_as(&mut tx, Some(user.user_id), false).await;
                // A kind not in RELATIONS for this pair: no unique clash.
                let r = sqlx::query(
                    "insert into task_relations (kind, task_id, other_task_id, created_by) values ('relates_to', $1, $2, $3) \
                     on conflict do nothing",
                )
                .bind(ta.id)
                .bind(tb.id)
                .bind(user.user_id)
                .execute(&mut *tx)
                .await;
                let outcome = r.map_err(|e| helpers::sqlstate(&e).unwrap_or_default());
                assert_eq!(outcome.is_ok(), allowed, "{name}: relate task {a} to {b}: {outcome:?}");
                if let Err(code) = outcome {
                    assert_eq!(code, "42501");
                }
                tx.rollback().await.unwrap();
            }
        }
        // And never in someone else's name.
        let mut tx = conn.begin().await.unwrap();
        helpers::act_as(&mut tx, Some(user.user_id), false).await;
        let mine = world.tasks.iter().find(|t| world.can_edit_task(i, t));
        let seen = world.tasks.iter().find(|t| world.sees_task(i, t) && Some(t.id) != mine.map(|m| m.id));
        if let (Some(t), Some(other)) = (mine, seen) {
            let err = sqlx::query(
                "insert into task_relations (kind, task_id, other_task_id, created_by) values ('duplicates', $1, $2, $3)",
            )
            .bind(t.id)
            .bind(other.id)
            .bind(admin.user_id)
            .execute(&mut *tx)
            .await
            .expect_err("another's name");
            assert_eq!(helpers::sqlstate(&err).as_deref(), Some("42501"), "{name}");
        }
        tx.rollback().await.unwrap();
    }
}

/// Each task's creator names everyone by handle in its description; only
/// those who can read the task (members of its team, a personal task's
/// creator and assignees; never the instance admin as such) are mentioned.
#[tokio::test]
async fn every_mention_names_only_readers_and_is_seen_by_whoever_reads_its_task() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    let everyone: Vec<String> =
        world.users.iter().map(|u| format!("@{}", u.email.split('@').next().unwrap())).collect();
    let text = everyone.join(" ");
    let reads = |user: usize, t: &Task| user != world.global_admin && world.sees_task(user, t);
    let mut made: Vec<(Uuid, usize)> = Vec::new(); // (task, mentioned user)
    for t in &world.tasks {
        let creator = &world.users[t.creator];
        let r = app
            .patch(&format!("/api/v1/tasks/{}", t.id), Some(&creator.access_token), &json!({ "description": text }))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let named: BTreeSet<Uuid> = r.json["mentions"].as_array().unwrap().iter().map(|m| id(m, "user_id")).collect();
        let expected: BTreeSet<Uuid> =
            (0..world.users.len()).filter(|u| reads(*u, t)).map(|u| world.users[u].user_id).collect();
        assert_eq!(named, expected, "mentions on the task by {}", world.names[t.creator]);
        made.extend((0..world.users.len()).filter(|u| reads(*u, t)).map(|u| (t.id, u)));
    }
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    for (i, user) in world.users.iter().enumerate() {
        let name = world.names[i];
        let admin = i == world.global_admin;
        // Postgres: every mention on a task they read.
        let seen = world.expected_tasks(i);
        let expected: BTreeSet<(Uuid, Uuid)> =
            made.iter().filter(|(t, _)| seen.contains(t)).map(|(t, u)| (*t, world.users[*u].user_id)).collect();
        let mut tx = conn.begin().await.unwrap();
        helpers::act_as(&mut tx, Some(user.user_id), admin).await;
        let db: BTreeSet<(Uuid, Uuid)> = sqlx::query_as("select task_id, user_id from mentions")
            .fetch_all(&mut *tx)
            .await
            .unwrap()
            .into_iter()
            .collect();
        tx.rollback().await.unwrap();
        assert_eq!(db, expected, "DB mentions for {name}");
        // The API: where they themselves were named.
        let r = app.get("/api/v1/me/mentions?limit=100", Some(&user.access_token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mine: BTreeSet<Uuid> = r.json["items"].as_array().unwrap().iter().map(|m| id(m, "task_id")).collect();
        let expected: BTreeSet<Uuid> = made.iter().filter(|(_, u)| *u == i).map(|(t, _)| *t).collect();
        assert_eq!(mine, expected, "API mentions of {name}");

        // Writes, in Postgres itself: a description's mentions by whoever may
        // change the task, in their own name, of someone who reads it.
        if admin {
            continue;
        }
        for t in &world.tasks {
            for (u, other) in world.users.iter().enumerate() {
                let allowed = world.can_edit_task(i, t) && reads(u, t);
                let mut tx = conn.begin().await.unwrap();
                helpers::act_as(&mut tx, Some(user.user_id), false).await;
                sqlx::query("delete from mentions where task_id = $1 and comment_id is null and user_id = $2")
                    .bind(t.id)
                    .bind(other.user_id)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                let r = sqlx::query(
                    "insert into mentions (task_id, user_id, mentioned_by, texts) values ($1, $2, $3, '{x}')",
                )
                .bind(t.id)
                .bind(other.user_id)
                .bind(user.user_id)
                .execute(&mut *tx)
                .await;
                let outcome = r.map_err(|e| helpers::sqlstate(&e).unwrap_or_default());
                assert_eq!(
                    outcome.is_ok(),
                    allowed,
                    "{name}: mention {} on a task by {}: {outcome:?}",
                    world.names[u],
                    world.names[t.creator]
                );
                if let Err(code) = outcome {
                    assert_eq!(code, "42501");
                }
                tx.rollback().await.unwrap();
            }
        }
        // Never in someone else's name, nor on a comment of someone else's.
        let mut tx = conn.begin().await.unwrap();
        helpers::act_as(&mut tx, Some(user.user_id), false).await;
        let t = world.tasks.iter().find(|t| world.can_edit_task(i, t));
        if let Some(t) = t {
            let err =
                sqlx::query("insert into mentions (task_id, user_id, mentioned_by, texts) values ($1, $2, $2, '{x}')")
                    .bind(t.id)
                    .bind(world.users[t.creator].user_id)
                    .execute(&mut *tx)
                    .await;
            if world.users[t.creator].user_id != user.user_id {
                assert_eq!(helpers::sqlstate(&err.expect_err("another's name")).as_deref(), Some("42501"), "{name}");
            }
        }
        tx.rollback().await.unwrap();
        for c in world.comments.iter().filter(|c| world.sees_task(i, &world.tasks[c.task])) {
            let mut tx = conn.begin().await.unwrap();
            helpers::act_as(&mut tx, Some(user.user_id), false).await;
            let author: Option<Uuid> = sqlx::query_scalar("select author_id from comments where comment_id = $1")
                .bind(c.id)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            let r = sqlx::query(
                "insert into mentions (task_id, comment_id, user_id, mentioned_by, texts) values ($1, $2, $3, $3, '{x}')",
            )
            .bind(world.tasks[c.task].id)
            .bind(c.id)
            .bind(user.user_id)
            .execute(&mut *tx)
            .await;
            if author != Some(user.user_id) {
                assert_eq!(helpers::sqlstate(&r.expect_err("another's comment")).as_deref(), Some("42501"), "{name}");
            }
            tx.rollback().await.unwrap();
        }
    }
}

/// The instance admin deletes every task of the world: each user's trash
/// holds the ones they can read and look after (those they created, and
/// their teams' where they are an owner or admin), and only those.
#[tokio::test]
async fn every_trash_holds_exactly_what_its_reader_looks_after() {
    let app = spawn_app().await;
    let world = build_world(&app).await;
    let admin = &world.users[world.global_admin];
    for t in &world.tasks {
        let r = app.delete(&format!("/api/v1/tasks/{}", t.id), Some(&admin.access_token)).await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
    for (i, user) in world.users.iter().enumerate() {
        let name = world.names[i];
        let looks_after = |t: &Task| match t.team {
            Some(team) => {
                world.role(i, team).is_some_and(|r| r >= Role::Admin || (r >= Role::Member && t.creator == i))
            }
            None => i == world.global_admin || t.creator == i,
        };
        let expected: BTreeSet<Uuid> = world.tasks.iter().filter(|t| looks_after(t)).map(|t| t.id).collect();
        let r = app.get("/api/v1/trash?limit=100", Some(&user.access_token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let got: BTreeSet<Uuid> = r.json["items"].as_array().unwrap().iter().map(|t| id(t, "task_id")).collect();
        assert_eq!(got, expected, "trash of {name}");
        assert!(api_tasks(&app, user).await.is_empty(), "no task of the trash is listed for {name}");
        // Restoring is for whoever could delete it (here: whoever looks
        // after it); the rest get 403, or 404 for what they cannot read.
        for t in &world.tasks {
            let r = app.post(&format!("/api/v1/trash/{}/restore", t.id), Some(&user.access_token), &json!({})).await;
            let expected = if !world.sees_task(i, t) {
                404
            } else if looks_after(t) {
                200
            } else {
                403
            };
            assert_eq!(
                r.status.as_u16(),
                expected,
                "{name} restoring the task by {}: {}",
                world.names[t.creator],
                r.text
            );
            if expected == 200 {
                let again = app.delete(&format!("/api/v1/tasks/{}", t.id), Some(&user.access_token)).await;
                assert_eq!(again.status, 204, "{}", again.text);
            }
        }
    }
}

/// The job queue is the global admins' alone to read and to send back;
/// anyone's change may enqueue in their own name, nobody in another's, and
/// nobody writes a job's running state except the workers' definer
/// functions.
#[tokio::test]
async fn every_job_is_read_only_by_global_admins_and_enqueued_only_in_ones_own_name() {
    let app = helpers::spawn_app_with(|s| s.jobs.workers = 0).await;
    let world = build_world(&app).await;
    let admin = &world.users[world.global_admin];
    let r = app.post("/api/v1/admin/jobs/ping", Some(&admin.access_token), &json!({ "count": 2 })).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let ids: BTreeSet<Uuid> =
        r.json["job_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().parse().unwrap()).collect();
    // One dead job, as the workers would leave it.
    let dead = *ids.iter().next().unwrap();
    let mut owner = PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    // The owner alone sees no job (FORCE RLS); the workers' definer role does.
    sqlx::query("set role taskflow_definer").execute(&mut owner).await.unwrap();
    sqlx::query("update jobs set state = 'dead', attempts = max_attempts, finished_at = now() where job_id = $1")
        .bind(dead)
        .execute(&mut owner)
        .await
        .unwrap();

    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    for (i, user) in world.users.iter().enumerate() {
        let name = world.names[i];
        let is_admin = i == world.global_admin;
        let expected = if is_admin { ids.clone() } else { BTreeSet::new() };
        assert_eq!(db_ids(&mut conn, user, is_admin, "select job_id from jobs").await, expected, "DB jobs for {name}");
        let r = app.get("/api/v1/admin/jobs", Some(&user.access_token)).await;
        if is_admin {
            let got: BTreeSet<Uuid> = r.json["items"].as_array().unwrap().iter().map(|j| id(j, "job_id")).collect();
            assert_eq!(got, ids, "API jobs for {name}");
        } else {
            r.assert_problem(403);
        }

        let mut tx = conn.begin().await.unwrap();
        helpers::act_as(&mut tx, Some(user.user_id), is_admin).await;
        let insert = "insert into jobs (job_id, kind, max_attempts, timeout_ms, enqueued_by) values ($1, 'diagnostic.ping', 1, 1000, $2)";
        // In one's own name: admitted (the rollback below undoes it).
        sqlx::query(insert).bind(Uuid::now_v7()).bind(user.user_id).execute(&mut *tx).await.unwrap();
        // In someone else's, or already running: refused by the policy.
        let other = world.users[(i + 1) % world.users.len()].user_id;
        for sql in [
            insert.to_owned(),
            "insert into jobs (job_id, kind, max_attempts, timeout_ms, enqueued_by, state, locked_by, locked_until) values ($1, 'diagnostic.ping', 1, 1000, $2, 'running', 'me', now())".to_owned(),
        ] {
            let bound = if sql.contains("'running'") { user.user_id } else { other };
            sqlx::query("savepoint s").execute(&mut *tx).await.unwrap();
            let e = sqlx::query(&sql).bind(Uuid::now_v7()).bind(bound).execute(&mut *tx).await.unwrap_err();
            assert_eq!(helpers::sqlstate(&e).as_deref(), Some("42501"), "{name}: {sql}");
            sqlx::query("rollback to savepoint s").execute(&mut *tx).await.unwrap();
        }
        // Sending back: only an admin, only a dead job.
        let retried =
            sqlx::query("update jobs set state = 'queued', attempts = 0, finished_at = null where job_id = any($1)")
                .bind(ids.iter().copied().collect::<Vec<_>>())
                .execute(&mut *tx)
                .await
                .unwrap()
                .rows_affected();
        assert_eq!(retried, u64::from(is_admin), "{name} retried");
        // A job's holder and its removal are not the app's to write.
        for sql in ["update jobs set locked_by = 'me' where job_id = $1", "delete from jobs where job_id = $1"] {
            sqlx::query("savepoint s").execute(&mut *tx).await.unwrap();
            let e = sqlx::query(sql).bind(dead).execute(&mut *tx).await.unwrap_err();
            assert_eq!(helpers::sqlstate(&e).as_deref(), Some("42501"), "{name}: {sql}");
            sqlx::query("rollback to savepoint s").execute(&mut *tx).await.unwrap();
        }
        tx.rollback().await.unwrap();
    }
}
