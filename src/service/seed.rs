//! Seed data from `seeds/*.yaml`, compiled into the binary so the container can
//! seed staging without the source tree. The YAML gives fixed accounts and
//! counts; the rest is generated from a fixed random seed, with ids derived
//! from it, so every run produces the same rows and a second run adds none.

use crate::db::Pool;
use chrono::{DateTime, Duration, TimeZone, Utc};
use secrecy::SecretString;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::password;
use crate::db::seed::{Comments, Entries, Members, Tasks, Teams, Users};
use crate::db::{self, begin_as, Actor};
use crate::domain::user::{Email, GlobalRole, Password, UserId};

const DEMO: &str = include_str!("../../seeds/demo.yaml");
const STAGING: &str = include_str!("../../seeds/staging.yaml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub password: String,
    pub random_seed: u64,
    pub users: Vec<FixedUser>,
    pub generated_users: usize,
    pub teams: usize,
    pub tasks: usize,
    pub max_comments_per_task: usize,
    pub max_entries_per_task: usize,
    /// Date the data relative to today (so demo reports have recent data)
    /// instead of a fixed day. Ids stay fixed either way.
    #[serde(default)]
    pub anchor_days_ago: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedUser {
    pub email: String,
    pub display_name: String,
    pub role: GlobalRole,
}

pub fn profile(name: &str) -> anyhow::Result<Profile> {
    let source = match name {
        "demo" => DEMO,
        "staging" => STAGING,
        other => anyhow::bail!("unknown seed profile '{other}'; available: demo, staging"),
    };
    Ok(serde_yaml::from_str(source)?)
}

/// SplitMix64: tiny, and stable across crate versions, unlike `StdRng`.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Stable ids: the same profile seed and name give the same UUID.
fn id(seed: u64, kind: &str, n: usize) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("taskflow-seed:{seed}:{kind}:{n}").as_bytes())
}

const FIRST: &[&str] = &["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Alan", "Radia"];
const LAST: &[&str] =
    &["Lovelace", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen", "Kay", "Perlman"];
const TEAM_WORDS: &[&str] =
    &["Platform", "Mobile", "Billing", "Growth", "Security", "Data", "Design", "Support", "Infra", "Search"];
const VERBS: &[&str] = &["Fix", "Write", "Review", "Plan", "Ship", "Refactor", "Document", "Measure", "Design", "Test"];
const THINGS: &[&str] = &[
    "login flow",
    "invoice export",
    "search ranking",
    "onboarding emails",
    "release notes",
    "dashboard",
    "rate limiter",
    "backup drill",
    "API docs",
    "mobile nav",
];
const LABELS: &[&str] = &["bug", "feature", "chore", "docs", "ops", "ux", "security", "q4"];
const STATUSES: &[&str] = &["todo", "todo", "in_progress", "done", "cancelled"];
const PRIORITIES: &[&str] = &["low", "medium", "medium", "high", "urgent"];
const COMMENTS: &[&str] = &[
    "On it.",
    "Blocked on review.",
    "Can we split this?",
    "Done on staging, please check.",
    "Moved to next sprint.",
    "Added screenshots.",
];

pub struct Report {
    pub logins: Vec<(String, GlobalRole)>,
    pub password: String,
    pub inserted: [u64; 6],
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "seed logins (password for all: {}):", self.password)?;
        for (email, role) in &self.logins {
            writeln!(f, "  {email} ({})", role.as_str())?;
        }
        let [u, t, m, k, c, e] = self.inserted;
        write!(f, "inserted: {u} users, {t} teams, {m} memberships, {k} tasks, {c} comments, {e} time entries")
    }
}

/// Everything a profile generates, before it touches the database.
pub struct Dataset {
    pub users: Users,
    pub teams: Teams,
    pub members: Members,
    pub tasks: Tasks,
    pub comments: Comments,
    pub entries: Entries,
}

pub fn generate(p: &Profile, password_hash: &str) -> anyhow::Result<Dataset> {
    let mut rng = Rng::new(p.random_seed);
    let seed = p.random_seed;
    let base: DateTime<Utc> = match p.anchor_days_ago {
        Some(days) => {
            let today = Utc::now().date_naive().and_hms_opt(9, 0, 0).unwrap_or_default().and_utc();
            today - Duration::days(days)
        }
        None => Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).single().unwrap_or_default(),
    };

    let mut users = Users::default();
    for (i, u) in p.users.iter().enumerate() {
        users.ids.push(id(seed, "fixed-user", i));
        users.emails.push(Email::parse(&u.email).map_err(|m| anyhow::anyhow!("seed email {m}"))?.as_str().to_owned());
        users.names.push(u.display_name.clone());
        users.roles.push(u.role.as_str().to_owned());
    }
    for i in 0..p.generated_users {
        users.ids.push(id(seed, "user", i));
        users.emails.push(format!("user{i:03}@seed{seed}.taskflow.test"));
        users.names.push(format!("{} {}", rng.pick(FIRST), rng.pick(LAST)));
        users.roles.push("member".into());
    }
    users.hashes = vec![password_hash.to_owned(); users.ids.len()];
    let n_users = users.ids.len();

    let mut teams = Teams::default();
    let mut members = Members::default();
    // Per team: (user index, role) so tasks can pick plausible people.
    let mut rosters: Vec<Vec<(usize, &str)>> = Vec::new();
    for t in 0..p.teams {
        let team_id = id(seed, "team", t);
        // Fixed users own the first teams so the known logins see data.
        let owner = if t < p.users.len() { t } else { rng.below(n_users) };
        teams.ids.push(team_id);
        teams.names.push(format!("{} {}", TEAM_WORDS[t % TEAM_WORDS.len()], t / TEAM_WORDS.len() + 1));
        teams.creators.push(users.ids[owner]);
        let mut roster = vec![(owner, "owner")];
        for u in 0..p.users.len() {
            if u != owner && t < p.users.len().max(2) {
                roster.push((u, if u == 2 { "viewer" } else { "member" }));
            }
        }
        for _ in 0..(2 + rng.below(5)) {
            let u = rng.below(n_users);
            if roster.iter().all(|(x, _)| *x != u) {
                roster.push((u, *rng.pick(&["admin", "member", "member", "viewer"])));
            }
        }
        for (u, role) in &roster {
            members.teams.push(team_id);
            members.users.push(users.ids[*u]);
            members.roles.push((*role).to_owned());
        }
        rosters.push(roster);
    }

    let mut tasks = Tasks::default();
    let mut comments = Comments::default();
    let mut entries = Entries::default();
    for k in 0..p.tasks {
        let task_id = id(seed, "task", k);
        let created = base + Duration::minutes((k as i64) * 37);
        let team = if !rosters.is_empty() && rng.chance(75) { Some(rng.below(rosters.len())) } else { None };
        let (creator, assignee, readers, writers): (usize, Option<usize>, Vec<usize>, Vec<usize>) = match team {
            Some(t) => {
                let roster = &rosters[t];
                let writers: Vec<usize> = roster.iter().filter(|(_, r)| *r != "viewer").map(|(u, _)| *u).collect();
                let readers: Vec<usize> = roster.iter().map(|(u, _)| *u).collect();
                let creator = *rng.pick(&writers);
                // Viewers read along; they are not assigned work.
                let assignee = if rng.chance(70) { Some(*rng.pick(&writers)) } else { None };
                (creator, assignee, readers, writers)
            }
            None => {
                let creator = if k < p.users.len() { k } else { rng.below(n_users) };
                // Someone who shares a team with the creator, as the database demands.
                let assignee = if rng.chance(30) {
                    let mates: Vec<usize> = rosters
                        .iter()
                        .filter(|r| r.iter().any(|(u, _)| *u == creator))
                        .flat_map(|r| r.iter().map(|(u, _)| *u))
                        .collect();
                    (!mates.is_empty()).then(|| *rng.pick(&mates))
                } else {
                    None
                };
                let mut people = vec![creator];
                people.extend(assignee.filter(|a| *a != creator));
                (creator, assignee, people.clone(), people)
            }
        };
        let status = *rng.pick(STATUSES);
        let mut labels: Vec<&str> = Vec::new();
        for _ in 0..rng.below(3) {
            let l = *rng.pick(LABELS);
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
        tasks.ids.push(task_id);
        tasks.teams.push(team.map(|t| teams.ids[t]));
        tasks.creators.push(users.ids[creator]);
        tasks.assignees.push(assignee.map(|a| users.ids[a]));
        tasks.titles.push(format!("{} {}", rng.pick(VERBS), rng.pick(THINGS)));
        tasks.descriptions.push(rng.chance(60).then(|| format!("Seeded task {k}: see the linked ticket for context.")));
        tasks.statuses.push(status.to_owned());
        tasks.priorities.push((*rng.pick(PRIORITIES)).to_owned());
        tasks.due.push(rng.chance(50).then(|| created + Duration::days(1 + rng.below(60) as i64)));
        tasks.labels.push(labels.join(","));
        tasks.created.push(created);

        for c in 0..rng.below(p.max_comments_per_task + 1) {
            comments.ids.push(id(seed, "comment", k * 100 + c));
            comments.tasks.push(task_id);
            comments.authors.push(users.ids[*rng.pick(&readers)]);
            comments.bodies.push((*rng.pick(COMMENTS)).to_owned());
            comments.created.push(created + Duration::hours(1 + c as i64));
        }
        for e in 0..rng.below(p.max_entries_per_task + 1) {
            let started = created + Duration::hours(2 + 3 * e as i64);
            entries.ids.push(id(seed, "entry", k * 100 + e));
            entries.tasks.push(task_id);
            entries.users.push(users.ids[*rng.pick(&writers)]);
            entries.started.push(started);
            entries.ended.push(started + Duration::minutes(15 + rng.below(225) as i64));
            entries.billable.push(rng.chance(60));
        }
    }
    Ok(Dataset { users, teams, members, tasks, comments, entries })
}

/// Accounts that existed before the seed keep their ids; rows generated for
/// them follow.
fn remap_existing_accounts(data: &mut Dataset, actual: &[(String, Uuid)]) {
    let mut map = std::collections::HashMap::new();
    for (email, real) in actual {
        if let Some(i) = data.users.emails.iter().position(|e| e == email) {
            if data.users.ids[i] != *real {
                map.insert(data.users.ids[i], *real);
            }
        }
    }
    if map.is_empty() {
        return;
    }
    let fix = |id: &mut Uuid| {
        if let Some(real) = map.get(id) {
            *id = *real;
        }
    };
    data.teams.creators.iter_mut().for_each(fix);
    data.members.users.iter_mut().for_each(fix);
    data.tasks.creators.iter_mut().for_each(fix);
    data.tasks.assignees.iter_mut().flatten().for_each(fix);
    data.comments.authors.iter_mut().for_each(fix);
    data.entries.users.iter_mut().for_each(fix);
}

pub async fn run(pool: &Pool, profile_name: &str) -> anyhow::Result<Report> {
    let p = profile(profile_name)?;
    Password::parse(SecretString::from(p.password.clone())).map_err(|m| anyhow::anyhow!("seed password {m}"))?;
    // One hash for every seeded account: seeding stays fast, and these are
    // published demo passwords anyway.
    let hash = password::hash(SecretString::from(p.password.clone())).await?;
    let data = generate(&p, &hash)?;

    let admin = Actor::Account { user_id: UserId(Uuid::nil()), role: GlobalRole::Admin };
    let mut tx = begin_as(pool, &admin).await?;
    let users = db::seed::users(&mut tx, &data.users).await?;
    let mut data = data;
    let actual = db::seed::user_ids_by_email(&mut tx, &data.users.emails).await?;
    remap_existing_accounts(&mut data, &actual);
    let inserted = [
        users,
        db::seed::teams(&mut tx, &data.teams).await?,
        db::seed::members(&mut tx, &data.members).await?,
        db::seed::tasks(&mut tx, &data.tasks).await?,
        db::seed::comments(&mut tx, &data.comments).await?,
        db::seed::entries(&mut tx, &data.entries).await?,
    ];
    super::commit(tx).await?;
    Ok(Report { logins: p.users.iter().map(|u| (u.email.clone(), u.role)).collect(), password: p.password, inserted })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_and_generate_the_promised_volumes() -> anyhow::Result<()> {
        let staging = profile("staging")?;
        let data = generate(&staging, "hash")?;
        assert!(data.users.ids.len() >= 50);
        assert!(data.teams.ids.len() >= 20);
        assert!(data.tasks.ids.len() >= 100);
        assert!(!data.comments.ids.is_empty() && !data.entries.ids.is_empty());
        assert!(profile("demo").is_ok());
        assert!(profile("nope").is_err());
        Ok(())
    }

    #[test]
    fn generation_is_deterministic() -> anyhow::Result<()> {
        let p = profile("staging")?;
        let (a, b) = (generate(&p, "h")?, generate(&p, "h")?);
        assert_eq!(a.tasks.ids, b.tasks.ids);
        assert_eq!(a.tasks.titles, b.tasks.titles);
        assert_eq!(a.entries.started, b.entries.started);
        assert_eq!(a.members.users, b.members.users);
        Ok(())
    }
}
