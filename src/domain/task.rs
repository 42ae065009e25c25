//! Tasks: titles, statuses, priorities, labels, and the shapes of create,
//! patch and list requests once parsed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskTitle(String);

impl TaskTitle {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_name(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 20_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_text(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    InProgress,
    Done,
    Cancelled,
}

impl TaskStatus {
    /// Still to be finished: neither done nor cancelled (an open blocker).
    pub fn is_open(self) -> bool {
        !matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for TaskStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "todo" => Ok(Self::Todo),
            "in_progress" => Ok(Self::InProgress),
            "done" => Ok(Self::Done),
            "cancelled" => Ok(Self::Cancelled),
            other => Err(format!("unknown status '{other}'; use todo, in_progress, done or cancelled")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Medium,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl std::str::FromStr for Priority {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            "urgent" => Ok(Self::Urgent),
            other => Err(format!("unknown priority '{other}'; use low, medium, high or urgent")),
        }
    }
}

/// At most 20 labels of 1 to 50 characters; trimmed, deduplicated, order kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(Vec<String>);

impl Labels {
    pub const MAX_COUNT: usize = 20;
    pub const MAX_CHARS: usize = 50;

    pub fn parse(raw: &[String]) -> Result<Self, String> {
        // Counted before duplicates fold, as the document's maxItems counts.
        if raw.len() > Self::MAX_COUNT {
            return Err(format!("at most {} labels", Self::MAX_COUNT));
        }
        let mut out: Vec<String> = Vec::with_capacity(raw.len());
        for label in raw {
            let l = Self::parse_one(label)?;
            if !out.contains(&l) {
                out.push(l);
            }
        }
        if out.len() > Self::MAX_COUNT {
            return Err(format!("at most {} labels", Self::MAX_COUNT));
        }
        Ok(Self(out))
    }

    pub fn parse_one(raw: &str) -> Result<String, String> {
        super::parse_name(raw, Self::MAX_CHARS).map_err(|e| format!("each label: {e}"))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// Who a task is assigned to: at most 20 people, each once, in the order
/// given (the first is what the deprecated single `assignee_id` shows).
/// Whether each may be assigned is the database's rule (team membership),
/// not the shape's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignees(Vec<Uuid>);

impl Assignees {
    pub const MAX_COUNT: usize = 20;

    pub fn parse(raw: &[Uuid]) -> Result<Self, String> {
        // Counted before duplicates fold, as the document's maxItems counts.
        if raw.len() > Self::MAX_COUNT {
            return Err(format!("at most {} assignees", Self::MAX_COUNT));
        }
        let mut out: Vec<Uuid> = Vec::with_capacity(raw.len());
        for id in raw {
            if !out.contains(id) {
                out.push(*id);
            }
        }
        Ok(Self(out))
    }

    /// The deprecated single assignee: one person, or nobody.
    pub fn one(id: Option<Uuid>) -> Self {
        Self(id.into_iter().collect())
    }

    pub fn as_slice(&self) -> &[Uuid] {
        &self.0
    }
}

/// Who `after` has that `before` had not, and who it lost, each in order.
pub fn assignee_changes(before: &[Uuid], after: &[Uuid]) -> (Vec<Uuid>, Vec<Uuid>) {
    let added = after.iter().filter(|a| !before.contains(a)).copied().collect();
    let removed = before.iter().filter(|b| !after.contains(b)).copied().collect();
    (added, removed)
}

pub struct NewTask {
    pub title: TaskTitle,
    pub description: Option<Description>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub due_at: Option<DateTime<Utc>>,
    pub team_id: Option<Uuid>,
    /// A project of `team_id` (the database holds that it is).
    pub project_id: Option<Uuid>,
    pub assignees: Assignees,
    pub labels: Labels,
    /// The task it is a subtask of (same team: the database holds that).
    pub parent_task_id: Option<Uuid>,
}

/// A partial update: `None` leaves a field alone; `Some(None)` clears a nullable one.
#[derive(Default)]
pub struct TaskPatch {
    pub title: Option<TaskTitle>,
    pub description: Option<Option<Description>>,
    pub status: Option<TaskStatus>,
    pub priority: Option<Priority>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub team_id: Option<Option<Uuid>>,
    pub project_id: Option<Option<Uuid>>,
    /// The whole list (an empty one unassigns everyone).
    pub assignees: Option<Assignees>,
    pub labels: Option<Labels>,
    /// `Some(None)`: up to the top level.
    pub parent_task_id: Option<Option<Uuid>>,
}

impl TaskPatch {
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.status.is_none()
            && self.priority.is_none()
            && self.due_at.is_none()
            && self.team_id.is_none()
            && self.project_id.is_none()
            && self.assignees.is_none()
            && self.labels.is_none()
            && self.parent_task_id.is_none()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    CreatedAt,
    UpdatedAt,
    DueAt,
    Priority,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskSort {
    pub field: SortField,
    pub descending: bool,
}

impl Default for TaskSort {
    fn default() -> Self {
        Self { field: SortField::CreatedAt, descending: true }
    }
}

impl SortField {
    pub const ALL: [SortField; 4] = [SortField::CreatedAt, SortField::UpdatedAt, SortField::DueAt, SortField::Priority];

    pub fn as_str(self) -> &'static str {
        match self {
            SortField::CreatedAt => "created_at",
            SortField::UpdatedAt => "updated_at",
            SortField::DueAt => "due_at",
            SortField::Priority => "priority",
        }
    }
}

impl TaskSort {
    /// `created_at`, `-due_at`, ...: a leading `-` means descending.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (descending, name) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let field = SortField::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| format!("cannot sort by '{name}'; use created_at, updated_at, due_at or priority"))?;
        Ok(Self { field, descending })
    }

    /// Every ordering `parse` accepts, each field ascending then descending.
    pub fn all() -> impl Iterator<Item = TaskSort> {
        SortField::ALL.into_iter().flat_map(|field| [false, true].map(|descending| TaskSort { field, descending }))
    }

    /// The parameter's spelling: `due_at`, or `-due_at` descending.
    pub fn as_param(self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.field.as_str())
    }
}

#[derive(Default)]
pub struct TaskFilter {
    pub team_id: Option<Uuid>,
    pub project: Option<InProject>,
    /// Also tasks of archived projects (naming a project shows its tasks
    /// whether or not it is archived).
    pub include_archived: bool,
    pub statuses: Vec<TaskStatus>,
    pub priority: Option<Priority>,
    pub assignee: Option<Assignee>,
    pub label: Option<String>,
    pub due_before: Option<DateTime<Utc>>,
    pub due_after: Option<DateTime<Utc>>,
    pub q: Option<String>,
    pub parent: Option<Under>,
    /// With (true) or without (false) open blockers the caller can see.
    pub blocked: Option<bool>,
}

/// `?parent_task_id=`: one task's subtasks, or (`none`) top-level tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Under {
    TopLevel,
    Task(Uuid),
}

impl std::str::FromStr for Under {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw {
            "none" => Ok(Under::TopLevel),
            _ => raw.parse().map(Under::Task).map_err(|_| "must be a task id or `none`".to_owned()),
        }
    }
}

/// `?project_id=`: one project's tasks, or (`none`) those in no project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InProject {
    None,
    Project(Uuid),
}

impl std::str::FromStr for InProject {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw {
            "none" => Ok(InProject::None),
            _ => raw.parse().map(InProject::Project).map_err(|_| "must be a project id or `none`".to_owned()),
        }
    }
}

/// Whose tasks a list asks for, among any of a task's assignees: the
/// caller's own (`me`, resolved by the database as the transaction's
/// identity), a named user's, or (`none`) tasks nobody is assigned to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignee {
    Me,
    User(Uuid),
    Nobody,
}

impl std::str::FromStr for Assignee {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        match raw {
            "me" => Ok(Assignee::Me),
            "none" => Ok(Assignee::Nobody),
            _ => raw.parse().map(Assignee::User).map_err(|_| "must be a UUID, `me` or `none`".to_owned()),
        }
    }
}

/// Page size: default 50, at most 200.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit(pub i64);

impl Limit {
    pub const DEFAULT: i64 = 50;
    pub const MAX: i64 = 200;

    pub fn parse(raw: Option<i64>) -> Result<Self, String> {
        match raw {
            None => Ok(Self(Self::DEFAULT)),
            Some(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            Some(_) => Err(format!("must be between 1 and {}", Self::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded_in_characters() {
        assert_eq!(TaskTitle::parse("  Ship it ").map(|t| t.as_str().to_owned()), Ok("Ship it".into()));
        assert!(TaskTitle::parse("   ").is_err());
        assert!(TaskTitle::parse(&"é".repeat(200)).is_ok());
        assert!(TaskTitle::parse(&"é".repeat(201)).is_err());
    }

    #[test]
    fn labels_are_deduplicated_and_bounded() {
        let l = Labels::parse(&["a".into(), " a ".into(), "b".into()]).map(|l| l.as_slice().to_vec());
        assert_eq!(l, Ok(vec!["a".to_owned(), "b".to_owned()]));
        assert!(Labels::parse(&(0..21).map(|i| i.to_string()).collect::<Vec<_>>()).is_err());
        assert!(Labels::parse(&["x".repeat(51)]).is_err());
        assert!(Labels::parse(&["".into()]).is_err());
    }

    /// The OpenAPI document states these limits as maxLength/maxItems and a
    /// no-control-characters pattern; the parser must agree exactly, or the
    /// black-box fuzzer finds requests one side accepts and the other rejects.
    #[test]
    fn limits_count_what_the_document_counts() {
        let padded = format!("{} ", "x".repeat(200));
        assert!(TaskTitle::parse(&padded).is_err(), "201 characters before trimming");
        assert!(TaskTitle::parse(&"x".repeat(200)).is_ok());
        assert!(TaskTitle::parse("tab\there").is_err(), "control characters");
        assert!(TaskTitle::parse("\u{1c}").is_err(), "a control character Python calls whitespace");
        let dupes: Vec<String> = (0..21).map(|_| "same".to_owned()).collect();
        assert!(Labels::parse(&dupes).is_err(), "21 labels, even if they fold to one");
        assert!(Labels::parse_one(&format!("{} ", "l".repeat(50))).is_err());
    }

    #[test]
    fn sort_parses_direction_and_field() {
        assert_eq!(TaskSort::parse("-due_at"), Ok(TaskSort { field: SortField::DueAt, descending: true }));
        assert_eq!(TaskSort::parse("priority"), Ok(TaskSort { field: SortField::Priority, descending: false }));
        assert!(TaskSort::parse("title").is_err());
    }

    #[test]
    fn a_project_filter_is_an_id_or_none() {
        let id = Uuid::now_v7();
        assert_eq!(id.to_string().parse::<InProject>(), Ok(InProject::Project(id)));
        assert_eq!("none".parse::<InProject>(), Ok(InProject::None));
        assert!("None".parse::<InProject>().is_err());
        assert!("".parse::<InProject>().is_err());
    }

    #[test]
    fn only_todo_and_in_progress_are_open() {
        assert!(TaskStatus::Todo.is_open() && TaskStatus::InProgress.is_open());
        assert!(!TaskStatus::Done.is_open() && !TaskStatus::Cancelled.is_open());
    }

    #[test]
    fn a_parent_is_a_task_id_or_none() {
        let id = Uuid::now_v7();
        assert_eq!(id.to_string().parse::<Under>(), Ok(Under::Task(id)));
        assert_eq!("none".parse::<Under>(), Ok(Under::TopLevel));
        assert!("me".parse::<Under>().is_err());
        assert!("".parse::<Under>().is_err());
    }

    #[test]
    fn a_patch_that_only_moves_between_projects_is_not_empty() {
        assert!(TaskPatch::default().is_empty());
        assert!(!TaskPatch { project_id: Some(None), ..Default::default() }.is_empty());
    }

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(Limit::parse(None), Ok(Limit(50)));
        assert!(Limit::parse(Some(0)).is_err());
        assert!(Limit::parse(Some(201)).is_err());
        assert_eq!(Limit::parse(Some(200)), Ok(Limit(200)));
    }
}
