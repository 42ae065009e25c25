//! The `idempotency_keys` table: a create's key, its request fingerprint and
//! its stored response, written in the create's own transaction.

use super::{at, DbError, Tx};
use crate::domain::user::UserId;

pub struct StoredRow {
    pub request_hash: Vec<u8>,
    pub status: Option<i16>,
    pub response: Option<serde_json::Value>,
    pub location: Option<String>,
    pub etag: Option<String>,
}

/// Claims `key` for this request. True: the caller goes ahead and must
/// `complete` in the same transaction. False: the key was used within 24 hours;
/// read it with `find`. A concurrent claim of the same key waits here until
/// the first transaction ends.
pub async fn claim(tx: &mut Tx, user: UserId, key: &str, request_hash: &[u8]) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("idempotency.claim");
    let fresh = sqlx::query_scalar!(
        r#"insert into idempotency_keys (user_id, key, request_hash) values ($1, $2, $3)
           on conflict (user_id, key) do update
               set request_hash = excluded.request_hash, status = null, response = null,
                   location = null, etag = null, created_at = now()
               where idempotency_keys.created_at < now() - interval '24 hours'
           returning true as "fresh!""#,
        user.0,
        key,
        request_hash,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("idempotency.claim"))?;
    Ok(fresh.is_some())
}

pub async fn find(tx: &mut Tx, user: UserId, key: &str) -> Result<Option<StoredRow>, DbError> {
    let _timer = crate::metrics::db_timer("idempotency.find");
    let row = sqlx::query_as!(
        StoredRow,
        "select request_hash, status, response, location, etag from idempotency_keys where user_id = $1 and key = $2",
        user.0,
        key,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("idempotency.find"))?;
    Ok(row)
}

/// The response to replay: status, body and the headers that describe it.
pub struct Completion<'a> {
    pub status: i16,
    pub response: &'a serde_json::Value,
    pub location: Option<&'a str>,
    pub etag: Option<&'a str>,
}

pub async fn complete(tx: &mut Tx, user: UserId, key: &str, c: Completion<'_>) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("idempotency.complete");
    sqlx::query!(
        "update idempotency_keys set status = $3, response = $4, location = $5, etag = $6
         where user_id = $1 and key = $2",
        user.0,
        key,
        c.status,
        c.response,
        c.location,
        c.etag,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("idempotency.complete"))?;
    Ok(())
}

/// Deletes every user's keys past their 24 hours (`taskflow prune`), through
/// the `private.prune_idempotency_keys` door.
pub async fn prune(pool: &sqlx::PgPool) -> Result<i64, DbError> {
    let _timer = crate::metrics::db_timer("idempotency.prune");
    let n = sqlx::query_scalar!(r#"select private.prune_idempotency_keys() as "n!""#)
        .fetch_one(pool)
        .await
        .map_err(at("idempotency.prune"))?;
    Ok(n)
}
