//! The `mentions` table: who a comment or a task's description names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::mention::Mentioned;
use crate::domain::user::UserId;

/// A person a text names. Also read as JSON beside comments and tasks.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MentionRow {
    pub user_id: Uuid,
    /// Null where the reader may not read the person's name (RLS on users).
    pub display_name: Option<String>,
    pub texts: Vec<String>,
}

/// Who a text on the task may name: whoever can read it besides global
/// admins, as far as the caller may see them. (The insert policy asks
/// Postgres the same question with its own rights.)
pub struct CandidateRow {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
}

pub async fn candidates(tx: &mut Tx, task_id: Uuid) -> Result<Vec<CandidateRow>, DbError> {
    let _timer = crate::metrics::db_timer("mentions.candidates");
    sqlx::query_as!(
        CandidateRow,
        r#"select u.user_id, u.display_name, u.email
           from tasks t
           cross join lateral (
               select tm.user_id from team_members tm where tm.team_id = t.team_id
               union
               select r from unnest(array[t.created_by] || t.assignee_ids) r where t.team_id is null
           ) reader
           join users u on u.user_id = reader.user_id
           where t.task_id = $1"#,
        task_id,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("mentions.candidates"))
}

/// Makes the text's mentions exactly `mentioned`, keeping when each person
/// was first named; the rows back, first named first.
pub async fn replace(
    tx: &mut Tx,
    task_id: Uuid,
    comment_id: Option<Uuid>,
    by: UserId,
    mentioned: &[Mentioned],
) -> Result<Vec<MentionRow>, DbError> {
    let _timer = crate::metrics::db_timer("mentions.replace");
    let ids: Vec<Uuid> = mentioned.iter().map(|m| m.user_id).collect();
    sqlx::query!(
        "delete from mentions where task_id = $1 and comment_id is not distinct from $2 and user_id <> all ($3)",
        task_id,
        comment_id,
        &ids,
    )
    .execute(&mut **tx)
    .await
    .map_err(at("mentions.replace"))?;
    if mentioned.is_empty() {
        return Ok(Vec::new());
    }
    let people: Vec<serde_json::Value> = mentioned
        .iter()
        .enumerate()
        .map(|(n, m)| serde_json::json!({"user_id": m.user_id, "texts": m.texts, "n": n}))
        .collect();
    // One statement for everyone (at most 50); a microsecond apart, in the
    // order first named, so they list in that order.
    sqlx::query!(
        r#"insert into mentions (task_id, comment_id, user_id, mentioned_by, texts, created_at)
           select $1, $2, p.user_id, $3, p.texts, now() + p.n * interval '1 microsecond'
           from jsonb_to_recordset($4) as p(user_id uuid, texts text[], n int)
           on conflict (task_id, comment_id, user_id)
               do update set texts = excluded.texts where mentions.texts is distinct from excluded.texts"#,
        task_id,
        comment_id,
        by.0,
        serde_json::Value::Array(people),
    )
    .execute(&mut **tx)
    .await
    .map_err(at("mentions.replace"))?;
    let rows = sqlx::query_scalar!(
        r#"select case when $2::uuid is null then description_mentions($1) else comment_mentions($2) end
               as "mentions!: Json<Vec<MentionRow>>""#,
        task_id,
        comment_id,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("mentions.replace"))?;
    Ok(rows.0)
}

/// Where someone named me, for `GET /me/mentions`.
pub struct MyMentionRow {
    pub mention_id: Uuid,
    pub task_id: Uuid,
    pub task_title: String,
    pub team_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    pub mentioned_by: Option<Uuid>,
    pub mentioned_by_name: Option<String>,
    /// Up to 200 characters of the text, from a little before the mention.
    pub excerpt: String,
    pub created_at: DateTime<Utc>,
}

/// Newest first, after the (created_at, mention_id) key; only tasks the
/// caller can still read (RLS on mentions and tasks).
pub async fn mine(
    tx: &mut Tx,
    user: UserId,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<MyMentionRow>, DbError> {
    let _timer = crate::metrics::db_timer("mentions.mine");
    let (before_time, before_id) = before.unzip();
    sqlx::query_as!(
        MyMentionRow,
        r#"select m.mention_id, m.task_id, t.title as task_title, t.team_id, m.comment_id, m.mentioned_by,
                  u.display_name as "mentioned_by_name?",
                  substr(x.text, greatest(1, strpos(lower(x.text), lower('@' || m.texts[1])) - 60), 200)
                      as "excerpt!",
                  m.created_at
           from mentions m
           join tasks t on t.task_id = m.task_id
           left join comments c on c.comment_id = m.comment_id
           left join users u on u.user_id = m.mentioned_by
           cross join lateral (select coalesce(c.body, t.description, '') as text) x
           where m.user_id = $1 and t.trashed_at is null
             and ($2::timestamptz is null or (m.created_at, m.mention_id) < ($2, $3))
           order by m.created_at desc, m.mention_id desc
           limit $4"#,
        user.0,
        before_time,
        before_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("mentions.mine"))
}
