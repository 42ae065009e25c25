//! The time report in a time zone: date ranges, calendar buckets (days,
//! ISO weeks, months) with DST days of 23 and 25 hours, two-level grouping,
//! and the CSV of both.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::helpers::{read, spawn_app, TestApp, TestUser};

fn at(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw).unwrap().with_timezone(&Utc)
}

async fn track(app: &TestApp, who: &TestUser, task: &Value, start: &str, secs: i64) {
    let path = format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    let r = app.post(&path, Some(&who.access_token), &json!({ "started_at": start, "duration_seconds": secs })).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn set_zone(app: &TestApp, who: &TestUser, zone: &str) {
    let r = app.patch("/api/v1/me", Some(&who.access_token), &json!({ "time_zone": zone })).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// (key, seconds) of each group, in the order the report gives them.
fn buckets(report: &Value) -> Vec<(String, i64)> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().to_owned(), g["seconds"].as_i64().unwrap()))
        .collect()
}

fn hours(group: &Value) -> i64 {
    (at(group["end"].as_str().unwrap()) - at(group["start"].as_str().unwrap())).num_hours()
}

fn days(from: u32, to: u32, zeros_but: &[(u32, i64)]) -> Vec<(String, i64)> {
    (from..=to)
        .map(|d| {
            let secs = zeros_but.iter().find(|(day, _)| *day == d).map_or(0, |(_, s)| *s);
            (format!("2026-10-{d:02}"), secs)
        })
        .collect()
}

#[tokio::test]
async fn days_are_the_callers_zone_and_a_dst_day_is_23_or_25_hours() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    set_zone(&app, &u, "Europe/Berlin").await;
    let task = app.create_task(&u, json!({ "title": "t" })).await;
    // Berlin leaves summer time at 03:00 on 2026-10-25 (CEST +2 → CET +1).
    track(&app, &u, &task, "2026-10-24T21:30:00Z", 600).await; // 23:30 on the 24th in Berlin
    track(&app, &u, &task, "2026-10-24T22:30:00Z", 600).await; // 00:30 on the 25th
    track(&app, &u, &task, "2026-10-25T22:30:00Z", 600).await; // 23:30 on the 25th
    track(&app, &u, &task, "2026-10-25T23:30:00Z", 600).await; // 00:30 on the 26th: outside

    let r = app.get("/api/v1/reports/time?from=2026-10-19&to=2026-10-25&group_by=day", Some(&u.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["time_zone"], "Europe/Berlin", "the caller's zone by default");
    assert_eq!(r.json["from"], "2026-10-18T22:00:00Z");
    assert_eq!(r.json["to"], "2026-10-25T23:00:00Z", "the `to` date is included whole");
    assert_eq!(buckets(&r.json), days(19, 25, &[(24, 600), (25, 1200)]), "every day, in order, zeros included");
    assert_eq!(r.json["total_seconds"], 1800);
    let sunday = &r.json["groups"][6];
    assert_eq!(
        (sunday["start"].as_str(), sunday["end"].as_str()),
        (Some("2026-10-24T22:00:00Z"), Some("2026-10-25T23:00:00Z"))
    );
    assert_eq!(hours(sunday), 25);
    assert_eq!(hours(&r.json["groups"][5]), 24);

    // The same days read in UTC put the entries elsewhere.
    let utc =
        app.get("/api/v1/reports/time?from=2026-10-19&to=2026-10-25&group_by=day&tz=UTC", Some(&u.access_token)).await;
    assert_eq!(utc.json["time_zone"], "UTC");
    assert_eq!(buckets(&utc.json), days(19, 25, &[(24, 1200), (25, 1200)]));

    // Spring: 2026-03-29 loses an hour.
    let spring =
        app.get("/api/v1/reports/time?from=2026-03-29&to=2026-03-29&group_by=day", Some(&u.access_token)).await;
    assert_eq!(buckets(&spring.json), [("2026-03-29".to_owned(), 0)]);
    assert_eq!(hours(&spring.json["groups"][0]), 23);
    assert_eq!(spring.json["groups"][0]["start"], "2026-03-28T23:00:00Z");
}

#[tokio::test]
async fn weeks_are_iso_weeks_from_monday_and_months_are_calendar_months() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let task = app.create_task(&u, json!({ "title": "t" })).await;
    track(&app, &u, &task, "2026-01-01T10:00:00Z", 3600).await; // a Thursday: ISO week 2026-W01
    track(&app, &u, &task, "2026-11-04T10:00:00Z", 60).await;

    // 2025-12-29 is the Monday of 2026-W01, though in 2025.
    let r = app.get("/api/v1/reports/time?from=2025-12-29&to=2026-01-11&group_by=week", Some(&u.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(buckets(&r.json), [("2026-W01".to_owned(), 3600), ("2026-W02".to_owned(), 0)]);
    assert_eq!(r.json["groups"][0]["start"], "2025-12-29T00:00:00Z");
    assert_eq!(r.json["groups"][0]["end"], "2026-01-05T00:00:00Z");

    // A range starting on a Sunday: its first week began on the Monday before.
    let nov = app.get("/api/v1/reports/time?from=2026-11-01&to=2026-11-30&group_by=week", Some(&u.access_token)).await;
    let weeks: Vec<String> = buckets(&nov.json).into_iter().map(|(k, _)| k).collect();
    assert_eq!(weeks, ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]);
    assert_eq!(nov.json["groups"][0]["start"], "2026-10-26T00:00:00Z");
    assert_eq!(nov.json["groups"][1]["seconds"], 60);

    // Months in Berlin: March ends at 22:00 UTC once summer time has begun.
    let months = app
        .get(
            "/api/v1/reports/time?from=2026-01-01&to=2026-03-10&group_by=month&tz=Europe/Berlin",
            Some(&u.access_token),
        )
        .await;
    assert_eq!(
        buckets(&months.json),
        [("2026-01".to_owned(), 3600), ("2026-02".to_owned(), 0), ("2026-03".to_owned(), 0)]
    );
    assert_eq!(months.json["groups"][2]["start"], "2026-02-28T23:00:00Z");
    assert_eq!(months.json["groups"][2]["end"], "2026-03-31T22:00:00Z");
    assert!(months.json["groups"][0].get("groups").is_none(), "one level: no inner groups");
    assert!(months.json.get("then_by").is_none());
}

#[tokio::test]
async fn two_levels_nest_with_totals_per_group_and_the_csv_has_a_row_per_inner_group() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let member = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    app.add_member(&owner, team, &member, "member").await;
    let a = app.create_task(&owner, json!({ "title": "Alpha", "team_id": team })).await;
    let b = app.create_task(&owner, json!({ "title": "Beta", "team_id": team })).await;
    track(&app, &owner, &a, "2026-11-02T09:00:00Z", 3600).await;
    track(&app, &owner, &b, "2026-11-04T09:00:00Z", 1800).await;
    track(&app, &member, &a, "2026-11-04T12:00:00Z", 600).await;
    let range = format!("team_id={team}&from=2026-11-02&to=2026-11-04&tz=UTC");

    let r = app.get(&format!("/api/v1/reports/time?{range}&group_by=user,day"), Some(&owner.access_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!((r.json["group_by"].as_str(), r.json["then_by"].as_str()), (Some("user"), Some("day")));
    assert_eq!(r.json["total_seconds"], 6000);
    assert_eq!(buckets(&r.json), [(owner.user_id.to_string(), 5400), (member.user_id.to_string(), 600)]);
    let day = |d: u32, s: i64| (format!("2026-11-{d:02}"), s);
    assert_eq!(buckets(&r.json["groups"][0]), [day(2, 3600), day(3, 0), day(4, 1800)]);
    assert_eq!(buckets(&r.json["groups"][1]), [day(2, 0), day(3, 0), day(4, 600)], "every day in every group");

    // A list as generated clients send one: the key repeated.
    let repeated =
        app.get(&format!("/api/v1/reports/time?{range}&group_by=user&group_by=day"), Some(&owner.access_token)).await;
    assert_eq!(repeated.json, r.json);

    let by_day = app.get(&format!("/api/v1/reports/time?{range}&group_by=day,task"), Some(&owner.access_token)).await;
    assert_eq!(buckets(&by_day.json), [day(2, 3600), day(3, 0), day(4, 2400)]);
    let (alpha, beta) = (a["task_id"].as_str().unwrap(), b["task_id"].as_str().unwrap());
    assert_eq!(buckets(&by_day.json["groups"][2]), [(beta.to_owned(), 1800), (alpha.to_owned(), 600)]);
    assert_eq!(by_day.json["groups"][1]["groups"], json!([]), "an empty day has no inner groups");

    // The file: one row per inner group, so the seconds column adds up to the total.
    let csv = read(
        app.client
            .get(app.url(&format!("/api/v1/reports/time.csv?{range}&group_by=user,day")))
            .bearer_auth(&owner.access_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.header("content-disposition"),
        Some(
            "attachment; filename=\"time-report-t-user-day-2026-11-02-2026-11-04.csv\"; \
             filename*=UTF-8''time-report-T-user-day-2026-11-02-2026-11-04.csv"
        )
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "key,label,key2,label2,seconds,billable_seconds");
    assert_eq!(lines.len(), 1 + 6, "{}", csv.text);
    let sum: i64 = lines[1..].iter().map(|l| l.split(',').nth(4).unwrap().parse::<i64>().unwrap()).sum();
    assert_eq!(sum, 6000);
    assert!(lines[1].starts_with(&format!("\"{}\",", owner.user_id)), "{}", lines[1]);
}

#[tokio::test]
async fn a_cached_team_report_is_cached_per_zone_and_grouping() {
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let t = app.create_task(&owner, json!({ "title": "t", "team_id": team })).await;
    track(&app, &owner, &t, "2026-11-02T20:00:00Z", 600).await;
    // The same instants, so the same range: only the zone differs.
    let path = |tz: &str, group: &str| {
        format!("/api/v1/reports/time?team_id={team}&from=2026-11-02T00:00:00Z&to=2026-11-04T00:00:00Z&tz={tz}&group_by={group}")
    };
    let utc = app.get(&path("UTC", "day"), Some(&owner.access_token)).await;
    assert_eq!(buckets(&utc.json)[0], ("2026-11-02".to_owned(), 600));
    let tokyo = app.get(&path("Asia/Tokyo", "day"), Some(&owner.access_token)).await;
    assert_eq!(tokyo.json["time_zone"], "Asia/Tokyo");
    // 20:00 UTC is 05:00 on the 3rd in Tokyo; its first day is the 2nd, from 09:00.
    assert_eq!(
        buckets(&tokyo.json),
        [("2026-11-02".to_owned(), 0), ("2026-11-03".to_owned(), 600), ("2026-11-04".to_owned(), 0)]
    );
    let week = app.get(&path("UTC", "week"), Some(&owner.access_token)).await;
    assert_eq!(buckets(&week.json), [("2026-W45".to_owned(), 600)]);
    assert_eq!(app.get(&path("UTC", "day"), Some(&owner.access_token)).await.json, utc.json, "the cached copy");
}

#[tokio::test]
async fn bad_ranges_zones_and_groupings_are_422s_naming_the_parameter() {
    let app = spawn_app().await;
    let u = app.create_user().await;
    let cases = [
        ("tz=Mars/Olympus", "tz", "IANA"),
        ("tz=", "tz", "IANA"),
        ("from=2026-13-01", "from", "a date such as 2026-11-01"),
        ("to=2026-11-01T10:00", "to", "RFC 3339"),
        ("from=2026-11-02&to=2026-11-01", "from", "before `to`"),
        ("from=2025-01-01&to=2026-01-02", "from", "366 days"),
        ("group_by=user,user", "group_by", "appears twice"),
        ("group_by=day,week", "group_by", "at most one of day, week and month"),
        ("group_by=user,task,day", "group_by", "at most 2 levels"),
        ("group_by=year", "group_by", "`year` is not one of"),
    ];
    for (query, field, message) in cases {
        let r = app.get(&format!("/api/v1/reports/time?{query}"), Some(&u.access_token)).await;
        let problem = r.assert_problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains(message), "{query}: {problem}");
    }
    // Every parameter that is wrong is named at once.
    let r = app.get("/api/v1/reports/time?tz=Nowhere&group_by=year&from=x", Some(&u.access_token)).await;
    let fields: Vec<&str> =
        r.assert_problem(422)["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["from", "tz", "group_by"]);
    // 366 days is the limit, not one past it.
    let year = app.get("/api/v1/reports/time?from=2025-01-01&to=2026-01-01", Some(&u.access_token)).await;
    assert_eq!(year.status, 200, "{}", year.text);
}

/// A zone the API accepts but the database's tz data lacks would be a 422
/// for everyone in it; this says which, should the two tz databases drift.
#[tokio::test]
async fn every_zone_the_api_accepts_is_known_to_postgres() {
    let app = spawn_app().await;
    let names: Vec<String> = taskflow::domain::user::TimeZone::names().into_iter().map(str::to_owned).collect();
    let mut conn = PgConnection::connect_with(&app.db.app_options()).await.unwrap();
    let missing: Vec<String> =
        sqlx::query_scalar("select n from unnest($1::text[]) n except select name from pg_timezone_names order by 1")
            .bind(&names)
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert!(names.len() > 400);
    assert_eq!(missing, Vec::<String>::new(), "zones chrono-tz has and this Postgres lacks");
}

/// The server's connections run without JIT: under RLS a report's estimated
/// cost passes `jit_above_cost` whatever it reads, and compiling it took 390
/// ms of a report that ran in 0.5 ms.
#[tokio::test]
async fn the_servers_connections_do_not_jit_compile() {
    let app = spawn_app().await;
    let jit: String = sqlx::query_scalar("show jit").fetch_one(&app.pool).await.unwrap();
    assert_eq!(jit, "off");
}

/// One query, three renderings: the JSON, the CSV and the workbook carry the
/// same rows, keys and numbers; the workbook's cells are typed (hours as
/// numbers, bucket days as dates) and text that looks like a formula stays text.
#[tokio::test]
async fn the_json_csv_and_xlsx_are_one_report() {
    use calamine::{Data, Reader, Xlsx};
    let app = spawn_app().await;
    let owner = app.create_user().await;
    let team = app.create_team(&owner, "T").await;
    let rate = json!({ "hourly_rate": 9550, "currency": "EUR", "effective_from": "2026-01-01" });
    assert_eq!(app.post(&format!("/api/v1/teams/{team}/rates"), Some(&owner.access_token), &rate).await.status, 201);
    let a = app.create_task(&owner, json!({ "title": "=SUM(1)", "team_id": team })).await;
    let b = app.create_task(&owner, json!({ "title": "Beta", "team_id": team })).await;
    let path = |task: &Value| format!("/api/v1/tasks/{}/time-entries", task["task_id"].as_str().unwrap());
    for (task, start, secs) in
        [(&a, "2026-11-02T09:00:00Z", 3600), (&b, "2026-11-03T09:00:00Z", 1800), (&a, "2026-11-03T12:00:00Z", 900)]
    {
        let body = json!({ "started_at": start, "duration_seconds": secs, "billable": true });
        assert_eq!(app.post(&path(task), Some(&owner.access_token), &body).await.status, 201);
    }
    let query = format!("team_id={team}&from=2026-11-02&to=2026-11-03&tz=UTC&group_by=task,day");
    let json = app.get(&format!("/api/v1/reports/time?{query}"), Some(&owner.access_token)).await;
    assert_eq!(json.status, 200, "{}", json.text);
    // (task, day, seconds, amount in cents) from the JSON.
    let mut expected = Vec::new();
    for g in json.json["groups"].as_array().unwrap() {
        for d in g["groups"].as_array().unwrap() {
            expected.push((
                g["key"].as_str().unwrap().to_owned(),
                d["key"].as_str().unwrap().to_owned(),
                d["seconds"].as_i64().unwrap(),
                d["billable_amount"].as_i64().unwrap(),
            ));
        }
    }
    assert_eq!(expected.len(), 4, "two tasks by two days");

    let csv = app.get(&format!("/api/v1/reports/time?{query}&format=csv"), Some(&owner.access_token)).await;
    assert!(csv.content_type().starts_with("text/csv"));
    let from_csv: Vec<(String, String, i64, i64)> = csv
        .text
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let unquote = |c: &str| c.trim_matches('"').to_owned();
            (unquote(cells[0]), unquote(cells[2]), cells[4].parse().unwrap(), cells[6].parse().unwrap())
        })
        .collect();
    assert_eq!(from_csv, expected);

    for (url, accept) in [
        (format!("/api/v1/reports/time?{query}"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (format!("/api/v1/reports/time.xlsx?{query}"), "*/*"),
    ] {
        let resp = app
            .client
            .get(app.url(&url))
            .bearer_auth(&owner.access_token)
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-disposition"].to_str().unwrap(),
            "attachment; filename=\"time-report-t-task-day-2026-11-02-2026-11-03.xlsx\"; \
             filename*=UTF-8''time-report-T-task-day-2026-11-02-2026-11-03.xlsx"
        );
        let bytes = resp.bytes().await.unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let sheet = book.worksheet_range("Time report").unwrap();
        let rows: Vec<&[Data]> = sheet.rows().collect();
        let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(
            header,
            [
                "key",
                "label",
                "key2",
                "label2",
                "start",
                "hours",
                "billable_hours",
                "seconds",
                "billable_seconds",
                "billable_amount",
                "currency"
            ]
        );
        let mut from_xlsx = Vec::new();
        for row in &rows[1..] {
            let Data::DateTime(start) = &row[4] else { panic!("start is a date cell: {:?}", row[4]) };
            // Excel counts days from 1899-12-30.
            let day =
                chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap() + chrono::Duration::days(start.as_f64() as i64);
            assert_eq!(row[2].to_string(), day.to_string(), "the date cell is the bucket's day");
            let Data::Float(hours) = row[5] else { panic!("hours are a number: {:?}", row[5]) };
            let Data::Float(seconds) = row[7] else { panic!("seconds are a number") };
            assert!((hours * 3600.0 - seconds).abs() < 1e-6);
            let Data::Float(euros) = row[9] else { panic!("the amount is a number") };
            from_xlsx.push((row[0].to_string(), row[2].to_string(), seconds as i64, (euros * 100.0).round() as i64));
            assert_eq!(row[10], Data::String("EUR".into()));
        }
        assert_eq!(from_xlsx, expected, "{url}");
        let task_a = Data::String(a["task_id"].as_str().unwrap().to_owned());
        let formula_like = rows.iter().find(|r| r[0] == task_a).unwrap();
        assert_eq!(formula_like[1], Data::String("=SUM(1)".into()), "text, not a formula");
    }
}
