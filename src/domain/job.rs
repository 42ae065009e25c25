//! Background jobs: their states, the kinds there are, when a failed one
//! runs again, and the diagnostic ping an operator uses to see the workers
//! (and their retries and alerts) work.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker (now, or at `run_at` for a retry).
    Queued,
    /// A worker holds it under a lease.
    Running,
    Done,
    /// Failed on its last attempt: kept for an admin to read and retry.
    Dead,
}

impl JobState {
    pub const ALL: [Self; 4] = [Self::Queued, Self::Running, Self::Done, Self::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }
}

impl std::str::FromStr for JobState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a job state; use queued, running, done or dead"))
    }
}

/// What a job does; each kind has one handler (src/worker.rs dispatches).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum JobKind {
    /// Does nothing but report which worker ran it, failing on purpose
    /// first when asked to: the workers' fire drill.
    #[serde(rename = "diagnostic.ping")]
    DiagnosticPing,
}

impl JobKind {
    pub const ALL: [Self; 1] = [Self::DiagnosticPing];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DiagnosticPing => "diagnostic.ping",
        }
    }

    /// Attempts before the job is dead.
    pub fn max_attempts(self) -> i32 {
        match self {
            Self::DiagnosticPing => 5,
        }
    }
}

impl std::str::FromStr for JobKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("'{s}' is not a job kind"))
    }
}

/// Exponential backoff with jitter: attempt n waits between half and all
/// of `base · 2^(n-1)`, capped. The jitter spreads the retries of jobs that
/// failed together (a receiver that was down) so they do not return in step.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub base_ms: u64,
    pub cap_ms: u64,
}

impl Backoff {
    /// `jitter` is uniform in [0, 1).
    pub fn delay_ms(self, attempt: i32, jitter: f64) -> u64 {
        let exp = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(40);
        let full = self.base_ms.saturating_mul(1u64 << exp).min(self.cap_ms);
        let half = full / 2;
        // Truncation of a value below `full - half` is the intent.
        half + ((full - half) as f64 * jitter.clamp(0.0, 1.0)) as u64
    }
}

/// How a ping fails on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PingFailure {
    /// The handler returns an error.
    Error,
    /// The handler panics (the worker survives it).
    Panic,
    /// The handler runs past its timeout.
    Hang,
}

/// A diagnostic ping: fails its first `fail_attempts` attempts in the way
/// `fail_with` says, then succeeds after sleeping `sleep_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ping {
    pub fail_attempts: i32,
    pub fail_with: PingFailure,
    pub sleep_ms: u64,
    pub timeout_ms: i32,
}

impl Ping {
    pub const MAX_SLEEP_MS: u64 = 60_000;
    pub const MAX_TIMEOUT_MS: i32 = 120_000;
    pub const MAX_COUNT: i64 = 1_000;

    /// The first `fail_attempts` attempts fail; a ping that would never
    /// succeed within its kind's attempts is allowed (that is how an
    /// operator sees a job go dead).
    pub fn new(
        fail_attempts: i32,
        fail_with: PingFailure,
        sleep_ms: u64,
        timeout_ms: i32,
    ) -> Result<Self, (&'static str, String)> {
        let max = JobKind::DiagnosticPing.max_attempts();
        if !(0..=max).contains(&fail_attempts) {
            return Err(("fail_attempts", format!("must be between 0 and {max}")));
        }
        if sleep_ms > Self::MAX_SLEEP_MS {
            return Err(("sleep_ms", format!("must be at most {}", Self::MAX_SLEEP_MS)));
        }
        if !(1..=Self::MAX_TIMEOUT_MS).contains(&timeout_ms) {
            return Err(("timeout_ms", format!("must be between 1 and {}", Self::MAX_TIMEOUT_MS)));
        }
        Ok(Self { fail_attempts, fail_with, sleep_ms, timeout_ms })
    }

    /// How attempt `n` (from 1) fails, if it does.
    pub fn failure(&self, attempt: i32) -> Option<PingFailure> {
        (attempt <= self.fail_attempts).then_some(self.fail_with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_kinds_round_trip_and_unknown_ones_are_named() {
        for s in JobState::ALL {
            assert_eq!(s.as_str().parse::<JobState>(), Ok(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::Value::String(s.as_str().into())));
        }
        for k in JobKind::ALL {
            assert_eq!(k.as_str().parse::<JobKind>(), Ok(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::Value::String(k.as_str().into())));
        }
        assert!("finished".parse::<JobState>().err().unwrap_or_default().contains("'finished'"));
        assert!("Queued".parse::<JobState>().is_err());
        assert!("diagnostic".parse::<JobKind>().err().unwrap_or_default().contains("not a job kind"));
    }

    #[test]
    fn backoff_doubles_between_half_and_all_and_stops_at_the_cap() {
        let b = Backoff { base_ms: 1_000, cap_ms: 60_000 };
        assert_eq!(b.delay_ms(1, 0.0), 500);
        assert_eq!(b.delay_ms(1, 0.999_999), 999);
        assert_eq!(b.delay_ms(2, 0.0), 1_000);
        assert_eq!(b.delay_ms(3, 0.5), 3_000);
        assert_eq!(b.delay_ms(4, 0.0), 4_000);
        // 2^6 s = 64 s: over the cap.
        assert_eq!(b.delay_ms(7, 0.0), 30_000);
        assert_eq!(b.delay_ms(7, 1.0), 60_000);
        // Far attempts neither overflow nor pass the cap.
        assert_eq!(b.delay_ms(1_000, 1.0), 60_000);
        // A jitter outside [0, 1) is clamped, not trusted.
        assert_eq!(b.delay_ms(1, 7.0), 1_000);
        assert_eq!(b.delay_ms(1, -1.0), 500);
        // Attempt 0 (never claimed) waits like the first.
        assert_eq!(b.delay_ms(0, 0.0), 500);
    }

    #[test]
    fn a_ping_fails_its_first_attempts_only_and_is_bounded() {
        let p = Ping::new(2, PingFailure::Panic, 0, 1_000).map_err(|e| e.1);
        assert_eq!(
            p.map(|p| [p.failure(1), p.failure(2), p.failure(3)]),
            Ok([Some(PingFailure::Panic), Some(PingFailure::Panic), None])
        );
        let never = Ping::new(0, PingFailure::Error, 10, 1).map_err(|e| e.1);
        assert_eq!(never.map(|p| p.failure(1)), Ok(None));
        assert_eq!(Ping::new(-1, PingFailure::Error, 0, 1).err().map(|e| e.0), Some("fail_attempts"));
        assert_eq!(Ping::new(6, PingFailure::Error, 0, 1).err().map(|e| e.0), Some("fail_attempts"));
        assert!(Ping::new(5, PingFailure::Hang, 0, 1).is_ok());
        assert_eq!(Ping::new(0, PingFailure::Error, 60_001, 1).err().map(|e| e.0), Some("sleep_ms"));
        assert!(Ping::new(0, PingFailure::Error, 60_000, 1).is_ok());
        assert_eq!(Ping::new(0, PingFailure::Error, 0, 0).err().map(|e| e.0), Some("timeout_ms"));
        assert_eq!(Ping::new(0, PingFailure::Error, 0, 120_001).err().map(|e| e.0), Some("timeout_ms"));
        assert!(Ping::new(0, PingFailure::Error, 0, 120_000).is_ok());
    }
}
