//! Time reports: the range a report covers in a time zone, how it groups,
//! and the tree of groups it answers (calendar buckets complete and in
//! order, other groups by size).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone as _, Utc};

use super::user::TimeZone;

/// What a report groups by at one level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportGrouping {
    User,
    Task,
    /// The team project a task is in (`''`, "(no project)", for none).
    Project,
    Day,
    Label,
    /// ISO 8601 weeks, Monday to Sunday, keyed `2026-W48`.
    Week,
    /// Calendar months, keyed `2026-11`.
    Month,
}

impl ReportGrouping {
    pub const ALL: [Self; 7] = [Self::User, Self::Task, Self::Project, Self::Label, Self::Day, Self::Week, Self::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Task => "task",
            Self::Project => "project",
            Self::Day => "day",
            Self::Label => "label",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// Day, week and month: buckets of the calendar in the report's zone.
    pub fn is_calendar(self) -> bool {
        matches!(self, Self::Day | Self::Week | Self::Month)
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|g| g.as_str() == raw).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|g| g.as_str()).collect();
            format!("`{raw}` is not one of {}", names.join(", "))
        })
    }
}

/// One or two levels; never the same level twice, and at most one calendar
/// level (days inside weeks would cut weeks at month ends and say nothing a
/// day grouping does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Grouping {
    first: ReportGrouping,
    then: Option<ReportGrouping>,
}

impl Grouping {
    pub const MAX_LEVELS: usize = 2;

    pub fn one(first: ReportGrouping) -> Self {
        Self { first, then: None }
    }

    /// From `group_by=user,day`: the levels in order.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let levels = raw.split(',').map(|l| ReportGrouping::parse(l.trim())).collect::<Result<Vec<_>, _>>()?;
        match levels[..] {
            [first] => Ok(Self::one(first)),
            [first, then] if first == then => Err(format!("`{}` appears twice", first.as_str())),
            [first, then] if first.is_calendar() && then.is_calendar() => {
                Err("at most one of day, week and month".to_owned())
            }
            [first, then] => Ok(Self { first, then: Some(then) }),
            _ => Err(format!("at most {} levels, comma-separated, e.g. user,day", Self::MAX_LEVELS)),
        }
    }

    pub fn first(self) -> ReportGrouping {
        self.first
    }

    pub fn then(self) -> Option<ReportGrouping> {
        self.then
    }

    /// The calendar level, if any: the buckets the report lists in full.
    pub fn calendar(self) -> Option<ReportGrouping> {
        [Some(self.first), self.then].into_iter().flatten().find(|g| g.is_calendar())
    }

    /// Whether the hourly rollups can answer it: they keep people and hours,
    /// not tasks or labels.
    pub fn rolls_up(self) -> bool {
        [Some(self.first), self.then].into_iter().flatten().all(|g| g == ReportGrouping::User || g.is_calendar())
    }

    /// `user,day`: the spelling `parse` takes (and the cache key).
    pub fn name(self) -> String {
        match self.then {
            None => self.first.as_str().to_owned(),
            Some(then) => format!("{},{}", self.first.as_str(), then.as_str()),
        }
    }
}

/// A range end as a client names it: a date (the start of that day in the
/// report's zone; as `to`, the whole day is included) or an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

/// The span a report covers, `[from, to)`, in `zone`: `from` strictly
/// before `to`, at most [`ReportRange::MAX_DAYS`] days of the zone's
/// calendar. `fixed` says the client named both ends, so the answer can be
/// cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub zone: TimeZone,
    pub fixed: bool,
}

impl ReportRange {
    pub const MAX_DAYS: i64 = 366;
    /// Without `from`: this many calendar days ending with `to`'s day.
    pub const DEFAULT_DAYS: i64 = 30;

    /// Missing `to` is now; missing `from` is the start of the day
    /// `DEFAULT_DAYS - 1` days before the day `to` falls in, so the default
    /// is whole days (today's so far included). The error names `from`, the
    /// end a client adjusts.
    pub fn resolve(from: Option<Bound>, to: Option<Bound>, zone: TimeZone, now: DateTime<Utc>) -> Result<Self, String> {
        let fixed = from.is_some() && to.is_some();
        let to = match to {
            None => now,
            Some(Bound::Instant(t)) => t,
            Some(Bound::Date(d)) => start_of_day(zone, d.succ_opt().ok_or("`to` is past the last date")?),
        };
        let from = match from {
            Some(Bound::Instant(t)) => t,
            Some(Bound::Date(d)) => start_of_day(zone, d),
            None => {
                let last_day = local(zone, to - Duration::microseconds(1)).date();
                start_of_day(zone, last_day - Duration::days(Self::DEFAULT_DAYS - 1))
            }
        };
        if from >= to {
            return Err("must be before `to`".into());
        }
        // Counted on the zone's wall clock: a year with a DST change in it is
        // still a year, though an hour longer or shorter.
        if local(zone, to) - local(zone, from) > Duration::days(Self::MAX_DAYS) {
            return Err(format!("a report spans at most {} days", Self::MAX_DAYS));
        }
        Ok(Self { from, to, zone, fixed })
    }

    /// The whole UTC hours inside the range, `[from rounded up, to rounded
    /// down)`, when the hourly rollups can stand in for the entries there:
    /// the zone's offset is whole hours throughout, so every hour lies in
    /// one day, week and month of the zone. A `to` at or after `now` rounds
    /// up instead: no finished entry starts after now, so the current hour's
    /// rollups hold exactly the range's part of it (and a default range,
    /// midnight to now, needs no entry read one by one). None otherwise
    /// (Asia/Kolkata, or no whole hour); the entries outside the span are
    /// read one by one.
    pub fn rollup_span(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let hour = 3_600;
        let up = |t: DateTime<Utc>| {
            let on_the_hour = t.timestamp().rem_euclid(hour) == 0 && t.timestamp_subsec_nanos() == 0;
            t.timestamp().div_euclid(hour) * hour + if on_the_hour { 0 } else { hour }
        };
        let start = up(self.from);
        let end = if self.to >= now { up(self.to) } else { self.to.timestamp().div_euclid(hour) * hour };
        if start >= end {
            return None;
        }
        let tz = self.zone.tz();
        // Offsets change at most a few times a year, and last months: an
        // hourly look misses none.
        let whole = (start..end).step_by(hour as usize).all(|t| {
            let at = Utc.timestamp_opt(t, 0).single().unwrap_or_default();
            tz.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc() % hour as i32 == 0
        });
        let at = |t: i64| Utc.timestamp_opt(t, 0).single();
        match (whole, at(start), at(end)) {
            (true, Some(s), Some(e)) => Some((s, e)),
            _ => None,
        }
    }
}

fn local(zone: TimeZone, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&zone.tz()).naive_local()
}

/// The instant a calendar day begins in `zone`. Where midnight falls in a DST
/// gap (America/Havana, Asia/Beirut), it is read with the offset in force
/// before the gap, which is the instant the gap ends: what Postgres does
/// with such a local time, so the range and the buckets agree.
pub fn start_of_day(zone: TimeZone, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    let tz = zone.tz();
    match tz.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        chrono::LocalResult::None => {
            let before = tz.offset_from_utc_datetime(&(midnight - Duration::days(1))).fix();
            Utc.from_utc_datetime(&(midnight - Duration::seconds(i64::from(before.local_minus_utc()))))
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub seconds: i64,
    pub billable_seconds: i64,
    /// Billable time at each entry's saved rate, in the team currency's
    /// minor units, each entry rounded to the nearest unit; only the entries
    /// whose amounts the caller may see (RLS) count.
    pub billable_amount: i64,
}

/// The sum of one group's entries, as the database adds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sum {
    pub key: String,
    pub label: Option<String>,
    pub totals: Totals,
}

/// One calendar bucket of the range: its key (`2026-11-01`, `2026-W48`,
/// `2026-11`) and the instants it starts and ends at in the report's zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    pub key: String,
    pub label: Option<String>,
    pub totals: Totals,
    /// Calendar buckets only.
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// The second level, when there is one.
    pub groups: Vec<Group>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub totals: Totals,
    pub groups: Vec<Group>,
    /// The team's currency when the caller may see amounts in this report
    /// (a team report, a member or above, a team that has rates); None hides
    /// every amount.
    pub currency: Option<String>,
    /// The team's name on a team report (for the file name of an export).
    #[serde(default)]
    pub team: Option<String>,
    /// Of `totals.seconds`, the time on tasks now in the trash.
    #[serde(default)]
    pub trashed_seconds: i64,
}

/// What the database summed, before it is put in order.
#[derive(Default)]
pub struct Sums {
    pub totals: Totals,
    /// Per first-level key.
    pub first: Vec<Sum>,
    /// Per (first-level key, second-level key).
    pub second: Vec<(String, Sum)>,
    /// Every bucket of the range, in order, when a level is the calendar.
    pub buckets: Vec<Bucket>,
}

impl Report {
    /// The tree: each level in its order, a calendar level with every bucket
    /// of the range (zero where nothing was tracked) so a chart has no holes.
    pub fn assemble(grouping: Grouping, sums: Sums) -> Self {
        let Sums { totals, first, second, buckets } = sums;
        let mut groups = level(grouping.first(), first, &buckets);
        if let Some(then) = grouping.then() {
            let mut inner: HashMap<String, Vec<Sum>> = HashMap::new();
            for (outer, sum) in second {
                inner.entry(outer).or_default().push(sum);
            }
            for group in &mut groups {
                group.groups = level(then, inner.remove(&group.key).unwrap_or_default(), &buckets);
            }
        }
        Self { totals, groups, currency: None, team: None, trashed_seconds: 0 }
    }
}

fn leaf(sum: Sum) -> Group {
    Group { key: sum.key, label: sum.label, totals: sum.totals, start: None, end: None, groups: Vec::new() }
}

/// A calendar level lists every bucket in order; any other level is
/// largest first, then by key, so equal totals come out the same each time.
fn level(grouping: ReportGrouping, sums: Vec<Sum>, buckets: &[Bucket]) -> Vec<Group> {
    if !grouping.is_calendar() {
        let mut groups: Vec<Group> = sums.into_iter().map(leaf).collect();
        groups.sort_by(|a, b| b.totals.seconds.cmp(&a.totals.seconds).then_with(|| a.key.cmp(&b.key)));
        return groups;
    }
    let mut by_key: HashMap<String, Sum> = sums.into_iter().map(|s| (s.key.clone(), s)).collect();
    let mut groups: Vec<Group> = buckets
        .iter()
        .map(|b| Group {
            key: b.key.clone(),
            label: Some(b.key.clone()),
            totals: by_key.remove(&b.key).map(|s| s.totals).unwrap_or_default(),
            start: Some(b.start),
            end: Some(b.end),
            groups: Vec::new(),
        })
        .collect();
    // Every entry starts inside the range, so inside a bucket; should one not
    // (tz data changed between the two), its time is still shown, not lost.
    let mut rest: Vec<Group> = by_key.into_values().map(leaf).collect();
    rest.sort_by(|a, b| a.key.cmp(&b.key));
    groups.extend(rest);
    groups
}

#[cfg(test)]
mod tests {
    fn range(from: &str, to: &str, zone: &str) -> ReportRange {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        ReportRange { from: at(from), to: at(to), zone: TimeZone::parse(zone).unwrap_or(TimeZone::UTC), fixed: true }
    }

    #[test]
    fn the_rollups_cover_the_whole_hours_of_whole_hour_zones() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).map(|t| t.with_timezone(&Utc)).ok();
        let later = at("2027-01-01T00:00:00Z").unwrap_or_default();
        let span = |r: ReportRange| r.rollup_span(later).map(|(a, b)| (Some(a), Some(b)));
        let berlin = range("2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z", "Europe/Berlin");
        assert_eq!(span(berlin), Some((at("2026-10-18T22:00:00Z"), at("2026-10-25T23:00:00Z"))), "DST is whole hours");
        let ragged = range("2026-11-01T10:15:00Z", "2026-11-03T08:59:59.5Z", "UTC");
        assert_eq!(span(ragged), Some((at("2026-11-01T11:00:00Z"), at("2026-11-03T08:00:00Z"))));
        let a_bit_past = range("2026-11-01T10:00:00.000001Z", "2026-11-01T13:00:00Z", "UTC");
        assert_eq!(span(a_bit_past), Some((at("2026-11-01T11:00:00Z"), at("2026-11-01T13:00:00Z"))));
        assert_eq!(
            range("2026-11-01T10:15:00Z", "2026-11-01T10:45:00Z", "UTC").rollup_span(later),
            None,
            "no whole hour"
        );
        assert_eq!(range("2026-11-01T10:15:00Z", "2026-11-01T11:45:00Z", "UTC").rollup_span(later), None);
        assert_eq!(range("2026-10-31T18:30:00Z", "2026-11-30T18:30:00Z", "Asia/Kolkata").rollup_span(later), None);
        // Lord Howe moves by half an hour, to +11:00 in October: not whole all year.
        assert!(range("2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z", "Australia/Lord_Howe")
            .rollup_span(later)
            .is_none());
        assert!(range("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "Australia/Lord_Howe")
            .rollup_span(later)
            .is_some());
        // Up to now: the current hour is whole in the rollups (nothing starts after now).
        let now = at("2026-11-03T08:20:00Z").unwrap_or_default();
        let today = range("2026-11-03T00:00:00Z", "2026-11-03T08:20:00Z", "UTC");
        assert_eq!(
            today.rollup_span(now),
            Some((at("2026-11-03T00:00:00Z").unwrap_or_default(), at("2026-11-03T09:00:00Z").unwrap_or_default()))
        );
        let just_before = range("2026-11-03T00:00:00Z", "2026-11-03T08:19:59Z", "UTC");
        assert_eq!(just_before.rollup_span(now).map(|s| s.1), at("2026-11-03T08:00:00Z"), "a past `to` rounds down");
        let short = range("2026-11-03T08:05:00Z", "2026-11-03T08:20:00Z", "UTC");
        assert_eq!(short.rollup_span(now), None, "from rounds up past to");
    }

    #[test]
    fn only_people_and_calendar_levels_roll_up() {
        let g = |raw: &str| Grouping::parse(raw).map(Grouping::rolls_up);
        for yes in ["user", "day", "week", "month", "user,day", "week,user"] {
            assert_eq!(g(yes), Ok(true), "{yes}");
        }
        for no in ["task", "label", "project", "user,task", "label,day", "day,task", "project,week"] {
            assert_eq!(g(no), Ok(false), "{no}");
        }
    }

    use super::*;
    use rstest::rstest;

    fn at(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
    }

    fn day(raw: &str) -> Bound {
        Bound::Date(NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap_or_default())
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap_or(TimeZone::UTC)
    }

    const NOW: &str = "2026-11-28T10:00:00Z";

    #[rstest]
    #[case::default_is_30_whole_days_to_now("UTC", None, None, Ok(("2026-10-30T00:00:00Z", NOW, false)))]
    #[case::default_days_are_the_zones("Asia/Tokyo", None, None, Ok(("2026-10-29T15:00:00Z", NOW, false)))]
    #[case::dates_are_whole_days_in_the_zone(
        "Europe/Berlin",
        Some(day("2026-11-01")),
        Some(day("2026-11-30")),
        Ok(("2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z", true))
    )]
    #[case::to_date_alone_is_30_days_through_it(
        "UTC",
        None,
        Some(day("2026-11-30")),
        Ok(("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", false))
    )]
    #[case::one_day("UTC", Some(day("2026-11-05")), Some(day("2026-11-05")), Ok(("2026-11-05T00:00:00Z", "2026-11-06T00:00:00Z", true)))]
    #[case::spring_forward_day_is_23_hours(
        "Europe/Berlin",
        Some(day("2026-03-29")),
        Some(day("2026-03-29")),
        Ok(("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", true))
    )]
    #[case::fall_back_day_is_25_hours(
        "Europe/Berlin",
        Some(day("2026-10-25")),
        Some(day("2026-10-25")),
        Ok(("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", true))
    )]
    #[case::midnight_in_a_gap_starts_when_the_gap_ends(
        "America/Havana",
        Some(day("2026-03-08")),
        Some(day("2026-03-08")),
        Ok(("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", true))
    )]
    #[case::instants_as_given(
        "Europe/Berlin",
        Some(Bound::Instant(at("2026-11-01T10:00:00Z"))),
        Some(Bound::Instant(at("2026-11-01T11:00:00Z"))),
        Ok(("2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z", true))
    )]
    #[case::a_date_and_an_instant(
        "UTC",
        Some(day("2026-11-01")),
        Some(Bound::Instant(at("2026-11-01T11:00:00Z"))),
        Ok(("2026-11-01T00:00:00Z", "2026-11-01T11:00:00Z", true))
    )]
    #[case::a_leap_year_is_366_days(
        "UTC",
        Some(day("2024-01-01")),
        Some(day("2024-12-31")),
        Ok(("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", true))
    )]
    #[case::exactly_366_days(
        "UTC",
        Some(day("2025-01-01")),
        Some(day("2026-01-01")),
        Ok(("2025-01-01T00:00:00Z", "2026-01-02T00:00:00Z", true))
    )]
    #[case::over_366_days("UTC", Some(day("2025-01-01")), Some(day("2026-01-02")), Err("366 days"))]
    #[case::reversed_dates("UTC", Some(day("2026-11-02")), Some(day("2026-11-01")), Err("before `to`"))]
    #[case::equal_instants("UTC", Some(Bound::Instant(at(NOW))), Some(Bound::Instant(at(NOW))), Err("before `to`"))]
    #[case::from_after_now_without_to("UTC", Some(day("2026-11-29")), None, Err("before `to`"))]
    fn ranges(
        #[case] zone_name: &str,
        #[case] from: Option<Bound>,
        #[case] to: Option<Bound>,
        #[case] expected: Result<(&str, &str, bool), &str>,
    ) {
        let got = ReportRange::resolve(from, to, zone(zone_name), at(NOW));
        match expected {
            Ok((from, to, fixed)) => assert_eq!(
                got,
                Ok(ReportRange { from: at(from), to: at(to), zone: zone(zone_name), fixed }),
                "{zone_name}"
            ),
            Err(why) => assert!(got.as_ref().is_err_and(|e| e.contains(why)), "expected {why:?}: {got:?}"),
        }
    }

    #[rstest]
    #[case("user", Ok("user"))]
    #[case("day", Ok("day"))]
    #[case("user,day", Ok("user,day"))]
    #[case("week, task", Ok("week,task"))]
    #[case("label,month", Ok("label,month"))]
    #[case("project,user", Ok("project,user"))]
    #[case("project,project", Err("`project` appears twice"))]
    #[case("user,user", Err("`user` appears twice"))]
    #[case("day,week", Err("at most one of day, week and month"))]
    #[case("user,day,task", Err("at most 2 levels"))]
    #[case("year", Err("`year` is not one of user, task, project, label, day, week, month"))]
    #[case("", Err("`` is not one of"))]
    #[case("user,", Err("`` is not one of"))]
    fn groupings(#[case] raw: &str, #[case] expected: Result<&str, &str>) {
        let got = Grouping::parse(raw);
        match expected {
            Ok(name) => assert_eq!(got.map(Grouping::name), Ok(name.to_owned())),
            Err(why) => assert!(got.as_ref().is_err_and(|e| e.contains(why)), "expected {why:?}: {got:?}"),
        }
    }

    #[rstest]
    #[case("user,day", Some(ReportGrouping::Day))]
    #[case("month,label", Some(ReportGrouping::Month))]
    #[case("user,task", None)]
    #[case("week", Some(ReportGrouping::Week))]
    fn the_calendar_level(#[case] raw: &str, #[case] calendar: Option<ReportGrouping>) {
        assert_eq!(Grouping::parse(raw).map(Grouping::calendar), Ok(calendar));
    }

    /// Each grouping's serde spelling is its `as_str` (the query, the JSON,
    /// the CSV file name and the SQL all use it).
    #[test]
    fn every_grouping_is_spelled_alike_everywhere() {
        for g in ReportGrouping::ALL {
            assert_eq!(serde_json::to_value(g).ok(), Some(serde_json::json!(g.as_str())));
            assert_eq!(ReportGrouping::parse(g.as_str()), Ok(g));
            assert_eq!(g.is_calendar(), matches!(g.as_str(), "day" | "week" | "month"));
        }
    }

    fn sum(key: &str, seconds: i64) -> Sum {
        Sum {
            key: key.into(),
            label: Some(key.to_uppercase()),
            totals: Totals { seconds, billable_seconds: seconds / 2, billable_amount: seconds * 3 },
        }
    }

    fn buckets(keys: &[&str]) -> Vec<Bucket> {
        let base = at("2026-11-01T00:00:00Z");
        (0..keys.len())
            .map(|i| Bucket {
                key: keys[i].into(),
                start: base + Duration::days(i as i64),
                end: base + Duration::days(i as i64 + 1),
            })
            .collect()
    }

    fn keys(groups: &[Group]) -> Vec<(&str, i64)> {
        groups.iter().map(|g| (g.key.as_str(), g.totals.seconds)).collect()
    }

    #[test]
    fn a_calendar_level_lists_every_bucket_in_order_with_zeros() {
        let sums = Sums {
            totals: Totals { seconds: 30, billable_seconds: 15, billable_amount: 90 },
            first: vec![sum("d3", 10), sum("d1", 20)],
            buckets: buckets(&["d1", "d2", "d3"]),
            ..Sums::default()
        };
        let report = Report::assemble(Grouping::one(ReportGrouping::Day), sums);
        assert_eq!(keys(&report.groups), [("d1", 20), ("d2", 0), ("d3", 10)]);
        assert_eq!(report.groups[1].label.as_deref(), Some("d2"), "a bucket is labelled by its key");
        assert_eq!(report.groups[1].start, Some(at("2026-11-02T00:00:00Z")));
        assert_eq!(report.groups[1].end, Some(at("2026-11-03T00:00:00Z")));
        assert_eq!(report.totals.seconds, 30);
    }

    #[test]
    fn other_levels_go_largest_first_then_by_key() {
        let sums = Sums { first: vec![sum("b", 5), sum("c", 9), sum("a", 5)], ..Sums::default() };
        let report = Report::assemble(Grouping::one(ReportGrouping::User), sums);
        assert_eq!(keys(&report.groups), [("c", 9), ("a", 5), ("b", 5)]);
        assert_eq!(report.groups[0].label.as_deref(), Some("C"));
        assert!(report.groups.iter().all(|g| g.start.is_none() && g.groups.is_empty()));
    }

    #[test]
    fn an_inner_calendar_level_is_complete_in_every_outer_group() {
        let sums = Sums {
            first: vec![sum("ann", 3), sum("bob", 7)],
            second: vec![("ann".into(), sum("d2", 3)), ("bob".into(), sum("d1", 4)), ("bob".into(), sum("d2", 3))],
            buckets: buckets(&["d1", "d2"]),
            ..Sums::default()
        };
        let report = Report::assemble(Grouping::parse("user,day").unwrap_or(Grouping::one(ReportGrouping::User)), sums);
        assert_eq!(keys(&report.groups), [("bob", 7), ("ann", 3)]);
        assert_eq!(keys(&report.groups[0].groups), [("d1", 4), ("d2", 3)]);
        assert_eq!(keys(&report.groups[1].groups), [("d1", 0), ("d2", 3)]);
    }

    #[test]
    fn an_outer_calendar_level_holds_its_groups_by_size() {
        let sums = Sums {
            first: vec![sum("d1", 9)],
            second: vec![("d1".into(), sum("t1", 2)), ("d1".into(), sum("t2", 7))],
            buckets: buckets(&["d1", "d2"]),
            ..Sums::default()
        };
        let report = Report::assemble(Grouping::parse("day,task").unwrap_or(Grouping::one(ReportGrouping::Day)), sums);
        assert_eq!(keys(&report.groups), [("d1", 9), ("d2", 0)]);
        assert_eq!(keys(&report.groups[0].groups), [("t2", 7), ("t1", 2)]);
        assert!(report.groups[1].groups.is_empty(), "an empty day has no inner groups");
    }

    #[test]
    fn time_outside_every_bucket_is_kept_not_lost() {
        let sums = Sums { first: vec![sum("d9", 4), sum("d1", 1)], buckets: buckets(&["d1"]), ..Sums::default() };
        let report = Report::assemble(Grouping::one(ReportGrouping::Day), sums);
        assert_eq!(keys(&report.groups), [("d1", 1), ("d9", 4)]);
    }
}
