//! Bulk inserts for seed data: one statement per table and chunk, with
//! deterministic ids and `on conflict do nothing`, so a second run adds nothing.
//! Runs in an admin context; the insert policies admit global admins.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};

#[derive(Default)]
pub struct Users {
    pub ids: Vec<Uuid>,
    pub emails: Vec<String>,
    pub names: Vec<String>,
    pub hashes: Vec<String>,
    pub roles: Vec<String>,
}

#[derive(Default)]
pub struct Teams {
    pub ids: Vec<Uuid>,
    pub names: Vec<String>,
    pub creators: Vec<Uuid>,
}

#[derive(Default)]
pub struct Members {
    pub teams: Vec<Uuid>,
    pub users: Vec<Uuid>,
    pub roles: Vec<String>,
}

#[derive(Default)]
pub struct Tasks {
    pub ids: Vec<Uuid>,
    pub teams: Vec<Option<Uuid>>,
    pub creators: Vec<Uuid>,
    pub assignees: Vec<Option<Uuid>>,
    pub titles: Vec<String>,
    pub descriptions: Vec<Option<String>>,
    pub statuses: Vec<String>,
    pub priorities: Vec<String>,
    pub due: Vec<Option<DateTime<Utc>>>,
    /// Labels joined with ',' (Postgres has no array-of-arrays parameter).
    pub labels: Vec<String>,
    pub created: Vec<DateTime<Utc>>,
}

#[derive(Default)]
pub struct Comments {
    pub ids: Vec<Uuid>,
    pub tasks: Vec<Uuid>,
    pub authors: Vec<Uuid>,
    pub bodies: Vec<String>,
    pub created: Vec<DateTime<Utc>>,
}

#[derive(Default)]
pub struct Entries {
    pub ids: Vec<Uuid>,
    pub tasks: Vec<Uuid>,
    pub users: Vec<Uuid>,
    pub started: Vec<DateTime<Utc>>,
    pub ended: Vec<DateTime<Utc>>,
    pub billable: Vec<bool>,
}

pub async fn users(tx: &mut Tx, u: &Users) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("seed.users");
    let r = sqlx::query!(
        r#"insert into users (user_id, email, display_name, password_hash, role)
           select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
           on conflict do nothing"#,
        &u.ids,
        &u.emails,
        &u.names,
        &u.hashes,
        &u.roles,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("seed.users"))?;
    Ok(r.rows_affected())
}

pub async fn teams(tx: &mut Tx, t: &Teams) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("seed.teams");
    let r = sqlx::query!(
        r#"insert into teams (team_id, name, created_by)
           select * from unnest($1::uuid[], $2::text[], $3::uuid[])
           on conflict do nothing"#,
        &t.ids,
        &t.names,
        &t.creators,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("seed.teams"))?;
    Ok(r.rows_affected())
}

pub async fn members(tx: &mut Tx, m: &Members) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("seed.members");
    let r = sqlx::query!(
        r#"insert into team_members (team_id, user_id, role)
           select * from unnest($1::uuid[], $2::uuid[], $3::text[])
           on conflict do nothing"#,
        &m.teams,
        &m.users,
        &m.roles,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("seed.members"))?;
    Ok(r.rows_affected())
}

pub async fn tasks(tx: &mut Tx, t: &Tasks) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("seed.tasks");
    let r = sqlx::query!(
        r#"insert into tasks (task_id, team_id, created_by, assignee_ids, title, description, status, priority,
                              due_at, labels, created_at, updated_at)
           select id, team, creator, array_remove(array[assignee], null), title, description, status, priority, due,
                  case when labels = '' then '{}'::text[] else string_to_array(labels, ',') end, created, created
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::timestamptz[], $10::text[], $11::timestamptz[])
                as s(id, team, creator, assignee, title, description, status, priority, due, labels, created)
           on conflict do nothing"#,
        &t.ids,
        &t.teams as &[Option<Uuid>],
        &t.creators,
        &t.assignees as &[Option<Uuid>],
        &t.titles,
        &t.descriptions as &[Option<String>],
        &t.statuses,
        &t.priorities,
        &t.due as &[Option<DateTime<Utc>>],
        &t.labels,
        &t.created,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("seed.tasks"))?;
    Ok(r.rows_affected())
}

pub async fn comments(tx: &mut Tx, c: &Comments) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("seed.comments");
    let r = sqlx::query!(
        r#"insert into comments (comment_id, task_id, author_id, body, created_at, updated_at)
           select id, task, author, body, created, created
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[])
                as s(id, task, author, body, created)
           on conflict do nothing"#,
        &c.ids,
        &c.tasks,
        &c.authors,
        &c.bodies,
        &c.created,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("seed.comments"))?;
    Ok(r.rows_affected())
}

pub async fn entries(tx: &mut Tx, e: &Entries) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("seed.entries");
    let r = sqlx::query!(
        r#"insert into time_entries (entry_id, task_id, user_id, started_at, ended_at, billable)
           select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::bool[])
           on conflict do nothing"#,
        &e.ids,
        &e.tasks,
        &e.users,
        &e.started,
        &e.ended,
        &e.billable,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("seed.entries"))?;
    Ok(r.rows_affected())
}

/// The ids the given emails really have (an account may predate the seed).
pub async fn user_ids_by_email(tx: &mut Tx, emails: &[String]) -> Result<Vec<(String, Uuid)>, DbError> {
    let _timer = crate::metrics::db_timer("seed.user_ids_by_email");
    let rows = sqlx::query!("select email, user_id from users where email = any($1)", emails)
        .fetch_all(&mut **tx)
        .await
        .map_err(at("seed.user_ids_by_email"))?;
    Ok(rows.into_iter().map(|r| (r.email, r.user_id)).collect())
}
