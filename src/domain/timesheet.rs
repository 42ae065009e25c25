//! Timesheets: one person's ISO week, task by day, and the review state of
//! its entries (draft → submitted → approved | rejected).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::user::TimeZone;

/// Where an entry is in review. The database's trigger holds the
/// transitions; this type only names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    Draft,
    Submitted,
    Approved,
    Rejected,
}

impl EntryState {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Draft => "draft",
            EntryState::Submitted => "submitted",
            EntryState::Approved => "approved",
            EntryState::Rejected => "rejected",
        }
    }

    /// Submitted and approved entries are frozen: nobody edits or deletes
    /// them until an admin rejects or reopens them.
    pub fn is_frozen(self) -> bool {
        matches!(self, EntryState::Submitted | EntryState::Approved)
    }
}

impl std::str::FromStr for EntryState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(Self::Draft),
            "submitted" => Ok(Self::Submitted),
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            other => Err(format!("unknown state '{other}'; use draft, submitted, approved or rejected")),
        }
    }
}

/// Why an admin sent time back: one to 1,000 characters, not blank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectionReason(String);

impl RejectionReason {
    pub const MAX_CHARS: usize = 1_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = super::parse_text(raw, Self::MAX_CHARS)?;
        if text.trim().is_empty() {
            return Err("must say why the time is rejected".into());
        }
        Ok(Self(text.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 8601 week (`2026-W48`): Monday to Sunday.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IsoWeek {
    monday: NaiveDate,
}

impl IsoWeek {
    pub fn parse(raw: &str) -> Result<Self, String> {
        const RULE: &str = "must be an ISO week such as 2026-W48 (year 1000 to 9999, week 01 to 52 or 53)";
        let (year, week) = raw.split_once("-W").ok_or(RULE)?;
        if year.len() != 4 || week.len() != 2 || !year.bytes().chain(week.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(RULE.into());
        }
        let (year, week) = (year.parse::<i32>().map_err(|_| RULE)?, week.parse::<u32>().map_err(|_| RULE)?);
        if year < 1000 {
            return Err(RULE.into());
        }
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|monday| Self { monday }).ok_or_else(|| {
            if week == 53 {
                format!("{year} has no week 53")
            } else {
                RULE.to_owned()
            }
        })
    }

    /// The week a day falls in.
    pub fn of(day: NaiveDate) -> Self {
        let iso = day.iso_week();
        Self { monday: NaiveDate::from_isoywd_opt(iso.year(), iso.week(), Weekday::Mon).unwrap_or(day) }
    }

    /// The week that is current in `zone` at `now`.
    pub fn current(zone: TimeZone, now: DateTime<Utc>) -> Self {
        Self::of(now.with_timezone(&zone.tz()).date_naive())
    }

    pub fn monday(self) -> NaiveDate {
        self.monday
    }

    pub fn sunday(self) -> NaiveDate {
        self.monday + Duration::days(6)
    }

    pub fn days(self) -> [NaiveDate; 7] {
        std::array::from_fn(|i| self.monday + Duration::days(i as i64))
    }

    /// Which day of the week (0 = Monday), if `day` is in it.
    pub fn index_of(self, day: NaiveDate) -> Option<usize> {
        let i = (day - self.monday).num_days();
        (0..7).contains(&i).then_some(i as usize)
    }
}

impl std::fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let iso = self.monday.iso_week();
        write!(f, "{:04}-W{:02}", iso.year(), iso.week())
    }
}

/// One entry as a timesheet places it: on the day it started, in the
/// person's zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SheetEntry {
    pub entry_id: Uuid,
    pub task_id: Uuid,
    pub day: NaiveDate,
    pub seconds: i64,
    pub billable: bool,
    pub running: bool,
    pub state: EntryState,
    /// Set while the entry is rejected, and after it is corrected, until it
    /// is submitted again.
    pub rejection_reason: Option<String>,
}

/// One task's line: seconds per day, Monday first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SheetRow {
    pub task_id: Uuid,
    pub title: String,
    /// None for a personal task: its time is never submitted.
    pub team_id: Option<Uuid>,
    pub days: [i64; 7],
    pub seconds: i64,
}

/// How far the week's team time is through review: `rejected` while any of
/// it is, else `draft` while any is, else `submitted` while any waits, else
/// `approved`; `empty` with no team time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SheetState {
    Empty,
    Draft,
    Submitted,
    Approved,
    Rejected,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StateCounts {
    pub draft: u32,
    pub submitted: u32,
    pub approved: u32,
    pub rejected: u32,
}

/// The input: an entry with its task, as read.
pub struct Tracked {
    pub entry: SheetEntry,
    pub title: String,
    pub team_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Timesheet {
    #[schema(value_type = String, example = "2026-W48")]
    #[serde(serialize_with = "as_text")]
    pub week: IsoWeek,
    pub user_id: Uuid,
    pub time_zone: String,
    /// Monday to Sunday.
    pub days: [NaiveDate; 7],
    /// One per task with time this week, by title.
    pub rows: Vec<SheetRow>,
    pub day_totals: [i64; 7],
    pub seconds: i64,
    pub state: SheetState,
    /// Team time only (personal time has no reviewer).
    pub counts: StateCounts,
    /// Every entry of the week, the earliest first.
    pub entries: Vec<SheetEntry>,
}

fn as_text<S: serde::Serializer>(week: &IsoWeek, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(week)
}

impl Timesheet {
    /// Lays the week's entries out; entries outside the week are not its.
    pub fn assemble(week: IsoWeek, user_id: Uuid, zone: TimeZone, tracked: Vec<Tracked>) -> Self {
        let mut rows: Vec<SheetRow> = Vec::new();
        let mut counts = StateCounts::default();
        let mut entries = Vec::new();
        for t in tracked {
            let Some(i) = week.index_of(t.entry.day) else { continue };
            let at = match rows.iter().position(|r| r.task_id == t.entry.task_id) {
                Some(at) => at,
                None => {
                    rows.push(SheetRow {
                        task_id: t.entry.task_id,
                        title: t.title,
                        team_id: t.team_id,
                        days: [0; 7],
                        seconds: 0,
                    });
                    rows.len() - 1
                }
            };
            let row = &mut rows[at];
            row.days[i] += t.entry.seconds;
            row.seconds += t.entry.seconds;
            if t.team_id.is_some() {
                match t.entry.state {
                    EntryState::Draft => counts.draft += 1,
                    EntryState::Submitted => counts.submitted += 1,
                    EntryState::Approved => counts.approved += 1,
                    EntryState::Rejected => counts.rejected += 1,
                }
            }
            entries.push(t.entry);
        }
        rows.sort_by(|a, b| a.title.cmp(&b.title).then(a.task_id.cmp(&b.task_id)));
        entries.sort_by_key(|e| (e.day, e.entry_id));
        let day_totals = std::array::from_fn(|i| rows.iter().map(|r| r.days[i]).sum());
        let state = match counts {
            c if c.rejected > 0 => SheetState::Rejected,
            c if c.draft > 0 => SheetState::Draft,
            c if c.submitted > 0 => SheetState::Submitted,
            c if c.approved > 0 => SheetState::Approved,
            _ => SheetState::Empty,
        };
        Self {
            week,
            user_id,
            time_zone: zone.name().to_owned(),
            days: week.days(),
            seconds: rows.iter().map(|r| r.seconds).sum(),
            rows,
            day_totals,
            state,
            counts,
            entries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// A week the test names (the epoch's, if it does not parse: the
    /// assertions then fail).
    fn week(raw: &str) -> IsoWeek {
        IsoWeek::parse(raw).unwrap_or(IsoWeek::of(NaiveDate::default()))
    }

    #[test]
    fn weeks_parse_and_print() {
        let w = week("2026-W48");
        assert_eq!(w.monday(), day(2026, 11, 23));
        assert_eq!(w.sunday(), day(2026, 11, 29));
        assert_eq!(w.to_string(), "2026-W48");
        // ISO week 1 of 2026 starts in 2025; 2026 has 53 weeks.
        assert_eq!(IsoWeek::parse("2026-W01").map(IsoWeek::monday), Ok(day(2025, 12, 29)));
        assert_eq!(IsoWeek::parse("2026-W53").map(IsoWeek::monday), Ok(day(2026, 12, 28)));
        assert_eq!(IsoWeek::parse("2025-W53"), Err("2025 has no week 53".to_owned()));
        for bad in
            ["2026-W00", "2026-W54", "2026W48", "2026-w48", "26-W48", "2026-W4", "2026-W480", "0999-W10", "+026-W10"]
        {
            assert!(IsoWeek::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_day_knows_its_week() {
        assert_eq!(IsoWeek::of(day(2027, 1, 1)).to_string(), "2026-W53");
        assert_eq!(IsoWeek::of(day(2026, 11, 29)).to_string(), "2026-W48");
        assert_eq!(IsoWeek::of(day(2026, 11, 30)).to_string(), "2026-W49");
        let w = IsoWeek::of(day(2026, 11, 25));
        assert_eq!(w.index_of(day(2026, 11, 23)), Some(0));
        assert_eq!(w.index_of(day(2026, 11, 29)), Some(6));
        assert_eq!(w.index_of(day(2026, 11, 30)), None);
        assert_eq!(w.index_of(day(2026, 11, 22)), None);
        assert_eq!(w.days()[2], day(2026, 11, 25));
    }

    #[test]
    fn the_current_week_is_the_zones() {
        let zone = TimeZone::parse("Pacific/Auckland").unwrap_or(TimeZone::UTC);
        // Sunday 2026-11-29 12:00 UTC is Monday 01:00 in Auckland.
        let now =
            DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        assert_eq!(IsoWeek::current(zone, now).to_string(), "2026-W49");
        assert_eq!(IsoWeek::current(TimeZone::UTC, now).to_string(), "2026-W48");
    }

    #[test]
    fn reasons_say_something() {
        assert_eq!(RejectionReason::parse("  wrong task ").map(|r| r.as_str().to_owned()), Ok("wrong task".into()));
        assert!(RejectionReason::parse("   ").is_err());
        assert!(RejectionReason::parse("a\0b").is_err());
        assert!(RejectionReason::parse(&"x".repeat(1_000)).is_ok());
        assert!(RejectionReason::parse(&"x".repeat(1_001)).is_err());
    }

    #[test]
    fn states_round_trip_and_freeze() {
        for s in [EntryState::Draft, EntryState::Submitted, EntryState::Approved, EntryState::Rejected] {
            assert_eq!(s.as_str().parse::<EntryState>(), Ok(s));
        }
        assert!("open".parse::<EntryState>().is_err());
        assert!(!EntryState::Draft.is_frozen());
        assert!(EntryState::Submitted.is_frozen());
        assert!(EntryState::Approved.is_frozen());
        assert!(!EntryState::Rejected.is_frozen());
    }

    fn tracked(task: u128, title: &str, team: bool, d: NaiveDate, seconds: i64, state: EntryState) -> Tracked {
        Tracked {
            entry: SheetEntry {
                entry_id: Uuid::from_u128(seconds as u128 * 1000 + task),
                task_id: Uuid::from_u128(task),
                day: d,
                seconds,
                billable: false,
                running: false,
                state,
                rejection_reason: None,
            },
            title: title.into(),
            team_id: team.then(|| Uuid::from_u128(99)),
        }
    }

    #[test]
    fn a_week_is_laid_out_by_task_and_day() {
        let week = week("2026-W48");
        let sheet = Timesheet::assemble(
            week,
            Uuid::nil(),
            TimeZone::UTC,
            vec![
                tracked(2, "Write", true, day(2026, 11, 23), 3600, EntryState::Submitted),
                tracked(1, "Review", true, day(2026, 11, 23), 1800, EntryState::Approved),
                tracked(2, "Write", true, day(2026, 11, 29), 600, EntryState::Submitted),
                tracked(3, "Own", false, day(2026, 11, 24), 60, EntryState::Draft),
                tracked(2, "Write", true, day(2026, 11, 30), 7, EntryState::Draft),
            ],
        );
        let titles: Vec<&str> = sheet.rows.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["Own", "Review", "Write"]);
        assert_eq!(sheet.rows[2].days, [3600, 0, 0, 0, 0, 0, 600]);
        assert_eq!(sheet.rows[2].seconds, 4200);
        assert_eq!(sheet.day_totals, [5400, 60, 0, 0, 0, 0, 600]);
        assert_eq!(sheet.seconds, 6060);
        assert_eq!(sheet.entries.len(), 4, "the entry of the next week is not this week's");
        assert_eq!(sheet.entries[0].day, day(2026, 11, 23));
        // The personal draft does not hold the team's week back.
        assert_eq!(sheet.counts, StateCounts { draft: 0, submitted: 2, approved: 1, rejected: 0 });
        assert_eq!(sheet.state, SheetState::Submitted);
        assert_eq!(sheet.days[0], day(2026, 11, 23));
    }

    #[test]
    fn the_weeks_state_is_its_least_advanced_team_time() {
        let week = week("2026-W48");
        let d = day(2026, 11, 25);
        let state = |states: &[EntryState]| {
            let tracked = states.iter().enumerate().map(|(i, s)| tracked(i as u128, "t", true, d, 60 + i as i64, *s));
            Timesheet::assemble(week, Uuid::nil(), TimeZone::UTC, tracked.collect()).state
        };
        use EntryState::*;
        assert_eq!(state(&[]), SheetState::Empty);
        assert_eq!(state(&[Approved]), SheetState::Approved);
        assert_eq!(state(&[Approved, Submitted]), SheetState::Submitted);
        assert_eq!(state(&[Approved, Submitted, Draft]), SheetState::Draft);
        assert_eq!(state(&[Draft, Rejected, Approved]), SheetState::Rejected);
        let personal = Timesheet::assemble(
            week,
            Uuid::nil(),
            TimeZone::UTC,
            vec![tracked(1, "own", false, d, 60, EntryState::Draft)],
        );
        assert_eq!(personal.state, SheetState::Empty);
        assert_eq!(personal.seconds, 60);
    }
}
