//! Comments: visible exactly when their task is.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::mentions::{record, Text};
use super::tasks::visible;
use super::Store;
use super::{begin, claim, commit, complete, Idempotency, Outcome, Result, ServiceError, Stored};
use crate::db;
use crate::db::comments::CommentRow;
use crate::domain::comment::CommentBody;
use crate::domain::user::Caller;

pub async fn list(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<CommentRow>> {
    let mut tx = begin(store.pool, user).await?;
    super::tasks::readable(&mut tx, task_id).await?;
    let rows = db::comments::list(&mut tx, task_id, after, limit).await?;
    commit(tx).await?;
    Ok(rows)
}

/// One comment, visible when its task is (RLS reads the task for it).
pub async fn get(store: Store<'_>, user: &Caller, task_id: Uuid, comment_id: Uuid) -> Result<CommentRow> {
    let mut tx = begin(store.pool, user).await?;
    let comment = db::comments::find(&mut tx, task_id, comment_id).await?.ok_or(ServiceError::NotFound)?;
    commit(tx).await?;
    Ok(comment)
}

/// Anyone who can see the task may comment, viewers included.
pub async fn create(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    body: CommentBody,
    idem: Option<&Idempotency>,
    render: impl FnOnce(&CommentRow) -> Stored,
) -> Result<Outcome<CommentRow>> {
    let mut tx = begin(store.pool, user).await?;
    if let Some(stored) = claim(&mut tx, user, idem).await? {
        commit(tx).await?;
        return Ok(Outcome::Replayed(stored));
    }
    super::tasks::readable(&mut tx, task_id).await?;
    let mut row = db::comments::insert(&mut tx, Uuid::now_v7(), task_id, user.user_id, &body).await?;
    row.mentions = Json(record(&mut tx, user, task_id, Text::Comment(row.comment_id, body.as_str()), true).await?);
    complete(&mut tx, user, idem, || render(&row)).await?;
    commit(tx).await?;
    crate::metrics::comment_created();
    Ok(Outcome::Created(row))
}

/// Only the author edits.
pub async fn edit(
    store: Store<'_>,
    user: &Caller,
    task_id: Uuid,
    comment_id: Uuid,
    body: CommentBody,
) -> Result<CommentRow> {
    let mut tx = begin(store.pool, user).await?;
    let comment = db::comments::find(&mut tx, task_id, comment_id).await?.ok_or(ServiceError::NotFound)?;
    if comment.author_id != Some(user.user_id.0) {
        return Err(ServiceError::Forbidden("only the author edits a comment"));
    }
    let mut row =
        db::comments::update_body(&mut tx, task_id, comment_id, &body).await?.ok_or(ServiceError::NotFound)?;
    row.mentions = Json(record(&mut tx, user, task_id, Text::Comment(comment_id, body.as_str()), false).await?);
    commit(tx).await?;
    Ok(row)
}

/// The author, a team owner or admin of the task's team, or a global admin.
pub async fn delete(store: Store<'_>, user: &Caller, task_id: Uuid, comment_id: Uuid) -> Result<()> {
    let mut tx = begin(store.pool, user).await?;
    let comment = db::comments::find(&mut tx, task_id, comment_id).await?.ok_or(ServiceError::NotFound)?;
    if comment.author_id != Some(user.user_id.0) && !visible(&mut tx, user, task_id).await?.1.moderate {
        return Err(ServiceError::Forbidden("only the author or a team admin deletes a comment"));
    }
    db::comments::delete(&mut tx, task_id, comment_id).await?;
    Ok(commit(tx).await?)
}
