//! Projects: a team's named groups of tasks.

/// 1 to 100 characters on one line; unique per team, ignoring case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectName(String);

impl ProjectName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_name(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text, at most 2,000 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectDescription(String);

impl ProjectDescription {
    pub const MAX_CHARS: usize = 2_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_text(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub struct NewProject {
    pub name: ProjectName,
    pub description: Option<ProjectDescription>,
}

/// A partial update: `None` leaves a field alone; `Some(None)` clears the
/// description; `archived` archives (true) or restores (false).
#[derive(Default)]
pub struct ProjectPatch {
    pub name: Option<ProjectName>,
    pub description: Option<Option<ProjectDescription>>,
    pub archived: Option<bool>,
}

impl ProjectPatch {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none() && self.archived.is_none()
    }
}

/// Which of a team's projects a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProjectState {
    /// Open ones (the default: what a switcher offers).
    #[default]
    Open,
    Archived,
    All,
}

impl ProjectState {
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        match raw {
            None | Some("open") => Ok(Self::Open),
            Some("archived") => Ok(Self::Archived),
            Some("all") => Ok(Self::All),
            Some(other) => Err(format!("`{other}` is not one of open, archived, all")),
        }
    }

    /// The `archived` filter: `Some(true)` only archived, `Some(false)` only open.
    pub fn archived(self) -> Option<bool> {
        match self {
            Self::Open => Some(false),
            Self::Archived => Some(true),
            Self::All => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_trimmed_line_of_at_most_100_characters() {
        assert_eq!(ProjectName::parse("  Website ").map(|n| n.as_str().to_owned()), Ok("Website".into()));
        assert!(ProjectName::parse(" ").is_err());
        assert!(ProjectName::parse("a\nb").is_err());
        assert!(ProjectName::parse(&"é".repeat(100)).is_ok());
        assert!(ProjectName::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn descriptions_keep_their_text_up_to_2000_characters() {
        assert_eq!(ProjectDescription::parse(" two\nlines ").map(|d| d.as_str().to_owned()), Ok(" two\nlines ".into()));
        assert!(ProjectDescription::parse(&"x".repeat(2000)).is_ok());
        assert!(ProjectDescription::parse(&"x".repeat(2001)).is_err());
        assert!(ProjectDescription::parse("nul\0").is_err());
    }

    #[test]
    fn a_patch_is_empty_only_when_it_names_nothing() {
        assert!(ProjectPatch::default().is_empty());
        assert!(!ProjectPatch { archived: Some(false), ..Default::default() }.is_empty());
        assert!(!ProjectPatch { description: Some(None), ..Default::default() }.is_empty());
        assert!(!ProjectPatch { name: ProjectName::parse("x").ok(), ..Default::default() }.is_empty());
    }

    #[test]
    fn the_state_filter_defaults_to_open_projects() {
        assert_eq!(ProjectState::parse(None), Ok(ProjectState::Open));
        assert_eq!(ProjectState::parse(Some("open")).map(ProjectState::archived), Ok(Some(false)));
        assert_eq!(ProjectState::parse(Some("archived")).map(ProjectState::archived), Ok(Some(true)));
        assert_eq!(ProjectState::parse(Some("all")).map(ProjectState::archived), Ok(None));
        assert!(ProjectState::parse(Some("closed")).is_err());
    }
}
