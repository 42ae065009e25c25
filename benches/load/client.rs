//! Virtual users over HTTP: sign-in, then a closed loop of requests drawn from
//! the mix until the deadline. Each request acts as the next user in turn, so
//! every user's per-minute budget is spread evenly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::dataset::{self, Sizes, LABELS, WORDS};
use crate::stats::Stats;

pub struct User {
    pub index: i64,
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub token: String,
    pub teams: Vec<i64>,
}

pub struct Shared {
    pub client: Client,
    pub base: String,
    pub users: Vec<User>,
    pub sizes: Sizes,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// The mix: list 40, get 20, comments 10, create/update 15,
    /// add comment 5, time 5, report 5.
    Full,
    /// Only the default list of 50 (compared with the SQL ceiling).
    ListOnly,
    /// Only get-by-id (compared with the SQL ceiling).
    GetOnly,
    /// Only the time report of one of the user's teams, the default 30
    /// days, grouped `by`, in zone `tz` (the report phase).
    Report { by: &'static str, tz: &'static str },
}

/// A different client address per user, as behind a proxy: the per-IP sign-in
/// budget is meant for one attacker, not for a thousand colleagues.
fn forwarded_for(u: i64) -> String {
    format!("10.{}.{}.{}", (u >> 16) & 255, (u >> 8) & 255, u & 255)
}

pub async fn sign_in(client: &Client, base: &str, sizes: Sizes, concurrency: usize) -> anyhow::Result<Vec<User>> {
    let next = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let mut handles = Vec::new();
    for _ in 0..concurrency {
        let (client, base, next) = (client.clone(), base.to_owned(), next.clone());
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let u = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if u >= sizes.users {
                    return Ok::<_, anyhow::Error>(mine);
                }
                let resp = client
                    .post(format!("{base}/api/v1/auth/login"))
                    .header("x-forwarded-for", forwarded_for(u))
                    .json(&json!({"email": dataset::email(u), "password": dataset::PASSWORD}))
                    .send()
                    .await?;
                anyhow::ensure!(resp.status() == StatusCode::OK, "sign-in of user {u} answered {}", resp.status());
                let body: Value = resp.json().await?;
                let token = body["access_token"].as_str().unwrap_or_default().to_owned();
                let claims = claims(&token)?;
                mine.push(User { index: u, user_id: claims.0, session_id: claims.1, token, teams: sizes.teams_of(u) });
            }
        }));
    }
    let mut users = Vec::new();
    for h in handles {
        users.extend(h.await??);
    }
    users.sort_by_key(|u| u.index);
    Ok(users)
}

/// `sub` and `sid` from an access token (read, not verified: it is ours).
fn claims(token: &str) -> anyhow::Result<(Uuid, Uuid)> {
    let payload = token.split('.').nth(1).ok_or_else(|| anyhow::anyhow!("malformed token"))?;
    let json: Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?)?;
    let get = |k: &str| -> anyhow::Result<Uuid> { Ok(json[k].as_str().unwrap_or_default().parse()?) };
    Ok((get("sub")?, get("sid")?))
}

impl Shared {
    /// A random task `user` can see: mostly team tasks, some personal.
    pub fn visible_task(&self, user: &User, rng: &mut StdRng) -> Uuid {
        let s = &self.sizes;
        let personal = s.personal_tasks_per_user();
        let i = if user.teams.is_empty() || (personal > 0 && rng.random_range(0..10) == 0) {
            s.personal_task(user.index, rng.random_range(0..personal.max(1)))
        } else {
            let t = user.teams[rng.random_range(0..user.teams.len())];
            s.team_task(t, rng.random_range(0..s.tasks_per_team()))
        };
        dataset::id("task", i)
    }
}

struct Vu {
    shared: Arc<Shared>,
    rng: StdRng,
    stats: Stats,
    /// The last list query and its next cursor, to follow pagination.
    last_list: Option<(String, String)>,
}

pub async fn run(shared: Arc<Shared>, connections: usize, mix: Mix, duration: Duration) -> Stats {
    let deadline = Instant::now() + duration;
    let handles: Vec<_> = (0..connections)
        .map(|n| {
            let shared = shared.clone();
            tokio::spawn(async move {
                let mut vu =
                    Vu { shared, rng: StdRng::seed_from_u64(n as u64), stats: Stats::default(), last_list: None };
                let users = vu.shared.users.len();
                let mut turn = n;
                while Instant::now() < deadline {
                    let shared = vu.shared.clone();
                    let user = &shared.users[turn % users];
                    turn += connections;
                    vu.step(user, mix).await;
                }
                vu.stats
            })
        })
        .collect();
    Stats::gather(handles).await
}

impl Vu {
    async fn step(&mut self, user: &User, mix: Mix) {
        let roll = match mix {
            Mix::Full => self.rng.random_range(0..100),
            Mix::ListOnly => 0,
            Mix::GetOnly => 40,
            Mix::Report { by, tz } => return self.report(user, by, tz).await,
        };
        let task = self.shared.visible_task(user, &mut self.rng);
        match roll {
            0..40 => self.list(user, mix == Mix::ListOnly).await,
            40..60 => {
                self.call(user, "GET /tasks/{id}", Method::GET, format!("/api/v1/tasks/{task}"), None, &[200]).await;
            }
            60..70 => {
                let path = format!("/api/v1/tasks/{task}/comments");
                self.call(user, "GET /tasks/{id}/comments", Method::GET, path, None, &[200]).await;
            }
            70..85 if self.rng.random_bool(0.5) => {
                let team = user.teams.first().map(|t| dataset::id("team", *t));
                let word = WORDS[self.rng.random_range(0..WORDS.len())];
                let body = json!({"title": format!("Load {word} {}", self.rng.random::<u32>()), "team_id": team,
                                  "labels": [LABELS[self.rng.random_range(0..LABELS.len())]]});
                self.call(user, "POST /tasks", Method::POST, "/api/v1/tasks".into(), Some(body), &[201]).await;
            }
            70..85 => {
                let priority = ["low", "medium", "high", "urgent"][self.rng.random_range(0..4)];
                let body = json!({"priority": priority});
                let path = format!("/api/v1/tasks/{task}");
                self.call(user, "PATCH /tasks/{id}", Method::PATCH, path, Some(body), &[200]).await;
            }
            85..90 => {
                let body = json!({"body": format!("Load comment {}", self.rng.random::<u32>())});
                let path = format!("/api/v1/tasks/{task}/comments");
                self.call(user, "POST /tasks/{id}/comments", Method::POST, path, Some(body), &[201]).await;
            }
            90..95 => self.time(user, task).await,
            _ => {
                let team = user.teams.first().map(|t| dataset::id("team", *t)).unwrap_or_default();
                let by = ["user", "task", "day", "label"][self.rng.random_range(0..4)];
                let path = format!("/api/v1/reports/time?team_id={team}&group_by={by}");
                self.call(user, "GET /reports/time", Method::GET, path, None, &[200]).await;
            }
        }
    }

    async fn report(&mut self, user: &User, by: &str, tz: &str) {
        let team = user.teams.first().map(|t| dataset::id("team", *t)).unwrap_or_default();
        let path = format!("/api/v1/reports/time?team_id={team}&group_by={by}&tz={tz}");
        self.call(user, "GET /reports/time", Method::GET, path, None, &[200]).await;
    }

    async fn list(&mut self, user: &User, plain: bool) {
        let query = if plain {
            "limit=50".to_owned()
        } else if let Some((q, cursor)) = self.last_list.take().filter(|_| self.rng.random_bool(0.25)) {
            format!("{q}&cursor={cursor}")
        } else {
            let team = user.teams.first().map(|t| dataset::id("team", *t)).unwrap_or_default();
            match self.rng.random_range(0..8) {
                0 => "limit=50".to_owned(),
                1 => "status=todo&status=in_progress&limit=50".to_owned(),
                2 => "assignee_id=me&limit=50".to_owned(),
                3 => format!("team_id={team}&limit=50"),
                4 => "sort=due_at&limit=50".to_owned(),
                5 => format!("q={}&limit=20", WORDS[self.rng.random_range(0..WORDS.len())]),
                6 => format!("label={}&limit=50", LABELS[self.rng.random_range(0..LABELS.len())]),
                _ => "priority=high&sort=-updated_at&limit=50".to_owned(),
            }
        };
        let base_query = query.split("&cursor=").next().unwrap_or_default().to_owned();
        let body = self.call(user, "GET /tasks", Method::GET, format!("/api/v1/tasks?{query}"), None, &[200]).await;
        if !plain {
            let cursor = body.as_ref().and_then(|b| b["next_cursor"].as_str().map(str::to_owned));
            self.last_list = cursor.map(|c| (base_query, c));
        }
    }

    async fn time(&mut self, user: &User, task: Uuid) {
        match self.rng.random_range(0..5) {
            0 => {
                let path = format!("/api/v1/tasks/{task}/timer");
                // 409: this user's timer already runs; a defined answer, not an error.
                self.call(user, "POST /tasks/{id}/timer", Method::POST, path, None, &[201, 409]).await;
            }
            1 => {
                let path = "/api/v1/timer/stop".to_owned();
                self.call(user, "POST /timer/stop", Method::POST, path, None, &[200, 404]).await;
            }
            _ => {
                let hours = self.rng.random_range(2..200);
                let started = Utc::now() - chrono::Duration::hours(hours);
                let body = json!({"started_at": started, "duration_seconds": 1800, "billable": true});
                let path = format!("/api/v1/tasks/{task}/time-entries");
                self.call(user, "POST /tasks/{id}/time-entries", Method::POST, path, Some(body), &[201]).await;
            }
        }
    }

    /// One request, timed to the last body byte. Returns the JSON body of a
    /// list response (the only one the driver reads).
    async fn call(
        &mut self,
        user: &User,
        name: &'static str,
        method: Method,
        path: String,
        body: Option<Value>,
        expected: &[u16],
    ) -> Option<Value> {
        let mut req =
            self.shared.client.request(method, format!("{}{path}", self.shared.base)).bearer_auth(&user.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let started = Instant::now();
        let outcome = match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.bytes().await {
                    Ok(bytes) => Ok((status, bytes)),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        let micros = started.elapsed().as_micros() as u64;
        match outcome {
            Ok((status, bytes)) if expected.contains(&status) => {
                self.stats.record(name, micros, None);
                if name == "GET /tasks" {
                    serde_json::from_slice(&bytes).ok()
                } else {
                    None
                }
            }
            Ok((status, _)) => {
                self.stats.record(name, micros, Some(status.to_string()));
                None
            }
            Err(e) => {
                let kind = if e.is_timeout() { "timeout" } else { "transport" };
                self.stats.record(name, micros, Some(kind.to_owned()));
                None
            }
        }
    }
}
