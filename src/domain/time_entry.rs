//! Time entries: a finished interval of work, valid by construction.

use chrono::{DateTime, Duration, Utc};

/// Longest single entry.
pub const MAX_ENTRY: Duration = Duration::hours(24);

/// `started_at < ended_at`, at most 24 hours, not in the future.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
}

impl Interval {
    pub fn new(started_at: DateTime<Utc>, ended_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Self, String> {
        if ended_at <= started_at {
            return Err("ended_at must be after started_at".into());
        }
        if ended_at - started_at > MAX_ENTRY {
            return Err("an entry may last at most 24 hours".into());
        }
        if ended_at > now {
            return Err("an entry cannot end in the future".into());
        }
        Ok(Self { started_at, ended_at })
    }

    /// From a start and a duration in seconds.
    pub fn from_duration(started_at: DateTime<Utc>, seconds: i64, now: DateTime<Utc>) -> Result<Self, String> {
        if seconds <= 0 {
            return Err("duration_seconds must be positive".into());
        }
        if seconds > MAX_ENTRY.num_seconds() {
            return Err("an entry may last at most 24 hours".into());
        }
        Self::new(started_at, started_at + Duration::seconds(seconds), now)
    }

    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    pub fn ended_at(&self) -> DateTime<Utc> {
        self.ended_at
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    pub const MAX_CHARS: usize = 2_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_text(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + h * 3600, 0).unwrap_or_default()
    }

    #[test]
    fn interval_rules() {
        let now = at(100);
        assert!(Interval::new(at(1), at(2), now).is_ok());
        assert!(Interval::new(at(2), at(2), now).is_err(), "empty");
        assert!(Interval::new(at(3), at(2), now).is_err(), "backwards");
        assert!(Interval::new(at(1), at(26), now).is_err(), "over 24 h");
        assert!(Interval::new(at(1), at(25), now).is_ok(), "exactly 24 h");
        assert!(Interval::new(at(99), at(101), now).is_err(), "future");
        assert!(Interval::from_duration(at(1), 0, now).is_err());
        assert_eq!(Interval::from_duration(at(1), 3600, now).map(|i| i.ended_at()), Ok(at(2)));
    }
}
