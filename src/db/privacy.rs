//! Consents, the data export, and the parts of erasure that need SQL.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{at, DbError, Tx};
use crate::domain::user::{ConsentPurpose, UserId};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ConsentRow {
    pub purpose: ConsentPurpose,
    pub granted: bool,
    pub policy_version: String,
    pub updated_at: DateTime<Utc>,
}

pub async fn consents(tx: &mut Tx, user: UserId) -> Result<Vec<ConsentRow>, DbError> {
    let _timer = crate::metrics::db_timer("privacy.consents");
    let rows = sqlx::query_as!(
        ConsentRow,
        r#"select purpose as "purpose: _", granted, policy_version, updated_at from consents where user_id = $1 order by purpose"#,
        user.0
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(at("privacy.consents"))?;
    Ok(rows)
}

/// Sets one consent; returns whether it changed.
pub async fn set_consent(
    tx: &mut Tx,
    user: UserId,
    purpose: ConsentPurpose,
    granted: bool,
    version: &str,
) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("privacy.set_consent");
    let changed = sqlx::query_scalar!(
        r#"insert into consents (user_id, purpose, granted, policy_version) values ($1, $2, $3, $4)
           on conflict (user_id, purpose) do update
               set granted = excluded.granted, policy_version = excluded.policy_version, updated_at = now()
               where consents.granted <> excluded.granted or consents.policy_version <> excluded.policy_version
           returning true as "changed!""#,
        user.0,
        purpose.as_str(),
        granted,
        version
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("privacy.set_consent"))?;
    Ok(changed.is_some())
}

/// Everything the user gave us, as one JSON document, read under their RLS
/// identity (so it holds exactly what they can still see).
pub async fn export(tx: &mut Tx, user: UserId) -> Result<serde_json::Value, DbError> {
    let _timer = crate::metrics::db_timer("privacy.export");
    let doc = sqlx::query_scalar!(
        r#"select jsonb_build_object(
             'profile', (select to_jsonb(u) - 'password_hash' from users u where u.user_id = $1),
             'teams', coalesce((select jsonb_agg(jsonb_build_object('team_id', t.team_id, 'name', t.name, 'role', m.role,
                                                 'joined_at', m.created_at) order by t.name)
                                from team_members m join teams t on t.team_id = m.team_id where m.user_id = $1), '[]'),
             'tasks', coalesce((select jsonb_agg(to_jsonb(t) - 'search' order by t.created_at)
                                from tasks t where t.created_by = $1 or $1 = any (t.assignee_ids)), '[]'),
             -- The tasks they watch, and since when.
             'watching', coalesce((select jsonb_agg(jsonb_build_object('task_id', w.task_id, 'since', w.created_at)
                                                    order by w.created_at)
                                   from task_watchers w where w.user_id = $1), '[]'),
             -- Projects they created (their names and descriptions are their words).
             'projects', coalesce((select jsonb_agg(to_jsonb(p) order by p.created_at)
                                   from projects p where p.created_by = $1), '[]'),
             -- The relations between tasks they made (that they can still see).
             'relations', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at)
                                    from task_relations r where r.created_by = $1), '[]'),
             -- Where they were named, and whom they named (in tasks they can still read).
             'mentions', coalesce((select jsonb_agg(to_jsonb(m) order by m.created_at)
                                   from mentions m where m.user_id = $1 or m.mentioned_by = $1), '[]'),
             -- The changes they made to tasks (what and when; the tasks stay the team's).
             'task_events', coalesce((select jsonb_agg(to_jsonb(e) order by e.occurred_at)
                                      from task_events e where e.actor_id = $1), '[]'),
             'comments', coalesce((select jsonb_agg(to_jsonb(c) order by c.created_at)
                                   from comments c where c.author_id = $1), '[]'),
             'time_entries', coalesce((select jsonb_agg(to_jsonb(e) order by e.started_at)
                                       from time_entries e where e.user_id = $1), '[]'),
             -- The rate each entry was saved with, where the person may see it.
             'time_entry_rates', coalesce((select jsonb_agg(to_jsonb(r) order by r.entry_id)
                                           from time_entry_rates r where r.user_id = $1), '[]'),
             -- Whether they have a calendar feed (never its token's digest).
             'calendar_feed', (select jsonb_build_object('created_at', f.created_at, 'last_used_at', f.last_used_at)
                               from calendar_feeds f where f.user_id = $1),
             'consents', coalesce((select jsonb_agg(to_jsonb(c) - 'user_id' order by c.purpose)
                                   from consents c where c.user_id = $1), '[]'),
             'audit_events', coalesce((select jsonb_agg(to_jsonb(a) order by a.occurred_at)
                                       from audit_events a where a.actor_id = $1 or a.subject_id = $1), '[]'),
             'identities', coalesce((select jsonb_agg(jsonb_build_object('issuer', e.issuer, 'subject', e.subject,
                                                 'email', e.email, 'linked_at', e.created_at) order by e.created_at)
                                     from external_identities e where e.user_id = $1), '[]'),
             'invitations_received', coalesce((select jsonb_agg(jsonb_build_object('invitation_id', i.invitation_id,
                                                 'team_id', i.team_id, 'role', i.role, 'status', i.status,
                                                 'created_at', i.created_at, 'expires_at', i.expires_at,
                                                 'responded_at', i.responded_at) order by i.created_at)
                                               from team_invitations i where i.email = private.my_email()), '[]'),
             'mfa_enabled', exists (select 1 from user_mfa m where m.user_id = $1 and m.enabled_at is not null)
           ) as "doc!""#,
        user.0
    )
    .fetch_one(&mut **tx)
    .await.map_err(at("privacy.export"))?;
    Ok(doc)
}

/// Teams where the user is the only owner and someone else remains: they
/// must hand over or delete the team before erasing their account.
pub async fn solely_owned_teams(tx: &mut Tx, user: UserId) -> Result<Vec<String>, DbError> {
    let _timer = crate::metrics::db_timer("privacy.solely_owned_teams");
    let names = sqlx::query_scalar!(
        r#"select t.name from team_members m join teams t on t.team_id = m.team_id
           where m.user_id = $1 and m.role = 'owner'
             and not exists (select 1 from team_members o where o.team_id = m.team_id and o.role = 'owner' and o.user_id <> $1)
             and exists (select 1 from team_members x where x.team_id = m.team_id and x.user_id <> $1)
           order by t.name"#,
        user.0
    )
    .fetch_all(&mut **tx)
    .await.map_err(at("privacy.solely_owned_teams"))?;
    Ok(names)
}

/// Deletes teams the user alone belongs to (nobody else loses anything).
pub async fn delete_solo_teams(tx: &mut Tx, user: UserId) -> Result<u64, DbError> {
    let _timer = crate::metrics::db_timer("privacy.delete_solo_teams");
    let r = sqlx::query!(
        r#"delete from teams t where t.team_id in (
               select m.team_id from team_members m where m.user_id = $1
                 and not exists (select 1 from team_members x where x.team_id = m.team_id and x.user_id <> $1))"#,
        user.0
    )
    .execute(&mut **tx)
    .await
    .map_err(at("privacy.delete_solo_teams"))?;
    Ok(r.rows_affected())
}

pub async fn pseudonymise_audit(tx: &mut Tx, pseudonym: Uuid) -> Result<i64, DbError> {
    let _timer = crate::metrics::db_timer("privacy.pseudonymise_audit");
    let n = sqlx::query_scalar!(r#"select private.pseudonymise_audit($1) as "n!""#, pseudonym)
        .fetch_one(&mut **tx)
        .await
        .map_err(at("privacy.pseudonymise_audit"))?;
    Ok(n)
}

pub async fn delete_user(tx: &mut Tx, user: UserId) -> Result<bool, DbError> {
    let _timer = crate::metrics::db_timer("privacy.delete_user");
    let r = sqlx::query!("delete from users where user_id = $1", user.0)
        .execute(&mut **tx)
        .await
        .map_err(at("privacy.delete_user"))?;
    Ok(r.rows_affected() == 1)
}
