//! The `user_mfa` and `mfa_recovery_codes` tables.

use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::user::UserId;

pub struct MfaRow {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub secret_ciphertext: Vec<u8>,
    pub enabled: bool,
    pub last_used_step: Option<i64>,
}

pub async fn find(tx: &mut Tx, user: UserId) -> Result<Option<MfaRow>, DbError> {
    let _timer = crate::metrics::db_timer("mfa.find");
    let row = sqlx::query_as!(
        MfaRow,
        r#"select key_id, nonce, secret_ciphertext, enabled_at is not null as "enabled!", last_used_step
           from user_mfa where user_id = $1"#,
        user.0,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("mfa.find"))?;
    Ok(row)
}

/// Stores a pending (not yet confirmed) secret, replacing an earlier pending one.
pub async fn put_pending(
    tx: &mut Tx,
    user: UserId,
    key_id: &str,
    nonce: &[u8],
    ciphertext: &[u8],
) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("mfa.put_pending");
    sqlx::query!(
        r#"insert into user_mfa (user_id, key_id, nonce, secret_ciphertext) values ($1, $2, $3, $4)
           on conflict (user_id) do update
               set key_id = excluded.key_id, nonce = excluded.nonce, secret_ciphertext = excluded.secret_ciphertext,
                   last_used_step = null
               where user_mfa.enabled_at is null"#,
        user.0,
        key_id,
        nonce,
        ciphertext,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("mfa.put_pending"))?;
    Ok(())
}

pub async fn enable(tx: &mut Tx, user: UserId, step: i64) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("mfa.enable");
    let r = sqlx::query!(
        "update user_mfa set enabled_at = now(), last_used_step = $2 where user_id = $1 and enabled_at is null",
        user.0,
        step
    )
    .execute(&mut **tx)
    .await
    .map_err(at("mfa.enable"))?;
    Ok(r.rows_affected() == 1)
}

/// Accepts time step `step` only if it is later than the last accepted one;
/// false means the code was already used (a replay).
pub async fn advance_step(tx: &mut Tx, user: UserId, step: i64) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("mfa.advance_step");
    let r = sqlx::query!(
        r#"update user_mfa set last_used_step = $2
           where user_id = $1 and (last_used_step is null or last_used_step < $2)"#,
        user.0,
        step
    )
    .execute(&mut **tx)
    .await
    .map_err(at("mfa.advance_step"))?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete(tx: &mut Tx, user: UserId) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("mfa.delete");
    sqlx::query!("delete from mfa_recovery_codes where user_id = $1", user.0)
        .execute(&mut **tx)
        .await
        .map_err(at("mfa.delete"))?;
    sqlx::query!("delete from user_mfa where user_id = $1", user.0)
        .execute(&mut **tx)
        .await
        .map_err(at("mfa.delete"))?;
    Ok(())
}

pub async fn replace_recovery_codes(tx: &mut Tx, user: UserId, hashes: &[Vec<u8>]) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("mfa.replace_recovery_codes");
    sqlx::query!("delete from mfa_recovery_codes where user_id = $1", user.0)
        .execute(&mut **tx)
        .await
        .map_err(at("mfa.replace_recovery_codes"))?;
    let users: Vec<Uuid> = vec![user.0; hashes.len()];
    sqlx::query!(
        "insert into mfa_recovery_codes (user_id, code_hash) select * from unnest($1::uuid[], $2::bytea[])",
        &users,
        hashes,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("mfa.replace_recovery_codes"))?;
    Ok(())
}

/// Claims an MFA login token for the user's second step. The UPDATE holds
/// the row until the transaction ends, so a concurrent attempt with the same
/// token waits and then finds it claimed; a failed attempt rolls back and
/// leaves the token usable for a retry. False: already used, or no MFA.
pub async fn claim_login_token(tx: &mut Tx, user: UserId, jti: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("mfa.claim_login_token");
    let r = sqlx::query!(
        r#"update user_mfa set last_login_jti = $2
           where user_id = $1 and enabled_at is not null and last_login_jti is distinct from $2"#,
        user.0,
        jti
    )
    .execute(&mut **tx)
    .await
    .map_err(at("mfa.claim_login_token"))?;
    Ok(r.rows_affected() == 1)
}

/// Spends a recovery code; false when it is unknown or already spent.
pub async fn use_recovery_code(tx: &mut Tx, user: UserId, hash: &[u8]) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("mfa.use_recovery_code");
    let r = sqlx::query!(
        "update mfa_recovery_codes set used_at = now() where user_id = $1 and code_hash = $2 and used_at is null",
        user.0,
        hash
    )
    .execute(&mut **tx)
    .await
    .map_err(at("mfa.use_recovery_code"))?;
    Ok(r.rows_affected() == 1)
}
