//! The `comments` table.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use sqlx::types::Json;

use super::mentions::MentionRow;
use super::{at, DbError, Tx};
use crate::domain::comment::CommentBody;
use crate::domain::user::UserId;

#[derive(Clone)]
pub struct CommentRow {
    pub comment_id: Uuid,
    pub task_id: Uuid,
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Who the body names (written beside it by the service).
    pub mentions: Json<Vec<MentionRow>>,
}

pub async fn insert(
    tx: &mut Tx,
    comment_id: Uuid,
    task_id: Uuid,
    author: UserId,
    body: &CommentBody,
) -> Result<CommentRow, DbError> {
    let _timer = crate::metrics::db_timer("comments.insert");
    let row = sqlx::query_as!(
        CommentRow,
        r#"with c as (
               insert into comments (comment_id, task_id, author_id, body) values ($1, $2, $3, $4)
               returning comment_id, task_id, author_id, body, created_at, updated_at, edited_at)
           select c.comment_id as "comment_id!", c.task_id as "task_id!", c.author_id, u.display_name as "author_name?",
                  c.body as "body!", c.created_at as "created_at!", c.updated_at as "updated_at!", c.edited_at,
                  '[]'::jsonb as "mentions!: Json<Vec<MentionRow>>"
           from c left join users u on u.user_id = c.author_id"#,
        comment_id,
        task_id,
        author.0,
        body.as_str(),
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("comments.insert"))?;
    Ok(row)
}

pub async fn find(tx: &mut Tx, task_id: Uuid, comment_id: Uuid) -> Result<Option<CommentRow>, DbError> {
    let _timer = crate::metrics::db_timer("comments.find");
    let row = sqlx::query_as!(
        CommentRow,
        r#"select c.comment_id, c.task_id, c.author_id, u.display_name as "author_name?", c.body,
                  c.created_at, c.updated_at, c.edited_at,
                  case when strpos(c.body, '@') > 0 then comment_mentions(c.comment_id) else '[]' end
                      as "mentions!: Json<Vec<MentionRow>>"
           from comments c left join users u on u.user_id = c.author_id
           where c.comment_id = $1 and c.task_id = $2"#,
        comment_id,
        task_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("comments.find"))?;
    Ok(row)
}

/// Oldest first, after the (created_at, comment_id) key.
pub async fn list(
    tx: &mut Tx,
    task_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<CommentRow>, DbError> {
    let _timer = crate::metrics::db_timer("comments.list");
    let (after_time, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        CommentRow,
        r#"select c.comment_id, c.task_id, c.author_id, u.display_name as "author_name?", c.body,
                  c.created_at, c.updated_at, c.edited_at,
                  case when strpos(c.body, '@') > 0 then comment_mentions(c.comment_id) else '[]' end
                      as "mentions!: Json<Vec<MentionRow>>"
           from comments c left join users u on u.user_id = c.author_id
           where c.task_id = $1
             and ($2::timestamptz is null or (c.created_at, c.comment_id) > ($2, $3))
           order by c.created_at, c.comment_id
           limit $4"#,
        task_id,
        after_time,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("comments.list"))?;
    Ok(rows)
}

pub async fn update_body(
    tx: &mut Tx,
    task_id: Uuid,
    comment_id: Uuid,
    body: &CommentBody,
) -> Result<Option<CommentRow>, DbError> {
    let _timer = crate::metrics::db_timer("comments.update_body");
    let row = sqlx::query_as!(
        CommentRow,
        r#"with c as (
               update comments set body = $3, edited_at = now()
               where comment_id = $1 and task_id = $2
               returning comment_id, task_id, author_id, body, created_at, updated_at, edited_at)
           select c.comment_id as "comment_id!", c.task_id as "task_id!", c.author_id, u.display_name as "author_name?",
                  c.body as "body!", c.created_at as "created_at!", c.updated_at as "updated_at!", c.edited_at,
                  '[]'::jsonb as "mentions!: Json<Vec<MentionRow>>"
           from c left join users u on u.user_id = c.author_id"#,
        comment_id,
        task_id,
        body.as_str(),
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("comments.update_body"))?;
    Ok(row)
}

pub async fn delete(tx: &mut Tx, task_id: Uuid, comment_id: Uuid) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("comments.delete");
    let r = sqlx::query!("delete from comments where comment_id = $1 and task_id = $2", comment_id, task_id)
        .execute(&mut **tx)
        .await
        .map_err(at("comments.delete"))?;
    Ok(r.rows_affected() == 1)
}
