//! Accounts: ids, emails, passwords, display names and global roles.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::ValidateEmail;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub Uuid);

impl UserId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Who is asking: the verified identity behind a request, as the use cases
/// see it. The HTTP extractor (`auth::extractor`) builds it from a bearer
/// token; services take it and nothing from actix.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: UserId,
    /// Always `Member` for an API token: no token carries global admin powers.
    pub role: GlobalRole,
    pub credential: Credential,
}

/// What the caller proved itself with.
#[derive(Clone, Debug)]
pub enum Credential {
    Session(SessionCredential),
    ApiToken(TokenCredential),
}

/// A signed-in session's access token.
#[derive(Clone, Copy, Debug)]
pub struct SessionCredential {
    pub session_id: Uuid,
    /// The access token's id and expiry (Unix seconds): logout denylists
    /// exactly this token for as long as it could still be presented.
    pub token_id: Uuid,
    pub expires_at: i64,
}

/// A personal or team service API token and what it may do.
#[derive(Clone, Debug)]
pub struct TokenCredential {
    pub token_id: Uuid,
    pub scopes: super::token::Scopes,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == GlobalRole::Admin
    }

    /// The session behind the request; `None` for an API token (the route
    /// table keeps tokens away from the flows that need one).
    pub fn session(&self) -> Option<&SessionCredential> {
        match &self.credential {
            Credential::Session(s) => Some(s),
            Credential::ApiToken(_) => None,
        }
    }

    /// The API token behind the request, if that is what it presented.
    pub fn api_token(&self) -> Option<&TokenCredential> {
        match &self.credential {
            Credential::ApiToken(t) => Some(t),
            Credential::Session(_) => None,
        }
    }
}

/// A normalised (trimmed, lower-case) syntactically valid address.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let normalised = raw.trim().to_lowercase();
        if normalised.is_empty() {
            return Err("must not be empty".into());
        }
        if normalised.len() > Self::MAX_LEN {
            return Err(format!("must be at most {} characters", Self::MAX_LEN));
        }
        if !normalised.validate_email() {
            return Err("must be a valid email address".into());
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Emails are personal data: Debug shows only the masked form.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", crate::telemetry::mask_email(&self.0))
    }
}

/// A candidate password: 12 to 128 characters, no composition rules (NIST SP 800-63B).
pub struct Password(SecretString);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: SecretString) -> Result<Self, String> {
        let n = raw.expose_secret().chars().count();
        if n < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if n > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        Ok(Self(raw))
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_name(raw, Self::MAX_CHARS).map(Self)
    }

    /// The name of an account whose sign-up offered none that parses.
    pub fn placeholder() -> Self {
        Self("TaskFlow user".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's time zone: a name from the IANA time zone database
/// (`Europe/Berlin`), which reports bucket days and weeks in. Stored as its
/// canonical name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// The longest zone name is 32 characters (`America/Argentina/ComodRivadavia`).
    pub const MAX_CHARS: usize = 64;
    pub const UTC: Self = Self(chrono_tz::Tz::UTC);

    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        trimmed
            .parse::<chrono_tz::Tz>()
            .map(Self)
            .map_err(|_| "must be an IANA time zone name such as Europe/Berlin, America/New_York or UTC".to_owned())
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The zone's rules, for turning dates into instants.
    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    /// Every name `parse` accepts, sorted (the document's enum).
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
        names.sort_unstable();
        names
    }

    /// A name fit for an enum member in a generated client: `Etc/GMT+5` and
    /// `Etc/GMT-5` must not both become `ETC_GMT5`.
    pub fn member_name(name: &str) -> String {
        let mut out = String::with_capacity(name.len() + 8);
        let mut chars = name.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '+' => out.push_str("_PLUS_"),
                '-' if chars.peek().is_some_and(char::is_ascii_digit) => out.push_str("_MINUS_"),
                '/' | '-' => out.push('_'),
                c => out.push(c.to_ascii_uppercase()),
            }
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GlobalRole {
    Member,
    Admin,
}

impl GlobalRole {
    pub fn as_str(self) -> &'static str {
        match self {
            GlobalRole::Member => "member",
            GlobalRole::Admin => "admin",
        }
    }
}

impl std::str::FromStr for GlobalRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "member" => Ok(Self::Member),
            "admin" => Ok(Self::Admin),
            other => Err(format!("unknown role '{other}'")),
        }
    }
}

/// What a person can consent to (GDPR Art. 7), one record per purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    ProductUpdates,
    UsageAnalytics,
    MarketingEmails,
}

impl ConsentPurpose {
    pub const ALL: [ConsentPurpose; 3] =
        [ConsentPurpose::ProductUpdates, ConsentPurpose::UsageAnalytics, ConsentPurpose::MarketingEmails];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentPurpose::ProductUpdates => "product_updates",
            ConsentPurpose::UsageAnalytics => "usage_analytics",
            ConsentPurpose::MarketingEmails => "marketing_emails",
        }
    }
}

impl std::str::FromStr for ConsentPurpose {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            let all: Vec<&str> = Self::ALL.iter().map(|p| p.as_str()).collect();
            format!("unknown purpose '{s}'; use one of {all:?}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IANA names as the tz database spells them; the canonical name is kept.
    #[rstest::rstest]
    #[case::utc("UTC", Some("UTC"))]
    #[case::berlin("Europe/Berlin", Some("Europe/Berlin"))]
    #[case::new_york("America/New_York", Some("America/New_York"))]
    #[case::three_parts("America/Argentina/Buenos_Aires", Some("America/Argentina/Buenos_Aires"))]
    #[case::half_hour_offset("Asia/Kolkata", Some("Asia/Kolkata"))]
    #[case::quarter_hour_offset("Asia/Kathmandu", Some("Asia/Kathmandu"))]
    #[case::trimmed("  Europe/Paris ", Some("Europe/Paris"))]
    #[case::etc_zone("Etc/GMT+5", Some("Etc/GMT+5"))]
    #[case::empty("", None)]
    #[case::an_offset("+01:00", None)]
    #[case::an_abbreviation_it_does_not_know("CEST", None)]
    #[case::wrong_case("europe/berlin", None)]
    #[case::made_up("Mars/Olympus_Mons", None)]
    #[case::path_traversal("../../etc/passwd", None)]
    #[case::nul("Europe/Berlin\0", None)]
    fn time_zones(#[case] raw: &str, #[case] name: Option<&str>) {
        let parsed = TimeZone::parse(raw);
        assert_eq!(parsed.as_ref().ok().map(|z| z.name()), name, "{raw:?}: {parsed:?}");
        if let Err(message) = parsed {
            assert!(message.contains("IANA") || message.contains("at most"), "{message}");
        }
    }

    #[test]
    fn every_listed_zone_parses_and_has_its_own_member_name() {
        let names = TimeZone::names();
        assert!(names.len() > 400, "the whole tz database: {}", names.len());
        let mut members = std::collections::HashSet::new();
        for name in &names {
            assert_eq!(TimeZone::parse(name).map(TimeZone::name), Ok(*name));
            let member = TimeZone::member_name(name);
            assert!(member.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{member}");
            assert!(members.insert(member.clone()), "{name} and another zone both become {member}");
        }
    }

    #[rstest::rstest]
    #[case("Europe/Berlin", "EUROPE_BERLIN")]
    #[case("Etc/GMT+5", "ETC_GMT_PLUS_5")]
    #[case("Etc/GMT-5", "ETC_GMT_MINUS_5")]
    #[case("America/Port-au-Prince", "AMERICA_PORT_AU_PRINCE")]
    #[case("UTC", "UTC")]
    fn member_names(#[case] zone: &str, #[case] member: &str) {
        assert_eq!(TimeZone::member_name(zone), member);
    }

    #[test]
    fn an_over_long_zone_is_refused_by_length_first() {
        assert_eq!(TimeZone::parse(&"A".repeat(65)), Err("must be at most 64 characters".to_owned()));
        // At the bound the name is looked up, and this one is not a zone.
        assert!(TimeZone::parse(&"A".repeat(64)).is_err_and(|m| m.contains("IANA")));
        assert_eq!(TimeZone::UTC.name(), "UTC");
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let e = Email::parse("  Alice@Example.COM ").map(|e| e.as_str().to_owned());
        assert_eq!(e, Ok("alice@example.com".to_owned()));
    }

    #[test]
    fn email_without_at_sign_is_rejected() {
        assert!(Email::parse("alice.example.com").is_err());
        assert!(Email::parse("   ").is_err());
    }

    #[test]
    fn email_debug_is_masked() {
        let e = Email::parse("alice@example.com").map(|e| format!("{e:?}"));
        assert_eq!(e, Ok("Email(a***@example.com)".to_owned()));
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(Password::parse("ééééééééééé".into()).is_err()); // 11 chars, 22 bytes
        assert!(Password::parse("éééééééééééé".into()).is_ok()); // 12 chars
        assert!(Password::parse("x".repeat(129).into()).is_err());
        assert!(Password::parse("x".repeat(128).into()).is_ok());
    }

    #[test]
    fn display_name_rejects_blank_and_control_characters() {
        assert!(DisplayName::parse("  ").is_err());
        assert!(DisplayName::parse("a\u{0007}b").is_err());
        assert_eq!(DisplayName::parse(" Ada ").map(|d| d.as_str().to_owned()), Ok("Ada".into()));
    }
}
