//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with secrets sealed by
//! AES-256-GCM under a configured key, and single-use recovery codes.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

use crate::config::MfaSettings;

pub const SECRET_BYTES: usize = 20;
pub const RECOVERY_CODES: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("no MFA key with id '{0}' is configured")]
    UnknownKey(String),
    #[error("an MFA key is not base64 of 32 bytes")]
    BadKey,
    #[error("sealing or opening a TOTP secret failed")]
    Crypto,
    #[error("TOTP parameters rejected: {0}")]
    Params(String),
}

/// A secret sealed for storage.
pub struct Sealed {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

#[derive(Clone)]
pub struct SecretBox {
    settings: MfaSettings,
}

impl SecretBox {
    pub fn new(settings: &MfaSettings) -> Result<Self, TotpError> {
        for key in settings.keys.values() {
            let bytes = STANDARD.decode(key.expose_secret()).map_err(|_| TotpError::BadKey)?;
            if bytes.len() != 32 {
                return Err(TotpError::BadKey);
            }
        }
        Ok(Self { settings: settings.clone() })
    }

    fn cipher(&self, key_id: &str) -> Result<Aes256Gcm, TotpError> {
        let key = self.settings.keys.get(key_id).ok_or_else(|| TotpError::UnknownKey(key_id.to_owned()))?;
        let bytes = STANDARD.decode(key.expose_secret()).map_err(|_| TotpError::BadKey)?;
        if bytes.len() != 32 {
            return Err(TotpError::BadKey);
        }
        Ok(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)))
    }

    /// Seals `secret` under the active key; `owner` is bound in as associated
    /// data, so a ciphertext copied to another account does not open.
    pub fn seal(&self, secret: &[u8], owner: &[u8]) -> Result<Sealed, TotpError> {
        let key_id = self.settings.active_key_id.clone();
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher(&key_id)?
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: secret, aad: owner })
            .map_err(|_| TotpError::Crypto)?;
        Ok(Sealed { key_id, nonce: nonce.to_vec(), ciphertext })
    }

    pub fn open(&self, sealed: &Sealed, owner: &[u8]) -> Result<Vec<u8>, TotpError> {
        if sealed.nonce.len() != 12 {
            return Err(TotpError::Crypto);
        }
        self.cipher(&sealed.key_id)?
            .decrypt(Nonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: owner })
            .map_err(|_| TotpError::Crypto)
    }

    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }
}

pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// The TOTP every standard authenticator app computes for `secret`.
pub fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, TotpError> {
    Builder::new()
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(Secret::from(secret.to_vec()))
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|e| TotpError::Params(e.to_string()))
}

/// The time step `code` matches at `now` (±1 step), if any.
pub fn check(totp: &Totp, code: &str, now: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp.check(code, now)
}

pub fn base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// Ten codes like `k7m2-q9xd-4f`, about 50 bits each.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut raw = [0u8; 10];
            rand::rng().fill_bytes(&mut raw);
            let chars: String = raw.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
            format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..10])
        })
        .collect()
}

/// Recovery codes are compared by digest; case and dashes do not matter.
pub fn recovery_code_digest(code: &str) -> Vec<u8> {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    Sha256::digest(normal.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 (what authenticator apps use), 8 digits,
    /// one case per time of the table.
    #[rstest::rstest]
    #[case(59, "94287082")]
    #[case(1_111_111_109, "07081804")]
    #[case(1_111_111_111, "14050471")]
    #[case(1_234_567_890, "89005924")]
    #[case(2_000_000_000, "69279037")]
    #[case(20_000_000_000, "65353130")]
    fn rfc_6238_sha1_vector(#[case] time: u64, #[case] code: &str) -> Result<(), TotpError> {
        let t = Builder::new()
            .with_digits(8)
            .with_skew(0)
            .with_secret(Secret::from(b"12345678901234567890".to_vec()))
            .build()
            .map_err(|e| TotpError::Params(e.to_string()))?;
        assert_eq!(t.generate(time).to_string(), code);
        Ok(())
    }

    /// Only six ASCII digits are ever compared; surrounding spaces are forgiven.
    #[rstest::rstest]
    #[case::exact("{code}", true)]
    #[case::spaces_around(" {code} ", true)]
    #[case::five_digits("12345", false)]
    #[case::seven_digits("{code}0", false)]
    #[case::letters("abcdef", false)]
    #[case::inner_space("123 456", false)]
    #[case::empty("", false)]
    #[case::unicode_digits("١٢٣٤٥٦", false)]
    fn code_formats(#[case] template: &str, #[case] accepted: bool) -> Result<(), TotpError> {
        let t = totp(&[9u8; 20], "TaskFlow", "a@example.com")?;
        let now = 1_800_000_000;
        let raw = template.replace("{code}", &t.generate(now).to_string());
        assert_eq!(check(&t, &raw, now).is_some(), accepted, "{raw:?}");
        Ok(())
    }

    #[test]
    fn the_otpauth_url_names_issuer_and_account_without_colons() -> Result<(), TotpError> {
        let t = totp(&[1u8; 20], "Task:Flow", "a:b@example.com")?;
        let url = t.to_url().map_err(|e| TotpError::Params(e.to_string()))?;
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains("digits=6") || !url.contains("digits="), "{url}");
        assert!(url.contains("issuer=Task%20Flow"), "{url}");
        assert!(url.contains("a%20b%40example.com") || url.contains("a%20b@example.com"), "{url}");
        Ok(())
    }

    #[test]
    fn secrets_are_160_random_bits_and_base32_encoded() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), SECRET_BYTES);
        assert_ne!(a, b);
        assert_eq!(base32(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[rstest::rstest]
    #[case::case_folded("K7M2-Q9XD-4F", "k7m2-q9xd-4f", true)]
    #[case::dashes_optional("k7m2q9xd4f", "k7m2-q9xd-4f", true)]
    #[case::spaces_ignored(" k7m2 q9xd 4f ", "k7m2-q9xd-4f", true)]
    #[case::one_character_off("k7m2-q9xd-4g", "k7m2-q9xd-4f", false)]
    #[case::prefix_only("k7m2-q9xd", "k7m2-q9xd-4f", false)]
    fn recovery_codes_compare_by_letters_and_digits(#[case] typed: &str, #[case] issued: &str, #[case] same: bool) {
        assert_eq!(recovery_code_digest(typed) == recovery_code_digest(issued), same);
    }

    #[test]
    fn recovery_codes_draw_on_the_whole_alphabet() {
        // 100 characters from 31 symbols: fewer than 15 distinct ones would
        // be a chance below 1e-20, or a skewed draw.
        let seen: std::collections::HashSet<char> =
            new_recovery_codes().concat().chars().filter(|c| *c != '-').collect();
        assert!(seen.len() >= 15, "{seen:?}");
    }

    #[test]
    fn recovery_codes_have_the_documented_shape() {
        for code in new_recovery_codes() {
            let parts: Vec<&str> = code.split('-').collect();
            assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [4, 4, 2], "{code}");
            assert!(code.chars().all(|c| c == '-' || "abcdefghjkmnpqrstuvwxyz23456789".contains(c)), "{code}");
        }
    }

    #[test]
    fn check_accepts_one_step_of_skew_and_reports_the_step() -> Result<(), TotpError> {
        let secret = new_secret();
        let t = totp(&secret, "TaskFlow", "a@example.com")?;
        let now = 1_800_000_000;
        let code = t.generate(now).to_string();
        assert_eq!(check(&t, &code, now), Some(now / 30));
        assert_eq!(check(&t, &code, now + 30), Some(now / 30), "one step late");
        assert_eq!(check(&t, &code, now + 90), None, "three steps late");
        assert_eq!(check(&t, "12345", now), None);
        assert_eq!(check(&t, "abcdef", now), None);
        Ok(())
    }

    #[test]
    fn sealed_secrets_open_only_for_their_owner_and_key() -> Result<(), TotpError> {
        let settings = MfaSettings {
            issuer: "TaskFlow".into(),
            active_key_id: "k1".into(),
            keys: [("k1".to_owned(), STANDARD.encode([7u8; 32]).into())].into_iter().collect(),
        };
        let b = SecretBox::new(&settings)?;
        assert_eq!(b.issuer(), "TaskFlow", "the name authenticator apps show");
        let sealed = b.seal(b"secret-bytes", b"alice")?;
        assert_ne!(sealed.ciphertext, b"secret-bytes");
        assert_eq!(b.open(&sealed, b"alice")?, b"secret-bytes");
        assert!(b.open(&sealed, b"mallory").is_err());
        let unknown = Sealed { key_id: "k0".into(), ..sealed };
        assert!(matches!(b.open(&unknown, b"alice"), Err(TotpError::UnknownKey(_))));
        Ok(())
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalised() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert_eq!(recovery_code_digest("AbCd-EfGh-Jk"), recovery_code_digest("abcdefghjk"));
    }
}
