//! The load dataset: sizes, the id of every row, and the SQL that bulk-inserts
//! it. Ids are `md5(kind || '-' || n)::uuid`, computed the same way here and in
//! SQL, so the driver knows which tasks each user can see without asking.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use md5::{Digest, Md5};
use sqlx::PgPool;
use taskflow::db::{begin_as, Actor};
use taskflow::domain::user::{GlobalRole, UserId};
use uuid::Uuid;

/// Every load user's password. The load database is local and throwaway.
pub const PASSWORD: &str = "load-test-password-not-secret";

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Sizes {
    pub users: i64,
    pub teams: i64,
    pub members_per_team: i64,
    pub tasks: i64,
    /// The first `team_tasks` tasks belong to teams, the rest are personal.
    pub team_tasks: i64,
    pub comments: i64,
    pub time_entries: i64,
}

impl Sizes {
    pub fn scaled(users: i64, tasks: i64) -> Self {
        let teams = (users / 5).max(1);
        Self {
            users,
            teams,
            members_per_team: 10.min(users),
            tasks,
            team_tasks: tasks / 10 * 9 / teams * teams,
            comments: tasks * 5 / 2,
            time_entries: tasks,
        }
    }

    fn stride(&self) -> i64 {
        (self.users / self.teams).max(1)
    }

    /// The `k`th member of team `t` (k = 0 is its owner, k = 1 an admin).
    pub fn member(&self, t: i64, k: i64) -> i64 {
        (t * self.stride() + k) % self.users
    }

    /// The teams user `u` belongs to.
    pub fn teams_of(&self, u: i64) -> Vec<i64> {
        (0..self.teams).filter(|&t| (0..self.members_per_team).any(|k| self.member(t, k) == u)).collect()
    }

    pub fn tasks_per_team(&self) -> i64 {
        self.team_tasks / self.teams
    }

    /// Task index of the `j`th task of team `t`.
    pub fn team_task(&self, t: i64, j: i64) -> i64 {
        t + self.teams * j
    }

    pub fn personal_tasks_per_user(&self) -> i64 {
        (self.tasks - self.team_tasks) / self.users
    }

    /// Task index of user `u`'s `m`th personal task.
    pub fn personal_task(&self, u: i64, m: i64) -> i64 {
        self.team_tasks + u + self.users * m
    }
}

/// The id SQL gives row `n` of `kind`: `md5('kind-n')::uuid`.
pub fn id(kind: &str, n: i64) -> Uuid {
    let digest = Md5::digest(format!("load-{kind}-{n}").as_bytes());
    Uuid::from_bytes(digest.into())
}

pub fn email(u: i64) -> String {
    format!("load-user-{u}@load.taskflow.test")
}

/// Words in task titles, so `q=` searches find something.
pub const WORDS: [&str; 8] = ["deploy", "invoice", "refactor", "review", "migrate", "design", "onboard", "audit"];
pub const LABELS: [&str; 5] = ["backend", "frontend", "ops", "design", "bug"];

struct Table {
    name: &'static str,
    /// The id kind and key column of the table's last generated row, whose
    /// presence means the table is already seeded (None: always insert, on
    /// conflict nothing).
    last_row: Option<(&'static str, &'static str)>,
    rows: i64,
    chunk: i64,
    /// Parameters: $1 first index, $2 last index (inclusive), then the sizes.
    sql: &'static str,
}

const USERS_SQL: &str = r#"
insert into users (user_id, email, display_name, password_hash, role)
select md5('load-user-' || g)::uuid, 'load-user-' || g || '@load.taskflow.test', 'Load User ' || g, $9, 'member'
from generate_series($1::bigint, $2::bigint) g
on conflict do nothing"#;

const TEAMS_SQL: &str = r#"
insert into teams (team_id, name, created_by)
select md5('load-team-' || g)::uuid, 'Load Team ' || g, md5('load-user-' || ((g * $8) % $3))::uuid
from generate_series($1::bigint, $2::bigint) g
on conflict do nothing"#;

/// Projects per team; the last of them is archived once its tasks are in.
pub const PROJECTS_PER_TEAM: i64 = 4;

// One row per (team, p): g = t * 4 + p, created by the team's owner.
const PROJECTS_SQL: &str = r#"
insert into projects (project_id, team_id, name, created_by)
select md5('load-project-' || g)::uuid, md5('load-team-' || (g / 4))::uuid, 'Load Project ' || (g % 4),
       md5('load-user-' || (((g / 4) * $8) % $3))::uuid
from generate_series($1::bigint, $2::bigint) g
on conflict do nothing"#;

// One row per (team, k): g = t * members + k.
const MEMBERS_SQL: &str = r#"
insert into team_members (team_id, user_id, role)
select md5('load-team-' || (g / $5))::uuid,
       md5('load-user-' || (((g / $5) * $8 + g % $5) % $3))::uuid,
       case g % $5 when 0 then 'owner' when 1 then 'admin' else 'member' end
from generate_series($1::bigint, $2::bigint) g
on conflict do nothing"#;

const TASKS_SQL: &str = r#"
with s as (
    select g as i, g < $6 as is_team, g % $4 as t, g / $4 as j, (g - $6) % $3 as pu
    from generate_series($1::bigint, $2::bigint) g)
insert into tasks (task_id, team_id, project_id, created_by, assignee_ids, title, description, status, priority,
                   due_at, labels, created_at, updated_at, parent_task_id)
select md5('load-task-' || i)::uuid,
       case when is_team then md5('load-team-' || t)::uuid end,
       -- Four of five team tasks are in one of the team's four projects.
       case when is_team and j % 5 < 4 then md5('load-project-' || (t * 4 + j % 5))::uuid end,
       md5('load-user-' || case when is_team then (t * $8 + j % $5) % $3 else pu end)::uuid,
       case when not is_team then array[md5('load-user-' || pu)::uuid]
            when j % 7 = 0 then '{}'::uuid[]
            else array[md5('load-user-' || ((t * $8 + (j + 3) % $5) % $3))::uuid] end,
       'Task ' || i || ' ' || (array['deploy','invoice','refactor','review','migrate','design','onboard','audit'])[1 + i % 8],
       'Generated for the load test: ' || i,
       case when i % 20 < 8 then 'todo' when i % 20 < 14 then 'in_progress' when i % 20 < 19 then 'done' else 'cancelled' end,
       (array['low','medium','high','urgent'])[1 + (i / 3) % 4],
       case when i % 3 = 0 then null else now() + ((i % 60) - 20) * interval '1 day' end,
       array[(array['backend','frontend','ops','design','bug'])[1 + i % 5]],
       now() - i * interval '12 seconds',
       now() - i * interval '12 seconds',
       -- Three of ten team tasks are subtasks of the first of their ten (of
       -- the same team, inserted before them).
       case when is_team and j % 10 between 1 and 3 then md5('load-task-' || (i - (j % 10) * $4))::uuid end
from s
on conflict do nothing"#;

const COMMENTS_SQL: &str = r#"
insert into comments (comment_id, task_id, author_id, body, created_at, updated_at)
select md5('load-comment-' || g)::uuid, t.task_id, t.created_by, 'Load comment ' || g,
       least(t.created_at + (g / $4 + 1) * interval '10 minutes', now()),
       least(t.created_at + (g / $4 + 1) * interval '10 minutes', now())
from generate_series($1::bigint, $2::bigint) g
join tasks t on t.task_id = md5('load-task-' || (g % $7))::uuid
on conflict do nothing"#;

const ENTRIES_SQL: &str = r#"
insert into time_entries (entry_id, task_id, user_id, started_at, ended_at, billable)
select md5('load-entry-' || g)::uuid, t.task_id, coalesce(t.assignee_ids[1], t.created_by),
       least(t.created_at + interval '1 hour', now() - interval '4 hours'),
       least(t.created_at + interval '1 hour', now() - interval '4 hours') + (g % 8 + 1) * interval '15 minutes',
       g % 3 = 0
from generate_series($1::bigint, $2::bigint) g
join tasks t on t.task_id = md5('load-task-' || (g % $7))::uuid
on conflict do nothing"#;

/// A dataset of other sizes would make the driver's idea of who sees what
/// wrong; refuse it rather than measure 404s.
async fn check_same_sizes(app: &PgPool, sizes: Sizes) -> anyhow::Result<()> {
    let admin = Actor::Account { user_id: UserId(Uuid::nil()), role: GlobalRole::Admin };
    let mut tx = begin_as(app, &admin).await?;
    let users: i64 =
        sqlx::query_scalar("select count(*) from users where email like 'load-user-%'").fetch_one(&mut *tx).await?;
    let beyond: bool = sqlx::query_scalar("select exists (select 1 from tasks where task_id = $1)")
        .bind(id("task", sizes.tasks))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    anyhow::ensure!(
        (users == 0 || users == sizes.users) && !beyond,
        "the load database holds a dataset of other sizes ({users} load users); drop it with `make load-reset`"
    );
    Ok(())
}

/// Inserts whatever part of the dataset is missing, showing progress.
/// Returns the seconds it took.
pub async fn seed(app: &PgPool, owner: &PgPool, sizes: Sizes) -> anyhow::Result<f64> {
    let started = Instant::now();
    let hash = taskflow::auth::password::hash(PASSWORD.to_owned().into()).await?;
    let tables = [
        Table { name: "users", last_row: Some(("user", "user_id")), rows: sizes.users, chunk: 1_000, sql: USERS_SQL },
        Table { name: "teams", last_row: None, rows: sizes.teams, chunk: 1_000, sql: TEAMS_SQL },
        Table {
            name: "team_members",
            last_row: None,
            rows: sizes.teams * sizes.members_per_team,
            chunk: 5_000,
            sql: MEMBERS_SQL,
        },
        Table {
            name: "projects",
            last_row: Some(("project", "project_id")),
            rows: sizes.teams * PROJECTS_PER_TEAM,
            chunk: 5_000,
            sql: PROJECTS_SQL,
        },
        Table {
            name: "tasks",
            last_row: Some(("task", "task_id")),
            rows: sizes.tasks,
            // Each task runs the assignee, watcher, project and (since
            // subtasks) tree triggers: 10,000 a statement ran past the
            // app's 5 s statement timeout on a slower machine.
            chunk: 4_000,
            sql: TASKS_SQL,
        },
        Table {
            name: "comments",
            last_row: Some(("comment", "comment_id")),
            rows: sizes.comments,
            chunk: 25_000,
            sql: COMMENTS_SQL,
        },
        Table {
            name: "time_entries",
            last_row: Some(("entry", "entry_id")),
            rows: sizes.time_entries,
            // Each entry runs the rate, lock, review and budget triggers and
            // its (person, hour) rollup is recomputed: about 0.35 ms a row
            // here, so 5,000 stay well inside the app's 5 s statement timeout.
            chunk: 5_000,
            sql: ENTRIES_SQL,
        },
    ];
    check_same_sizes(app, sizes).await?;
    let total: i64 = tables.iter().map(|t| t.rows).sum();
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("seeding {msg:>12} [{bar:40}] {pos}/{len} rows  {elapsed} (eta {eta})")?
            .progress_chars("=> "),
    );
    // An admin context, as `taskflow seed` uses: the insert policies admit it.
    let admin = Actor::Account { user_id: UserId(Uuid::nil()), role: GlobalRole::Admin };
    for table in &tables {
        bar.set_message(table.name);
        let done_already = match table.last_row {
            Some((kind, key)) => {
                let mut tx = begin_as(app, &admin).await?;
                let q = format!("select exists (select 1 from {} where {key} = $1)", table.name);
                let found: bool = sqlx::query_scalar(&q).bind(id(kind, table.rows - 1)).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                found
            }
            None => false,
        };
        if done_already {
            bar.inc(table.rows as u64);
            continue;
        }
        let mut lo = 0;
        while lo < table.rows {
            let hi = (lo + table.chunk).min(table.rows) - 1;
            let mut tx = begin_as(app, &admin).await?;
            sqlx::query(table.sql)
                .bind(lo)
                .bind(hi)
                .bind(sizes.users)
                .bind(sizes.teams)
                .bind(sizes.members_per_team)
                .bind(sizes.team_tasks)
                .bind(sizes.tasks)
                .bind(sizes.stride())
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            bar.inc((hi - lo + 1) as u64);
            lo = hi + 1;
        }
    }
    bar.finish_with_message("done");
    // A fifth of the team tasks then sit in an archived project, hidden from
    // default lists (a project takes no new tasks once archived). Archiving
    // marks each project's tasks: 20 teams a statement, inside the timeout.
    for first in (0..sizes.teams).step_by(20) {
        let teams: Vec<Uuid> = (first..(first + 20).min(sizes.teams)).map(|t| id("team", t)).collect();
        let mut tx = begin_as(app, &admin).await?;
        sqlx::query(
            "update projects set archived_at = now() where name = $1 and archived_at is null and team_id = any($2)",
        )
        .bind(format!("Load Project {}", PROJECTS_PER_TEAM - 1))
        .bind(&teams)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    // Fresh statistics, or the first plans are made for empty tables.
    sqlx::query("analyze users, teams, team_members, projects, tasks, comments, time_entries").execute(owner).await?;
    Ok(started.elapsed().as_secs_f64())
}

/// How many entries and how many hourly rollup rows one team's default
/// 30-day report covers: what the two report paths read.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct ReportDensity {
    pub entries: i64,
    pub rollup_rows: i64,
    pub people: i64,
}

pub async fn report_density(app: &PgPool, _sizes: Sizes) -> anyhow::Result<ReportDensity> {
    let admin = Actor::Account { user_id: UserId(Uuid::nil()), role: GlobalRole::Admin };
    let mut tx = begin_as(app, &admin).await?;
    let team = id("team", 0);
    let (entries, people): (i64, i64) = sqlx::query_as(
        "select count(*), count(distinct te.user_id) from time_entries te join tasks t on t.task_id = te.task_id
         where t.team_id = $1 and te.ended_at is not null and te.started_at >= now() - interval '30 days'",
    )
    .bind(team)
    .fetch_one(&mut *tx)
    .await?;
    let rollup_rows: i64 = sqlx::query_scalar(
        "select count(*) from time_rollups where team_id = $1 and hour >= now() - interval '30 days'",
    )
    .bind(team)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ReportDensity { entries, rollup_rows, people })
}
