//! The append-only `audit_events` table.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};

tokio::task_local! {
    /// The request an event happens in: set by the request middleware so
    /// every event carries its request id and client address.
    pub static REQUEST: RequestMeta;
}

#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub request_id: String,
    pub ip: String,
}

/// One event, written in the transaction of the change it records.
pub struct Event {
    pub action: &'static str,
    pub actor_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub details: serde_json::Value,
    /// False for events that must not keep where the request came from.
    pub with_address: bool,
}

impl Event {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            actor_id: None,
            subject_id: None,
            team_id: None,
            target_id: None,
            details: serde_json::json!({}),
            with_address: true,
        }
    }

    /// Records no client address (the erasure event: the person is gone).
    pub fn without_address(mut self) -> Self {
        self.with_address = false;
        self
    }

    pub fn actor(mut self, id: Uuid) -> Self {
        self.actor_id = Some(id);
        self
    }

    pub fn subject(mut self, id: Uuid) -> Self {
        self.subject_id = Some(id);
        self
    }

    pub fn team(mut self, id: Uuid) -> Self {
        self.team_id = Some(id);
        self
    }

    pub fn target(mut self, id: Uuid) -> Self {
        self.target_id = Some(id);
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

pub async fn record(tx: &mut Tx, event: Event) -> Result<(), DbError> {
    let _timer = crate::metrics::db_timer("audit.record");
    let meta = REQUEST.try_with(Clone::clone).unwrap_or_default();
    sqlx::query!(
        r#"insert into audit_events (event_id, actor_id, subject_id, action, team_id, target_id, ip, request_id, details)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        Uuid::now_v7(),
        event.actor_id,
        event.subject_id,
        event.action,
        event.team_id,
        event.target_id,
        Some(meta.ip).filter(|s| event.with_address && !s.is_empty()),
        Some(meta.request_id).filter(|s| !s.is_empty()),
        event.details,
    )
    .execute(&mut **tx)
    .await.map_err(at("audit.record"))?;
    Ok(())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EventRow {
    pub event_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub action: String,
    pub team_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Default)]
pub struct Filter {
    /// Either actor or subject is this user.
    pub involving: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first, after the (occurred_at, event_id) key; RLS decides visibility.
pub async fn list(
    tx: &mut Tx,
    f: &Filter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<EventRow>, DbError> {
    let _timer = crate::metrics::db_timer("audit.list");
    let (after_time, after_id) = after.unzip();
    let rows = sqlx::query_as!(
        EventRow,
        r#"select event_id, occurred_at, actor_id, subject_id, action, team_id, target_id, ip, request_id, details
           from audit_events
           where ($1::uuid is null or actor_id = $1 or subject_id = $1)
             and ($2::uuid is null or actor_id = $2)
             and ($3::uuid is null or subject_id = $3)
             and ($4::text is null or action = $4)
             and ($5::timestamptz is null or occurred_at >= $5)
             and ($6::timestamptz is null or occurred_at < $6)
             and ($7::timestamptz is null or (occurred_at, event_id) < ($7, $8))
           order by occurred_at desc, event_id desc
           limit $9"#,
        f.involving,
        f.actor_id,
        f.subject_id,
        f.action,
        f.from,
        f.to,
        after_time,
        after_id,
        limit,
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("audit.list"))?;
    Ok(rows)
}

/// Deletes events older than `days` days, through the definer function.
pub async fn prune(pool: &sqlx::PgPool, days: i32) -> Result<i64, DbError> {
    let _timer = crate::metrics::db_timer("audit.prune");
    let n = sqlx::query_scalar!(r#"select private.prune_audit_events(make_interval(days => $1)) as "n!""#, days)
        .fetch_one(pool)
        .await
        .map_err(at("audit.prune"))?;
    Ok(n)
}
