//! Redis: short-lived auth state now, caching and rate limits later. Every call
//! is bounded by a short timeout and fails soft, because the API must keep
//! serving (slower) when Redis is down.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use crate::config::RedisSettings;

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("redis is unavailable")]
    Unavailable,
    #[error("redis command timed out")]
    Timeout,
    #[error("redis error: {0}")]
    Redis(#[from] redis::RedisError),
}

#[derive(Clone)]
pub struct Kv {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    conn: Mutex<Option<ConnectionManager>>,
    prefix: String,
    timeout: Duration,
    /// Unix seconds of the last connection attempt and of the last warning,
    /// so a dead Redis costs one attempt and one log line per interval.
    last_attempt: AtomicI64,
    last_warning: AtomicI64,
}

const RECONNECT_INTERVAL_SECS: i64 = 1;
const WARNING_INTERVAL_SECS: i64 = 30;

impl Kv {
    pub fn new(settings: &RedisSettings) -> Result<Self, KvError> {
        let client = redis::Client::open(settings.url.expose_secret())?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                conn: Mutex::new(None),
                prefix: settings.key_prefix.clone(),
                timeout: Duration::from_millis(settings.timeout_ms),
                last_attempt: AtomicI64::new(0),
                last_warning: AtomicI64::new(0),
            }),
        })
    }

    pub fn key(&self, suffix: &str) -> String {
        format!("{}{}", self.inner.prefix, suffix)
    }

    async fn connection(&self) -> Result<ConnectionManager, KvError> {
        let mut guard = self.inner.conn.lock().await;
        if let Some(conn) = guard.as_ref() {
            return Ok(conn.clone());
        }
        let now = chrono::Utc::now().timestamp();
        let last = self.inner.last_attempt.load(Ordering::Relaxed);
        if now - last < RECONNECT_INTERVAL_SECS {
            return Err(KvError::Unavailable);
        }
        self.inner.last_attempt.store(now, Ordering::Relaxed);
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.inner.timeout))
            .set_response_timeout(Some(self.inner.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = tokio::time::timeout(
            self.inner.timeout * 2,
            ConnectionManager::new_with_config(self.inner.client.clone(), config),
        )
        .await
        .map_err(|_| KvError::Timeout)??;
        *guard = Some(conn.clone());
        Ok(conn)
    }

    /// Runs one command with the timeout; logs a warning at most once per interval.
    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, KvError> {
        let result = async {
            let mut conn = self.connection().await?;
            tokio::time::timeout(self.inner.timeout, cmd.query_async::<T>(&mut conn))
                .await
                .map_err(|_| KvError::Timeout)?
                .map_err(KvError::from)
        }
        .await;
        self.observe(result)
    }

    /// Runs a pipeline (one round trip) under the same timeout and warning.
    async fn run_pipe<T: redis::FromRedisValue>(&self, pipe: redis::Pipeline) -> Result<T, KvError> {
        let result = async {
            let mut conn = self.connection().await?;
            tokio::time::timeout(self.inner.timeout, pipe.query_async::<T>(&mut conn))
                .await
                .map_err(|_| KvError::Timeout)?
                .map_err(KvError::from)
        }
        .await;
        self.observe(result)
    }

    fn observe<T>(&self, result: Result<T, KvError>) -> Result<T, KvError> {
        if let Err(e) = &result {
            let now = chrono::Utc::now().timestamp();
            let last = self.inner.last_warning.load(Ordering::Relaxed);
            if now - last >= WARNING_INTERVAL_SECS
                && self.inner.last_warning.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            {
                tracing::warn!(error = %e, "redis degraded; serving from postgres");
            }
        }
        result
    }

    pub async fn ping(&self) -> Result<(), KvError> {
        self.run::<String>(redis::cmd("PING")).await.map(|_| ())
    }

    /// Sets `key` (unprefixed) with a time to live.
    pub async fn set_with_ttl(&self, key: &str, value: &str, ttl: Duration) -> Result<(), KvError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value).arg("PX").arg(ttl.as_millis().max(1) as u64);
        self.run::<()>(cmd).await
    }

    /// How many of `keys` (unprefixed) exist.
    pub async fn count_existing(&self, keys: &[String]) -> Result<u64, KvError> {
        let mut cmd = redis::cmd("EXISTS");
        for k in keys {
            cmd.arg(self.key(k));
        }
        self.run::<u64>(cmd).await
    }

    /// Adds or moves `member` in the sorted set `key` to `score`.
    pub async fn zadd(&self, key: &str, score: i64, member: &str) -> Result<(), KvError> {
        let mut cmd = redis::cmd("ZADD");
        cmd.arg(self.key(key)).arg(score).arg(member);
        self.run::<i64>(cmd).await.map(|_| ())
    }

    /// Drops members scored below `min`, then counts those scored at least `recent`
    /// and all that remain.
    pub async fn zwindow(&self, key: &str, min: i64, recent: i64) -> Result<(u64, u64), KvError> {
        let mut pipe = redis::pipe();
        let k = self.key(key);
        pipe.cmd("ZREMRANGEBYSCORE").arg(&k).arg("-inf").arg(format!("({min}")).ignore();
        pipe.cmd("ZCOUNT").arg(&k).arg(recent).arg("+inf");
        pipe.cmd("ZCARD").arg(&k);
        self.run_pipe::<(u64, u64)>(pipe).await
    }

    /// Runs a Lua script (small, so plain EVAL rather than script caching).
    pub async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &str,
        keys: &[String],
        args: &[String],
    ) -> Result<T, KvError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(keys.len());
        for k in keys {
            cmd.arg(self.key(k));
        }
        for a in args {
            cmd.arg(a);
        }
        self.run::<T>(cmd).await
    }

    /// Increments a counter and makes it live at least `ttl`.
    pub async fn incr_with_ttl(&self, key: &str, ttl: Duration) -> Result<(), KvError> {
        let mut pipe = redis::pipe();
        let k = self.key(key);
        pipe.cmd("INCR").arg(&k).ignore();
        pipe.cmd("PEXPIRE").arg(&k).arg(ttl.as_millis() as u64).ignore();
        self.run_pipe::<()>(pipe).await
    }

    /// Counts a hit in a fixed window: INCR, start the window's expiry on the
    /// first hit, read what is left of it. Returns (count, milliseconds left).
    pub async fn incr_window(&self, key: &str, window: Duration) -> Result<(u64, i64), KvError> {
        let mut pipe = redis::pipe();
        let k = self.key(key);
        pipe.cmd("INCR").arg(&k);
        pipe.cmd("PEXPIRE").arg(&k).arg(window.as_millis() as u64).arg("NX").ignore();
        pipe.cmd("PTTL").arg(&k);
        self.run_pipe::<(u64, i64)>(pipe).await
    }

    /// `incr_window` on `counter` plus how many of `check` exist, in one round
    /// trip: the per-request denylist lookup and rate limit together.
    pub async fn incr_window_and_count(
        &self,
        counter: &str,
        window: Duration,
        check: &[String],
    ) -> Result<(u64, u64, i64), KvError> {
        // `EXISTS` with no keys is a Redis error, which would send the count
        // to the in-process fallback.
        if check.is_empty() {
            let (count, ttl) = self.incr_window(counter, window).await?;
            return Ok((0, count, ttl));
        }
        let mut pipe = redis::pipe();
        let mut exists = redis::cmd("EXISTS");
        for k in check {
            exists.arg(self.key(k));
        }
        pipe.add_command(exists);
        let k = self.key(counter);
        pipe.cmd("INCR").arg(&k);
        pipe.cmd("PEXPIRE").arg(&k).arg(window.as_millis() as u64).arg("NX").ignore();
        pipe.cmd("PTTL").arg(&k);
        self.run_pipe::<(u64, u64, i64)>(pipe).await
    }

    /// Milliseconds until `key` expires; None when it does not exist.
    pub async fn ttl_ms(&self, key: &str) -> Result<Option<i64>, KvError> {
        let mut cmd = redis::cmd("PTTL");
        cmd.arg(self.key(key));
        let ttl = self.run::<i64>(cmd).await?;
        Ok((ttl > 0).then_some(ttl))
    }

    pub async fn del(&self, keys: &[String]) -> Result<(), KvError> {
        let mut cmd = redis::cmd("DEL");
        for k in keys {
            cmd.arg(self.key(k));
        }
        self.run::<i64>(cmd).await.map(|_| ())
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.key(key));
        self.run::<Option<String>>(cmd).await
    }

    /// Removes `member` from the sorted set `key`.
    pub async fn zrem(&self, key: &str, member: &str) -> Result<(), KvError> {
        let mut cmd = redis::cmd("ZREM");
        cmd.arg(self.key(key)).arg(member);
        self.run::<i64>(cmd).await.map(|_| ())
    }

    /// Deletes every key matching `pattern` (unprefixed, glob), walking the
    /// keyspace with SCAN: for rare maintenance such as erasure, never a request path.
    pub async fn delete_matching(&self, pattern: &str) -> Result<u64, KvError> {
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let mut cmd = redis::cmd("SCAN");
            cmd.arg(cursor).arg("MATCH").arg(self.key(pattern)).arg("COUNT").arg(1000);
            let (next, keys): (u64, Vec<String>) = self.run(cmd).await?;
            if !keys.is_empty() {
                let mut del = redis::cmd("DEL");
                del.arg(&keys);
                deleted += self.run::<u64>(del).await?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    /// Reads and deletes `key` in one step (single-use values).
    pub async fn take(&self, key: &str) -> Result<Option<String>, KvError> {
        let mut cmd = redis::cmd("GETDEL");
        cmd.arg(self.key(key));
        self.run::<Option<String>>(cmd).await
    }
}
