//! The `teams` and `team_members` tables.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::team::{TeamName, TeamRole};
use crate::domain::user::{Email, UserId};

#[derive(Clone)]
pub struct TeamRow {
    pub team_id: Uuid,
    pub name: String,
    /// The caller's role; None for a global admin who is not a member.
    pub my_role: Option<TeamRole>,
    pub member_count: i64,
    /// What the team bills in, once its first rate is set.
    pub currency: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct MemberRow {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: TeamRole,
    pub joined_at: DateTime<Utc>,
}

/// Creates a team and makes its creator the first owner, in the caller's transaction.
pub async fn create(tx: &mut Tx, team_id: Uuid, name: &TeamName, creator: UserId) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("teams.create");
    sqlx::query!(
        "insert into teams (team_id, name, created_by) values ($1, $2, $3)",
        team_id,
        name.as_str(),
        creator.0
    )
    .execute(&mut **tx)
    .await
    .map_err(at("teams.create"))?;
    sqlx::query!("insert into team_members (team_id, user_id, role) values ($1, $2, 'owner')", team_id, creator.0)
        .execute(&mut **tx)
        .await
        .map_err(at("teams.create"))?;
    Ok(())
}

/// The caller's teams, by name.
/// The caller's teams by name, after `after` (a name and id) when given.
pub async fn list_mine(
    tx: &mut Tx,
    me: UserId,
    after: Option<(&str, Uuid)>,
    limit: i64,
) -> Result<Vec<TeamRow>, DbError> {
    let _timer = crate::metrics::db_timer("teams.list_mine");
    let (after_name, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        TeamRow,
        r#"select t.team_id, t.name, tm.role as "my_role?: _",
                  (select count(*) from team_members c where c.team_id = t.team_id) as "member_count!",
                  t.currency, t.created_at, t.updated_at
           from teams t
           join team_members tm on tm.team_id = t.team_id and tm.user_id = $1
           where ($2::text is null or (lower(t.name), t.team_id) > (lower($2), $3))
           order by lower(t.name), t.team_id
           limit $4"#,
        me.0,
        after_name,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("teams.list_mine"))?;
    Ok(rows)
}

pub async fn find(tx: &mut Tx, team_id: Uuid, me: UserId) -> Result<Option<TeamRow>, DbError> {
    let _timer = crate::metrics::db_timer("teams.find");
    let row = sqlx::query_as!(
        TeamRow,
        r#"select t.team_id, t.name,
                  (select tm.role from team_members tm where tm.team_id = t.team_id and tm.user_id = $2) as "my_role?: _",
                  (select count(*) from team_members c where c.team_id = t.team_id) as "member_count!",
                  t.currency, t.created_at, t.updated_at
           from teams t
           where t.team_id = $1"#,
        team_id,
        me.0,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("teams.find"))?;
    Ok(row)
}

pub async fn rename(tx: &mut Tx, team_id: Uuid, name: &TeamName) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("teams.rename");
    let r = sqlx::query!("update teams set name = $2 where team_id = $1", team_id, name.as_str())
        .execute(&mut **tx)
        .await
        .map_err(at("teams.rename"))?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete(tx: &mut Tx, team_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("teams.delete");
    let r = sqlx::query!("delete from teams where team_id = $1", team_id)
        .execute(&mut **tx)
        .await
        .map_err(at("teams.delete"))?;
    Ok(r.rows_affected() == 1)
}

/// The caller's role in a team; None when not a member. (No FOR UPDATE: under
/// RLS that would demand the update policy, which plain members do not pass.)
pub async fn my_role(tx: &mut Tx, team_id: Uuid, me: UserId) -> Result<Option<TeamRole>, DbError> {
    let _timer = crate::metrics::db_timer("teams.my_role");
    let r = sqlx::query_scalar!(
        r#"select role as "role: TeamRole" from team_members where team_id = $1 and user_id = $2"#,
        team_id,
        me.0
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("teams.my_role"))?;
    Ok(r)
}

/// A team's members, owners first, then by name; after `after` (the
/// position `TeamRole::listing_rank`, a name and an id) when given.
pub async fn members(
    tx: &mut Tx,
    team_id: Uuid,
    after: Option<(i32, &str, Uuid)>,
    limit: i64,
) -> Result<Vec<MemberRow>, DbError> {
    let _timer = crate::metrics::db_timer("teams.members");
    let (after_rank, after_name, after_id) = match after {
        Some((r, n, i)) => (Some(r), Some(n), Some(i)),
        None => (None, None, None),
    };
    // The `case` is `TeamRole::listing_rank`, which cursors carry.
    let rows = sqlx::query_as!(
        MemberRow,
        r#"select tm.user_id, u.email, u.display_name, tm.role as "role: _", tm.created_at as joined_at
           from team_members tm join users u on u.user_id = tm.user_id
           where tm.team_id = $1
             and ($2::int is null
                  or (case tm.role when 'owner' then 0 when 'admin' then 1 when 'member' then 2 else 3 end,
                      lower(u.display_name), tm.user_id) > ($2, lower($3), $4))
           order by case tm.role when 'owner' then 0 when 'admin' then 1 when 'member' then 2 else 3 end,
                    lower(u.display_name), tm.user_id
           limit $5"#,
        team_id,
        after_rank,
        after_name,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("teams.members"))?;
    Ok(rows)
}

pub async fn member(tx: &mut Tx, team_id: Uuid, user_id: Uuid) -> Result<Option<MemberRow>, DbError> {
    let _timer = crate::metrics::db_timer("teams.member");
    let row = sqlx::query_as!(
        MemberRow,
        r#"select tm.user_id, u.email, u.display_name, tm.role as "role: _", tm.created_at as joined_at
           from team_members tm join users u on u.user_id = tm.user_id
           where tm.team_id = $1 and tm.user_id = $2"#,
        team_id,
        user_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("teams.member"))?;
    Ok(row)
}

/// The id of the account with this email, as far as RLS lets the caller see
/// it (only a global admin sees accounts outside their teams).
pub async fn visible_user_id_by_email(tx: &mut Tx, email: &Email) -> Result<Option<Uuid>, DbError> {
    let _timer = crate::metrics::db_timer("teams.visible_user_id_by_email");
    let id = sqlx::query_scalar!("select user_id from users where email = $1", email.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(at("teams.visible_user_id_by_email"))?;
    Ok(id)
}

pub async fn add_member(tx: &mut Tx, team_id: Uuid, user_id: Uuid, role: TeamRole) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("teams.add_member");
    sqlx::query!(
        "insert into team_members (team_id, user_id, role) values ($1, $2, $3)",
        team_id,
        user_id,
        role.as_str()
    )
    .execute(&mut **tx)
    .await
    .map_err(at("teams.add_member"))?;
    Ok(())
}

pub async fn set_role(tx: &mut Tx, team_id: Uuid, user_id: Uuid, role: TeamRole) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("teams.set_role");
    let r = sqlx::query!(
        "update team_members set role = $3 where team_id = $1 and user_id = $2",
        team_id,
        user_id,
        role.as_str()
    )
    .execute(&mut **tx)
    .await
    .map_err(at("teams.set_role"))?;
    Ok(r.rows_affected() == 1)
}

pub async fn remove_member(tx: &mut Tx, team_id: Uuid, user_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("teams.remove_member");
    let r = sqlx::query!("delete from team_members where team_id = $1 and user_id = $2", team_id, user_id)
        .execute(&mut **tx)
        .await
        .map_err(at("teams.remove_member"))?;
    Ok(r.rows_affected() == 1)
}

pub struct Summary {
    pub todo: i64,
    pub in_progress: i64,
    pub done: i64,
    pub cancelled: i64,
    pub overdue: i64,
    pub due_soon: i64,
    pub tracked_seconds_7d: i64,
}

/// Counts over the team's tasks, and time tracked on them in the last week
/// that the caller may see.
pub async fn summary(tx: &mut Tx, team_id: Uuid) -> Result<Summary, DbError> {
    let _timer = crate::metrics::db_timer("teams.summary");
    let row = sqlx::query_as!(
        Summary,
        r#"select
               count(*) filter (where t.status = 'todo') as "todo!",
               count(*) filter (where t.status = 'in_progress') as "in_progress!",
               count(*) filter (where t.status = 'done') as "done!",
               count(*) filter (where t.status = 'cancelled') as "cancelled!",
               count(*) filter (where t.due_at < now() and t.status in ('todo', 'in_progress')) as "overdue!",
               count(*) filter (where t.due_at >= now() and t.due_at < now() + interval '7 days'
                                  and t.status in ('todo', 'in_progress')) as "due_soon!",
               (select coalesce(sum(extract(epoch from te.ended_at - te.started_at)), 0)::bigint
                from time_entries te join tasks tt on tt.task_id = te.task_id
                where tt.team_id = $1 and te.ended_at is not null
                  and te.started_at > now() - interval '7 days') as "tracked_seconds_7d!"
           from tasks t
           where t.team_id = $1 and t.trashed_at is null"#,
        team_id,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("teams.summary"))?;
    Ok(row)
}

/// Whether `me` owns or administers a team that `other` is in: whose
/// timesheets they see and review.
pub async fn administers(tx: &mut Tx, me: UserId, other: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("teams.administers");
    sqlx::query_scalar!(
        r#"select exists (select 1 from team_members a join team_members b on b.team_id = a.team_id
                          where a.user_id = $1 and a.role in ('owner', 'admin') and b.user_id = $2) as "yes!""#,
        me.0,
        other,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("teams.administers"))
}
