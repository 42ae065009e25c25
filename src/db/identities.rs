//! The `external_identities` table (OIDC sign-in).

use super::{DbError, Tx};
use crate::domain::user::UserId;

/// Whose identity (issuer, subject) is, through the definer door.
pub async fn owner(tx: &mut Tx, issuer: &str, subject: &str) -> Result<Option<UserId>, DbError> {
    let _timer = crate::metrics::db_timer("identities.owner");
    let id = sqlx::query_scalar!("select private.external_identity_user($1, $2)", issuer, subject)
        .fetch_one(&mut **tx)
        .await?;
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
    .await?;
    Ok(())
}
