//! How domain enums are stored: as their `as_str` text in a column whose
//! CHECK constraint lists the same values. Decoding parses with the domain's
//! own `FromStr`, so a row carries the enum from the database to the JSON
//! and a value the domain does not know is an error, never a silent default.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};

use crate::domain::budget::BudgetPeriod;
use crate::domain::history::TaskField;
use crate::domain::job::{JobKind, JobState};
use crate::domain::relation::RelationKind;
use crate::domain::task::{Priority, TaskStatus};
use crate::domain::team::{InvitationStatus, TeamRole};
use crate::domain::timesheet::EntryState;
use crate::domain::token::{Scopes, ServiceRole};
use crate::domain::user::{ConsentPurpose, GlobalRole};

macro_rules! text_enum {
    ($($t:ty),+ $(,)?) => {$(
        impl Type<Postgres> for $t {
            fn type_info() -> PgTypeInfo {
                <&str as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <&str as Type<Postgres>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Postgres> for $t {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                let raw = <&str as Decode<Postgres>>::decode(value)?;
                Ok(raw.parse::<$t>()?)
            }
        }

        impl Encode<'_, Postgres> for $t {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode(self.as_str(), buf)
            }
        }
    )+};
}

text_enum!(
    TaskStatus,
    Priority,
    TeamRole,
    GlobalRole,
    InvitationStatus,
    ConsentPurpose,
    EntryState,
    BudgetPeriod,
    TaskField,
    RelationKind,
    JobState,
    JobKind,
    ServiceRole
);

/// A token's `text[]` of scopes; one this build does not know grants
/// nothing (dropped, not an error: a newer release may have added it).
impl Type<Postgres> for Scopes {
    fn type_info() -> PgTypeInfo {
        <Vec<String> as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <Vec<String> as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for Scopes {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Scopes::from_stored(&<Vec<String> as Decode<Postgres>>::decode(value)?))
    }
}
