//! Domain types: parsed, valid by construction, free of the web framework and the database driver.

pub mod comment;
pub mod task;
pub mod team;
pub mod time_entry;
pub mod user;

/// A one-line name: trimmed, 1 to `max` characters, no control characters.
pub(crate) fn parse_name(raw: &str, max: usize) -> Result<String, String> {
    // Counted before trimming, as the OpenAPI document's maxLength counts.
    if raw.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(trimmed.to_owned())
}

/// Free text kept as given, at most `max` characters. NUL is refused: Postgres
/// text cannot hold it, and every other character is fine in free text.
pub(crate) fn parse_text(raw: &str, max: usize) -> Result<String, String> {
    if raw.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if raw.contains('\0') {
        return Err(NUL_MESSAGE.into());
    }
    Ok(raw.to_owned())
}

/// What a client is told about a NUL character (`\u0000`) anywhere.
pub(crate) const NUL_MESSAGE: &str = "must not contain the NUL character (\\u0000)";

/// One field that failed to parse, as reported in a 422 problem's `errors`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// Names the field a parse failure belongs to.
pub fn field<T>(name: &'static str, parsed: Result<T, String>) -> Result<T, FieldError> {
    parsed.map_err(|message| FieldError::new(name, message))
}

/// Every field of a request parsed at once: `(field(..), field(..)).all()`
/// is all the values, or every failure, so a client learns about all of them
/// in one answer. No state is kept between the parses and their use, so there
/// is nothing to get out of sync.
pub trait AllFields {
    type Output;
    fn all(self) -> Result<Self::Output, Vec<FieldError>>;
}

macro_rules! all_fields {
    ($($t:ident $v:ident),+) => {
        impl<$($t),+> AllFields for ($(Result<$t, FieldError>,)+) {
            type Output = ($($t,)+);

            fn all(self) -> Result<Self::Output, Vec<FieldError>> {
                match self {
                    ($(Ok($v),)+) => Ok(($($v,)+)),
                    ($($v,)+) => Err([$($v.err()),+].into_iter().flatten().collect()),
                }
            }
        }
    };
}

all_fields!(A a);
all_fields!(A a, B b);
all_fields!(A a, B b, C c);
all_fields!(A a, B b, C c, D d);
all_fields!(A a, B b, C c, D d, E e);
all_fields!(A a, B b, C c, D d, E e, F f);
all_fields!(A a, B b, C c, D d, E e, F f, G g);
all_fields!(A a, B b, C c, D d, E e, F f, G g, H h);
all_fields!(A a, B b, C c, D d, E e, F f, G g, H h, I i);
all_fields!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_fields_gives_every_value_when_each_parses() {
        let parsed = (field("a", Ok::<_, String>(1)), field("b", Ok::<_, String>("x"))).all();
        assert_eq!(parsed, Ok((1, "x")));
    }

    #[test]
    fn all_fields_reports_every_failure_in_field_order() {
        let parsed = (
            field("a", Err::<i32, _>("bad a".to_owned())),
            field("b", Ok::<_, String>(2)),
            field("c", Err::<i32, _>("bad c".to_owned())),
        )
            .all();
        assert_eq!(parsed, Err(vec![FieldError::new("a", "bad a"), FieldError::new("c", "bad c")]));
    }
}
