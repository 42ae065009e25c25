//! Checklist items: the small steps inside a task.

/// One line of 1 to 500 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemBody(String);

impl ItemBody {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_name(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where an item goes: 0 is the top; past the end means the end. A task
/// holds at most [`Position::MAX_ITEMS`] items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position(i32);

impl Position {
    pub const MAX_ITEMS: i32 = 100;

    pub fn parse(raw: i64) -> Result<Self, String> {
        if (0..i64::from(Self::MAX_ITEMS)).contains(&raw) {
            Ok(Self(raw as i32))
        } else {
            Err(format!("must be between 0 and {}", Self::MAX_ITEMS - 1))
        }
    }

    /// From a JSON number: JSON Schema's integers include `35.0`, so a
    /// whole number written with a fraction is that number.
    pub fn from_json(n: &serde_json::Number) -> Result<Self, String> {
        // `as` saturates (1e300 becomes i64::MAX), and `parse` refuses that.
        let whole = n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64));
        match whole {
            Some(w) => Self::parse(w),
            None => Err(format!("must be a whole number between 0 and {}", Self::MAX_ITEMS - 1)),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// A change to an item; `None` leaves a part alone.
#[derive(Default)]
pub struct ItemPatch {
    pub body: Option<ItemBody>,
    pub done: Option<bool>,
    pub position: Option<Position>,
}

impl ItemPatch {
    pub fn is_empty(&self) -> bool {
        self.body.is_none() && self.done.is_none() && self.position.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_one_line_of_at_most_500_characters() {
        assert_eq!(ItemBody::parse(" Book the room ").map(|b| b.as_str().to_owned()), Ok("Book the room".into()));
        assert!(ItemBody::parse("").is_err());
        assert!(ItemBody::parse("two\nlines").is_err());
        assert!(ItemBody::parse(&"x".repeat(500)).is_ok());
        assert!(ItemBody::parse(&"x".repeat(501)).is_err());
    }

    #[test]
    fn positions_run_from_0_to_99() {
        assert_eq!(Position::parse(0).map(Position::get), Ok(0));
        assert_eq!(Position::parse(99).map(Position::get), Ok(99));
        assert!(Position::parse(100).is_err());
        assert!(Position::parse(-1).is_err());
        assert!(Position::parse(i64::from(i32::MAX) + 1).is_err());
    }

    #[test]
    fn a_json_position_may_be_written_with_a_zero_fraction() {
        let float = |f: f64| serde_json::Number::from_f64(f).map(|n| Position::from_json(&n).map(Position::get));
        assert_eq!(Position::from_json(&serde_json::Number::from(35)).map(Position::get), Ok(35));
        assert_eq!(float(35.0), Some(Ok(35)));
        assert!(float(35.5).is_some_and(|r| r.is_err()));
        assert!(float(100.0).is_some_and(|r| r.is_err()));
        assert!(float(1e300).is_some_and(|r| r.is_err()));
        assert!(Position::from_json(&serde_json::Number::from(-1)).is_err());
    }

    #[test]
    fn a_patch_is_empty_only_when_it_names_nothing() {
        assert!(ItemPatch::default().is_empty());
        assert!(!ItemPatch { done: Some(false), ..Default::default() }.is_empty());
        assert!(!ItemPatch { position: Position::parse(3).ok(), ..Default::default() }.is_empty());
        assert!(!ItemPatch { body: ItemBody::parse("x").ok(), ..Default::default() }.is_empty());
    }
}
