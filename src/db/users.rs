//! The `users` table.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::user::{DisplayName, Email, GlobalRole, TimeZone, UserId};

pub struct UserRow {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: GlobalRole,
    /// An IANA name the application parsed before storing it.
    pub time_zone: String,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What login needs to decide, read through the `private.login_credentials` door.
pub struct Credentials {
    pub user_id: UserId,
    pub password_hash: Option<String>,
    pub role: GlobalRole,
    pub disabled: bool,
    pub mfa_enabled: bool,
}

pub async fn insert(
    tx: &mut Tx,
    user_id: UserId,
    email: &Email,
    display_name: &DisplayName,
    password_hash: &str,
    role: GlobalRole,
    time_zone: TimeZone,
) -> Result<UserRow, DbError> {
    let _timer = crate::metrics::db_timer("users.insert");
    let row = sqlx::query_as!(
        UserRow,
        r#"insert into users (user_id, email, display_name, password_hash, role, time_zone)
           values ($1, $2, $3, $4, $5, $6)
           returning user_id, email, display_name, role as "role: _", time_zone, disabled_at, created_at, updated_at"#,
        user_id.0,
        email.as_str(),
        display_name.as_str(),
        password_hash,
        role.as_str(),
        time_zone.name(),
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("users.insert"))?;
    Ok(row)
}

/// An account that signs in only through an identity provider.
pub async fn insert_without_password(
    tx: &mut Tx,
    user_id: UserId,
    email: &Email,
    display_name: &DisplayName,
) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("users.insert_without_password");
    sqlx::query!(
        "insert into users (user_id, email, display_name) values ($1, $2, $3)",
        user_id.0,
        email.as_str(),
        display_name.as_str(),
    )
    .execute(&mut **tx)
    .await
    .map_err(at("users.insert_without_password"))?;
    Ok(())
}

/// Makes an existing account an admin (the `create-admin` command on a known email).
pub async fn promote_to_admin(tx: &mut Tx, email: &Email) -> Result<Option<UserRow>, DbError> {
    let _timer = crate::metrics::db_timer("users.promote_to_admin");
    let row = sqlx::query_as!(
        UserRow,
        r#"update users set role = 'admin' where email = $1
           returning user_id, email, display_name, role as "role: _", time_zone, disabled_at, created_at, updated_at"#,
        email.as_str(),
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("users.promote_to_admin"))?;
    Ok(row)
}

pub async fn credentials(tx: &mut Tx, email: &Email) -> Result<Option<Credentials>, DbError> {
    let _timer = crate::metrics::db_timer("users.credentials");
    let row = sqlx::query!(
        r#"select user_id as "user_id!", password_hash, role as "role!: GlobalRole", disabled as "disabled!",
                  mfa_enabled as "mfa_enabled!"
           from private.login_credentials($1)"#,
        email.as_str(),
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("users.credentials"))?;
    Ok(row.map(|r| Credentials {
        user_id: UserId(r.user_id),
        password_hash: r.password_hash,
        role: r.role,
        disabled: r.disabled,
        mfa_enabled: r.mfa_enabled,
    }))
}

pub async fn find(tx: &mut Tx, user_id: UserId) -> Result<Option<UserRow>, DbError> {
    let _timer = crate::metrics::db_timer("users.find");
    let row = sqlx::query_as!(
        UserRow,
        r#"select user_id, email, display_name, role as "role: _", time_zone, disabled_at, created_at, updated_at
           from users where user_id = $1"#,
        user_id.0,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("users.find"))?;
    Ok(row)
}

/// The zone a person's reports default to.
pub async fn time_zone(tx: &mut Tx, user_id: UserId) -> Result<Option<String>, DbError> {
    let _timer = crate::metrics::db_timer("users.time_zone");
    sqlx::query_scalar!("select time_zone from users where user_id = $1", user_id.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(at("users.time_zone"))
}

pub async fn password_hash(tx: &mut Tx, user_id: UserId) -> Result<Option<String>, DbError> {
    let _timer = crate::metrics::db_timer("users.password_hash");
    let hash = sqlx::query_scalar!("select password_hash from users where user_id = $1", user_id.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(at("users.password_hash"))?;
    Ok(hash.flatten())
}

/// Changes what `Some` names and leaves the rest.
pub async fn update_profile(
    tx: &mut Tx,
    user_id: UserId,
    display_name: Option<&DisplayName>,
    time_zone: Option<TimeZone>,
) -> Result<Option<UserRow>, DbError> {
    let _timer = crate::metrics::db_timer("users.update_profile");
    let row = sqlx::query_as!(
        UserRow,
        r#"update users set display_name = coalesce($2, display_name), time_zone = coalesce($3, time_zone)
           where user_id = $1
           returning user_id, email, display_name, role as "role: _", time_zone, disabled_at, created_at, updated_at"#,
        user_id.0,
        display_name.map(DisplayName::as_str),
        time_zone.map(TimeZone::name),
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("users.update_profile"))?;
    Ok(row)
}

pub async fn set_password_hash(tx: &mut Tx, user_id: UserId, password_hash: &str) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("users.set_password_hash");
    let result = sqlx::query!("update users set password_hash = $2 where user_id = $1", user_id.0, password_hash,)
        .execute(&mut **tx)
        .await
        .map_err(at("users.set_password_hash"))?;
    Ok(result.rows_affected() == 1)
}

/// Accounts for the admin listing, by email, after `after_email`. Only an
/// admin context sees other accounts at all.
pub async fn list(
    tx: &mut Tx,
    q: Option<&str>,
    after_email: Option<&str>,
    limit: i64,
) -> Result<Vec<UserRow>, DbError> {
    let _timer = crate::metrics::db_timer("users.list");
    let pattern = q.map(|q| format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let rows = sqlx::query_as!(
        UserRow,
        r#"select user_id, email, display_name, role as "role: _", time_zone, disabled_at, created_at, updated_at
           from users
           where ($1::text is null or email like $1)
             and ($2::text is null or email > $2)
           order by email
           limit $3"#,
        pattern,
        after_email,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("users.list"))?;
    Ok(rows)
}

/// Sets role and/or disabled state; None leaves a field alone.
pub async fn admin_update(
    tx: &mut Tx,
    user_id: UserId,
    role: Option<GlobalRole>,
    disabled: Option<bool>,
) -> Result<Option<UserRow>, DbError> {
    let _timer = crate::metrics::db_timer("users.admin_update");
    let row = sqlx::query_as!(
        UserRow,
        r#"update users set
               role = coalesce($2, role),
               disabled_at = case when $3::bool is null then disabled_at
                                  when $3 then coalesce(disabled_at, now())
                                  else null end
           where user_id = $1
           returning user_id, email, display_name, role as "role: _", time_zone, disabled_at, created_at, updated_at"#,
        user_id.0,
        role.map(|r| r.as_str()),
        disabled,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("users.admin_update"))?;
    Ok(row)
}
