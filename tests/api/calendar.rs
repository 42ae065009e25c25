//! The calendar feed, read by a real iCalendar parser (Python's
//! `icalendar`, installed by scripts/test-tools.sh): what it lists, that
//! UIDs hold across changes, ETag/304, rotation, revocation.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, TestUser};

/// The feed's components as the parser sees them.
fn parse(ics: &str) -> Vec<Value> {
    let script = r#"
import json, sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read())
out = []
for c in cal.walk():
    if c.name not in ("VTODO", "VEVENT"):
        continue
    item = {"type": c.name}
    for key in ("UID", "SUMMARY", "DESCRIPTION", "STATUS", "URL"):
        if key in c:
            item[key] = str(c[key])
    for key in ("DUE", "DTSTART", "DTEND", "LAST-MODIFIED", "COMPLETED"):
        if key in c:
            item[key] = c.decoded(key).isoformat()
    if "PRIORITY" in c:
        item["PRIORITY"] = int(c["PRIORITY"])
    if "CATEGORIES" in c:
        item["CATEGORIES"] = [str(x) for x in c["CATEGORIES"].cats]
    out.append(item)
print(json.dumps({"name": str(cal.get("X-WR-CALNAME")), "items": out}))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 with icalendar (scripts/test-tools.sh installs it)");
    child.stdin.take().unwrap().write_all(ics.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the parser refused the feed: {}\n{ics}", String::from_utf8_lossy(&out.stderr));
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(parsed["name"].as_str().unwrap().starts_with("TaskFlow: "), "{parsed}");
    parsed["items"].as_array().unwrap().clone()
}

async fn fetch(app: &TestApp, url: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(url);
    if let Some(e) = etag {
        req = req.header("if-none-match", e);
    }
    req.send().await.unwrap()
}

async fn make_feed(app: &TestApp, user: &TestUser) -> String {
    let r = app.post("/api/v1/me/calendar-feed", Some(&user.access_token), &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["url"].as_str().unwrap().to_owned()
}

fn uid(task: &Value) -> String {
    format!("task-{}@taskflow", task["task_id"].as_str().unwrap())
}

#[tokio::test]
async fn the_feed_lists_my_due_tasks_for_a_real_parser_and_keeps_their_uids() {
    let app = spawn_app().await;
    let ada = app.create_user().await;
    let bob = app.create_user().await;
    let team = app.create_team(&ada, "Cal").await;
    app.add_member(&ada, team, &bob, "member").await;
    let (a, b) = (ada.user_id.to_string(), bob.user_id.to_string());
    let ship = app
        .create_task(
            &ada,
            json!({ "title": "Ship, then; rest", "description": "line one\nline two", "team_id": team,
                    "assignee_ids": [a], "due_at": "2026-12-10T17:00:00Z", "priority": "high", "labels": ["ops", "a,b"] }),
        )
        .await;
    let long_title = format!("Überprüfen {}", "längere Beschreibung ".repeat(6).trim_end());
    let long = app
        .create_task(
            &ada,
            json!({ "title": long_title, "team_id": team, "assignee_ids": [a], "due_at": "2026-12-11T08:00:00Z" }),
        )
        .await;
    let personal = app
        .create_task(&ada, json!({ "title": "Dentist", "assignee_ids": [a], "due_at": "2026-12-09T09:30:00Z" }))
        .await;
    let r = app
        .patch(
            &format!("/api/v1/tasks/{}", personal["task_id"].as_str().unwrap()),
            Some(&ada.access_token),
            &json!({ "status": "done" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Not in Ada's feed: no due time, someone else's, in the trash.
    app.create_task(&ada, json!({ "title": "Someday", "team_id": team, "assignee_ids": [a] })).await;
    let bobs = app
        .create_task(
            &ada,
            json!({ "title": "Bob's", "team_id": team, "assignee_ids": [b], "due_at": "2026-12-10T10:00:00Z" }),
        )
        .await;
    let gone = app
        .create_task(
            &ada,
            json!({ "title": "Gone", "team_id": team, "assignee_ids": [a], "due_at": "2026-12-10T11:00:00Z" }),
        )
        .await;
    assert_eq!(
        app.delete(&format!("/api/v1/tasks/{}", gone["task_id"].as_str().unwrap()), Some(&ada.access_token))
            .await
            .status,
        204
    );

    app.get("/api/v1/me/calendar-feed", Some(&ada.access_token)).await.assert_problem(404);
    let url = make_feed(&app, &ada).await;
    assert!(url.starts_with(&format!("{}/ical/tfc_", app.address)) && url.ends_with(".ics"), "{url}");
    let status = app.get("/api/v1/me/calendar-feed", Some(&ada.access_token)).await;
    assert_eq!(status.status, 200);
    assert!(status.json["created_at"].is_string() && status.json["last_used_at"].is_null(), "{}", status.json);
    assert!(status.json.get("url").is_none(), "the URL is shown once");

    // No sign-in: the URL is the key.
    let r = fetch(&app, &url, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let body = r.text().await.unwrap();
    assert!(body.lines().all(|l| l.len() <= 75 + 1), "a line over 75 octets:\n{body}");
    let items = parse(&body);
    let uids: Vec<&str> = items.iter().map(|i| i["UID"].as_str().unwrap()).collect();
    // Soonest first.
    assert_eq!(uids, [uid(&personal), uid(&ship), uid(&long)]);
    assert!(!body.contains(&uid(&bobs)) && !body.contains(&uid(&gone)));
    let first = &items[1];
    assert_eq!(first["type"], "VTODO");
    assert_eq!(first["SUMMARY"], "Ship, then; rest");
    assert_eq!(first["DESCRIPTION"], "line one\nline two");
    assert_eq!(first["DUE"], "2026-12-10T17:00:00+00:00");
    assert_eq!(first["STATUS"], "NEEDS-ACTION");
    assert_eq!(first["PRIORITY"], 3);
    assert_eq!(first["CATEGORIES"], json!(["ops", "a,b"]));
    assert_eq!(first["URL"], format!("{}/#/tasks/{}", app.address, ship["task_id"].as_str().unwrap()));
    assert_eq!(items[2]["SUMMARY"], long_title.as_str(), "a folded line reads back whole");
    assert_eq!(items[0]["STATUS"], "COMPLETED");
    assert!(items[0]["COMPLETED"].is_string(), "{}", items[0]);

    // Unchanged: 304. Changed: the same UID with the new title.
    let same = fetch(&app, &url, Some(&etag)).await;
    assert_eq!(same.status(), 304);
    assert_eq!(same.headers()["etag"].to_str().unwrap(), etag);
    let id = ship["task_id"].as_str().unwrap();
    app.patch(&format!("/api/v1/tasks/{id}"), Some(&ada.access_token), &json!({ "title": "Ship it" })).await;
    let changed = fetch(&app, &url, Some(&etag)).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let items = parse(&changed.text().await.unwrap());
    let again = items.iter().find(|i| i["UID"] == uid(&ship).as_str()).unwrap();
    assert_eq!(again["SUMMARY"], "Ship it");

    // As events: at the due time, for calendars without to-dos.
    let events = parse(&fetch(&app, &format!("{url}?as=events"), None).await.text().await.unwrap());
    assert!(events.iter().all(|e| e["type"] == "VEVENT" && e.get("DUE").is_none()), "{events:?}");
    let ev = events.iter().find(|i| i["UID"] == uid(&ship).as_str()).unwrap();
    assert_eq!(
        (ev["DTSTART"].as_str(), ev["DTEND"].as_str()),
        (Some("2026-12-10T17:00:00+00:00"), Some("2026-12-10T17:00:00+00:00"))
    );
    let bad = fetch(&app, &format!("{url}?as=agenda"), None).await;
    assert_eq!(bad.status(), 422);
    let bad = fetch(&app, &format!("{url}?colour=red"), None).await;
    assert_eq!(bad.status(), 422);
    assert!(app.get("/api/v1/me/calendar-feed", Some(&ada.access_token)).await.json["last_used_at"].is_string());

    // Bob's own feed lists his task only.
    let bobs_url = make_feed(&app, &bob).await;
    let bob_items = parse(&fetch(&app, &bobs_url, None).await.text().await.unwrap());
    assert_eq!(bob_items.iter().map(|i| i["UID"].as_str().unwrap()).collect::<Vec<_>>(), [uid(&bobs)]);

    // A new URL replaces the old; revoking ends it.
    let newer = make_feed(&app, &ada).await;
    assert_ne!(newer, url);
    assert_eq!(fetch(&app, &url, None).await.status(), 404);
    assert_eq!(fetch(&app, &newer, None).await.status(), 200);
    assert_eq!(app.delete("/api/v1/me/calendar-feed", Some(&ada.access_token)).await.status, 204);
    assert_eq!(fetch(&app, &newer, None).await.status(), 404);
    app.delete("/api/v1/me/calendar-feed", Some(&ada.access_token)).await.assert_problem(404);
    assert_eq!(fetch(&app, &bobs_url, None).await.status(), 200, "Bob's feed is his own");
    // Tokens that are not ours at all.
    for path in ["/ical/nonsense.ics", "/ical/tfc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics"] {
        assert_eq!(fetch(&app, &format!("{}{path}", app.address), None).await.status(), 404, "{path}");
    }
    // Making and revoking a feed is in the audit log.
    let audit = app.get("/api/v1/me/audit-events", Some(&ada.access_token)).await;
    let actions: Vec<&str> =
        audit.json["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"calendar_feed.created") && actions.contains(&"calendar_feed.revoked"), "{actions:?}");
    // The first feed made one; the second replaced it.
    let mut replaced: Vec<bool> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "calendar_feed.created")
        .map(|e| e["details"]["replaced"].as_bool().unwrap())
        .collect();
    replaced.sort();
    assert_eq!(replaced, [false, true], "{}", audit.json);
}

#[tokio::test]
async fn a_disabled_accounts_feed_answers_404_and_the_admins_feed_lists_only_their_own_tasks() {
    let app = spawn_app().await;
    let admin_user = app.create_user().await;
    let admin = app.promote_to_admin(&admin_user).await;
    let ada = app.create_user().await;
    let team = app.create_team(&ada, "Mine").await;
    app.create_task(
        &ada,
        json!({ "title": "Ada's", "team_id": team, "assignee_ids": [ada.user_id], "due_at": "2026-12-10T17:00:00Z" }),
    )
    .await;
    let url = make_feed(&app, &ada).await;
    assert_eq!(parse(&fetch(&app, &url, None).await.text().await.unwrap()).len(), 1);
    // The instance admin sees every team through the API, but their feed
    // lists what is assigned to them: nothing here.
    let r = app.post("/api/v1/me/calendar-feed", Some(&admin), &json!({})).await;
    let admin_url = r.json["url"].as_str().unwrap().to_owned();
    assert_eq!(parse(&fetch(&app, &admin_url, None).await.text().await.unwrap()), Vec::<Value>::new());

    let r =
        app.patch(&format!("/api/v1/admin/users/{}", ada.user_id), Some(&admin), &json!({ "disabled": true })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(fetch(&app, &url, None).await.status(), 404);
}
