//! The server under test: a child process, timed from spawn to ready, its
//! memory read from `/proc` (VmRSS now, VmHWM the peak since the last reset).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub ready_ms: f64,
    pub idle_rss_mib: f64,
}

impl Server {
    pub async fn start(bin: &Path, port: u16, log: &Path) -> anyhow::Result<Self> {
        let log_file = std::fs::File::create(log)?;
        let started = Instant::now();
        let child = Command::new(bin)
            .arg("serve")
            .env("TASKFLOW_APPLICATION__PORT", port.to_string())
            // The driver gives each user its own client address (see client.rs).
            .env("TASKFLOW_APPLICATION__CLIENT_IP_HEADER", "x-forwarded-for")
            .env("TASKFLOW_REDIS__KEY_PREFIX", "taskflow-load:")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()?;
        let mut server = Self { child, ready_ms: 0.0, idle_rss_mib: 0.0 };
        let probe = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{port}/health/ready");
        loop {
            if let Ok(r) = probe.get(&url).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            if let Some(status) = server.child.try_wait()? {
                anyhow::bail!("the server exited with {status}; see {}", log.display());
            }
            anyhow::ensure!(started.elapsed() < Duration::from_secs(30), "the server was not ready within 30 s");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.ready_ms = started.elapsed().as_secs_f64() * 1000.0;
        tokio::time::sleep(Duration::from_secs(1)).await;
        server.idle_rss_mib = server.status_mib("VmRSS:");
        Ok(server)
    }

    fn status_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kib| kib / 1024.0)
            .unwrap_or(f64::NAN)
    }

    /// Peak resident memory since start or the last `reset_peak`.
    pub fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }

    /// Starts a new peak window (`5` to clear_refs resets VmHWM; Linux 4.0+).
    pub fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }

    /// SIGTERM, as Kubernetes would, and wait for the graceful exit.
    pub async fn stop(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sum and count of `db_query_duration_seconds` per operation, from `/metrics`.
pub type DbTimes = std::collections::BTreeMap<String, (f64, f64)>;

pub async fn db_times(client: &reqwest::Client, base: &str) -> DbTimes {
    let text = match client.get(format!("{base}/metrics")).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let mut out = DbTimes::new();
    for line in text.lines() {
        let (series, value) = match line.rsplit_once(' ') {
            Some(x) => x,
            None => continue,
        };
        let which = if series.starts_with("db_query_duration_seconds_sum{") {
            0
        } else if series.starts_with("db_query_duration_seconds_count{") {
            1
        } else {
            continue;
        };
        let op = series.split("operation=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("?").to_owned();
        let v: f64 = value.parse().unwrap_or(0.0);
        let e = out.entry(op).or_insert((0.0, 0.0));
        if which == 0 {
            e.0 = v;
        } else {
            e.1 = v;
        }
    }
    out
}
