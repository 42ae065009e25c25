//! The API contract generated clients rely on (issue 22): every list pages
//! and says so, every `Location` can be fetched, every create is retry-safe
//! and a replay carries the first response's headers.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{act_as, read, spawn_app, Reply, TestApp, TestUser};

/// Follows `Link: rel="next"` from `path` with `limit`, asserting that
/// `next_cursor` and the link agree on every page; returns the pages' sizes
/// and every item.
async fn walk(app: &TestApp, user: &TestUser, path: &str, limit: usize) -> (Vec<usize>, Vec<Value>) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut next = Some(format!("{path}{sep}limit={limit}"));
    let (mut sizes, mut items) = (vec![], vec![]);
    while let Some(url) = next.take() {
        let r = app.get(&url, Some(&user.access_token)).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let page = r.json["items"].as_array().expect("items").clone();
        assert!(page.len() <= limit, "{url}: a page holds at most `limit`");
        sizes.push(page.len());
        items.extend(page);
        match (r.json["next_cursor"].as_str(), r.header("link")) {
            (None, None) => {}
            (Some(cursor), Some(link)) => {
                assert!(link.ends_with(">; rel=\"next\""), "{link}");
                assert!(link.contains(&format!("cursor={cursor}")), "{link} carries {cursor}");
                next = Some(link.trim_start_matches('<').split('>').next().expect("target").to_owned());
            }
            other => panic!("{url}: next_cursor and Link disagree: {other:?}"),
        }
        assert!(sizes.len() <= 20, "{url}: the walk does not end");
    }
    (sizes, items)
}

fn ids(items: &[Value], field: &str) -> Vec<String> {
    items.iter().map(|i| i[field].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn a_tasks_time_entries_page_past_200_and_none_is_missing() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let team = app.create_team(&alice, "Billing").await;
    let task = app.create_task(&alice, json!({ "title": "Invoice", "team_id": team })).await;
    let task_id = task["task_id"].as_str().unwrap();
    // 203 entries straight in the database as Alice, through RLS (the API
    // would take 203 requests): one day apart, so the order is known.
    let mut tx = app.pool.begin().await.unwrap();
    act_as(&mut tx, Some(alice.user_id), false).await;
    sqlx::query(
        "insert into time_entries (entry_id, task_id, user_id, started_at, ended_at)
         select gen_random_uuid(), $1, $2, t, t + interval '1 hour'
         from generate_series(1, 203) n, lateral (select timestamptz '2026-01-01' + n * interval '1 day' as t) s",
    )
    .bind(task_id.parse::<uuid::Uuid>().unwrap())
    .bind(alice.user_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let path = format!("/api/v1/tasks/{task_id}/time-entries");
    let first = app.get(&path, Some(&alice.access_token)).await;
    assert_eq!(first.json["items"].as_array().unwrap().len(), 50, "the default page is 50");
    assert!(first.json["next_cursor"].is_string(), "and says there is more");

    let (sizes, items) = walk(&app, &alice, &path, 200).await;
    assert_eq!(sizes, vec![200, 3]);
    let starts: Vec<&str> = items.iter().map(|e| e["started_at"].as_str().unwrap()).collect();
    let mut sorted = starts.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(starts, sorted, "newest first across pages");
    let mut unique = ids(&items, "entry_id");
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 203, "every entry exactly once");

    app.get(&format!("{path}?limit=0"), Some(&alice.access_token)).await.assert_problem(422);
    let bad = app.get(&format!("{path}?cursor=nope"), Some(&alice.access_token)).await;
    assert_eq!(bad.assert_problem(422)["errors"][0]["field"], "cursor");
}

#[tokio::test]
async fn teams_and_members_page_in_their_order() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    for name in ["delta", "Alpha", "charlie", "Bravo", "echo"] {
        app.create_team(&alice, name).await;
    }
    let (sizes, items) = walk(&app, &alice, "/api/v1/teams", 2).await;
    assert_eq!(sizes, vec![2, 2, 1]);
    let names: Vec<&str> = items.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alpha", "Bravo", "charlie", "delta", "echo"], "by name, case-insensitively");

    // Members: owners first, then admins, members, viewers; by name within a role.
    let team = app.create_team(&alice, "Roles").await;
    for (role, name) in [
        ("viewer", "zoe"),
        ("member", "Mia"),
        ("admin", "bob"),
        ("member", "anna"),
        ("viewer", "Carl"),
        ("admin", "Ada"),
    ] {
        let u = app.create_user().await;
        let renamed = app.patch("/api/v1/me", Some(&u.access_token), &json!({ "display_name": name })).await;
        assert_eq!(renamed.status, 200, "{}", renamed.text);
        app.add_member(&alice, team, &u, role).await;
    }
    let (sizes, members) = walk(&app, &alice, &format!("/api/v1/teams/{team}/members"), 3).await;
    assert_eq!(sizes, vec![3, 3, 1]);
    let roles: Vec<&str> = members.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["owner", "admin", "admin", "member", "member", "viewer", "viewer"]);
    let names: Vec<&str> = members.iter().map(|m| m["display_name"].as_str().unwrap()).collect();
    assert_eq!(names[1..], ["Ada", "bob", "anna", "Mia", "Carl", "zoe"], "by name within a role, case-insensitively");
    assert_eq!(members[0]["email"], alice.email, "the owner first");
    let mut seen = ids(&members, "user_id");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "nobody twice, nobody missing");

    // A cursor from one list is refused by another.
    let page = app.get("/api/v1/teams?limit=1", Some(&alice.access_token)).await;
    let teams_cursor = page.json["next_cursor"].as_str().unwrap();
    let r = app.get(&format!("/api/v1/teams/{team}/members?cursor={teams_cursor}"), Some(&alice.access_token)).await;
    assert_eq!(r.assert_problem(422)["errors"][0]["field"], "cursor");
    app.get("/api/v1/teams?limit=201", Some(&alice.access_token)).await.assert_problem(422);
}

/// Every `Location` a create answers with is a resource GET can read, and
/// reads as what the create returned.
#[tokio::test]
async fn every_location_can_be_fetched() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let bob = app.create_user().await;
    let admin_token = app.promote_to_admin(&alice).await;
    let team = app.create_team(&alice, "Fetchable").await;
    let task = app.create_task(&alice, json!({ "title": "Read me", "team_id": team })).await;
    let task_id = task["task_id"].as_str().unwrap();
    let creates: Vec<(String, Value, &str)> = vec![
        (format!("/api/v1/tasks/{task_id}/comments"), json!({ "body": "hello" }), "comment_id"),
        (
            format!("/api/v1/tasks/{task_id}/time-entries"),
            json!({ "started_at": "2026-11-02T09:00:00Z", "duration_seconds": 600 }),
            "entry_id",
        ),
        (format!("/api/v1/teams/{team}/members"), json!({ "user_id": bob.user_id }), "user_id"),
        (format!("/api/v1/tasks/{task_id}/timer"), json!({}), "entry_id"),
    ];
    for (path, body, id_field) in creates {
        let r = app.post(&path, Some(&admin_token), &body).await;
        assert_eq!(r.status, 201, "{path}: {}", r.text);
        let location = r.header("location").unwrap_or_else(|| panic!("{path}: no Location"));
        assert!(location.ends_with(r.json[id_field].as_str().unwrap()), "{location}");
        let got = app.get(location, Some(&admin_token)).await;
        assert_eq!(got.status, 200, "{location}: {}", got.text);
        assert_eq!(got.json[id_field], r.json[id_field], "{location}");
    }
    // Outsiders get 404 from each of the item GETs, like from the lists.
    let eve = app.create_user().await;
    let entry = app.get(&format!("/api/v1/tasks/{task_id}/time-entries"), Some(&admin_token)).await;
    let entry_id = entry.json["items"][0]["entry_id"].as_str().unwrap().to_owned();
    let comments = app.get(&format!("/api/v1/tasks/{task_id}/comments"), Some(&admin_token)).await;
    let comment_id = comments.json["items"][0]["comment_id"].as_str().unwrap().to_owned();
    for path in [
        format!("/api/v1/time-entries/{entry_id}"),
        format!("/api/v1/tasks/{task_id}/comments/{comment_id}"),
        format!("/api/v1/teams/{team}/members/{}", bob.user_id),
        format!("/api/v1/teams/{team}/members/{}", eve.user_id),
    ] {
        app.get(&path, Some(&eve.access_token)).await.assert_problem(404);
    }
    // A member reads a membership of their team; one that does not exist is 404.
    let bob = app.login(&bob.email, &bob.password).await;
    let bob_token = bob.json["access_token"].as_str().unwrap();
    let me = app.get(&format!("/api/v1/teams/{team}/members/{}", alice.user_id), Some(bob_token)).await;
    assert_eq!(me.json["role"], "owner");
    app.get(&format!("/api/v1/teams/{team}/members/{}", eve.user_id), Some(bob_token)).await.assert_problem(404);
}

async fn post_with_key(app: &TestApp, user: &TestUser, path: &str, key: &str, body: &Value) -> Reply {
    let req = app
        .client
        .request(Method::POST, app.url(path))
        .bearer_auth(&user.access_token)
        .header("idempotency-key", key)
        .json(body);
    read(req.send().await.unwrap()).await
}

#[tokio::test]
async fn a_replayed_create_repeats_status_body_and_headers() {
    let app = spawn_app().await;
    let alice = app.create_user().await;

    // Teams: the same key twice makes one team.
    let body = json!({ "name": "Once" });
    let first = post_with_key(&app, &alice, "/api/v1/teams", "team-1", &body).await;
    let again = post_with_key(&app, &alice, "/api/v1/teams", "team-1", &body).await;
    assert_eq!((first.status.as_u16(), again.status.as_u16()), (201, 201), "{}", again.text);
    assert_eq!(first.json, again.json);
    assert_eq!(first.header("location"), again.header("location"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
    let teams = app.get("/api/v1/teams", Some(&alice.access_token)).await;
    assert_eq!(teams.json["items"].as_array().unwrap().len(), 1, "one team, not two");
    let other = post_with_key(&app, &alice, "/api/v1/teams", "team-1", &json!({ "name": "Twice" })).await;
    assert_eq!(other.assert_problem(422)["errors"][0]["field"], "idempotency_key");

    // Tasks: the replay carries the ETag, so a retried create can PATCH on.
    let team = first.json["team_id"].as_str().unwrap();
    let body = json!({ "title": "Retry me", "team_id": team });
    let first = post_with_key(&app, &alice, "/api/v1/tasks", "task-1", &body).await;
    let again = post_with_key(&app, &alice, "/api/v1/tasks", "task-1", &body).await;
    assert_eq!(again.status, 201, "{}", again.text);
    let tag = first.header("etag").expect("ETag on the create");
    assert_eq!(again.header("etag"), Some(tag), "and on its replay");
    assert_eq!(first.header("location"), again.header("location"));
    let patch = app
        .client
        .request(Method::PATCH, app.url(again.header("location").unwrap()))
        .bearer_auth(&alice.access_token)
        .header("if-match", tag)
        .json(&json!({ "status": "done" }));
    let patched = read(patch.send().await.unwrap()).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
}

/// Every operation in the document refuses a query parameter it does not
/// declare (before: only those whose handler parsed a query did), naming it.
#[tokio::test]
async fn unknown_query_parameters_are_a_422_on_every_operation() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let token = app.promote_to_admin(&alice).await;
    let some_id = "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60";
    let mut checked = 0;
    for (method, path) in taskflow::routes::TABLE {
        let Some(declared) = taskflow::routes::openapi::declared(&method.to_ascii_uppercase(), path).map(|d| &d.query)
        else {
            continue; // pages and assets, not operations
        };
        if path.ends_with("/callback") {
            continue; // takes what the identity provider sends
        }
        let concrete: String = path
            .split('/')
            .map(|seg| {
                if seg == "{provider}" {
                    "mock".to_owned()
                } else if let Some(end) = seg.strip_prefix('{').and_then(|s| s.find('}')) {
                    // `{token}.ics`: the parameter, then what follows it.
                    format!("{some_id}{}", &seg[end + 2..])
                } else {
                    seg.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let req = app.client.request(method.clone(), app.url(&format!("{concrete}?limt=5"))).bearer_auth(&token);
        let req = if method == Method::GET || method == Method::DELETE { req } else { req.json(&json!({})) };
        let r = read(req.send().await.unwrap()).await;
        let problem = r.assert_problem(422);
        assert_eq!(problem["errors"][0]["field"], "query", "{method} {path}");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("`limt`"), "{method} {path}: {message}");
        for name in declared {
            assert!(message.contains(name.as_str()), "{method} {path} lists what it takes: {message}");
        }
        checked += 1;
    }
    assert!(checked >= 50, "checked {checked} operations");
    // A declared parameter longer than its declared maxLength is refused the
    // same way, on every operation (and on the callback, too).
    for (path, name) in [
        (format!("/api/v1/tasks?q={}", "x".repeat(201)), "q"),
        (format!("/api/v1/tasks?cursor={}", "A".repeat(1025)), "cursor"),
        (format!("/api/v1/admin/users?q={}", "a".repeat(255)), "q"),
        (format!("/api/v1/auth/oauth/mock/callback?code={}&state=s", "c".repeat(4097)), "code"),
    ] {
        let r = app.get(&path, Some(&token)).await;
        let message = r.assert_problem(422)["errors"][0]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(&format!("`{name}` is longer than")), "{message}");
    }
    let long_tag = format!("\"v1\"{}", ", \"v2\"".repeat(200));
    let task = app.post("/api/v1/tasks", Some(&token), &json!({ "title": "Tagged" })).await;
    let task_url = app.url(task.header("location").unwrap());
    let r = app.client.get(task_url).bearer_auth(&token);
    read(r.header("if-none-match", long_tag).send().await.unwrap()).await.assert_problem(400);
    // Declared parameters still pass, and so does an empty query.
    assert_eq!(app.get("/api/v1/teams?limit=5", Some(&token)).await.status, 200);
    assert_eq!(app.get("/api/v1/me?", Some(&token)).await.status, 200);
}

async fn get_accepting(app: &TestApp, token: &str, path: &str, accept: &str) -> Reply {
    let req = app.client.get(app.url(path)).bearer_auth(token).header("accept", accept);
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    // Kept as bytes in `text` lossily; the BOM check reads the raw bytes.
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn accept_is_negotiated_with_q_values_and_406_for_what_cannot_be_served() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let team = app.create_team(&alice, "Über team").await;
    let task = app.create_task(&alice, json!({ "title": "Übersetzung", "team_id": team })).await;
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    let entry = json!({ "started_at": "2026-11-02T09:00:00Z", "duration_seconds": 600 });
    assert_eq!(app.post(&path, Some(&alice.access_token), &entry).await.status, 201);
    let token = alice.access_token.as_str();
    let report =
        format!("/api/v1/reports/time?team_id={team}&group_by=task&from=2026-11-01T00:00:00Z&to=2026-11-30T00:00:00Z");

    // q-values decide: CSV at 0.5 loses to JSON at 1; the reverse wins.
    let json_wins = get_accepting(&app, token, &report, "text/csv;q=0.5, application/json").await;
    assert_eq!(json_wins.status, 200);
    assert!(json_wins.content_type().starts_with("application/json"), "{}", json_wins.content_type());
    let csv_wins = get_accepting(&app, token, &report, "text/csv, application/json;q=0.5").await;
    assert!(csv_wins.content_type().starts_with("text/csv"), "{}", csv_wins.content_type());
    assert!(!csv_wins.text.starts_with('\u{feff}'), "no BOM unless asked");
    assert!(csv_wins.text.contains("\"Übersetzung\",600,0"), "{}", csv_wins.text);

    // A BOM for Excel on request.
    let bom = get_accepting(&app, token, &format!("{report}&bom=true"), "text/csv").await;
    assert!(bom.text.starts_with("\u{feff}key,label,seconds,billable_seconds"), "{:?}", &bom.text[..20]);

    // The same report as a file, for generators that model one media type
    // per response: the same rows, and JSON is not on offer there.
    let file = get_accepting(&app, token, &report.replace("/reports/time?", "/reports/time.csv?"), "*/*").await;
    assert_eq!(file.status, 200, "{}", file.text);
    assert_eq!(file.text, csv_wins.text);
    assert!(file.header("content-disposition").unwrap().starts_with("attachment"));
    let json_file =
        get_accepting(&app, token, &report.replace("/reports/time?", "/reports/time.csv?"), "application/json").await;
    json_file.assert_problem(406);

    // What cannot be served is a 406 problem naming what can, on any operation.
    for (path, offers) in
        [(report.as_str(), "text/csv"), ("/api/v1/tasks", "application/json"), ("/api/v1/me", "application/json")]
    {
        let r = get_accepting(&app, token, path, "application/xml").await;
        let problem = r.assert_problem(406);
        assert!(problem["detail"].as_str().unwrap().contains(offers), "{path}: {}", problem["detail"]);
    }
    assert_eq!(get_accepting(&app, token, "/api/v1/tasks", "application/json;q=0, text/csv").await.status, 406);
    // Browsers, wildcards and Prometheus keep working.
    for (path, accept) in [
        ("/api/v1/openapi.json", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("/api/v1/tasks", "application/*"),
        ("/metrics", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
    ] {
        let r = get_accepting(&app, token, path, accept).await;
        assert_eq!(r.status, 200, "{path} with {accept}: {}", r.text);
    }
    // Nothing to negotiate on a 204.
    let entries = app.get(&path, Some(token)).await;
    let entry_id = entries.json["items"][0]["entry_id"].as_str().unwrap();
    let del = app
        .client
        .delete(app.url(&format!("/api/v1/time-entries/{entry_id}")))
        .bearer_auth(token)
        .header("accept", "application/xml");
    assert_eq!(del.send().await.unwrap().status(), 204);
}

#[tokio::test]
async fn an_unencoded_offset_is_refused_with_its_likely_cause() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let r = app.get("/api/v1/time-entries?from=2026-11-28T10:00:00+01:00", Some(&alice.access_token)).await;
    let problem = r.assert_problem(422);
    assert_eq!(problem["errors"][0]["field"], "from");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("%2B"), "{problem}");
    let encoded = app.get("/api/v1/time-entries?from=2026-11-28T10:00:00%2B01:00", Some(&alice.access_token)).await;
    assert_eq!(encoded.status, 200, "{}", encoded.text);
}

/// Deprecated operations are marked in the document and point to their
/// successors, which are in it too.
#[tokio::test]
async fn deprecated_operations_are_marked_and_have_successors() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.json;
    for (path, successor) in
        [("/api/v1/me", "/api/v1/me/erase"), ("/api/v1/me/mfa/totp", "/api/v1/me/mfa/totp/disable")]
    {
        let op = &doc["paths"][path]["delete"];
        assert_eq!(op["deprecated"], true, "{path}");
        assert!(op["description"].as_str().unwrap().contains(successor), "{path}");
        assert!(op["responses"]["204"]["headers"]["Sunset"].is_object(), "{path} declares Sunset");
        let next = &doc["paths"][successor]["post"];
        assert!(next.is_object() && next["deprecated"].is_null(), "{successor} is there and current");
    }
}

/// The headers the document declares on a success response are sent: each
/// operation below is called and checked against its own declaration.
#[tokio::test]
async fn declared_response_headers_are_sent() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.json;
    let check = |method: &str, path: &str, r: &Reply| {
        let status = r.status.as_u16().to_string();
        let declared =
            doc["paths"][path][method]["responses"][&status]["headers"].as_object().cloned().unwrap_or_default();
        assert!(!declared.is_empty(), "{method} {path} {status} declares headers");
        for name in declared.keys() {
            // Conditional ones: a next page, a replay, a deprecated field used.
            if ["Link", "Idempotent-Replayed", "Deprecation", "Sunset"].contains(&name.as_str()) {
                continue;
            }
            assert!(r.header(name).is_some(), "{method} {path} {status} declares {name} but did not send it");
        }
    };
    let r = app.register("declared@example.com", "a long enough password").await;
    check("post", "/api/v1/auth/register", &r);
    assert_eq!(r.header("location"), Some("/api/v1/me"));
    let login = app.login("declared@example.com", "a long enough password").await;
    check("post", "/api/v1/auth/login", &login);
    let token = login.json["access_token"].as_str().unwrap().to_owned();
    let team = app.post("/api/v1/teams", Some(&token), &json!({ "name": "Declared" })).await;
    check("post", "/api/v1/teams", &team);
    let team_id = team.json["team_id"].as_str().unwrap();
    let task = app.post("/api/v1/tasks", Some(&token), &json!({ "title": "One", "team_id": team_id })).await;
    check("post", "/api/v1/tasks", &task);
    app.post("/api/v1/tasks", Some(&token), &json!({ "title": "Two", "team_id": team_id })).await;
    let task_path = task.header("location").unwrap().to_owned();
    check("get", "/api/v1/tasks/{task_id}", &app.get(&task_path, Some(&token)).await);
    let list = app.get("/api/v1/tasks?limit=1", Some(&token)).await;
    check("get", "/api/v1/tasks", &list);
    assert!(list.header("link").is_some(), "two tasks, pages of one: a next link");
    let task_id = task.json["task_id"].as_str().unwrap();
    let comment = app.post(&format!("/api/v1/tasks/{task_id}/comments"), Some(&token), &json!({ "body": "hi" })).await;
    check("post", "/api/v1/tasks/{task_id}/comments", &comment);
    let timer = app.post(&format!("/api/v1/tasks/{task_id}/timer"), Some(&token), &json!({})).await;
    check("post", "/api/v1/tasks/{task_id}/timer", &timer);
    check("get", "/api/v1/me", &app.get("/api/v1/me", Some(&token)).await);
    // PATCH bodies are JSON merge patches, and the server takes them as such.
    let tag = task.header("etag").unwrap();
    let merge = app
        .client
        .patch(app.url(&task_path))
        .bearer_auth(&token)
        .header("content-type", "application/merge-patch+json")
        .header("if-match", tag)
        .body(r#"{"description":null,"status":"done"}"#);
    let patched = read(merge.send().await.unwrap()).await;
    check("patch", "/api/v1/tasks/{task_id}", &patched);
    assert_eq!(patched.json["status"], "done", "{}", patched.text);
}

/// Secrets past their declared maxLength are refused before any hashing:
/// a 100,000-character "password" is a 422, not an argon2 run.
#[tokio::test]
async fn over_long_secrets_and_lists_are_refused_as_declared() {
    let app = spawn_app().await;
    let alice = app.create_user().await;
    let doc = app.get("/api/v1/openapi.json", None).await.json;
    assert_eq!(doc["components"]["schemas"]["LoginRequest"]["properties"]["password"]["maxLength"], 128);
    assert_eq!(doc["components"]["schemas"]["ChangePasswordRequest"]["properties"]["new_password"]["minLength"], 12);
    assert_eq!(doc["components"]["schemas"]["ConsentsRequest"]["properties"]["consents"]["maxItems"], 16);
    let huge = "x".repeat(100_000);
    for (path, body) in [
        ("/api/v1/auth/login", json!({ "email": alice.email, "password": huge })),
        ("/api/v1/auth/login", json!({ "email": alice.email, "password": "y".repeat(129) })),
        ("/api/v1/auth/refresh", json!({ "refresh_token": "z".repeat(513) })),
        ("/api/v1/auth/mfa/verify", json!({ "mfa_token": "t", "code": "1".repeat(33) })),
    ] {
        let r = app.post(path, None, &body).await;
        assert!(r.assert_problem(422)["errors"][0]["message"].as_str().unwrap().contains("longer than"), "{path}");
    }
    let token = Some(alice.access_token.as_str());
    let erase = app.post("/api/v1/me/erase", token, &json!({ "password": "p".repeat(129) })).await;
    erase.assert_problem(422);
    let consent = json!({ "purpose": "product_updates", "granted": true, "policy_version": "1" });
    let many: Vec<Value> = (0..17).map(|_| consent.clone()).collect();
    app.request(Method::PUT, "/api/v1/me/consents", token, Some(&json!({ "consents": many })))
        .await
        .assert_problem(422);
    // The account is still there and its password still works.
    assert_eq!(app.login(&alice.email, &alice.password).await.status, 200);
}
