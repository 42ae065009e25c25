//! API tokens: what a token may do (its scopes), what a route asks of one
//! (its [`Access`]), and what a request for a new one must say.

use serde::{Deserialize, Serialize};

/// One thing a token may do, by resource and verb. Scopes do not imply
/// each other: `tasks:write` does not read, so a token asks for exactly
/// what its job needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Scope {
    #[serde(rename = "tasks:read")]
    TasksRead,
    #[serde(rename = "tasks:write")]
    TasksWrite,
    #[serde(rename = "comments:write")]
    CommentsWrite,
    #[serde(rename = "time:read")]
    TimeRead,
    #[serde(rename = "time:write")]
    TimeWrite,
    #[serde(rename = "teams:read")]
    TeamsRead,
    #[serde(rename = "teams:admin")]
    TeamsAdmin,
    #[serde(rename = "webhooks:admin")]
    WebhooksAdmin,
    #[serde(rename = "account:read")]
    AccountRead,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::TasksRead,
        Scope::TasksWrite,
        Scope::CommentsWrite,
        Scope::TimeRead,
        Scope::TimeWrite,
        Scope::TeamsRead,
        Scope::TeamsAdmin,
        Scope::WebhooksAdmin,
        Scope::AccountRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::TasksRead => "tasks:read",
            Scope::TasksWrite => "tasks:write",
            Scope::CommentsWrite => "comments:write",
            Scope::TimeRead => "time:read",
            Scope::TimeWrite => "time:write",
            Scope::TeamsRead => "teams:read",
            Scope::TeamsAdmin => "teams:admin",
            Scope::WebhooksAdmin => "webhooks:admin",
            Scope::AccountRead => "account:read",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A token's scopes: at least one, each once, in a stable order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Parses a request's list (repeats fold); the error names the
    /// offending item by its position, as the list's other parsers do.
    pub fn parse(raw: &[String]) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("name at least one scope".into());
        }
        let mut scopes = Vec::with_capacity(raw.len());
        for (i, item) in raw.iter().enumerate() {
            let scope = Scope::parse(item).ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                format!("scopes[{i}]: `{item}` is not one of {}", known.join(", "))
            })?;
            scopes.push(scope);
        }
        scopes.sort();
        scopes.dedup();
        Ok(Self(scopes))
    }

    /// Scopes as the database keeps them; anything unknown there is dropped
    /// (a scope a newer release added grants nothing to an older one).
    pub fn from_stored(raw: &[String]) -> Self {
        let mut scopes: Vec<Scope> = raw.iter().filter_map(|s| Scope::parse(s)).collect();
        scopes.sort();
        scopes.dedup();
        Self(scopes)
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn as_slice(&self) -> &[Scope] {
        &self.0
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|s| s.as_str().to_owned()).collect()
    }
}

/// What a route asks of the credential a request presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No credential (health, sign-in, the web app's files): a token is
    /// neither needed nor looked at.
    Public,
    /// Only a signed-in session: managing tokens, MFA, the password,
    /// sign-in identities, erasure, global administration. No token reaches it.
    Session,
    /// A session, or a token holding this scope.
    Scoped(Scope),
}

/// What a token that presents itself on a route is let do.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// The route needs this scope and the token lacks it.
    MissingScope(Scope),
    /// No scope reaches the route (RFC 6750 still calls it insufficient).
    SessionOnly,
}

impl Access {
    pub fn judge(self, scopes: &Scopes) -> Verdict {
        match self {
            // A public route never extracts a caller; a token on one that
            // somehow did would act with no scope at all.
            Access::Public | Access::Session => Verdict::SessionOnly,
            Access::Scoped(scope) if scopes.contains(scope) => Verdict::Allowed,
            Access::Scoped(scope) => Verdict::MissingScope(scope),
        }
    }
}

/// How long a new token lives: 1 to 365 days, 30 when unsaid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetime(u16);

impl Lifetime {
    pub const DEFAULT_DAYS: u16 = 30;
    pub const MAX_DAYS: u16 = 365;

    pub fn parse(days: Option<i64>) -> Result<Self, String> {
        match days {
            None => Ok(Self(Self::DEFAULT_DAYS)),
            Some(d) if (1..=i64::from(Self::MAX_DAYS)).contains(&d) => Ok(Self(d as u16)),
            Some(_) => Err(format!("must be from 1 to {} days", Self::MAX_DAYS)),
        }
    }

    pub fn days(self) -> i64 {
        i64::from(self.0)
    }
}

/// A token's label: 1 to 100 characters on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_name(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The team role a service account holds: never more than a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceRole {
    Member,
    Viewer,
}

impl ServiceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceRole::Member => "member",
            ServiceRole::Viewer => "viewer",
        }
    }
}

/// How the database's `team_members.role` reads back for a service account.
impl std::str::FromStr for ServiceRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "member" => Ok(Self::Member),
            "viewer" => Ok(Self::Viewer),
            other => Err(format!("'{other}' is not a service account's role")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn every_scope_reads_back_from_its_name_and_serde_agrees() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            assert_eq!(serde_json::to_value(scope).ok(), Some(serde_json::json!(scope.as_str())));
        }
        assert_eq!(Scope::parse("tasks:delete"), None);
        assert_eq!(Scope::parse("TASKS:READ"), None);
    }

    #[test]
    fn scopes_are_sorted_once_each_and_an_unknown_one_is_named_by_position() {
        let s = Scopes::parse(&strings(&["time:read", "tasks:read", "time:read"])).ok();
        assert_eq!(s.map(|s| s.to_strings()), Some(strings(&["tasks:read", "time:read"])));
        let err = Scopes::parse(&strings(&["tasks:read", "tasks:admin"])).err().unwrap_or_default();
        assert!(err.starts_with("scopes[1]: `tasks:admin`") && err.contains("account:read"), "{err}");
        assert_eq!(Scopes::parse(&[]).err().as_deref(), Some("name at least one scope"));
    }

    #[test]
    fn stored_scopes_drop_what_this_build_does_not_know() {
        let s = Scopes::from_stored(&strings(&["tasks:write", "future:thing", "tasks:write"]));
        assert_eq!(s.as_slice(), &[Scope::TasksWrite]);
    }

    #[test]
    fn a_token_passes_only_where_its_scope_is_asked_and_never_where_a_session_is() {
        let s = Scopes::from_stored(&strings(&["tasks:read", "comments:write"]));
        assert_eq!(Access::Scoped(Scope::TasksRead).judge(&s), Verdict::Allowed);
        assert_eq!(Access::Scoped(Scope::CommentsWrite).judge(&s), Verdict::Allowed);
        assert_eq!(Access::Scoped(Scope::TasksWrite).judge(&s), Verdict::MissingScope(Scope::TasksWrite));
        assert_eq!(Access::Session.judge(&s), Verdict::SessionOnly);
        assert_eq!(Access::Public.judge(&s), Verdict::SessionOnly);
        let all = Scopes::from_stored(&Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect::<Vec<_>>());
        assert_eq!(Access::Session.judge(&all), Verdict::SessionOnly);
    }

    #[test]
    fn a_lifetime_is_one_to_365_days_and_30_by_default() {
        assert_eq!(Lifetime::parse(None).map(Lifetime::days), Ok(30));
        assert_eq!(Lifetime::parse(Some(1)).map(Lifetime::days), Ok(1));
        assert_eq!(Lifetime::parse(Some(365)).map(Lifetime::days), Ok(365));
        assert!(Lifetime::parse(Some(0)).is_err());
        assert!(Lifetime::parse(Some(366)).is_err());
        assert!(Lifetime::parse(Some(-5)).is_err());
    }

    #[test]
    fn a_service_role_is_member_or_viewer_only() {
        assert_eq!("member".parse(), Ok(ServiceRole::Member));
        assert_eq!("viewer".parse::<ServiceRole>().map(ServiceRole::as_str), Ok("viewer"));
        assert!("admin".parse::<ServiceRole>().is_err());
        assert!("owner".parse::<ServiceRole>().is_err());
    }

    #[test]
    fn a_token_name_is_one_line_of_at_most_100_characters() {
        assert_eq!(TokenName::parse("  CI bot ").map(|n| n.as_str().to_owned()), Ok("CI bot".to_owned()));
        assert!(TokenName::parse("").is_err());
        assert!(TokenName::parse(&"x".repeat(101)).is_err());
        assert!(TokenName::parse("a\nb").is_err());
    }
}
