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

/// Collects per-field parse failures so a client learns about all of them at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Returns the parsed value, or records the error under `field`.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
