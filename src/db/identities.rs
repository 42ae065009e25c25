//! The `external_identities` table (OIDC sign-in).

use chrono::{DateTime, Utc};

use super::{at, DbError, Tx};
use crate::domain::user::UserId;

pub struct IdentityRow {
    pub issuer: String,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Whose identity (issuer, subject) is, through the definer door.
pub async fn owner(tx: &mut Tx, issuer: &str, subject: &str) -> Result<Option<UserId>, DbError> {
    let _timer = crate::metrics::db_timer("identities.owner");
    let id = sqlx::query_scalar!("select private.external_identity_user($1, $2)", issuer, subject)
        .fetch_one(&mut **tx)
        .await
        .map_err(at("identities.owner"))?;
    Ok(id.map(UserId))
}

pub async fn link(tx: &mut Tx, issuer: &str, subject: &str, user: UserId, email: Option<&str>) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("identities.link");
    sqlx::query!(
        "insert into external_identities (issuer, subject, user_id, email) values ($1, $2, $3, $4)",
        issuer,
        subject,
        user.0,
        email
    )
    .execute(&mut **tx)
    .await
    .map_err(at("identities.link"))?;
    Ok(())
}

/// The user's linked identities, oldest first.
pub async fn list(tx: &mut Tx, user: UserId) -> Result<Vec<IdentityRow>, DbError> {
    let _timer = crate::metrics::db_timer("identities.list");
    let rows = sqlx::query_as!(
        IdentityRow,
        "select issuer, email, created_at from external_identities where user_id = $1 order by created_at, issuer",
        user.0
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("identities.list"))?;
    Ok(rows)
}

/// Removes the user's identities at one issuer; how many there were.
pub async fn unlink(tx: &mut Tx, user: UserId, issuer: &str) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("identities.unlink");
    let done = sqlx::query!("delete from external_identities where user_id = $1 and issuer = $2", user.0, issuer)
        .execute(&mut **tx)
        .await
        .map_err(at("identities.unlink"))?;
    Ok(done.rows_affected())
}
