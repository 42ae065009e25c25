//! The `tasks` table: writes, reads, and the keyset-paginated list.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::mentions::MentionRow;
use super::{at, DbError, Tx};
use crate::domain::task::{
    Assignee, InProject, NewTask, Priority, SortField, TaskFilter, TaskPatch, TaskSort, TaskStatus, Under,
};
use crate::domain::user::UserId;

#[derive(Clone, sqlx::FromRow)]
pub struct TaskRow {
    pub task_id: Uuid,
    pub team_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub assignee_ids: Vec<Uuid>,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub labels: Vec<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub parent_task_id: Option<Uuid>,
    /// Its subtasks the reader can read, cancelled ones left out.
    pub subtasks_total: i64,
    pub subtasks_done: i64,
    /// Who the description names: read with one task, not with a list.
    pub mentions: Option<Json<Vec<MentionRow>>>,
}

const COLUMNS: &str =
    "t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description, t.status, \
     t.priority, t.due_at, t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.parent_task_id";

pub async fn insert(tx: &mut Tx, task_id: Uuid, task: &NewTask, creator: UserId) -> Result<TaskRow, DbError> {
    let _timer = crate::metrics::db_timer("tasks.insert");
    let row = sqlx::query_as!(
        TaskRow,
        r#"insert into tasks (task_id, team_id, created_by, assignee_ids, title, description, status, priority, due_at,
                              labels, project_id, parent_task_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           returning task_id, team_id, project_id, created_by, assignee_ids, title, description, status as "status: _",
                     priority as "priority: _", due_at,
                     completed_at, labels, version, created_at, updated_at, parent_task_id,
                     0::bigint as "subtasks_total!", 0::bigint as "subtasks_done!",
                     null::jsonb as "mentions: Json<Vec<MentionRow>>""#,
        task_id,
        task.team_id,
        creator.0,
        task.assignees.as_slice(),
        task.title.as_str(),
        task.description.as_ref().map(|d| d.as_str()),
        task.status.as_str(),
        task.priority.as_str(),
        task.due_at,
        task.labels.as_slice(),
        task.project_id,
        task.parent_task_id,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(at("tasks.insert"))?;
    Ok(row)
}

pub async fn find(tx: &mut Tx, task_id: Uuid) -> Result<Option<TaskRow>, DbError> {
    let _timer = crate::metrics::db_timer("tasks.find");
    let row = sqlx::query_as!(
        TaskRow,
        r#"select t.task_id, t.team_id, t.project_id, t.created_by, t.assignee_ids, t.title, t.description,
                  t.status as "status: _", t.priority as "priority: _", t.due_at,
                  t.completed_at, t.labels, t.version, t.created_at, t.updated_at, t.parent_task_id,
                  s.total as "subtasks_total!", s.done as "subtasks_done!",
                  -- A description names someone only if it has an `@`: the
                  -- lookup costs nothing for the rest.
                  case when strpos(t.description, '@') > 0 then description_mentions(t.task_id) else '[]' end
                      as "mentions: Json<Vec<MentionRow>>"
           from tasks t cross join lateral task_subtask_counts(t.task_id) s
           where t.task_id = $1 and t.trashed_at is null"#,
        task_id,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("tasks.find"))?;
    Ok(row)
}

/// Applies a patch; with `expected_version`, only if the row still has it
/// (None back then means someone else changed it first).
pub async fn update(
    tx: &mut Tx,
    task_id: Uuid,
    patch: &TaskPatch,
    expected_version: Option<i64>,
) -> Result<Option<TaskRow>, DbError> {
    let _timer = crate::metrics::db_timer("tasks.update");
    let row = sqlx::query_as!(
        TaskRow,
        r#"with u as (
               update tasks set
                   title = coalesce($2, title),
                   description = case when $3 then $4 else description end,
                   status = coalesce($5, status),
                   priority = coalesce($6, priority),
                   due_at = case when $7 then $8 else due_at end,
                   team_id = case when $9 then $10 else team_id end,
                   assignee_ids = coalesce($11, assignee_ids),
                   labels = coalesce($12, labels),
                   project_id = case when $14 then $15 else project_id end,
                   parent_task_id = case when $16 then $17 else parent_task_id end
               where task_id = $1 and ($13::bigint is null or version = $13)
               returning *)
           select u.task_id, u.team_id, u.project_id, u.created_by, u.assignee_ids, u.title, u.description,
                  u.status as "status: _", u.priority as "priority: _", u.due_at,
                  u.completed_at, u.labels, u.version, u.created_at, u.updated_at, u.parent_task_id,
                  s.total as "subtasks_total!", s.done as "subtasks_done!",
                  case when strpos(u.description, '@') > 0 then description_mentions(u.task_id) else '[]' end
                      as "mentions: Json<Vec<MentionRow>>"
           from u cross join lateral task_subtask_counts(u.task_id) s"#,
        task_id,
        patch.title.as_ref().map(|t| t.as_str()),
        patch.description.is_some(),
        patch.description.as_ref().and_then(|d| d.as_ref().map(|d| d.as_str())),
        patch.status.map(|s| s.as_str()),
        patch.priority.map(|p| p.as_str()),
        patch.due_at.is_some(),
        patch.due_at.flatten(),
        patch.team_id.is_some(),
        patch.team_id.flatten(),
        patch.assignees.as_ref().map(|a| a.as_slice()),
        patch.labels.as_ref().map(|l| l.as_slice()),
        expected_version,
        patch.project_id.is_some(),
        patch.project_id.flatten(),
        patch.parent_task_id.is_some(),
        patch.parent_task_id.flatten(),
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(at("tasks.update"))?;
    Ok(row)
}

/// Where a page ends: the sort key of its last row and that row's id.
#[derive(Clone, Debug, PartialEq)]
pub enum SortKey {
    Time(DateTime<Utc>),
    Rank(i32),
}

fn sort_expr(field: SortField, descending: bool) -> &'static str {
    match (field, descending) {
        (SortField::CreatedAt, _) => "t.created_at",
        (SortField::UpdatedAt, _) => "t.updated_at",
        // Tasks without a due date come last in both directions. Sentinels rather
        // than infinity, which chrono cannot decode into a cursor.
        (SortField::DueAt, false) => "coalesce(t.due_at, '9999-12-31 00:00:00+00'::timestamptz)",
        (SortField::DueAt, true) => "coalesce(t.due_at, '0001-01-01 00:00:00+00'::timestamptz)",
        (SortField::Priority, _) => {
            "(case t.priority when 'low' then 1 when 'medium' then 2 when 'high' then 3 else 4 end)"
        }
    }
}

#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    task: TaskRow,
    sort_time: Option<DateTime<Utc>>,
    sort_rank: Option<i32>,
}

/// Whose tasks a list can reach. RLS decides either way; for members the
/// query is also shaped by the visibility rule, because the planner cannot use
/// an index through the policy's `or is_admin()` branch (a sequential scan of
/// every task). See docs/performance.md for the plans and figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The caller's teams' tasks and their own personal tasks.
    Member,
    /// Global admins: every task.
    Everything,
}

/// Where one arm of the list reads from.
enum Arm {
    /// Every task (RLS still filters): admins.
    All,
    /// One of the caller's teams at a time: an ordered index scan per team.
    MyTeams,
    Created,
    Assigned,
}

/// `select <columns>, <sort key> from <arm> where <filter> and <after>
/// order by <sort> limit <limit>`: one arm of the list.
fn push_arm(
    qb: &mut QueryBuilder<'_, Postgres>,
    arm: Arm,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<&(SortKey, Uuid)>,
    limit: i64,
) {
    let expr = sort_expr(sort.field, sort.descending);
    qb.push("select ").push(COLUMNS);
    if sort.field == SortField::Priority {
        qb.push(format!(", null::timestamptz as sort_time, {expr} as sort_rank"));
    } else {
        qb.push(format!(", {expr} as sort_time, null::int as sort_rank"));
    }
    match arm {
        Arm::MyTeams => {
            // Filter, order and limit inside the lateral subquery, so each team
            // is an ordered index scan that stops after `limit` rows.
            qb.push(
                " from unnest(array(select private.my_team_ids())) as mine(team_id) \
                  cross join lateral (select * from tasks t where t.team_id = mine.team_id",
            );
            push_conditions(qb, filter, sort, after, limit);
            qb.push(") t");
        }
        Arm::All | Arm::Created | Arm::Assigned => {
            qb.push(match arm {
                Arm::Created => " from tasks t where t.created_by = (select app.current_user_id())",
                // Team tasks come through their team's arm: this one reads
                // the personal tasks assigned to the caller, by primary key
                // (see private.my_assigned_task_ids for why not `@>`).
                Arm::Assigned => " from tasks t where t.task_id = any (array(select private.tasks_shared_with_me()))",
                _ => " from tasks t where true",
            });
            push_conditions(qb, filter, sort, after, limit);
        }
    }
}

/// ` and <filter> and <after> order by <sort> limit <limit>`, over alias `t`.
fn push_conditions(
    qb: &mut QueryBuilder<'_, Postgres>,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<&(SortKey, Uuid)>,
    limit: i64,
) {
    let expr = sort_expr(sort.field, sort.descending);
    // The trash is listed on its own (GET /trash).
    qb.push(" and t.trashed_at is null");
    if let Some(team_id) = filter.team_id {
        qb.push(" and t.team_id = ").push_bind(team_id);
    }
    match filter.project {
        Some(InProject::Project(p)) => {
            qb.push(" and t.project_id = ").push_bind(p);
        }
        Some(InProject::None) => {
            qb.push(" and t.project_id is null");
        }
        // Archived projects' tasks leave the default list: a test of the
        // row (kept by triggers), not a lookup per arm.
        None if !filter.include_archived => {
            qb.push(" and not t.project_archived");
        }
        None => {}
    }
    if !filter.statuses.is_empty() {
        let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        qb.push(" and t.status = any(").push_bind(statuses).push(")");
    }
    if let Some(p) = filter.priority {
        qb.push(" and t.priority = ").push_bind(p.as_str());
    }
    match filter.assignee {
        None => {}
        // By the assignee index, through the ids the definer function reads.
        Some(Assignee::Me) => {
            qb.push(" and t.task_id = any (array(select private.my_assigned_task_ids()))");
        }
        // Someone else's: a test of each row the arm reads (no index: the
        // function above answers only about the caller).
        Some(Assignee::User(a)) => {
            qb.push(" and t.assignee_ids @> array[").push_bind(a).push("]::uuid[]");
        }
        Some(Assignee::Nobody) => {
            qb.push(" and t.assignee_ids = '{}'");
        }
    }
    match filter.parent {
        None => {}
        Some(Under::Task(p)) => {
            qb.push(" and t.parent_task_id = ").push_bind(p);
        }
        Some(Under::TopLevel) => {
            qb.push(" and t.parent_task_id is null");
        }
    }
    if let Some(blocked) = filter.blocked {
        // Under RLS: a blocker the caller cannot see does not count.
        qb.push(if blocked { " and " } else { " and not " }).push(
            "exists (select 1 from task_relations r join tasks b on b.task_id = r.task_id \
             where r.other_task_id = t.task_id and r.kind = 'blocks' and b.status not in ('done', 'cancelled') \
             and b.trashed_at is null)",
        );
    }
    if let Some(label) = &filter.label {
        qb.push(" and t.labels @> array[").push_bind(label.clone()).push("]::text[]");
    }
    if let Some(before) = filter.due_before {
        qb.push(" and t.due_at < ").push_bind(before);
    }
    if let Some(after) = filter.due_after {
        qb.push(" and t.due_at > ").push_bind(after);
    }
    if let Some(q) = &filter.q {
        qb.push(" and t.search @@ websearch_to_tsquery('simple', ").push_bind(q.clone()).push(")");
    }
    let cmp = if sort.descending { "<" } else { ">" };
    if let Some((key, id)) = after {
        qb.push(format!(" and ({expr}, t.task_id) {cmp} ("));
        match key {
            SortKey::Time(t) => qb.push_bind(*t),
            SortKey::Rank(r) => qb.push_bind(*r),
        };
        qb.push(", ").push_bind(*id).push(")");
    }
    let dir = if sort.descending { "desc" } else { "asc" };
    qb.push(format!(" order by {expr} {dir}, t.task_id {dir} limit ")).push_bind(limit);
}

/// One page of the tasks visible to the transaction's identity (RLS decides),
/// narrowed by `filter`, in `sort` order, after `after`. Returns up to `limit`
/// rows and the key to continue from when there are more.
///
/// For members the page is the top of three arms (each of the caller's teams
/// through `tasks_team_id_created_idx`, tasks they created, tasks assigned to
/// them), each already limited, merged and limited again: for the default
/// sort that reads about `limit` index entries per arm instead of every
/// visible task.
pub async fn list(
    tx: &mut Tx,
    reach: Reach,
    filter: &TaskFilter,
    sort: TaskSort,
    after: Option<(SortKey, Uuid)>,
    limit: i64,
) -> Result<(Vec<TaskRow>, Option<(SortKey, Uuid)>), DbError> {
    let _timer = crate::metrics::db_timer("tasks.list");
    let dir = if sort.descending { "desc" } else { "asc" };
    let key = if sort.field == SortField::Priority { "sort_rank" } else { "sort_time" };
    // The page first, then the subtask counts of its rows only (one probe
    // of tasks_parent_idx each), in the page's order again.
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
        "select page.*, s.total as subtasks_total, s.done as subtasks_done, null::jsonb as mentions from (",
    );
    // One project's tasks, or one task's subtasks, are one team's (or, for
    // a personal parent, one person's): RLS alone decides, and their own
    // index (tasks_project_idx, tasks_parent_idx) serves the page. The
    // caller's own assigned tasks are one set of ids (every one of them
    // visible), read by primary key: one arm, not three that each test
    // every row they read.
    let one_set = matches!(filter.project, Some(InProject::Project(_)))
        || matches!(filter.parent, Some(Under::Task(_)))
        || filter.assignee == Some(Assignee::Me);
    match (reach, one_set) {
        (Reach::Everything, _) | (_, true) => push_arm(&mut qb, Arm::All, filter, sort, after.as_ref(), limit + 1),
        (Reach::Member, false) => {
            qb.push("select * from (");
            for (i, arm) in [Arm::MyTeams, Arm::Created, Arm::Assigned].into_iter().enumerate() {
                // `union` (not `all`): a task I created in my team comes from two arms.
                qb.push(if i == 0 { "(" } else { " union (" });
                push_arm(&mut qb, arm, filter, sort, after.as_ref(), limit + 1);
                qb.push(")");
            }
            qb.push(format!(") page order by {key} {dir}, task_id {dir} limit ")).push_bind(limit + 1);
        }
    }
    qb.push(format!(
        ") page cross join lateral task_subtask_counts(page.task_id) s order by page.{key} {dir}, page.task_id {dir}"
    ));

    let mut rows: Vec<ListRow> = qb.build_query_as().fetch_all(&mut **tx).await.map_err(at("tasks.list"))?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| {
            let key = match (r.sort_time, r.sort_rank) {
                (_, Some(rank)) => SortKey::Rank(rank),
                (Some(t), None) => SortKey::Time(t),
                (None, None) => SortKey::Time(r.task.created_at),
            };
            (key, r.task.task_id)
        })
    } else {
        None
    };
    Ok((rows.into_iter().map(|r| r.task).collect(), next))
}
