//! `make load`: seeds a large dataset, starts a release `taskflow`, signs in
//! every load user, then measures
//!   1. the raw-SQL ceiling for list and get (the server's own query code),
//!   2. the same two operations through the API at the same concurrency,
//!   3. the full request mix at many concurrent connections,
//!
//! and writes `report.json` and `report.md` to the output folder. It reports;
//! it never passes or fails on a figure.

mod ceiling;
mod client;
mod dataset;
mod report;
mod server;
mod stats;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use sqlx::postgres::PgPoolOptions;
use taskflow::config::Settings;

use crate::client::{Mix, Shared};
use crate::report::{Phase, Report};

#[derive(Parser)]
#[command(about = "TaskFlow load test: seed, serve, measure, report")]
struct Args {
    /// The server binary to start (a release build).
    #[arg(long, default_value = "target/release/taskflow")]
    server: PathBuf,
    #[arg(long, default_value_t = 3100)]
    port: u16,
    #[arg(long, default_value_t = 1000)]
    users: i64,
    #[arg(long, default_value_t = 200_000)]
    tasks: i64,
    /// Concurrent connections in the mixed phase.
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// Seconds of the mixed phase.
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// Concurrency of the ceiling comparison (SQL loop and API alike).
    #[arg(long, default_value_t = 64)]
    compare_connections: usize,
    /// Seconds of each comparison phase.
    #[arg(long, default_value_t = 15)]
    compare_duration: u64,
    /// Seed and stop.
    #[arg(long)]
    seed_only: bool,
    #[arg(long, default_value = "target/load")]
    out: PathBuf,
}

/// The report phase's groupings and zones.
const REPORTS: [(&str, &str); 8] = [
    ("user", "UTC"),
    ("day", "UTC"),
    ("week", "Europe/Berlin"),
    ("user,day", "Europe/Berlin"),
    ("task", "UTC"),
    ("label", "UTC"),
    ("user", "Asia/Kolkata"),
    ("day", "Asia/Kolkata"),
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let settings = Settings::load()?;
    let sizes = dataset::Sizes::scaled(args.users, args.tasks);
    std::fs::create_dir_all(&args.out)?;

    let app_pool = PgPoolOptions::new()
        .max_connections(settings.database.max_connections)
        .connect_with(settings.database.app_options())
        .await?;
    let owner_pool = PgPoolOptions::new().max_connections(1).connect_with(settings.database.owner_options()).await?;
    check_ids(&owner_pool).await?;

    println!("dataset: {sizes:?} in database {}", settings.database.name);
    let seed_seconds = dataset::seed(&app_pool, &owner_pool, sizes).await?;
    println!("seeded in {seed_seconds:.1} s");
    if args.seed_only {
        return Ok(());
    }

    let server = server::Server::start(&args.server, args.port, &args.out.join("server.log")).await?;
    println!("server ready in {:.0} ms, idle RSS {:.1} MiB", server.ready_ms, server.idle_rss_mib);

    let client =
        reqwest::Client::builder().pool_max_idle_per_host(usize::MAX).timeout(Duration::from_secs(30)).build()?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let signed_in = Instant::now();
    let users = client::sign_in(&client, &base, sizes, 8).await?;
    println!("{} users signed in in {:.1} s", users.len(), signed_in.elapsed().as_secs_f64());
    let shared = Arc::new(Shared { client, base, users, sizes });

    let mut report = Report::new(sizes, seed_seconds, &settings, server.ready_ms, server.idle_rss_mib);
    report.sign_in_peak_rss_mib = server.peak_rss_mib();
    let compare = Duration::from_secs(args.compare_duration);
    for (mix, what) in [(Mix::ListOnly, "list my tasks (50)"), (Mix::GetOnly, "get task by id")] {
        println!("ceiling: {what}, {} concurrent, {} s", args.compare_connections, args.compare_duration);
        let sql = ceiling::run(app_pool.clone(), shared.clone(), args.compare_connections, mix, compare).await;
        report.push(Phase::new(format!("SQL ceiling: {what}"), args.compare_connections, compare, &sql, None));
        println!("api: {what}, {} concurrent, {} s", args.compare_connections, args.compare_duration);
        server.reset_peak();
        let api = client::run(shared.clone(), args.compare_connections, mix, compare).await;
        let peak = server.peak_rss_mib();
        report.push(Phase::new(format!("API: {what}"), args.compare_connections, compare, &api, Some(peak)));
    }
    // The report phase: each grouping alone, so its database time per call
    // is its own. Person and calendar groupings in a whole-hour zone read
    // the hourly rollups; task and label, and any grouping in a half-hour
    // zone (Asia/Kolkata), read every entry in range.
    report.report_density = Some(dataset::report_density(&app_pool, sizes).await?);
    for (by, tz) in REPORTS {
        println!("report: group_by={by} tz={tz}, {} concurrent, {} s", args.compare_connections, args.compare_duration);
        let before = server::db_times(&shared.client, &shared.base).await;
        let stats = client::run(shared.clone(), args.compare_connections, Mix::Report { by, tz }, compare).await;
        let after = server::db_times(&shared.client, &shared.base).await;
        report.push_report(by, tz, &before, &after, &stats, compare);
    }
    app_pool.close().await;

    let duration = Duration::from_secs(args.duration);
    println!("mixed workload: {} connections, {} s", args.connections, args.duration);
    server.reset_peak();
    let before = server::db_times(&shared.client, &shared.base).await;
    let mixed = client::run(shared.clone(), args.connections, Mix::Full, duration).await;
    let peak = server.peak_rss_mib();
    let after = server::db_times(&shared.client, &shared.base).await;
    report.set_db_time(&before, &after, duration);
    report.push(Phase::new("API: mixed workload".into(), args.connections, duration, &mixed, Some(peak)));
    server.stop().await;

    report.write(&args.out)?;
    println!("{}", report.markdown());
    println!("written: {}/report.json and report.md", args.out.display());
    Ok(())
}

/// The driver computes the ids SQL generates; prove both agree before relying on it.
async fn check_ids(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let from_sql: uuid::Uuid = sqlx::query_scalar("select md5('load-task-123')::uuid").fetch_one(pool).await?;
    anyhow::ensure!(from_sql == dataset::id("task", 123), "md5 ids differ between Rust and Postgres");
    Ok(())
}
