//! Read-through cache for expensive reads, in Redis.
//!
//! Entries are scoped to the reading user, so a cached value is only ever
//! served to the user whose RLS-filtered query produced it. Keys embed two
//! epochs, the user's and the team's; every write that changes what a cached
//! value would show bumps an epoch in the same code path, so the next read
//! computes a new key and misses. A TTL bounds any entry's life as a safety
//! net. If bumping an epoch fails (Redis unreachable), this process stops
//! reading the cache for one TTL, so it cannot serve what it failed to invalidate.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use uuid::Uuid;

use crate::kv::Kv;
use crate::metrics::cache_request;

const EPOCH_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// Reads both epochs and the entry in one round trip.
const LOOKUP: &str = r#"
local ue = redis.call('GET', KEYS[1]) or '0'
local te = redis.call('GET', KEYS[2]) or '0'
local key = ARGV[1] .. ':u' .. ue .. ':t' .. te
return {key, redis.call('GET', key)}
"#;

#[derive(Clone, Copy)]
pub enum CacheName {
    TeamSummary,
    TimeReport,
}

impl CacheName {
    fn as_str(self) -> &'static str {
        match self {
            CacheName::TeamSummary => "team_summary",
            CacheName::TimeReport => "time_report",
        }
    }
}

pub struct Cache {
    kv: Kv,
    ttl: Duration,
    reads_disabled_until: AtomicI64,
}

/// The result of a lookup: the cached value, or where to store a fresh one.
pub struct Lookup {
    pub value: Option<String>,
    store_at: Option<String>,
}

fn user_epoch(user: Uuid) -> String {
    format!("epoch:user:{user}")
}

fn team_epoch(team: Uuid) -> String {
    format!("epoch:team:{team}")
}

impl Cache {
    pub fn new(kv: Kv, ttl: Duration) -> Self {
        Self { kv, ttl, reads_disabled_until: AtomicI64::new(0) }
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    /// Looks up `what` (unique within `name` for the given parameters) as seen
    /// by `user` within `team`.
    pub async fn get(&self, name: CacheName, user: Uuid, team: Uuid, what: &str) -> Lookup {
        if Self::now() < self.reads_disabled_until.load(Ordering::Relaxed) {
            cache_request(name.as_str(), "error");
            return Lookup { value: None, store_at: None };
        }
        let base = format!("cache:{}:{user}:{team}:{what}", name.as_str());
        let keys = [user_epoch(user), team_epoch(team)];
        match self.kv.eval::<(String, Option<String>)>(LOOKUP, &keys, &[self.kv.key(&base)]).await {
            Ok((key, Some(value))) => {
                cache_request(name.as_str(), "hit");
                Lookup { value: Some(value), store_at: Some(key) }
            }
            Ok((key, None)) => {
                cache_request(name.as_str(), "miss");
                Lookup { value: None, store_at: Some(key) }
            }
            Err(_) => {
                cache_request(name.as_str(), "error");
                Lookup { value: None, store_at: None }
            }
        }
    }

    /// Stores a value computed after a miss; failures are ignored.
    pub async fn put(&self, lookup: &Lookup, value: &str) {
        if let Some(key) = &lookup.store_at {
            // The key was built by the prefixed script; strip our prefix back off.
            let unprefixed = key.strip_prefix(&self.kv.key("")).unwrap_or(key);
            let _ = self.kv.set_with_ttl(unprefixed, value, self.ttl).await;
        }
    }

    async fn bump(&self, key: String) {
        if self.kv.incr_with_ttl(&key, EPOCH_TTL).await.is_err() {
            let until = Self::now() + self.ttl.as_secs() as i64 + 1;
            self.reads_disabled_until.fetch_max(until, Ordering::Relaxed);
        }
    }

    /// Something about the team changed: its tasks, time entries or members.
    pub async fn team_changed(&self, team: Uuid) {
        self.bump(team_epoch(team)).await;
    }

    /// Something about the user's access changed: memberships, role, status.
    pub async fn user_changed(&self, user: Uuid) {
        self.bump(user_epoch(user)).await;
    }
}
