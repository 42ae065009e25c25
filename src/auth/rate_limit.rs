//! Rate limits and login back-off. Counters live in Redis so every replica
//! sees the same numbers; when Redis fails, this process keeps its own
//! counters instead of opening the gate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::kv::Kv;

/// What a limit said about one request; becomes the `RateLimit-Policy` and
/// `RateLimit` headers (draft-ietf-httpapi-ratelimit-headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitInfo {
    /// The policy's name: what the key counts against (`user`, `auth`, …).
    pub policy: &'static str,
    /// The quota per window; 0 for a lock, which has no quota.
    pub limit: u64,
    /// The window, in seconds (0 for a lock).
    pub window: u64,
    pub remaining: u64,
    /// Seconds until the window resets (or the lock lifts).
    pub reset: u64,
}

/// The policy a key counts against, by the key's first segment (keys are
/// made in code: `user:<id>`, `auth:ip:<addr>`, `invite:<id>`).
fn policy_of(key: &str) -> &'static str {
    match key.split(':').next() {
        Some("user") => "user",
        Some("auth") => "auth",
        Some("invite") => "invite",
        _ => "default",
    }
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
    /// Failures of one account from one address before that pair backs off:
    /// a guesser slows only themselves, never the owner elsewhere.
    pub const PAIR_FREE_FAILURES: u64 = 5;
    /// Failures from one address, whatever the account, before it backs off.
    pub const IP_FREE_FAILURES: u64 = 20;
    /// Failures of one account across all addresses before the account itself
    /// backs off: high enough that only a distributed attack reaches it.
    pub const ACCOUNT_CEILING: u64 = 100;
    /// Wrong passwords or codes for one re-authenticated action of one user
    /// (password change, MFA off, new recovery codes, erasure, linking)
    /// before that action backs off; the account and its sign-in stay open.
    pub const ACTION_FREE_FAILURES: u64 = 5;
    /// Back-off doubles from this, per failure beyond the free ones...
    pub const BACKOFF_BASE: Duration = Duration::from_secs(30);
    /// ...and never exceeds this.
    pub const BACKOFF_MAX: Duration = Duration::from_secs(15 * 60);
}

/// Back-off after `failures` failures when `free` are tolerated.
pub fn backoff(failures: u64, free: u64) -> Option<Duration> {
    if failures < free {
        return None;
    }
    let doublings = (failures - free).min(16) as u32;
    Some((policy::BACKOFF_BASE * 2u32.pow(doublings)).min(policy::BACKOFF_MAX))
}

/// What is counted when an attempt fails: a failure counter, the lock it
/// sets once over `free`, and the scope the audit log names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Throttle {
    pub failures: String,
    pub lock: String,
    pub free: u64,
    pub scope: &'static str,
}

impl Throttle {
    fn new(scope: &'static str, id: &str, free: u64) -> Self {
        Self { failures: format!("fail:{scope}:{id}"), lock: format!("lock:{scope}:{id}"), free, scope }
    }

    /// Sign-in by password or second factor: the (account, address) pair,
    /// the address, and the account's distributed-attack ceiling. `account`
    /// is an email or a user id; it never reaches Redis in clear.
    pub fn sign_in(account: &str, ip: &str) -> [Throttle; 3] {
        [
            Throttle::new("pair", &digest(&format!("{account}\n{ip}")), policy::PAIR_FREE_FAILURES),
            Throttle::new("ip", ip, policy::IP_FREE_FAILURES),
            Throttle::account(account),
        ]
    }

    /// The account's distributed-attack ceiling, shared by every address.
    pub fn account(account: &str) -> Throttle {
        Throttle::new("acct", &digest(account), policy::ACCOUNT_CEILING)
    }

    /// One re-authenticated action of one signed-in user.
    pub fn action(user: uuid::Uuid, action: &str) -> Throttle {
        Throttle::new("action", &format!("{action}:{user}"), policy::ACTION_FREE_FAILURES)
    }

    /// Its Redis keys: the failure counter and the lock.
    pub fn keys(&self) -> [String; 2] {
        [self.failures.clone(), self.lock.clone()]
    }
}

/// Rate-limit keys never carry an email in clear: Redis is not where personal data goes.
fn digest(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes()).iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// A lock that refused an attempt, and which scope set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Locked {
    pub seconds: u64,
    pub scope: &'static str,
}

/// The longer of a lock found so far and another one.
fn longer(so_far: Option<Locked>, seconds: u64, scope: &'static str) -> Option<Locked> {
    match so_far {
        Some(l) if l.seconds >= seconds => Some(l),
        _ => Some(Locked { seconds, scope }),
    }
}

fn decide(key: &str, (limit, window): (u64, Duration), count: u64, ttl_ms: i64) -> Decision {
    let reset = (ttl_ms.max(0) as u64).div_ceil(1000).max(1);
    let info = RateLimitInfo {
        policy: policy_of(key),
        limit,
        window: window.as_secs(),
        remaining: limit.saturating_sub(count),
        reset,
    };
    Decision { allowed: count <= limit, info }
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
        // A new counter starts expired, so the one line below opens every window.
        let entry = map.entry(key.to_owned()).or_insert((0, now));
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
    pub async fn hit(&self, key: &str, budget: (u64, Duration)) -> Decision {
        let (count, ttl_ms) = self.incr(key, budget.1).await;
        decide(key, budget, count, ttl_ms)
    }

    /// Counts one request against `key` and, in the same Redis round trip,
    /// says whether any of `denylist` exists. Without Redis the count is kept
    /// locally and the denylist reads as empty: Postgres refuses revoked
    /// sessions on its own.
    pub async fn hit_and_check(&self, key: &str, budget: (u64, Duration), denylist: &[String]) -> (Decision, bool) {
        match self.kv.incr_window_and_count(key, budget.1, denylist).await {
            Ok((denied, count, ttl_ms)) => (decide(key, budget, count, ttl_ms), denied > 0),
            Err(_) => {
                let (count, ttl_ms) = self.local_hit(key, budget.1);
                (decide(key, budget, count, ttl_ms), false)
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

    /// The longest lock in force on any of `throttles`, checked before any
    /// password is hashed.
    pub async fn locked(&self, throttles: &[Throttle]) -> Option<Locked> {
        let mut longest: Option<Locked> = None;
        for t in throttles {
            if let Some(seconds) = self.locked_for(&t.lock).await {
                longest = longer(longest, seconds, t.scope);
            }
        }
        longest
    }

    /// Counts a failure against each throttle and locks those over their
    /// allowance with a growing back-off; returns the longest lock it set.
    pub async fn record_failure(&self, throttles: &[Throttle]) -> Option<Locked> {
        let mut longest: Option<Locked> = None;
        for t in throttles {
            let (failures, _) = self.incr(&t.failures, policy::FAILURE_WINDOW).await;
            if let Some(wait) = backoff(failures, t.free) {
                if self.kv.set_with_ttl(&t.lock, "1", wait).await.is_err() {
                    self.lock_locally(&t.lock, wait);
                }
                longest = longer(longest, wait.as_secs(), t.scope);
            }
        }
        longest
    }

    /// Forgets the failures of `throttles` after a success. Callers leave
    /// the account ceiling out: one success must not reset a distributed
    /// attack's count.
    pub async fn forget(&self, throttles: &[Throttle]) {
        let keys: Vec<String> = throttles.iter().flat_map(Throttle::keys).collect();
        self.clear(&keys).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(4, 5), None);
        assert_eq!(backoff(5, 5), Some(Duration::from_secs(30)));
        assert_eq!(backoff(6, 5), Some(Duration::from_secs(60)));
        assert_eq!(backoff(8, 5), Some(Duration::from_secs(240)));
        assert_eq!(backoff(9, 5), Some(Duration::from_secs(480)));
        assert_eq!(backoff(10, 5), Some(policy::BACKOFF_MAX));
        assert_eq!(backoff(1000, 5), Some(policy::BACKOFF_MAX));
    }

    #[test]
    fn sign_in_throttles_separate_the_pair_the_address_and_the_account() {
        let a = Throttle::sign_in("ada@example.com", "127.0.0.2");
        let b = Throttle::sign_in("ada@example.com", "127.0.0.3");
        assert_ne!(a[0], b[0], "each address has its own pair counter");
        assert_eq!(a[2], b[2], "the account ceiling is shared by all addresses");
        assert_eq!(a[2], Throttle::account("ada@example.com"));
        assert_eq!(a[2].free, policy::ACCOUNT_CEILING);
        assert!(a.iter().all(|t| !t.failures.contains("ada@") && !t.lock.contains("ada@")), "no email in clear");
        assert_ne!(
            Throttle::sign_in("bob@example.com", "127.0.0.2")[1],
            Throttle::sign_in("bob@example.com", "127.0.0.3")[1]
        );
        let u = uuid::Uuid::new_v4();
        assert_ne!(Throttle::action(u, "erase"), Throttle::action(u, "mfa_disable"), "one action locks alone");
    }

    #[test]
    fn the_longest_lock_wins_and_keeps_its_scope() {
        let first = longer(None, 30, "pair");
        assert_eq!(first, Some(Locked { seconds: 30, scope: "pair" }));
        assert_eq!(longer(first, 10, "ip"), first);
        assert_eq!(longer(first, 60, "acct"), Some(Locked { seconds: 60, scope: "acct" }));
    }

    #[rstest::rstest]
    #[case::below_free(0, 5, None)]
    #[case::one_below_free(4, 5, None)]
    #[case::at_free(5, 5, Some(30))]
    #[case::one_over(6, 5, Some(60))]
    #[case::two_over(7, 5, Some(120))]
    #[case::five_over(10, 5, Some(900))]
    #[case::far_over(1_000_000, 5, Some(900))]
    #[case::no_free_failures(0, 0, Some(30))]
    #[case::account_ceiling_not_reached(99, policy::ACCOUNT_CEILING, None)]
    #[case::account_ceiling_reached(100, policy::ACCOUNT_CEILING, Some(30))]
    fn backoff_table(#[case] failures: u64, #[case] free: u64, #[case] seconds: Option<u64>) {
        assert_eq!(backoff(failures, free), seconds.map(Duration::from_secs));
    }

    #[rstest::rstest]
    #[case::first_of_ten(10, 1, 60_000, true, 9, 60)]
    #[case::last_allowed(10, 10, 1_500, true, 0, 2)]
    #[case::one_over(10, 11, 1_500, false, 0, 2)]
    #[case::reset_rounds_up(10, 1, 1, true, 9, 1)]
    #[case::expired_ttl_reads_one_second(10, 1, -2, true, 9, 1)]
    #[case::zero_limit(0, 1, 1_000, false, 0, 1)]
    fn decisions(
        #[case] limit: u64,
        #[case] count: u64,
        #[case] ttl_ms: i64,
        #[case] allowed: bool,
        #[case] remaining: u64,
        #[case] reset: u64,
    ) {
        let d = decide("user:1", (limit, Duration::from_secs(60)), count, ttl_ms);
        assert_eq!(d.allowed, allowed);
        assert_eq!(d.info, RateLimitInfo { policy: "user", limit, window: 60, remaining, reset });
    }

    #[rstest::rstest]
    #[case::user("user:0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", "user")]
    #[case::auth_per_address("auth:ip:127.0.0.2", "auth")]
    #[case::invitations("invite:0194f2a8", "invite")]
    #[case::anything_else("lock:account:ab12", "default")]
    #[case::no_colon("user", "user")]
    fn keys_name_their_policy(#[case] key: &str, #[case] policy: &str) {
        assert_eq!(policy_of(key), policy);
    }

    #[rstest::rstest]
    #[case::pair(0, "pair", policy::PAIR_FREE_FAILURES)]
    #[case::ip(1, "ip", policy::IP_FREE_FAILURES)]
    #[case::account(2, "acct", policy::ACCOUNT_CEILING)]
    fn sign_in_throttle_scopes(#[case] index: usize, #[case] scope: &str, #[case] free: u64) {
        let t = &Throttle::sign_in("ada@example.com", "127.0.0.2")[index];
        assert_eq!((t.scope, t.free), (scope, free));
        assert!(t.failures.starts_with(&format!("fail:{scope}:")) && t.lock.starts_with(&format!("lock:{scope}:")));
        assert_eq!(t.keys(), [t.failures.clone(), t.lock.clone()]);
    }

    /// A limiter whose Redis is unreachable: it must count in-process
    /// rather than open the gate.
    fn without_redis() -> RateLimiter {
        let settings = crate::config::RedisSettings {
            url: "redis://127.0.0.1:1".to_owned().into(),
            key_prefix: "test:".into(),
            timeout_ms: 50,
            cache_ttl_seconds: 60,
        };
        let kv = Kv::new(&settings).unwrap_or_else(|e| panic!("{e}"));
        RateLimiter::new(kv, &crate::config::RateLimitSettings::default())
    }

    /// With Redis answering (the suite's own, as every other test uses): the
    /// denylist is read in the same round trip as the count, and one listed
    /// key of several reports the token revoked.
    #[tokio::test]
    async fn with_redis_the_denylist_is_read_with_the_count_and_the_count_is_shared() {
        let settings = crate::config::RedisSettings {
            url: std::env::var("TASKFLOW_REDIS__URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()).into(),
            key_prefix: format!("unit-{}:", uuid::Uuid::new_v4()),
            timeout_ms: 2_000,
            cache_ttl_seconds: 60,
        };
        let kv = Kv::new(&settings).unwrap_or_else(|e| panic!("{e}"));
        let limiter = RateLimiter::new(kv.clone(), &crate::config::RateLimitSettings::default());
        let budget = (2, Duration::from_secs(60));
        let deny = ["deny:a".to_owned(), "deny:b".to_owned()];
        let (d, revoked) = limiter.hit_and_check("user:1", budget, &deny).await;
        assert!(d.allowed && !revoked, "nothing listed: {d:?}", d = d.info);
        kv.set_with_ttl("deny:b", "1", Duration::from_secs(60)).await.unwrap_or_else(|e| panic!("Redis: {e}"));
        let (d, revoked) = limiter.hit_and_check("user:1", budget, &deny).await;
        assert!(revoked, "one of two listed keys is enough");
        assert_eq!((d.allowed, d.info.remaining), (true, 0));
        // The count lives in Redis: another process's limiter sees it.
        let other = RateLimiter::new(kv.clone(), &crate::config::RateLimitSettings::default());
        let (d, revoked) = other.hit_and_check("user:1", budget, &[]).await;
        assert!(!d.allowed && !revoked, "the third request of two, counted elsewhere");
        kv.del(&["deny:b".to_owned(), "user:1".to_owned()]).await.unwrap_or_else(|e| panic!("Redis: {e}"));
    }

    #[tokio::test]
    async fn without_redis_requests_are_counted_in_process() {
        let limiter = without_redis();
        let budget = (3, Duration::from_secs(60));
        let seen: Vec<(bool, u64)> = {
            let mut v = Vec::new();
            for _ in 0..4 {
                let d = limiter.hit("k", budget).await;
                v.push((d.allowed, d.info.remaining));
            }
            v
        };
        assert_eq!(seen, [(true, 2), (true, 1), (true, 0), (false, 0)]);
        assert!(limiter.hit("other", budget).await.allowed, "each key has its own count");
        let (d, revoked) = limiter.hit_and_check("k", budget, &["deny:x".into()]).await;
        assert!(!d.allowed && !revoked, "counted on; the denylist reads empty (Postgres still refuses)");
    }

    #[tokio::test]
    async fn without_redis_failures_lock_after_the_free_ones_and_a_success_forgets_them() {
        let limiter = without_redis();
        let t = Throttle::action(uuid::Uuid::new_v4(), "erasure");
        for _ in 1..policy::ACTION_FREE_FAILURES {
            assert_eq!(limiter.record_failure(std::slice::from_ref(&t)).await, None);
        }
        assert_eq!(limiter.locked(std::slice::from_ref(&t)).await, None, "not locked before the free failures run out");
        let lock = limiter.record_failure(std::slice::from_ref(&t)).await;
        assert_eq!(lock, Some(Locked { seconds: 30, scope: "action" }));
        let found = limiter.locked(std::slice::from_ref(&t)).await;
        assert!(found.is_some_and(|l| l.scope == "action" && (1..=30).contains(&l.seconds)), "{found:?}");
        limiter.forget(std::slice::from_ref(&t)).await;
        assert_eq!(limiter.locked(std::slice::from_ref(&t)).await, None);
        assert_eq!(limiter.record_failure(std::slice::from_ref(&t)).await, None, "the count starts over");
    }

    #[tokio::test]
    async fn the_longest_lock_among_throttles_is_reported() {
        let limiter = without_redis();
        let [pair, ip, _] = Throttle::sign_in("ada@example.com", "127.0.0.9");
        let mut last = None;
        for _ in 0..policy::PAIR_FREE_FAILURES + 1 {
            last = limiter.record_failure(&[pair.clone(), ip.clone()]).await;
        }
        assert_eq!(
            last,
            Some(Locked { seconds: 60, scope: "pair" }),
            "the pair is past its free failures, the address not"
        );
        assert_eq!(limiter.locked(std::slice::from_ref(&ip)).await, None);
        assert_eq!(limiter.locked(&[ip, pair]).await.map(|l| l.scope), Some("pair"));
    }

    #[tokio::test]
    async fn clearing_keys_forgets_their_counts() {
        let limiter = without_redis();
        let budget = (1, Duration::from_secs(60));
        assert!(limiter.hit("user:1", budget).await.allowed);
        assert!(!limiter.hit("user:1", budget).await.allowed);
        limiter.clear(&["user:1".to_owned()]).await;
        assert!(limiter.hit("user:1", budget).await.allowed);
        assert_eq!(limiter.locked_for("never-locked").await, None);
    }

    /// The policy docs/security.md states: failures are remembered for 15
    /// minutes and back-off never exceeds 15 minutes.
    #[test]
    fn the_failure_window_and_the_longest_back_off_are_fifteen_minutes() {
        assert_eq!(policy::FAILURE_WINDOW, Duration::from_secs(900));
        assert_eq!(policy::BACKOFF_MAX, Duration::from_secs(900));
        assert_eq!(policy::BACKOFF_BASE, Duration::from_secs(30));
    }

    #[test]
    fn an_expired_window_starts_counting_again() {
        let limiter = without_redis();
        let window = Duration::from_millis(20);
        assert_eq!(limiter.local_hit("k", window).0, 1);
        assert_eq!(limiter.local_hit("k", window).0, 2);
        std::thread::sleep(Duration::from_millis(30));
        let (count, ttl_ms) = limiter.local_hit("k", window);
        assert_eq!(count, 1, "a new window");
        assert!(ttl_ms > 0, "and it lies ahead");
        assert_eq!(limiter.local_hit("k", window).0, 2, "the new window counts on");
    }

    #[test]
    fn a_full_table_sheds_only_expired_counters() {
        let limiter = without_redis();
        for i in 0..100_001 {
            limiter.local_hit(&format!("gone:{i}"), Duration::ZERO);
        }
        let live = Duration::from_secs(60);
        limiter.local_hit("live", live);
        limiter.local_hit("live", live);
        let size = || limiter.local.lock().map(|m| m.len()).unwrap_or_default();
        assert!(size() <= 2, "the expired counters went when the table filled: {}", size());
        for i in 0..100_001 {
            limiter.local_hit(&format!("kept:{i}"), live);
        }
        limiter.local_hit("trigger", live);
        assert_eq!(limiter.local_hit("live", live).0, 3, "live counters survive a clean-up");
        assert!(size() > 100_000);
    }

    #[test]
    fn the_configured_budgets_apply_per_minute() {
        let limiter = without_redis();
        let defaults = crate::config::RateLimitSettings::default();
        assert_eq!(limiter.per_user, (defaults.per_user_per_minute, Duration::from_secs(60)));
        assert_eq!(limiter.auth_per_ip, (defaults.auth_per_ip_per_minute, Duration::from_secs(60)));
    }
}
