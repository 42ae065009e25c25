//! Latency histograms per endpoint, merged from every virtual user.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

pub struct Endpoint {
    hist: Histogram<u64>,
    /// Unexpected outcomes by status ("transport" when no response came).
    errors: BTreeMap<String, u64>,
}

impl Endpoint {
    fn new() -> Self {
        // 1 µs to 60 s at 3 significant digits.
        #[allow(clippy::unwrap_used)]
        let hist = Histogram::new_with_bounds(1, 60_000_000, 3).unwrap();
        Self { hist, errors: BTreeMap::new() }
    }
}

#[derive(Default)]
pub struct Stats {
    by: BTreeMap<&'static str, Endpoint>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub endpoint: String,
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: u64,
    pub error_kinds: BTreeMap<String, u64>,
}

impl Stats {
    pub fn record(&mut self, name: &'static str, micros: u64, error: Option<String>) {
        let e = self.by.entry(name).or_insert_with(Endpoint::new);
        e.hist.saturating_record(micros.max(1));
        if let Some(kind) = error {
            *e.errors.entry(kind).or_default() += 1;
        }
    }

    pub fn merge(&mut self, other: Stats) {
        for (name, theirs) in other.by {
            let mine = self.by.entry(name).or_insert_with(Endpoint::new);
            // Same bounds on both sides, so adding cannot fail.
            let _ = mine.hist.add(&theirs.hist);
            for (k, n) in theirs.errors {
                *mine.errors.entry(k).or_default() += n;
            }
        }
    }

    /// Merges what every worker recorded. A worker that panicked lost its
    /// figures; the report then simply counts fewer requests.
    pub async fn gather(handles: Vec<tokio::task::JoinHandle<Stats>>) -> Stats {
        let mut total = Stats::default();
        for h in handles {
            if let Ok(s) = h.await {
                total.merge(s);
            }
        }
        total
    }

    /// One row per endpoint, then "all" over every request.
    pub fn rows(&self, seconds: f64) -> Vec<Row> {
        let mut all = Endpoint::new();
        let mut rows: Vec<Row> = self
            .by
            .iter()
            .map(|(name, e)| {
                let _ = all.hist.add(&e.hist);
                for (k, n) in &e.errors {
                    *all.errors.entry(k.clone()).or_default() += n;
                }
                row(name, e, seconds)
            })
            .collect();
        rows.push(row("all", &all, seconds));
        rows
    }
}

fn row(name: &str, e: &Endpoint, seconds: f64) -> Row {
    let ms = |q: f64| e.hist.value_at_quantile(q) as f64 / 1000.0;
    Row {
        endpoint: name.to_owned(),
        requests: e.hist.len(),
        per_second: e.hist.len() as f64 / seconds,
        p50_ms: ms(0.50),
        p95_ms: ms(0.95),
        p99_ms: ms(0.99),
        max_ms: e.hist.max() as f64 / 1000.0,
        errors: e.errors.values().sum(),
        error_kinds: e.errors.clone(),
    }
}
