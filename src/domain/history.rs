//! A task's history: which of its fields a recorded change names.

use serde::Serialize;

/// The fields `task_events` records (its CHECK constraint lists the same).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskField {
    Title,
    Description,
    Status,
    Priority,
    DueAt,
    TeamId,
    ProjectId,
    /// The single assignee, as changes before several assignees recorded it
    /// (read, no longer written).
    AssigneeId,
    AssigneeIds,
    Labels,
    /// Someone started (`new_value`: their id) or stopped (`old_value`)
    /// watching the task themselves.
    Watcher,
    /// Moved under another task, or (null) to the top level.
    ParentTaskId,
    /// A relation made (`new_value`) or removed (`old_value`), from this
    /// task's side: `{"kind": "blocked_by", "task_id": ...}`.
    Relation,
    /// Moved to done while blocked (with `force=true`): `new_value` lists
    /// the open blockers.
    BlockersOverridden,
    /// Moved to the trash (`new_value`: when) or brought back (`old_value`).
    TrashedAt,
}

impl TaskField {
    pub const ALL: [Self; 15] = [
        Self::Title,
        Self::Description,
        Self::Status,
        Self::Priority,
        Self::DueAt,
        Self::TeamId,
        Self::ProjectId,
        Self::AssigneeId,
        Self::AssigneeIds,
        Self::Labels,
        Self::Watcher,
        Self::ParentTaskId,
        Self::Relation,
        Self::BlockersOverridden,
        Self::TrashedAt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Description => "description",
            Self::Status => "status",
            Self::Priority => "priority",
            Self::DueAt => "due_at",
            Self::TeamId => "team_id",
            Self::ProjectId => "project_id",
            Self::AssigneeId => "assignee_id",
            Self::AssigneeIds => "assignee_ids",
            Self::Labels => "labels",
            Self::Watcher => "watcher",
            Self::ParentTaskId => "parent_task_id",
            Self::Relation => "relation",
            Self::BlockersOverridden => "blockers_overridden",
            Self::TrashedAt => "trashed_at",
        }
    }
}

impl std::str::FromStr for TaskField {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| format!("unknown task field '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_reads_back_from_its_name() {
        for f in TaskField::ALL {
            assert_eq!(f.as_str().parse::<TaskField>(), Ok(f));
            assert_eq!(serde_json::to_value(f).ok(), Some(serde_json::json!(f.as_str())));
        }
        assert!("search".parse::<TaskField>().is_err());
    }

    /// The trigger and the CHECK constraint list the fields by name: the
    /// migration must name exactly these.
    #[test]
    fn the_migration_records_exactly_these_fields() {
        let sql = include_str!("../../migrations/20261203000002_trash.sql");
        for f in TaskField::ALL {
            // The legacy field is in the check only: nothing writes it now;
            // the watcher (20261202000004) and relation (20261202000006)
            // triggers are not restated since.
            let places =
                if matches!(f, TaskField::AssigneeId | TaskField::Watcher | TaskField::Relation) { 1 } else { 2 };
            assert!(
                sql.matches(&format!("'{}'", f.as_str())).count() >= places,
                "{} in the check and the trigger",
                f.as_str()
            );
        }
    }
}
