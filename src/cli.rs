//! `taskflow serve | worker | migrate | seed | create-admin | prune | check-config | ...`.

use std::io::Read;

use clap::{Parser, Subcommand};
use secrecy::SecretString;

use crate::config::{Environment, Settings};
use crate::db;
use crate::domain::user::{DisplayName, Email, Password};
use crate::service::accounts::{self as account, NewAccount};
use crate::service::seed;
use crate::startup::{stop_on_signal, Application};

#[derive(Parser)]
#[command(
    name = "taskflow",
    version,
    about = "TaskFlow: a self-hostable task-management API",
    long_about = "TaskFlow serves a REST API for tasks, teams, comments and time tracking.\n\n\
Configuration comes from configuration/base.yaml, then configuration/$TASKFLOW_ENV.yaml \
(local, test or production; default local), then TASKFLOW_SECTION__KEY environment variables, \
e.g. TASKFLOW_DATABASE__HOST or TASKFLOW_AUTH__JWT_SECRET."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start the HTTP API (port 3000 by default) until SIGTERM or Ctrl-C.
    Serve,
    /// Run background job workers only (no API): `jobs.workers` of them,
    /// with /health/live, /health/ready and /metrics on application.port,
    /// until SIGTERM (then: claim nothing more, let running jobs finish
    /// within the shutdown timeout or give them back, exit).
    Worker,
    /// Apply pending database migrations as the schema owner role.
    Migrate,
    /// Load seed data from seeds/ (idempotent: a second run adds nothing).
    Seed {
        /// Which data set: `demo` (a few known logins and a small team) or
        /// `staging` (60+ users, 20 teams, 150 tasks with comments and time).
        #[arg(long, default_value = "demo")]
        profile: String,
    },
    /// Create a global admin, or promote an existing account. The password is
    /// read from TASKFLOW_ADMIN_PASSWORD, else from standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
    /// Delete expired short-lived data (idempotency keys older than 24 h),
    /// tasks in the trash longer than `tasks.trash_days` and jobs finished
    /// more than `jobs.keep_days` ago. Safe to run any
    /// time; schedule it hourly (see docs/operations.md).
    Prune,
    /// Delete audit events older than the retention period (e.g. `90d`).
    /// Schedule daily; see docs/security.md for the retention policy.
    PruneAudit {
        #[arg(long, default_value = "90d", value_parser = parse_days)]
        older_than: i32,
    },
    /// Load and validate the configuration, print it with secrets redacted, and exit.
    CheckConfig,
    /// Exercise a running TaskFlow end to end (health, sign-up, tasks,
    /// comments, time, metrics); exits non-zero at the first failure.
    Smoke {
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        base_url: String,
        /// Where /metrics is reachable, if not at BASE_URL/metrics.
        #[arg(long)]
        metrics_url: Option<String>,
    },
    /// Exit 0 when the server at URL answers its liveness probe (for a
    /// container HEALTHCHECK without a shell or curl). Without --url it
    /// probes the port the server is configured with in the environment
    /// (TASKFLOW_APPLICATION__PORT), else 3000.
    Healthcheck {
        #[arg(long)]
        url: Option<String>,
    },
    /// Print the OpenAPI document (what /api/v1/openapi.json serves), for
    /// generating clients and linting the contract without a server.
    Openapi,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // These two talk to a server over HTTP and need no configuration.
    match cli.command {
        Command::Smoke { base_url, metrics_url } => {
            let steps = crate::smoke::run(crate::smoke::Options { base_url, metrics_url })
                .await
                .map_err(|e| anyhow::anyhow!("smoke test failed at {e}"))?;
            println!("smoke test passed: {steps} steps");
            return Ok(());
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(crate::routes::openapi::document())?);
            return Ok(());
        }
        Command::Healthcheck { url } => {
            // The HEALTHCHECK runs with the container's environment, so a
            // port moved there is the port probed.
            let url = url.unwrap_or_else(|| {
                let port = std::env::var("TASKFLOW_APPLICATION__PORT").unwrap_or_else(|_| "3000".into());
                format!("http://127.0.0.1:{port}/health/live")
            });
            let resp =
                reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build()?.get(&url).send().await?;
            anyhow::ensure!(resp.status().is_success(), "{url} answered {}", resp.status());
            return Ok(());
        }
        _ => {}
    }
    let settings = Settings::load()?;
    match cli.command {
        Command::Smoke { .. } | Command::Healthcheck { .. } | Command::Openapi => Ok(()),
        Command::Serve => serve(settings).await,
        Command::Worker => worker(settings).await,
        Command::Migrate => migrate(&settings).await,
        Command::Seed { profile } => {
            if settings.environment == Environment::Production {
                anyhow::bail!("refusing to seed demo data into a production environment");
            }
            let pool = db::app_pool(&settings.database);
            let report = seed::run(&pool, &profile).await?;
            println!("{report}");
            Ok(())
        }
        Command::CreateAdmin { email, display_name } => create_admin(&settings, &email, &display_name).await,
        Command::Prune => {
            let pool = db::app_pool(&settings.database);
            let n = db::idempotency::prune(&pool).await?;
            println!("pruned {n} expired idempotency key(s)");
            let days = settings.tasks.trash_days;
            let n = db::trash::prune(&pool, i32::try_from(days)?).await?;
            println!("pruned {n} task(s) in the trash longer than {days} days");
            let days = settings.jobs.keep_days;
            let n = db::jobs::prune(&pool, i32::try_from(days)?).await?;
            println!("pruned {n} job(s) finished more than {days} days ago");
            Ok(())
        }
        Command::PruneAudit { older_than } => {
            let pool = db::app_pool(&settings.database);
            let n = db::audit::prune(&pool, older_than).await?;
            println!("pruned {n} audit event(s) older than {older_than} days");
            Ok(())
        }
        Command::CheckConfig => {
            println!("{settings:#?}");
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings.clone()).await?;
    tracing::info!(
        port = app.port(),
        metrics_port = app.metrics_port(),
        environment = settings.environment.as_str(),
        version = env!("CARGO_PKG_VERSION"),
        "taskflow listening"
    );
    tokio::spawn(stop_on_signal(app.handle()));
    app.run_until_stopped().await?;
    tracing::info!("taskflow stopped");
    Ok(())
}

async fn worker(settings: Settings) -> anyhow::Result<()> {
    let app = crate::startup::WorkerApp::build(settings.clone()).await?;
    tracing::info!(
        port = app.port(),
        workers = settings.jobs.workers,
        environment = settings.environment.as_str(),
        version = env!("CARGO_PKG_VERSION"),
        "taskflow listening"
    );
    tokio::spawn(stop_on_signal(app.handle()));
    app.run_until_stopped().await?;
    tracing::info!("taskflow worker stopped");
    Ok(())
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    db::migrate(&settings.database).await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn create_admin(settings: &Settings, email: &str, display_name: &str) -> anyhow::Result<()> {
    let password = match std::env::var("TASKFLOW_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut buf = String::new();
            std::io::stdin().read_to_string(&mut buf)?;
            buf.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let account = NewAccount {
        email: Email::parse(email).map_err(|m| anyhow::anyhow!("email {m}"))?,
        password: Password::parse(SecretString::from(password)).map_err(|m| anyhow::anyhow!("password {m}"))?,
        display_name: DisplayName::parse(display_name).map_err(|m| anyhow::anyhow!("display name {m}"))?,
        time_zone: crate::domain::user::TimeZone::UTC,
    };
    let pool = db::app_pool(&settings.database);
    let (user, created) = account::ensure_admin(&pool, account).await?;
    println!("{} admin {} ({})", if created { "created" } else { "promoted" }, user.email, user.user_id);
    Ok(())
}

/// `90d` -> 90. Days are the unit of audit retention.
/// The shortest audit retention the database allows.
const MIN_AUDIT_RETENTION_DAYS: i32 = 90;

fn parse_days(raw: &str) -> Result<i32, String> {
    let n = raw.strip_suffix('d').unwrap_or(raw);
    match n.parse::<i32>() {
        // The database refuses less too (private.prune_audit_events).
        Ok(days) if days >= MIN_AUDIT_RETENTION_DAYS => Ok(days),
        Ok(_) => Err(format!("audit events are kept at least {MIN_AUDIT_RETENTION_DAYS} days; '{raw}' is shorter")),
        _ => Err(format!("'{raw}' is not a number of days like 90d")),
    }
}
