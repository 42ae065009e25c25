//! Table-driven and property tests of the domain parsers and rules. Each
//! `#[case]` runs and reports on its own; the tables name the edges (limits
//! counted in characters, trimming, each kind of refusal) a mistake would
//! cross.

use chrono::{DateTime, Duration, Utc};
use rstest::rstest;
use secrecy::SecretString;
use uuid::Uuid;

use super::comment::CommentBody;
use super::task::{
    assignee_changes, Assignee, Assignees, Description, Labels, Limit, Priority, SortField, TaskPatch, TaskSort,
    TaskStatus, TaskTitle,
};
use super::team::{may_change_role, InvitationStatus, TeamName, TeamRole};
use super::time_entry::{Interval, Note};
use super::user::{
    Caller, ConsentPurpose, Credential, DisplayName, Email, GlobalRole, Password, SessionCredential, UserId,
};
use super::{parse_name, parse_text};

// ---- enums: the text in the database, the JSON, and the parser agree ----

/// `as_str` is what the database column and the JSON hold; parsing it gives
/// the same value back.
macro_rules! round_trip {
    ($name:ident, $t:ty, $($variant:expr => $text:literal),+ $(,)?) => {
        #[rstest]
        $(#[case($variant, $text)])+
        fn $name(#[case] value: $t, #[case] text: &str) {
            assert_eq!(value.as_str(), text);
            assert_eq!(text.parse::<$t>(), Ok(value));
            assert_eq!(serde_json::to_value(value).ok(), Some(serde_json::Value::String(text.to_owned())));
        }
    };
}

round_trip!(task_status_round_trips, TaskStatus,
    TaskStatus::Todo => "todo", TaskStatus::InProgress => "in_progress",
    TaskStatus::Done => "done", TaskStatus::Cancelled => "cancelled");
round_trip!(priority_round_trips, Priority,
    Priority::Low => "low", Priority::Medium => "medium", Priority::High => "high", Priority::Urgent => "urgent");
round_trip!(team_role_round_trips, TeamRole,
    TeamRole::Viewer => "viewer", TeamRole::Member => "member", TeamRole::Admin => "admin", TeamRole::Owner => "owner");
round_trip!(global_role_round_trips, GlobalRole, GlobalRole::Member => "member", GlobalRole::Admin => "admin");
round_trip!(invitation_status_round_trips, InvitationStatus,
    InvitationStatus::Pending => "pending", InvitationStatus::Accepted => "accepted",
    InvitationStatus::Declined => "declined", InvitationStatus::Revoked => "revoked");
round_trip!(consent_purpose_round_trips, ConsentPurpose,
    ConsentPurpose::ProductUpdates => "product_updates", ConsentPurpose::UsageAnalytics => "usage_analytics",
    ConsentPurpose::MarketingEmails => "marketing_emails");

/// Parsing is exact: no case folding, no trimming, no near misses.
#[rstest]
#[case("")]
#[case("Todo")]
#[case(" todo")]
#[case("in-progress")]
#[case("closed")]
fn an_unknown_status_is_refused_and_named(#[case] raw: &str) {
    let e = raw.parse::<TaskStatus>().err().unwrap_or_default();
    assert!(e.contains(&format!("'{raw}'")) && e.contains("in_progress"), "{e}");
}

#[rstest]
#[case("")]
#[case("HIGH")]
#[case("critical")]
fn an_unknown_priority_is_refused_and_named(#[case] raw: &str) {
    let e = raw.parse::<Priority>().err().unwrap_or_default();
    assert!(e.contains(&format!("'{raw}'")) && e.contains("urgent"), "{e}");
}

#[rstest]
#[case::team_role("superuser", "team role")]
#[case::owner_capitalised("Owner", "team role")]
fn an_unknown_team_role_is_refused(#[case] raw: &str, #[case] says: &str) {
    let e = raw.parse::<TeamRole>().err().unwrap_or_default();
    assert!(e.contains(says) && e.contains(raw), "{e}");
}

#[rstest]
#[case("root")]
#[case("Admin")]
fn an_unknown_global_role_is_refused(#[case] raw: &str) {
    assert!(raw.parse::<GlobalRole>().is_err());
}

#[rstest]
#[case("expired")]
#[case("Pending")]
fn an_unknown_invitation_status_is_refused(#[case] raw: &str) {
    assert!(raw.parse::<InvitationStatus>().err().unwrap_or_default().contains(raw));
}

#[rstest]
#[case("selling_data")]
#[case("")]
fn an_unknown_consent_purpose_names_the_known_ones(#[case] raw: &str) {
    let e = raw.parse::<ConsentPurpose>().err().unwrap_or_default();
    for known in ConsentPurpose::ALL {
        assert!(e.contains(known.as_str()), "{e} should list {}", known.as_str());
    }
}

#[test]
fn consent_purposes_are_listed_once_each() {
    let mut all: Vec<&str> = ConsentPurpose::ALL.iter().map(|p| p.as_str()).collect();
    all.dedup();
    assert_eq!(all, ["product_updates", "usage_analytics", "marketing_emails"]);
}

// ---- team roles: the ordering the permissions rest on ----

#[rstest]
#[case(TeamRole::Viewer, false, false)]
#[case(TeamRole::Member, true, false)]
#[case(TeamRole::Admin, true, true)]
#[case(TeamRole::Owner, true, true)]
fn what_each_team_role_may_do(#[case] role: TeamRole, #[case] writes: bool, #[case] moderates: bool) {
    assert_eq!(role.can_write_tasks(), writes);
    assert_eq!(role.can_moderate(), moderates);
}

/// Explicit cases of the role-change rules, each with the refusal it must give.
#[rstest]
#[case::owner_promotes_member_to_owner(TeamRole::Owner, false, TeamRole::Member, TeamRole::Owner, None)]
#[case::owner_demotes_owner(TeamRole::Owner, false, TeamRole::Owner, TeamRole::Admin, None)]
#[case::owner_steps_down(TeamRole::Owner, true, TeamRole::Owner, TeamRole::Member, None)]
#[case::admin_promotes_viewer_to_admin(TeamRole::Admin, false, TeamRole::Viewer, TeamRole::Admin, None)]
#[case::admin_demotes_admin(TeamRole::Admin, false, TeamRole::Admin, TeamRole::Viewer, None)]
#[case::admin_makes_owner(TeamRole::Admin, false, TeamRole::Member, TeamRole::Owner, Some("only owners"))]
#[case::admin_demotes_owner(TeamRole::Admin, false, TeamRole::Owner, TeamRole::Member, Some("only owners"))]
#[case::member_promotes_viewer(TeamRole::Member, false, TeamRole::Viewer, TeamRole::Member, Some("owners and admins"))]
#[case::viewer_demotes_member(TeamRole::Viewer, false, TeamRole::Member, TeamRole::Viewer, Some("owners and admins"))]
#[case::member_steps_down(TeamRole::Member, true, TeamRole::Member, TeamRole::Viewer, None)]
#[case::member_keeps_own_role(TeamRole::Member, true, TeamRole::Member, TeamRole::Member, None)]
#[case::viewer_raises_self(TeamRole::Viewer, true, TeamRole::Viewer, TeamRole::Member, Some("raise their own"))]
#[case::admin_raises_self(TeamRole::Admin, true, TeamRole::Admin, TeamRole::Owner, Some("raise their own"))]
#[case::owner_raises_self_noop(TeamRole::Owner, true, TeamRole::Owner, TeamRole::Owner, None)]
fn role_change_cases(
    #[case] actor: TeamRole,
    #[case] is_self: bool,
    #[case] current: TeamRole,
    #[case] new: TeamRole,
    #[case] refusal: Option<&str>,
) {
    let got = may_change_role(actor, is_self, current, new);
    match refusal {
        None => assert_eq!(got, Ok(())),
        Some(why) => assert!(got.is_err_and(|e| e.contains(why)), "expected a refusal naming {why:?}"),
    }
}

fn any_role() -> impl proptest::strategy::Strategy<Value = TeamRole> {
    proptest::sample::select(vec![TeamRole::Viewer, TeamRole::Member, TeamRole::Admin, TeamRole::Owner])
}

proptest::proptest! {
    /// Nobody raises their own role, whatever their power.
    #[test]
    fn nobody_raises_their_own_role(actor in any_role(), current in any_role(), new in any_role()) {
        if new > current {
            proptest::prop_assert!(may_change_role(actor, true, current, new).is_err());
        }
    }

    /// Owners are made and unmade by owners only.
    #[test]
    fn only_owners_touch_owners(actor in any_role(), is_self: bool, current in any_role(), new in any_role()) {
        let touches_owner = current == TeamRole::Owner || new == TeamRole::Owner;
        if touches_owner && actor != TeamRole::Owner {
            proptest::prop_assert!(may_change_role(actor, is_self, current, new).is_err());
        }
    }

    /// Below admin, the only change allowed is to one's own role, downwards
    /// (or unchanged).
    #[test]
    fn members_and_viewers_only_step_down(actor in proptest::sample::select(vec![TeamRole::Viewer, TeamRole::Member]),
                                          is_self: bool, current in any_role(), new in any_role()) {
        let allowed = may_change_role(actor, is_self, current, new).is_ok();
        proptest::prop_assert_eq!(allowed, is_self && new <= current && current != TeamRole::Owner);
    }

    /// An owner may make any change to someone else.
    #[test]
    fn an_owner_may_change_anyone_else(current in any_role(), new in any_role()) {
        proptest::prop_assert!(may_change_role(TeamRole::Owner, false, current, new).is_ok());
    }

    /// An admin may change anyone else among viewer, member and admin.
    #[test]
    fn an_admin_manages_everyone_below_owner(current in any_role(), new in any_role()) {
        let allowed = may_change_role(TeamRole::Admin, false, current, new).is_ok();
        proptest::prop_assert_eq!(allowed, current != TeamRole::Owner && new != TeamRole::Owner);
    }
}

// ---- names and free text ----

#[rstest]
#[case::trimmed("  Ship it  ", 200, Ok("Ship it"))]
#[case::inner_spaces_kept("a  b", 200, Ok("a  b"))]
#[case::exactly_max_multibyte("ééééé", 5, Ok("ééééé"))]
#[case::one_over_max_multibyte("éééééé", 5, Err("at most 5"))]
#[case::max_counted_before_trimming("  abcd", 5, Err("at most 5"))]
#[case::empty("", 10, Err("must not be empty"))]
#[case::blank("   ", 10, Err("must not be empty"))]
#[case::only_nbsp("\u{a0}\u{3000}", 10, Err("must not be empty"))]
#[case::tab_inside("a\tb", 10, Err("control"))]
#[case::nul_inside("a\0b", 10, Err("control"))]
#[case::c1_control("a\u{85}b", 10, Err("control"))]
#[case::delete_char("a\u{7f}", 10, Err("control"))]
#[case::emoji("🙂", 1, Ok("🙂"))]
#[case::trailing_newline_trimmed("name\n", 10, Ok("name"))]
fn one_line_names(#[case] raw: &str, #[case] max: usize, #[case] expected: Result<&str, &str>) {
    let got = parse_name(raw, max);
    match expected {
        Ok(v) => assert_eq!(got.as_deref(), Ok(v)),
        Err(why) => assert!(got.is_err_and(|e| e.contains(why)), "{raw:?} should fail with {why:?}"),
    }
}

#[rstest]
#[case::kept_as_given("  two\nlines\t ", 20, true)]
#[case::empty_is_fine("", 20, true)]
#[case::exactly_max("ab", 2, true)]
#[case::over_max("abc", 2, false)]
#[case::multibyte_counted_as_characters("漢字", 2, true)]
#[case::nul_refused("a\0", 20, false)]
fn free_text(#[case] raw: &str, #[case] max: usize, #[case] ok: bool) {
    let got = parse_text(raw, max);
    assert_eq!(got.is_ok(), ok, "{raw:?}");
    if ok {
        assert_eq!(got.as_deref(), Ok(raw), "free text is stored as given");
    }
}

#[test]
fn a_nul_is_named_as_such() {
    assert_eq!(parse_text("\0", 5).err().as_deref(), Some(super::NUL_MESSAGE));
}

#[rstest]
#[case::title(TaskTitle::parse(&"x".repeat(200)).is_ok(), TaskTitle::parse(&"x".repeat(201)).is_err())]
#[case::team(TeamName::parse(&"x".repeat(100)).is_ok(), TeamName::parse(&"x".repeat(101)).is_err())]
#[case::display_name(DisplayName::parse(&"x".repeat(100)).is_ok(), DisplayName::parse(&"x".repeat(101)).is_err())]
#[case::description(Description::parse(&"x".repeat(20_000)).is_ok(), Description::parse(&"x".repeat(20_001)).is_err())]
#[case::note(Note::parse(&"x".repeat(2_000)).is_ok(), Note::parse(&"x".repeat(2_001)).is_err())]
#[case::comment(CommentBody::parse(&"x".repeat(10_000)).is_ok(), CommentBody::parse(&"x".repeat(10_001)).is_err())]
fn each_type_enforces_its_own_limit(#[case] at_limit_ok: bool, #[case] over_limit_refused: bool) {
    assert!(at_limit_ok && over_limit_refused);
}

#[rstest]
#[case::blank(" \n\t ", false)]
#[case::empty("", false)]
#[case::text_with_newlines("line one\nline two", true)]
#[case::nul("hi\0", false)]
fn comment_bodies(#[case] raw: &str, #[case] ok: bool) {
    assert_eq!(CommentBody::parse(raw).is_ok(), ok);
}

#[test]
fn the_placeholder_name_is_a_valid_display_name() {
    let placeholder = DisplayName::placeholder();
    assert_eq!(DisplayName::parse(placeholder.as_str()).as_ref().map(|n| n.as_str()), Ok(placeholder.as_str()));
}

// ---- accounts ----

#[rstest]
#[case::lowercased("Ada@Example.COM", Ok("ada@example.com"))]
#[case::trimmed("  ada@example.com\n", Ok("ada@example.com"))]
#[case::plus_addressing("ada+taskflow@example.com", Ok("ada+taskflow@example.com"))]
#[case::subdomain("ada@mail.example.co.uk", Ok("ada@mail.example.co.uk"))]
#[case::empty("", Err("must not be empty"))]
#[case::blank("   ", Err("must not be empty"))]
#[case::no_at("ada.example.com", Err("valid email"))]
#[case::no_local_part("@example.com", Err("valid email"))]
#[case::no_domain("ada@", Err("valid email"))]
#[case::two_ats("a@b@example.com", Err("valid email"))]
#[case::space_inside("ada lovelace@example.com", Err("valid email"))]
fn emails(#[case] raw: &str, #[case] expected: Result<&str, &str>) {
    let got = Email::parse(raw);
    match expected {
        Ok(v) => assert_eq!(got.as_ref().map(|e| e.as_str()), Ok(v)),
        Err(why) => assert!(got.is_err_and(|e| e.contains(why)), "{raw:?}"),
    }
}

#[test]
fn an_email_over_254_bytes_is_refused_by_length() {
    // A local part may have 64 characters, a domain label 63: length comes from the domain.
    let address = |last: usize| format!("ada@{0}.{0}.{0}.{1}.com", "b".repeat(63), "c".repeat(last));
    assert_eq!(address(55).len(), 255);
    assert!(Email::parse(&address(55)).is_err_and(|e| e.contains("at most 254")));
    assert_eq!(address(54).len(), 254);
    assert!(Email::parse(&address(54)).is_ok(), "254 bytes is allowed");
}

#[rstest]
#[case::eleven("a".repeat(11), Some("at least 12"))]
#[case::twelve("a".repeat(12), None)]
#[case::twelve_multibyte("é".repeat(12), None)]
#[case::eleven_multibyte_over_12_bytes("é".repeat(11), Some("at least 12"))]
#[case::max("a".repeat(128), None)]
#[case::over_max("a".repeat(129), Some("at most 128"))]
#[case::spaces_count(" ".repeat(12), None)]
fn passwords_are_counted_in_characters(#[case] raw: String, #[case] refusal: Option<&str>) {
    let got = Password::parse(SecretString::from(raw));
    match refusal {
        None => assert!(got.is_ok()),
        Some(why) => assert!(got.is_err_and(|e| e.contains(why))),
    }
}

#[test]
fn a_password_keeps_its_secret_untrimmed() {
    use secrecy::ExposeSecret;
    let p = Password::parse(SecretString::from("  twelve chars  ".to_owned()));
    assert_eq!(p.map(|p| p.secret().expose_secret().to_owned()).ok().as_deref(), Some("  twelve chars  "));
}

// ---- labels, sorting, limits, assignees ----

#[rstest]
#[case::deduplicated_after_trimming(&["a", " a ", "b"], Ok(&["a", "b"][..]))]
#[case::order_kept(&["z", "a", "m"], Ok(&["z", "a", "m"][..]))]
#[case::none(&[], Ok(&[][..]))]
#[case::a_blank_label(&["ok", " "], Err("each label"))]
#[case::a_control_character(&["a\nb"], Err("each label"))]
fn labels(#[case] raw: &[&str], #[case] expected: Result<&[&str], &str>) {
    let raw: Vec<String> = raw.iter().map(|s| (*s).to_owned()).collect();
    let got = Labels::parse(&raw);
    match expected {
        Ok(want) => assert_eq!(got.map(|l| l.as_slice().to_vec()), Ok(want.iter().map(|s| (*s).to_owned()).collect())),
        Err(why) => assert!(got.is_err_and(|e| e.contains(why))),
    }
}

#[rstest]
#[case::twenty_distinct(20, true)]
#[case::twenty_one(21, false)]
fn at_most_twenty_labels(#[case] n: usize, #[case] ok: bool) {
    let raw: Vec<String> = (0..n).map(|i| format!("l{i}")).collect();
    assert_eq!(Labels::parse(&raw).is_ok(), ok);
}

#[test]
fn twenty_one_labels_are_refused_even_when_they_fold_to_one() {
    // The document's maxItems counts what was sent, before duplicates fold.
    let raw = vec!["same".to_owned(); 21];
    assert!(Labels::parse(&raw).is_err());
}

#[rstest]
#[case("created_at", SortField::CreatedAt, false)]
#[case("-created_at", SortField::CreatedAt, true)]
#[case("updated_at", SortField::UpdatedAt, false)]
#[case("-updated_at", SortField::UpdatedAt, true)]
#[case("due_at", SortField::DueAt, false)]
#[case("-due_at", SortField::DueAt, true)]
#[case("priority", SortField::Priority, false)]
#[case("-priority", SortField::Priority, true)]
fn every_sort_ordering_parses_and_spells_back(#[case] raw: &str, #[case] field: SortField, #[case] descending: bool) {
    assert_eq!(TaskSort::parse(raw), Ok(TaskSort { field, descending }));
    assert_eq!(TaskSort { field, descending }.as_param(), raw);
}

#[rstest]
#[case("title")]
#[case("--created_at")]
#[case("+created_at")]
#[case("")]
#[case("Created_At")]
fn an_unknown_sort_is_refused(#[case] raw: &str) {
    assert!(TaskSort::parse(raw).is_err_and(|e| e.contains("cannot sort by")));
}

#[test]
fn the_sort_orderings_listed_are_exactly_those_that_parse() {
    let all: Vec<String> = TaskSort::all().map(TaskSort::as_param).collect();
    assert_eq!(all.len(), 8);
    for raw in &all {
        assert!(TaskSort::parse(raw).is_ok(), "{raw}");
    }
    assert_eq!(TaskSort::default(), TaskSort { field: SortField::CreatedAt, descending: true });
}

#[rstest]
#[case::default(None, Ok(50))]
#[case::one(Some(1), Ok(1))]
#[case::max(Some(200), Ok(200))]
#[case::zero(Some(0), Err(()))]
#[case::negative(Some(-1), Err(()))]
#[case::over(Some(201), Err(()))]
fn page_limits(#[case] raw: Option<i64>, #[case] expected: Result<i64, ()>) {
    assert_eq!(Limit::parse(raw).map(|l| l.0).map_err(|_| ()), expected);
}

#[rstest]
#[case::me("me", Some(Assignee::Me))]
#[case::uuid("0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60", Uuid::parse_str("0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60").ok().map(Assignee::User))]
#[case::nobody("none", Some(Assignee::Nobody))]
#[case::me_capitalised("Me", None)]
#[case::not_a_uuid("0194f2a8", None)]
#[case::empty("", None)]
fn assignee_filters(#[case] raw: &str, #[case] expected: Option<Assignee>) {
    assert_eq!(raw.parse::<Assignee>().ok(), expected);
}

#[test]
fn an_empty_patch_is_empty_and_any_field_makes_it_not() {
    assert!(TaskPatch::default().is_empty());
    let with = |f: fn(&mut TaskPatch)| {
        let mut p = TaskPatch::default();
        f(&mut p);
        p.is_empty()
    };
    assert!(!with(|p| p.title = TaskTitle::parse("t").ok()));
    assert!(!with(|p| p.description = Some(None)));
    assert!(!with(|p| p.status = Some(TaskStatus::Done)));
    assert!(!with(|p| p.priority = Some(Priority::Low)));
    assert!(!with(|p| p.due_at = Some(None)));
    assert!(!with(|p| p.team_id = Some(None)));
    assert!(!with(|p| p.assignees = Some(Assignees::default())));
    assert!(!with(|p| p.labels = Labels::parse(&[]).ok()));
}

fn ids(n: u128) -> Vec<Uuid> {
    (1..=n).map(Uuid::from_u128).collect()
}

#[rstest]
#[case::none(ids(0), Ok(0))]
#[case::twenty(ids(20), Ok(20))]
#[case::twenty_one(ids(21), Err(()))]
#[case::repeats_fold(vec![Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(1)], Ok(2))]
fn assignee_lists(#[case] raw: Vec<Uuid>, #[case] expected: Result<usize, ()>) {
    assert_eq!(Assignees::parse(&raw).map(|a| a.as_slice().len()).map_err(|_| ()), expected);
}

#[test]
fn assignees_keep_their_order_and_say_what_changed() {
    let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    let list = Assignees::parse(&[c, a, c]).unwrap_or_default();
    assert_eq!(list.as_slice(), &[c, a]);
    assert_eq!(assignee_changes(&[a, b], list.as_slice()), (vec![c], vec![b]));
    assert_eq!(assignee_changes(&[c, a], list.as_slice()), (vec![], vec![]));
    assert_eq!(assignee_changes(&[], &[b, a]), (vec![b, a], vec![]));
    assert_eq!(Assignees::one(Some(b)).as_slice(), &[b]);
    assert!(Assignees::one(None).as_slice().is_empty());
}

// ---- time ----

fn t(h: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + h * 3600, 0).unwrap_or_default()
}

#[rstest]
#[case::one_hour(t(0), t(1), t(2), None)]
#[case::ends_now(t(0), t(1), t(1), None)]
#[case::exactly_24h(t(0), t(24), t(30), None)]
#[case::over_24h(t(0), t(24) + Duration::seconds(1), t(30), Some("24 hours"))]
#[case::zero_length(t(1), t(1), t(2), Some("after started_at"))]
#[case::backwards(t(2), t(1), t(3), Some("after started_at"))]
#[case::ends_in_the_future(t(0), t(2), t(1), Some("future"))]
fn intervals(
    #[case] start: DateTime<Utc>,
    #[case] end: DateTime<Utc>,
    #[case] now: DateTime<Utc>,
    #[case] refusal: Option<&str>,
) {
    let got = Interval::new(start, end, now);
    match refusal {
        None => assert_eq!(got.map(|i| (i.started_at(), i.ended_at())), Ok((start, end))),
        Some(why) => assert!(got.is_err_and(|e| e.contains(why)), "expected {why:?}"),
    }
}

#[rstest]
#[case::one_second(1, None)]
#[case::a_day(86_400, None)]
#[case::over_a_day(86_401, Some("24 hours"))]
#[case::zero(0, Some("positive"))]
#[case::negative(-60, Some("positive"))]
fn durations(#[case] seconds: i64, #[case] refusal: Option<&str>) {
    let got = Interval::from_duration(t(0), seconds, t(48));
    match refusal {
        None => assert_eq!(got.map(|i| i.ended_at() - i.started_at()), Ok(Duration::seconds(seconds))),
        Some(why) => assert!(got.is_err_and(|e| e.contains(why))),
    }
}

#[test]
fn a_duration_that_would_end_in_the_future_is_refused() {
    assert!(Interval::from_duration(t(0), 7200, t(1)).is_err_and(|e| e.contains("future")));
}

/// What a newtype parsed is what it hands to the database.
#[rstest]
#[case::comment(CommentBody::parse(" said\nthis ").map(|b| b.as_str().to_owned()), " said\nthis ")]
#[case::description(Description::parse("as typed ").map(|d| d.as_str().to_owned()), "as typed ")]
#[case::note(Note::parse("two hours on review").map(|n| n.as_str().to_owned()), "two hours on review")]
#[case::team(TeamName::parse(" Platform ").map(|n| n.as_str().to_owned()), "Platform")]
#[case::title(TaskTitle::parse("Ship").map(|t| t.as_str().to_owned()), "Ship")]
#[case::display_name(DisplayName::parse("Ada").map(|n| n.as_str().to_owned()), "Ada")]
fn parsed_text_is_kept(#[case] parsed: Result<String, String>, #[case] stored: &str) {
    assert_eq!(parsed.as_deref(), Ok(stored));
}

#[test]
fn a_user_id_displays_as_its_uuid() {
    let id = Uuid::from_u128(0x0194_f2a8_7d1e_7c3a_9b1f_2a6c_0e4d_5f60);
    assert_eq!(UserId(id).to_string(), "0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60");
    assert_ne!(UserId::new(), UserId::new());
}

#[rstest]
#[case(GlobalRole::Admin, true)]
#[case(GlobalRole::Member, false)]
fn only_a_global_admin_is_an_admin(#[case] role: GlobalRole, #[case] admin: bool) {
    let session = SessionCredential { session_id: Uuid::nil(), token_id: Uuid::nil(), expires_at: 0 };
    let caller = Caller { user_id: UserId::new(), role, credential: Credential::Session(session) };
    assert_eq!(caller.is_admin(), admin);
}
