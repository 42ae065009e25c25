//! Domain types: parsed, valid by construction, free of the web framework and the database driver.

pub mod budget;
pub mod calendar;
#[cfg(test)]
mod cases;
pub mod checklist;
pub mod comment;
pub mod history;
pub mod job;
pub mod mention;
pub mod money;
pub mod project;
pub mod relation;
pub mod report;
pub mod task;
pub mod team;
pub mod time_entry;
pub mod timesheet;
pub mod token;
pub mod user;

/// `parse_name`'s rule as an ECMA-262 pattern, for the OpenAPI document
/// (where clients and schemathesis read it): no C0/C1 control character, and
/// at least one character that is not whitespace.
pub const ONE_LINE_PATTERN: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x1f\x7f-\x9f \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$";

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

    /// Characters around every edge of the rule: controls, each kind of
    /// whitespace, and ordinary text.
    fn tricky_char() -> impl proptest::strategy::Strategy<Value = char> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::sample::select(vec![
                '\0', '\t', '\n', '\r', '\u{1f}', '\u{7f}', '\u{85}', '\u{9f}', ' ', '\u{a0}', '\u{1680}', '\u{2000}',
                '\u{200a}', '\u{200b}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}', '\u{feff}', 'a',
                'Z', '7', '-', 'é', '漢', '🙂',
            ]),
            any::<char>(),
        ]
    }

    proptest::proptest! {
        /// The document never promises what the server refuses: a name that
        /// matches the published pattern parses.
        #[test]
        fn a_name_matching_the_published_pattern_parses(chars in proptest::collection::vec(tricky_char(), 0..12)) {
            let raw: String = chars.into_iter().collect();
            let pattern = regex::Regex::new(ONE_LINE_PATTERN).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            if pattern.is_match(&raw) {
                proptest::prop_assert!(parse_name(&raw, 100).is_ok(), "{raw:?} matches but does not parse");
            }
        }

        /// Without control characters the two agree exactly (the parser also
        /// trims a tab or newline at either end, which the pattern refuses).
        #[test]
        fn pattern_and_parser_agree_on_text_without_controls(chars in proptest::collection::vec(tricky_char(), 0..12)) {
            let raw: String = chars.into_iter().filter(|c| !c.is_control()).collect();
            let pattern = regex::Regex::new(ONE_LINE_PATTERN).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(pattern.is_match(&raw), parse_name(&raw, 100).is_ok(), "{:?}", raw);
        }
    }

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
