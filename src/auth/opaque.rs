//! Opaque bearer secrets (refresh tokens, calendar feed tokens): a prefix
//! that says what it is, 256 random bits in URL-safe base64, and the
//! SHA-256 digest that is all the database keeps.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new secret `prefix` + 43 characters, and its digest.
pub fn issue(prefix: &str) -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes));
    let d = digest(&token);
    (token, d)
}

/// What the database keeps of a secret, and looks it up by.
pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether `s` could be a secret `issue(prefix)` made (before any lookup).
pub fn well_formed(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 43 && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_256_bits_distinct_and_known_by_their_digest() {
        let (a, da) = issue("tfx_");
        let (b, db) = issue("tfx_");
        assert_ne!(a, b);
        assert!(well_formed(&a, "tfx_") && well_formed(&b, "tfx_"), "{a} {b}");
        assert_eq!(da, digest(&a));
        assert_eq!(da.len(), 32);
        assert_ne!(da, db);
    }

    #[test]
    fn well_formed_is_the_prefix_and_43_url_safe_characters() {
        assert!(well_formed(&format!("tfc_{}", "A".repeat(43)), "tfc_"));
        assert!(well_formed(&format!("tfc_{}-_", "z".repeat(41)), "tfc_"));
        assert!(!well_formed(&format!("tfc_{}", "A".repeat(42)), "tfc_"));
        assert!(!well_formed(&format!("tfc_{}", "A".repeat(44)), "tfc_"));
        assert!(!well_formed(&format!("tfp_{}", "A".repeat(43)), "tfc_"));
        assert!(!well_formed(&format!("tfc_{}.", "A".repeat(42)), "tfc_"));
        assert!(!well_formed("", "tfc_"));
    }
}
