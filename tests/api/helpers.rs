//! `spawn_app()`: a real server on port 0 against its own database, cloned from
//! a migrated template and dropped afterwards, connected as the app role, with
//! its own Redis key prefix.

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::sync::OnceLock;

use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use taskflow::config::{Environment, Settings};
use taskflow::db::MIGRATOR;
use taskflow::startup::{Application, ShutdownHandle};
use uuid::Uuid;

pub const PASSWORD: &str = "a perfectly fine passphrase";

/// `.local/secrets.env`, written by `make`, fills in what the environment lacks.
fn local_secrets() -> &'static HashMap<String, String> {
    static SECRETS: OnceLock<HashMap<String, String>> = OnceLock::new();
    SECRETS.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/.local/secrets.env");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
}

fn secret(key: &str) -> Option<SecretString> {
    std::env::var(key).ok().or_else(|| local_secrets().get(key).cloned()).map(SecretString::from)
}

pub fn test_settings() -> Settings {
    let mut settings = Settings::load_for(Environment::Test).expect("test configuration loads");
    if settings.database.owner_password.is_none() {
        settings.database.owner_password = secret("TASKFLOW_DATABASE__OWNER_PASSWORD");
    }
    if settings.database.app_password.is_none() {
        settings.database.app_password = secret("TASKFLOW_DATABASE__APP_PASSWORD");
    }
    settings
}

fn template_name() -> String {
    let mut hasher = Sha256::new();
    for m in MIGRATOR.iter() {
        hasher.update(m.version.to_be_bytes());
        hasher.update(&m.checksum);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("taskflow_tpl_{hex}")
}

async fn maintenance_connection(settings: &Settings) -> PgConnection {
    PgConnection::connect_with(&settings.database.owner_options().database("postgres"))
        .await
        .expect("connect as taskflow_owner to the postgres database (run `make test`, which bootstraps roles)")
}

/// Creates the migrated template once per migration set; later calls only check.
async fn ensure_template(settings: &Settings) -> String {
    let name = template_name();
    let mut conn = maintenance_connection(settings).await;
    conn.execute("select pg_advisory_lock(727270)").await.expect("lock");
    let exists: bool = sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(&name)
        .fetch_one(&mut conn)
        .await
        .expect("query pg_database");
    if !exists {
        // Build under a temporary name and rename, so a crash mid-migration
        // never leaves a half-migrated template behind.
        let building = format!("{name}_building_{}", Uuid::new_v4().simple());
        conn.execute(format!(r#"create database "{building}""#).as_str()).await.expect("create template");
        {
            let mut tpl = PgConnection::connect_with(&settings.database.owner_options().database(&building))
                .await
                .expect("connect to template");
            MIGRATOR.run(&mut tpl).await.expect("migrate template");
            tpl.close().await.expect("close template connection");
        }
        conn.execute(format!(r#"alter database "{building}" rename to "{name}""#).as_str())
            .await
            .expect("rename template");
    }
    conn.execute("select pg_advisory_unlock(727270)").await.expect("unlock");
    name
}

/// A fresh database cloned from the template; dropped when the guard drops.
pub struct TestDatabase {
    pub name: String,
    settings: Settings,
}

impl TestDatabase {
    pub async fn create(settings: &Settings) -> Self {
        let template = ensure_template(settings).await;
        let name = format!("taskflow_test_{}", Uuid::new_v4().simple());
        let mut conn = maintenance_connection(settings).await;
        let mut attempts = 0;
        loop {
            match conn.execute(format!(r#"create database "{name}" template "{template}""#).as_str()).await {
                Ok(_) => break,
                // Another test may be cloning the same template this instant:
                // object_in_use ("source database is being accessed by other users").
                Err(e) if attempts < 20 && sqlstate(&e).as_deref() == Some("55006") => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        Self { name, settings: settings.clone() }
    }

    /// Options for connecting as the app role (subject to RLS).
    pub fn app_options(&self) -> sqlx::postgres::PgConnectOptions {
        self.settings.database.app_options().database(&self.name)
    }

    pub fn owner_options(&self) -> sqlx::postgres::PgConnectOptions {
        self.settings.database.owner_options().database(&self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let settings = self.settings.clone();
        // Drop runs outside async; a short-lived runtime on its own thread does the I/O.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(rt) = rt {
                rt.block_on(async move {
                    if let Ok(mut conn) =
                        PgConnection::connect_with(&settings.database.owner_options().database("postgres")).await
                    {
                        let _ =
                            conn.execute(format!(r#"drop database if exists "{name}" with (force)"#).as_str()).await;
                    }
                });
            }
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// The `/metrics` listener, when `application.metrics_port` is set.
    pub metrics_port: Option<u16>,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub pool: PgPool,
    pub handle: ShutdownHandle,
    /// What this server's job workers did.
    pub jobs: std::sync::Arc<taskflow::worker::Tally>,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    // Last, so the server's connections are gone before the database drops.
    pub db: TestDatabase,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings();
    let db = TestDatabase::create(&settings).await;
    settings.database.name = db.name.clone();
    settings.redis.key_prefix = format!("test:{}:", db.name);
    customise(&mut settings);
    let app = Application::build(settings.clone()).await.expect("build application");
    let port = app.port();
    let metrics_port = app.metrics_port();
    let pool = app.pool().clone();
    let handle = app.handle();
    let jobs = app.job_tally();
    let server = tokio::spawn(app.run_until_stopped());
    TestApp {
        jobs,
        address: format!("http://127.0.0.1:{port}"),
        port,
        metrics_port,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        settings,
        pool,
        handle,
        server,
        db,
    }
}

/// A response read whole: status, headers and parsed JSON (Null when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    /// Asserts the RFC 9457 shape and returns the problem.
    pub fn assert_problem(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        assert_eq!(self.content_type(), "application/problem+json", "body: {}", self.text);
        assert_eq!(self.json["status"], status);
        assert!(self.json["type"].as_str().is_some_and(|t| t.starts_with("urn:taskflow:problem:")));
        assert!(self.json["title"].is_string());
        assert!(self.json["detail"].is_string());
        &self.json
    }
}

pub struct TestUser {
    pub user_id: Uuid,
    pub email: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        read(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.request(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.request(Method::DELETE, path, token, None).await
    }

    /// Creates a team owned by `owner` and returns its id.
    pub async fn create_team(&self, owner: &TestUser, name: &str) -> Uuid {
        let r = self.post("/api/v1/teams", Some(&owner.access_token), &json!({ "name": name })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json["team_id"].as_str().and_then(|s| s.parse().ok()).expect("team_id")
    }

    /// `by` invites `who` to the team with `role`, and `who` accepts.
    pub async fn add_member(&self, by: &TestUser, team_id: Uuid, who: &TestUser, role: &str) {
        let invitation = self.invite(by, team_id, &who.email, role).await;
        let r = self
            .post(&format!("/api/v1/me/invitations/{invitation}/accept"), Some(&who.access_token), &json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }

    /// `by` invites `email` to the team; returns the invitation id.
    pub async fn invite(&self, by: &TestUser, team_id: Uuid, email: &str, role: &str) -> Uuid {
        let r = self
            .post(
                &format!("/api/v1/teams/{team_id}/invitations"),
                Some(&by.access_token),
                &json!({ "email": email, "role": role }),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        r.json["invitation_id"].as_str().and_then(|s| s.parse().ok()).expect("invitation_id")
    }

    /// Creates a task as `user` from `body` and returns the created task.
    pub async fn create_task(&self, user: &TestUser, body: Value) -> Value {
        let r = self.post("/api/v1/tasks", Some(&user.access_token), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json
    }

    pub async fn register(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/register",
            None,
            &json!({ "email": email, "password": password, "display_name": "Test User" }),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post("/api/v1/auth/login", None, &json!({ "email": email, "password": password })).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.post("/api/v1/auth/refresh", None, &json!({ "refresh_token": refresh_token })).await
    }

    pub async fn logout(&self, access_token: &str) -> Reply {
        self.request(Method::POST, "/api/v1/auth/logout", Some(access_token), None).await
    }

    pub async fn me(&self, access_token: &str) -> Reply {
        self.get("/api/v1/me", Some(access_token)).await
    }

    /// Makes `user` a global admin through the CLI's code path and returns a
    /// fresh access token that carries the role.
    pub async fn promote_to_admin(&self, user: &TestUser) -> String {
        let account = taskflow::service::accounts::NewAccount {
            email: taskflow::domain::user::Email::parse(&user.email).expect("email"),
            password: taskflow::domain::user::Password::parse(user.password.clone().into()).expect("password"),
            display_name: taskflow::domain::user::DisplayName::parse("Admin").expect("name"),
            time_zone: taskflow::domain::user::TimeZone::UTC,
        };
        let (_, created) = taskflow::service::accounts::ensure_admin(&self.pool, account).await.expect("promote");
        assert!(!created, "the account already existed");
        let login = self.login(&user.email, &user.password).await;
        login.json["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Registers a fresh account and signs it in.
    pub async fn create_user(&self) -> TestUser {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        let reg = self.register(&email, PASSWORD).await;
        assert_eq!(reg.status, StatusCode::CREATED, "{}", reg.text);
        let user_id = reg.json["user_id"].as_str().and_then(|s| s.parse().ok()).expect("user_id");
        let login = self.login(&email, PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
        TestUser {
            user_id,
            email,
            password: PASSWORD.into(),
            access_token: login.json["access_token"].as_str().expect("access_token").into(),
            refresh_token: login.json["refresh_token"].as_str().expect("refresh_token").into(),
        }
    }
}

pub async fn read(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply { status, headers, text, json }
}

/// Sets the RLS identity in an open transaction of a raw test connection,
/// the way `db::begin_as` does for the server.
pub async fn act_as(conn: &mut PgConnection, user_id: Option<Uuid>, admin: bool) {
    sqlx::query("select set_config('app.user_id', $1, true), set_config('app.role', $2, true)")
        .bind(user_id.map(|u| u.to_string()).unwrap_or_default())
        .bind(if admin { "admin" } else { "member" })
        .execute(conn)
        .await
        .expect("set the RLS identity");
}

/// A row lock held as `user` through the app role, to make a request wait
/// deterministically (no sleeps): while it is held, writes to the task block.
pub async fn lock_task(app: &TestApp, user: &TestUser, task_id: &str) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(app.settings.database.app_options())
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    act_as(&mut tx, Some(user.user_id), false).await;
    let locked: Option<Uuid> = sqlx::query_scalar("select task_id from tasks where task_id = $1::uuid for update")
        .bind(task_id)
        .fetch_optional(&mut *tx)
        .await
        .unwrap();
    assert!(locked.is_some(), "the lock holder must see the task");
    tx
}

/// The `taskflow` binary as a child process on its own database, with its
/// stdout lines collected.
/// Two app-role transactions as `user`, each one statement whose `$n` are
/// the given texts: the first runs and stays open while the second starts
/// (and must wait for it, on a row or a lock); then the first commits.
/// Returns the second's outcome: Ok once committed, or its SQLSTATE.
pub async fn race(
    app: &TestApp,
    user: Uuid,
    first: (&'static str, &[&str]),
    second: (&'static str, &[&str]),
) -> Result<(), String> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with(app.settings.database.app_options())
        .await
        .unwrap();
    let bound = |sql: &'static str, binds: Vec<String>| {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        q
    };
    let mut tx = pool.begin().await.unwrap();
    act_as(&mut tx, Some(user), false).await;
    bound(first.0, first.1.iter().map(|s| s.to_string()).collect()).execute(&mut *tx).await.unwrap();
    let (sql, binds): (&'static str, Vec<String>) = (second.0, second.1.iter().map(|s| s.to_string()).collect());
    let other = pool.clone();
    let waiting = tokio::spawn(async move {
        let mut tx = other.begin().await.unwrap();
        act_as(&mut tx, Some(user), false).await;
        match bound(sql, binds).execute(&mut *tx).await {
            Ok(_) => tx.commit().await.map_err(|e| e.to_string()),
            Err(e) => Err(sqlstate(&e).unwrap_or_default()),
        }
    });
    // pg_locks: the wait columns of pg_stat_activity are hidden from roles
    // that do not own the waiting session.
    let mut watch = PgConnection::connect_with(&app.db.owner_options()).await.unwrap();
    loop {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid \
             where not l.granted and a.datname = current_database()",
        )
        .fetch_one(&mut watch)
        .await
        .unwrap();
        if n > 0 {
            break;
        }
        if waiting.is_finished() {
            panic!("the second statement must wait for the first: {:?}", waiting.await);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tx.commit().await.unwrap();
    waiting.await.unwrap()
}

pub struct ServerProcess {
    pub child: std::process::Child,
    pub base: String,
    pub lines: std::sync::mpsc::Receiver<String>,
    pub seen: Vec<String>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl ServerProcess {
    pub fn start(db: &TestDatabase, settings: &Settings, extra_env: &[(&str, &str)]) -> Self {
        Self::start_command("serve", db, settings, extra_env)
    }

    /// `taskflow <command>` (serve or worker) on the test database.
    pub fn start_command(command: &str, db: &TestDatabase, settings: &Settings, extra_env: &[(&str, &str)]) -> Self {
        use secrecy::ExposeSecret;
        use std::io::BufRead;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_taskflow"));
        cmd.arg(command)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("TASKFLOW_ENV", "test")
            .env("TASKFLOW_APPLICATION__PORT", "0")
            .env("TASKFLOW_DATABASE__NAME", &db.name)
            .env("TASKFLOW_REDIS__KEY_PREFIX", format!("test:{}:", db.name))
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        for (key, value) in [
            ("TASKFLOW_DATABASE__OWNER_PASSWORD", &settings.database.owner_password),
            ("TASKFLOW_DATABASE__APP_PASSWORD", &settings.database.app_password),
        ] {
            if let Some(v) = value {
                cmd.env(key, v.expose_secret());
            }
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start taskflow");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut seen = Vec::new();
        let port = loop {
            let line = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("taskflow printed its port");
            let parsed: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            seen.push(line);
            if parsed["msg"] == "taskflow listening" {
                break parsed["port"].as_u64().expect("port field");
            }
        };
        Self { child, base: format!("http://127.0.0.1:{port}"), lines: rx, seen, reader: Some(reader) }
    }

    pub fn sigterm(&self) {
        let status = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for exit and returns the status with every line logged.
    pub fn wait(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let status = self.child.wait().expect("taskflow exits");
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let mut lines = std::mem::take(&mut self.seen);
        lines.extend(self.lines.try_iter());
        (status, lines)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The SQLSTATE of a database error, if it is one.
pub fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned())
}
