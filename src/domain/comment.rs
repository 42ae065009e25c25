//! Comment bodies.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.trim().is_empty() {
            return Err("must not be empty".into());
        }
        super::parse_text(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::CommentBody;

    #[test]
    fn body_is_1_to_10000_characters() {
        assert!(CommentBody::parse("").is_err());
        assert!(CommentBody::parse(" \n ").is_err());
        assert!(CommentBody::parse(&"ß".repeat(10_000)).is_ok());
        assert!(CommentBody::parse(&"ß".repeat(10_001)).is_err());
    }
}
