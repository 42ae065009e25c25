//! What a run found, as JSON (for tools) and a markdown table (for
//! docs/performance.md).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use taskflow::config::Settings;

use crate::dataset::Sizes;
use crate::server::DbTimes;
use crate::stats::{Row, Stats};

#[derive(Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub date: String,
}

#[derive(Serialize)]
pub struct Phase {
    pub name: String,
    pub connections: usize,
    pub seconds: f64,
    pub rows: Vec<Row>,
    /// The server's peak RSS during this phase.
    pub server_peak_rss_mib: Option<f64>,
}

impl Phase {
    pub fn new(name: String, connections: usize, duration: Duration, stats: &Stats, peak: Option<f64>) -> Self {
        let seconds = duration.as_secs_f64();
        Self { name, connections, seconds, rows: stats.rows(seconds), server_peak_rss_mib: peak }
    }

    fn total(&self) -> Option<&Row> {
        self.rows.iter().find(|r| r.endpoint == "all")
    }
}

#[derive(Serialize)]
pub struct Report {
    pub machine: Machine,
    pub dataset: Sizes,
    pub seed_seconds: f64,
    pub server_workers: String,
    pub server_pool_connections: u32,
    pub server_ready_ms: f64,
    pub server_idle_rss_mib: f64,
    pub sign_in_peak_rss_mib: f64,
    pub phases: Vec<Phase>,
    /// API throughput over the SQL ceiling for the same operation.
    pub list_api_over_ceiling: Option<f64>,
    pub get_api_over_ceiling: Option<f64>,
    /// Where the database time of the mixed phase went, largest share first.
    pub mixed_db_time: Vec<DbShare>,
    /// What one team's default report reads, entries or rollup rows.
    pub report_density: Option<crate::dataset::ReportDensity>,
    /// The report phase: one grouping and zone at a time.
    pub reports: Vec<ReportRun>,
}

#[derive(Serialize)]
pub struct ReportRun {
    pub group_by: String,
    pub tz: String,
    /// "rollups" (person and calendar groupings, whole-hour zones) or "entries".
    pub reads: &'static str,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub errors: u64,
    /// The report statement's database time per call.
    pub db_ms_per_call: f64,
}

#[derive(Serialize)]
pub struct DbShare {
    pub operation: String,
    pub calls_per_second: f64,
    pub mean_ms: f64,
    /// Share of all database time (wall time per call, pool wait excluded).
    pub share: f64,
}

fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    Machine {
        cpu,
        cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        memory_gib: kib / 1024.0 / 1024.0,
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

impl Report {
    pub fn new(sizes: Sizes, seed_seconds: f64, settings: &Settings, ready_ms: f64, idle_rss_mib: f64) -> Self {
        let workers = match settings.application.workers {
            0 => format!("{} (one per core)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
            n => n.to_string(),
        };
        Self {
            machine: machine(),
            dataset: sizes,
            seed_seconds,
            server_workers: workers,
            server_pool_connections: settings.database.max_connections,
            server_ready_ms: ready_ms,
            server_idle_rss_mib: idle_rss_mib,
            sign_in_peak_rss_mib: f64::NAN,
            phases: Vec::new(),
            list_api_over_ceiling: None,
            get_api_over_ceiling: None,
            mixed_db_time: Vec::new(),
            report_density: None,
            reports: Vec::new(),
        }
    }

    /// Records a report-phase run: its latency, and the report statement's
    /// database time per call from the server's own histogram.
    pub fn push_report(
        &mut self,
        by: &str,
        tz: &str,
        before: &DbTimes,
        after: &DbTimes,
        stats: &Stats,
        duration: Duration,
    ) {
        let op = "time_entries.report";
        let (s1, c1) = after.get(op).copied().unwrap_or((0.0, 0.0));
        let (s0, c0) = before.get(op).copied().unwrap_or((0.0, 0.0));
        let rows = stats.rows(duration.as_secs_f64());
        let all = rows.iter().find(|r| r.endpoint == "all");
        let rolls_up = by.split(',').all(|l| ["user", "day", "week", "month"].contains(&l)) && tz != "Asia/Kolkata";
        self.reports.push(ReportRun {
            group_by: by.to_owned(),
            tz: tz.to_owned(),
            reads: if rolls_up { "rollups" } else { "entries" },
            per_second: all.map_or(0.0, |r| r.per_second),
            p50_ms: all.map_or(0.0, |r| r.p50_ms),
            p95_ms: all.map_or(0.0, |r| r.p95_ms),
            errors: all.map_or(0, |r| r.errors),
            db_ms_per_call: if c1 > c0 { (s1 - s0) / (c1 - c0) * 1000.0 } else { f64::NAN },
        });
    }

    fn ratio(&self, what: &str) -> Option<f64> {
        let rps = |prefix: &str| {
            self.phases
                .iter()
                .find(|p| p.name == format!("{prefix}{what}"))
                .and_then(|p| p.total())
                .map(|r| r.per_second)
        };
        Some(rps("API: ")? / rps("SQL ceiling: ")?)
    }

    pub fn set_db_time(&mut self, before: &DbTimes, after: &DbTimes, duration: Duration) {
        let delta: Vec<(String, f64, f64)> = after
            .iter()
            .map(|(op, (sum, count))| {
                let (s0, c0) = before.get(op).copied().unwrap_or((0.0, 0.0));
                (op.clone(), sum - s0, count - c0)
            })
            .filter(|(_, _, calls)| *calls > 0.0)
            .collect();
        let total: f64 = delta.iter().map(|d| d.1).sum();
        self.mixed_db_time = delta
            .into_iter()
            .map(|(operation, sum, calls)| DbShare {
                operation,
                calls_per_second: calls / duration.as_secs_f64(),
                mean_ms: sum / calls * 1000.0,
                share: if total > 0.0 { sum / total } else { 0.0 },
            })
            .collect();
        self.mixed_db_time.sort_by(|a, b| b.share.total_cmp(&a.share));
    }

    /// Records a finished phase; the API/ceiling ratios follow from the phases.
    pub fn push(&mut self, phase: Phase) {
        self.phases.push(phase);
        self.list_api_over_ceiling = self.ratio("list my tasks (50)");
        self.get_api_over_ceiling = self.ratio("get task by id");
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::write(dir.join("report.json"), serde_json::to_vec_pretty(self)?)?;
        std::fs::write(dir.join("report.md"), self.markdown())?;
        Ok(())
    }

    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let d = &self.dataset;
        let mut out = String::new();
        let _ = writeln!(out, "### Load test, {}\n", m.date);
        let _ = writeln!(
            out,
            "Machine: {} × {}, {:.0} GiB; load generator on the same cores.  ",
            m.cores, m.cpu, m.memory_gib
        );
        let _ = writeln!(
            out,
            "Dataset: {} users, {} teams, {} tasks, {} comments, {} time entries (seeded in {:.0} s).  ",
            d.users, d.teams, d.tasks, d.comments, d.time_entries, self.seed_seconds
        );
        let _ = writeln!(
            out,
            "Server: release build, {} workers, {} database connections; ready {:.0} ms after start; idle RSS {:.1} MiB; \
             peak RSS while {} users signed in {:.1} MiB.\n",
            self.server_workers, self.server_pool_connections, self.server_ready_ms, self.server_idle_rss_mib, d.users,
            self.sign_in_peak_rss_mib
        );
        let pct = |r: Option<f64>| r.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            out,
            "API throughput over the SQL ceiling: list my tasks {}, get task {}.\n",
            pct(self.list_api_over_ceiling),
            pct(self.get_api_over_ceiling)
        );
        for p in &self.phases {
            let peak = p.server_peak_rss_mib.map(|v| format!(", server peak RSS {v:.1} MiB")).unwrap_or_default();
            let _ = writeln!(out, "**{}** ({} concurrent, {:.0} s{peak})\n", p.name, p.connections, p.seconds);
            let _ = writeln!(out, "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |");
            let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            for r in &p.rows {
                let errors = if r.errors == 0 {
                    "0".to_owned()
                } else {
                    let kinds: Vec<String> = r.error_kinds.iter().map(|(k, n)| format!("{k}×{n}")).collect();
                    format!("{} ({})", r.errors, kinds.join(", "))
                };
                let name = if r.endpoint == "all" { "**all**".to_owned() } else { format!("`{}`", r.endpoint) };
                let _ = writeln!(
                    out,
                    "| {name} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} | {errors} |",
                    r.requests, r.per_second, r.p50_ms, r.p95_ms, r.p99_ms, r.max_ms
                );
            }
            let _ = writeln!(out);
        }
        if !self.reports.is_empty() {
            let _ = writeln!(out, "**Report phase**: one team's default 30 days, each grouping alone");
            if let Some(d) = self.report_density {
                let _ = writeln!(
                    out,
                    "(a team's range holds {} entries of {} people, {} hourly rollup rows)",
                    d.entries, d.people, d.rollup_rows
                );
            }
            let _ = writeln!(out, "\n| group_by | tz | reads | req/s | p50 ms | p95 ms | db ms/call | errors |");
            let _ = writeln!(out, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
            for r in &self.reports {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} | {:.0} | {:.1} | {:.1} | {:.2} | {} |",
                    r.group_by, r.tz, r.reads, r.per_second, r.p50_ms, r.p95_ms, r.db_ms_per_call, r.errors
                );
            }
            let _ = writeln!(out);
        }
        if !self.mixed_db_time.is_empty() {
            let _ = writeln!(
                out,
                "**Database time in the mixed phase, by operation** (server's `db_query_duration_seconds`)\n"
            );
            let _ = writeln!(out, "| operation | calls/s | mean ms | share |");
            let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
            for d in &self.mixed_db_time {
                let _ = writeln!(
                    out,
                    "| `{}` | {:.0} | {:.2} | {:.1}% |",
                    d.operation,
                    d.calls_per_second,
                    d.mean_ms,
                    d.share * 100.0
                );
            }
            let _ = writeln!(out);
        }
        out
    }
}
