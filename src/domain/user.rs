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
    pub role: GlobalRole,
    pub session_id: Uuid,
    /// The access token's id and expiry (Unix seconds): logout denylists
    /// exactly this token for as long as it could still be presented.
    pub token_id: Uuid,
    pub expires_at: i64,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.role == GlobalRole::Admin
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
