//! Teams and team roles.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamName(String);

impl TeamName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        super::parse_name(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Ordered by power: `Viewer < Member < Admin < Owner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl TeamRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Viewer => "viewer",
            TeamRole::Member => "member",
            TeamRole::Admin => "admin",
            TeamRole::Owner => "owner",
        }
    }

    /// Creates and edits team tasks, tracks time.
    pub fn can_write_tasks(self) -> bool {
        self >= TeamRole::Member
    }

    /// Manages members below owner; edits and deletes anyone's tasks and comments.
    pub fn can_moderate(self) -> bool {
        self >= TeamRole::Admin
    }

    /// Where a member stands in the member list: owners (0) first, viewers
    /// (3) last. `db::teams::members` orders by the same numbers.
    pub fn listing_rank(self) -> i32 {
        match self {
            TeamRole::Owner => 0,
            TeamRole::Admin => 1,
            TeamRole::Member => 2,
            TeamRole::Viewer => 3,
        }
    }
}

impl std::str::FromStr for TeamRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Self::Viewer),
            "member" => Ok(Self::Member),
            "admin" => Ok(Self::Admin),
            "owner" => Ok(Self::Owner),
            other => Err(format!("unknown team role '{other}'")),
        }
    }
}

/// Where an invitation stands; only a pending one can be answered or revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Declined => "declined",
            InvitationStatus::Revoked => "revoked",
        }
    }
}

impl std::str::FromStr for InvitationStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "accepted" => Ok(Self::Accepted),
            "declined" => Ok(Self::Declined),
            "revoked" => Ok(Self::Revoked),
            other => Err(format!("unknown invitation status '{other}'")),
        }
    }
}

/// Who may set `target`'s role from `current` to `new`, as `actor` with
/// `actor_role`: the rules the database guard enforces, stated once more so the
/// API can answer 403 before trying.
pub fn may_change_role(
    actor_role: TeamRole,
    is_self: bool,
    current: TeamRole,
    new: TeamRole,
) -> Result<(), &'static str> {
    if is_self && new > current {
        return Err("nobody can raise their own role");
    }
    let stepping_down = is_self && new <= current;
    if !(actor_role.can_moderate() || stepping_down) {
        return Err("only team owners and admins manage members");
    }
    if (current == TeamRole::Owner || new == TeamRole::Owner) && actor_role != TeamRole::Owner {
        return Err("only owners make or change owners");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::TeamRole::*;
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Viewer < Member && Member < Admin && Admin < Owner);
        assert!(!Viewer.can_write_tasks() && Member.can_write_tasks());
        assert!(!Member.can_moderate() && Admin.can_moderate());
    }

    #[test]
    fn the_member_list_puts_the_powerful_first() {
        let ranks: Vec<i32> = [Owner, Admin, Member, Viewer].map(TeamRole::listing_rank).to_vec();
        assert_eq!(ranks, vec![0, 1, 2, 3]);
    }

    #[test]
    fn role_change_rules() {
        assert!(may_change_role(Admin, true, Admin, Owner).is_err(), "self-promotion");
        assert!(may_change_role(Member, false, Viewer, Member).is_err(), "member managing others");
        assert!(may_change_role(Admin, false, Member, Owner).is_err(), "admin making an owner");
        assert!(may_change_role(Admin, false, Owner, Member).is_err(), "admin demoting an owner");
        assert!(may_change_role(Owner, false, Member, Owner).is_ok());
        assert!(may_change_role(Admin, false, Member, Viewer).is_ok());
        assert!(may_change_role(Member, true, Member, Viewer).is_ok(), "stepping down");
    }

    #[test]
    fn team_name_is_trimmed_and_bounded() {
        assert_eq!(TeamName::parse("  Core  ").map(|n| n.as_str().to_owned()), Ok("Core".into()));
        assert!(TeamName::parse("").is_err());
        assert!(TeamName::parse(&"x".repeat(101)).is_err());
    }
}
