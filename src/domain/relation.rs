//! Relations between tasks: what a relation is made as, and how each side reads it.

use serde::Serialize;

/// What a relation is made as, from the task it starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// The other task cannot be done before this one.
    Blocks,
    RelatesTo,
    /// This task repeats the other one.
    Duplicates,
}

impl RelationKind {
    pub const ALL: [Self; 3] = [Self::Blocks, Self::RelatesTo, Self::Duplicates];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blocks => "blocks",
            Self::RelatesTo => "relates_to",
            Self::Duplicates => "duplicates",
        }
    }

    /// How a relation made on one task reads from the task at its other end.
    pub fn seen_from(self, starting_side: bool) -> RelationSide {
        match (self, starting_side) {
            (Self::Blocks, true) => RelationSide::Blocks,
            (Self::Blocks, false) => RelationSide::BlockedBy,
            (Self::RelatesTo, _) => RelationSide::RelatesTo,
            (Self::Duplicates, true) => RelationSide::Duplicates,
            (Self::Duplicates, false) => RelationSide::DuplicatedBy,
        }
    }
}

impl std::str::FromStr for RelationKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a relation; use blocks, relates_to or duplicates"))
    }
}

/// A relation as one of its two tasks reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationSide {
    Blocks,
    BlockedBy,
    RelatesTo,
    Duplicates,
    DuplicatedBy,
}

impl RelationSide {
    /// An open blocker: this side is blocked by a task still to finish.
    pub fn is_blocked_by(self) -> bool {
        self == Self::BlockedBy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for k in RelationKind::ALL {
            assert_eq!(k.as_str().parse::<RelationKind>(), Ok(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::json!(k.as_str())));
        }
        assert!("blocked_by".parse::<RelationKind>().is_err(), "made from the blocking side only");
        assert!("Blocks".parse::<RelationKind>().is_err());
    }

    #[test]
    fn each_side_reads_its_own_direction() {
        assert_eq!(RelationKind::Blocks.seen_from(true), RelationSide::Blocks);
        assert_eq!(RelationKind::Blocks.seen_from(false), RelationSide::BlockedBy);
        assert_eq!(RelationKind::Duplicates.seen_from(true), RelationSide::Duplicates);
        assert_eq!(RelationKind::Duplicates.seen_from(false), RelationSide::DuplicatedBy);
        assert_eq!(RelationKind::RelatesTo.seen_from(true), RelationKind::RelatesTo.seen_from(false));
        assert!(RelationKind::Blocks.seen_from(false).is_blocked_by());
        assert!(!RelationKind::Blocks.seen_from(true).is_blocked_by());
    }

    #[test]
    fn the_migration_allows_exactly_these_kinds() {
        let sql = include_str!("../../migrations/20261202000006_task_relations.sql");
        for k in RelationKind::ALL {
            assert!(sql.contains(&format!("'{}'", k.as_str())), "{}", k.as_str());
        }
    }
}
