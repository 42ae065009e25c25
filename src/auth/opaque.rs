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

/// A new secret `prefix` + 32 random bytes in base62 (43 characters: the
/// form API tokens take, copyable by a double click and safe in any shell),
/// and its digest.
pub fn issue_base62(prefix: &str) -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{prefix}{}", base62(bytes));
    let d = digest(&token);
    (token, d)
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 62^43 > 2^256 > 62^42: every 32 bytes fit in 43 digits, kept at that width.
const BASE62_DIGITS: usize = 43;

/// The big-endian number `bytes` in base62, zero-padded to 43 digits.
fn base62(mut bytes: [u8; 32]) -> String {
    let mut digits = [b'0'; BASE62_DIGITS];
    for slot in digits.iter_mut().rev() {
        // Long division of the whole number by 62, most significant byte first.
        let mut rem = 0u32;
        for b in bytes.iter_mut() {
            let acc = (rem << 8) | u32::from(*b);
            *b = (acc / 62) as u8;
            rem = acc % 62;
        }
        *slot = BASE62[rem as usize];
    }
    digits.iter().map(|&d| d as char).collect()
}

/// Whether `s` could be a secret `issue_base62(prefix)` made.
pub fn well_formed_base62(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == BASE62_DIGITS && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
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
    fn base62_is_the_number_in_43_digits() {
        assert_eq!(base62([0; 32]), "0".repeat(43));
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(base62(one), format!("{}1", "0".repeat(42)));
        one[31] = 62;
        assert_eq!(base62(one), format!("{}10", "0".repeat(41)));
        one[30] = 1;
        one[31] = 0;
        // 256 = 4*62 + 8
        assert_eq!(base62(one), format!("{}48", "0".repeat(41)));
        // 2^256 - 1, the largest, still fits in 43 digits (Python agrees: yhj...).
        let max = base62([0xff; 32]);
        assert_eq!(max.len(), 43);
        assert_eq!(&max[..3], "yhj", "{max}");
    }

    #[test]
    fn base62_tokens_are_prefixed_alphanumeric_and_distinct() {
        let (a, da) = issue_base62("tfp_");
        let (b, _) = issue_base62("tfp_");
        assert_ne!(a, b);
        assert!(well_formed_base62(&a, "tfp_"), "{a}");
        assert_eq!(da, digest(&a));
        assert!(!well_formed_base62(&a.replace("tfp_", "tfx_"), "tfp_"));
        assert!(!well_formed_base62(&format!("tfp_{}-", "A".repeat(42)), "tfp_"));
        assert!(!well_formed_base62(&format!("tfp_{}", "A".repeat(42)), "tfp_"));
        assert!(!well_formed_base62(&format!("tfp_{}", "A".repeat(44)), "tfp_"));
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
