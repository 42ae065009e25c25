//! Who has been active recently, for `taskflow_active_users`. Shared through a
//! Redis sorted set so N replicas count a user once; each process writes a
//! user at most once a minute, and keeps its own view for when Redis is down.

use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

use crate::kv::Kv;

const KEY: &str = "active_users";
const WRITE_EVERY_SECS: i64 = 60;
const DAY: i64 = 24 * 3600;

pub struct Activity {
    kv: Kv,
    local: Mutex<HashMap<Uuid, i64>>,
}

impl Activity {
    pub fn new(kv: Kv) -> Self {
        Self { kv, local: Mutex::new(HashMap::new()) }
    }

    pub async fn seen(&self, user: Uuid) {
        let now = chrono::Utc::now().timestamp();
        let due = match self.local.lock() {
            Ok(mut map) => match map.get(&user) {
                Some(last) if now - last < WRITE_EVERY_SECS => false,
                _ => {
                    map.insert(user, now);
                    true
                }
            },
            Err(_) => false,
        };
        if due {
            let _ = self.kv.zadd(KEY, now, &user.to_string()).await;
        }
    }

    /// Drops an erased user from the shared set and this process's view.
    pub async fn forget(&self, user: Uuid) {
        if let Ok(mut map) = self.local.lock() {
            map.remove(&user);
        }
        let _ = self.kv.zrem(KEY, &user.to_string()).await;
    }

    /// (seen in the last 5 minutes, seen in the last 24 hours).
    pub async fn counts(&self) -> (u64, u64) {
        let now = chrono::Utc::now().timestamp();
        let local = match self.local.lock() {
            Ok(mut map) => {
                map.retain(|_, t| now - *t < DAY);
                let recent = map.values().filter(|t| now - **t < 300).count() as u64;
                (recent, map.len() as u64)
            }
            Err(_) => (0, 0),
        };
        // The local map is written at most once a minute per user, so "5
        // minutes" is accurate to about a minute either way.
        self.kv.zwindow(KEY, now - DAY, now - 300).await.unwrap_or(local)
    }
}
