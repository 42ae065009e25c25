//! Rate limits and login back-off. Counters live in Redis so every replica
//! sees the same numbers; when Redis fails, this process keeps its own
//! counters instead of opening the gate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::kv::Kv;

/// What a limit said about one request; becomes `RateLimit-*` headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitInfo {
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window resets (or the lock lifts).
    pub reset: u64,
}

pub struct Decision {
    pub allowed: bool,
    pub info: RateLimitInfo,
}

/// Limits in force (per window): generous for people, tight for scripts.
pub mod policy {
    use std::time::Duration;

    /// Failed sign-ins (passwords and MFA codes) remembered this long.
    pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
    /// Failures per account before back-off starts, and per IP.
    pub const ACCOUNT_FREE_FAILURES: u64 = 5;
    pub const IP_FREE_FAILURES: u64 = 20;
    /// Back-off doubles from this, per failure beyond the free ones...
    pub const BACKOFF_BASE: Duration = Duration::from_secs(30);
    /// ...and never exceeds this, so an attacker cannot lock a person out for long.
    pub const BACKOFF_MAX: Duration = Duration::from_secs(5 * 60);
}

/// Back-off after `failures` failures when `free` are tolerated.
pub fn backoff(failures: u64, free: u64) -> Option<Duration> {
    if failures < free {
        return None;
    }
    let doublings = (failures - free).min(16) as u32;
    Some((policy::BACKOFF_BASE * 2u32.pow(doublings)).min(policy::BACKOFF_MAX))
}

fn decide(limit: u64, count: u64, ttl_ms: i64) -> Decision {
    let reset = (ttl_ms.max(0) as u64).div_ceil(1000).max(1);
    Decision { allowed: count <= limit, info: RateLimitInfo { limit, remaining: limit.saturating_sub(count), reset } }
}

pub struct RateLimiter {
    kv: Kv,
    local: Mutex<HashMap<String, (u64, Instant)>>,
    /// Budgets in force (from `rate_limits` settings; see `policy` for the defaults).
    pub per_user: (u64, Duration),
    pub auth_per_ip: (u64, Duration),
}

impl RateLimiter {
    pub fn new(kv: Kv, settings: &crate::config::RateLimitSettings) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            kv,
            local: Mutex::new(HashMap::new()),
            per_user: (settings.per_user_per_minute, minute),
            auth_per_ip: (settings.auth_per_ip_per_minute, minute),
        }
    }

    fn local_hit(&self, key: &str, window: Duration) -> (u64, i64) {
        let now = Instant::now();
        let Ok(mut map) = self.local.lock() else { return (u64::MAX, window.as_millis() as i64) };
        if map.len() > 100_000 {
            map.retain(|_, (_, until)| *until > now);
        }
        let entry = map.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        (entry.0, entry.1.saturating_duration_since(now).as_millis() as i64)
    }

    fn local_ttl(&self, key: &str) -> Option<i64> {
        let now = Instant::now();
        let map = self.local.lock().ok()?;
        map.get(key).filter(|(_, until)| *until > now).map(|(_, until)| until.duration_since(now).as_millis() as i64)
    }

    async fn incr(&self, key: &str, window: Duration) -> (u64, i64) {
        match self.kv.incr_window(key, window).await {
            Ok(v) => v,
            Err(_) => self.local_hit(key, window),
        }
    }

    /// Counts one request against `key`.
    pub async fn hit(&self, key: &str, (limit, window): (u64, Duration)) -> Decision {
        let (count, ttl_ms) = self.incr(key, window).await;
        decide(limit, count, ttl_ms)
    }

    /// Counts one request against `key` and, in the same Redis round trip,
    /// says whether any of `denylist` exists. Without Redis the count is kept
    /// locally and the denylist reads as empty: Postgres refuses revoked
    /// sessions on its own.
    pub async fn hit_and_check(
        &self,
        key: &str,
        (limit, window): (u64, Duration),
        denylist: &[String],
    ) -> (Decision, bool) {
        match self.kv.incr_window_and_count(key, window, denylist).await {
            Ok((denied, count, ttl_ms)) => (decide(limit, count, ttl_ms), denied > 0),
            Err(_) => {
                let (count, ttl_ms) = self.local_hit(key, window);
                (decide(limit, count, ttl_ms), false)
            }
        }
    }

    /// Seconds left on a lock, if `key` is locked.
    pub async fn locked_for(&self, key: &str) -> Option<u64> {
        let ttl = match self.kv.ttl_ms(key).await {
            Ok(t) => t,
            Err(_) => self.local_ttl(key),
        };
        ttl.map(|ms| (ms as u64).div_ceil(1000).max(1))
    }

    /// Records a failed sign-in for each (failure key, lock key, free failures)
    /// and locks those over their allowance with a growing back-off.
    pub async fn record_failure(&self, subjects: &[(String, String, u64)]) -> Option<Duration> {
        let mut longest = None;
        for (failures_key, lock_key, free) in subjects {
            let (failures, _) = self.incr(failures_key, policy::FAILURE_WINDOW).await;
            if let Some(wait) = backoff(failures, *free) {
                if self.kv.set_with_ttl(lock_key, "1", wait).await.is_err() {
                    self.lock_locally(lock_key, wait);
                }
                longest = longest.max(Some(wait));
            }
        }
        longest
    }

    fn lock_locally(&self, key: &str, wait: Duration) {
        if let Ok(mut map) = self.local.lock() {
            map.insert(key.to_owned(), (1, Instant::now() + wait));
        }
    }

    /// Forgets failures after a successful sign-in.
    pub async fn clear(&self, keys: &[String]) {
        let _ = self.kv.del(keys).await;
        if let Ok(mut map) = self.local.lock() {
            for k in keys {
                map.remove(k);
            }
        }
    }
}

/// Rate-limit keys never carry an email in clear: Redis is not where personal data goes.
pub fn account_key(kind: &str, email: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(email.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("{kind}:acct:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(4, 5), None);
        assert_eq!(backoff(5, 5), Some(Duration::from_secs(30)));
        assert_eq!(backoff(6, 5), Some(Duration::from_secs(60)));
        assert_eq!(backoff(8, 5), Some(Duration::from_secs(240)));
        assert_eq!(backoff(9, 5), Some(policy::BACKOFF_MAX));
        assert_eq!(backoff(1000, 5), Some(policy::BACKOFF_MAX));
    }
}
