//! @mentions: resolved when a text is saved, in its transaction, against
//! the people who can read the task; listed for whoever was named.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{begin, commit, Result, ServiceError, Store};
use crate::db::mentions::{MentionRow, MyMentionRow};
use crate::db::{self, Tx};
use crate::domain::mention::{self, Candidate, MAX_PEOPLE};
use crate::domain::user::Caller;

/// A text on a task whose mentions are written: the description, or a comment.
#[derive(Clone, Copy)]
pub(crate) enum Text<'a> {
    Description(Option<&'a str>),
    Comment(Uuid, &'a str),
}

impl<'a> Text<'a> {
    fn parts(self) -> (Option<Uuid>, Option<&'a str>, &'static str) {
        match self {
            Text::Description(text) => (None, text, "description"),
            Text::Comment(id, text) => (Some(id), Some(text), "body"),
        }
    }
}

/// Makes the mentions of `text` (new, or edited: `fresh` says which) what
/// it names now. A text with no `@` names nobody, and a new one costs no
/// query then.
pub(crate) async fn record(
    tx: &mut Tx,
    user: &Caller,
    task_id: Uuid,
    text: Text<'_>,
    fresh: bool,
) -> Result<Vec<MentionRow>> {
    let (comment_id, body, field) = text.parts();
    let named = match body.filter(|b| b.contains('@')) {
        None if fresh => return Ok(Vec::new()),
        None => Vec::new(),
        Some(body) => {
            let rows = db::mentions::candidates(tx, task_id).await?;
            let candidates: Vec<Candidate<'_>> = rows
                .iter()
                .map(|r| Candidate { user_id: r.user_id, display_name: &r.display_name, email: &r.email })
                .collect();
            mention::resolve(body, &candidates)
        }
    };
    if named.len() > MAX_PEOPLE {
        return Err(ServiceError::invalid(
            field,
            format!("mentions {} people; at most {MAX_PEOPLE} may be named in one text", named.len()),
        ));
    }
    Ok(db::mentions::replace(tx, task_id, comment_id, user.user_id, &named).await?)
}

/// Where others (or I) named me, newest first, in tasks I can still read.
pub async fn mine(
    store: Store<'_>,
    user: &Caller,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<MyMentionRow>> {
    let mut tx = begin(store.pool, user).await?;
    let rows = db::mentions::mine(&mut tx, user.user_id, before, limit).await?;
    commit(tx).await?;
    Ok(rows)
}
