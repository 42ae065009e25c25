//! Short-lived HS256 access tokens with every registered claim required.

use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::AuthSettings;
use crate::domain::user::{GlobalRole, UserId};

pub const ACCESS_TOKEN_TYPE: &str = "access";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    /// The session (refresh-token family) this token belongs to.
    pub sid: Uuid,
    pub role: GlobalRole,
    pub typ: String,
    pub jti: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// The second step of an MFA login: proves the password, grants nothing else.
/// Its audience differs from access tokens', so neither passes for the other.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfaClaims {
    pub sub: Uuid,
    pub typ: String,
    pub jti: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

pub const MFA_TOKEN_TYPE: &str = "mfa";
pub const MFA_TOKEN_TTL_SECONDS: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("not an access token")]
    WrongType,
    #[error("key configuration: {0}")]
    Config(String),
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    mfa_validation: Validation,
    issuer: String,
    audience: String,
    ttl_seconds: i64,
}

impl JwtKeys {
    pub fn new(settings: &AuthSettings) -> Result<Self, JwtError> {
        let secret = settings.jwt_secret.as_ref().map(|s| s.expose_secret().as_bytes().to_vec()).unwrap_or_default();
        // The algorithm is pinned: `alg: none` and RS/HS confusion are rejected.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.validate_nbf = true;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        let mut mfa_validation = validation.clone();
        mfa_validation.set_audience(&[format!("{}:mfa", settings.audience)]);
        Ok(Self {
            mfa_validation,
            encoding: EncodingKey::from_secret(&secret)?,
            decoding: DecodingKey::from_secret(&secret)?,
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_seconds: settings.access_token_ttl_seconds,
        })
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    pub fn issue(&self, user_id: UserId, role: GlobalRole, session_id: Uuid) -> Result<String, JwtError> {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            sub: user_id.0,
            sid: session_id,
            role,
            typ: ACCESS_TOKEN_TYPE.into(),
            jti: Uuid::new_v4(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        Ok(encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    pub fn issue_mfa(&self, user_id: UserId) -> Result<(String, MfaClaims), JwtError> {
        let now = Utc::now().timestamp();
        let claims = MfaClaims {
            sub: user_id.0,
            typ: MFA_TOKEN_TYPE.into(),
            jti: Uuid::new_v4(),
            iat: now,
            nbf: now,
            exp: now + MFA_TOKEN_TTL_SECONDS,
            iss: self.issuer.clone(),
            aud: format!("{}:mfa", self.audience),
        };
        Ok((encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?, claims))
    }

    pub fn verify_mfa(&self, token: &str) -> Result<MfaClaims, JwtError> {
        let claims = decode::<MfaClaims>(token, &self.decoding, &self.mfa_validation)?.claims;
        if claims.typ != MFA_TOKEN_TYPE {
            return Err(JwtError::WrongType);
        }
        Ok(claims)
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, JwtError> {
        let claims = decode::<AccessClaims>(token, &self.decoding, &self.validation)?.claims;
        if claims.typ != ACCESS_TOKEN_TYPE {
            return Err(JwtError::WrongType);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn settings(secret: &str) -> AuthSettings {
        AuthSettings {
            jwt_secret: Some(SecretString::from(secret)),
            issuer: "taskflow".into(),
            audience: "taskflow-api".into(),
            access_token_ttl_seconds: 900,
            refresh_token_ttl_days: 30,
            refresh_reuse_grace_seconds: 10,
        }
    }

    #[test]
    fn issued_token_verifies_and_carries_its_claims() -> Result<(), JwtError> {
        let keys = JwtKeys::new(&settings("a-test-secret-that-is-long-enough-000"))?;
        let user = UserId::new();
        let sid = Uuid::new_v4();
        let claims = keys.verify(&keys.issue(user, GlobalRole::Admin, sid)?)?;
        assert_eq!(claims.sub, user.0);
        assert_eq!(claims.sid, sid);
        assert_eq!(claims.role, GlobalRole::Admin);
        assert_eq!(claims.exp - claims.iat, 900);
        Ok(())
    }

    #[test]
    fn token_signed_with_another_key_is_rejected() -> Result<(), JwtError> {
        let ours = JwtKeys::new(&settings("a-test-secret-that-is-long-enough-000"))?;
        let theirs = JwtKeys::new(&settings("another-secret-that-is-long-enough-111"))?;
        let token = theirs.issue(UserId::new(), GlobalRole::Member, Uuid::new_v4())?;
        assert!(ours.verify(&token).is_err());
        Ok(())
    }

    #[test]
    fn an_mfa_token_is_not_an_access_token_and_the_reverse() -> Result<(), JwtError> {
        let keys = JwtKeys::new(&settings("a-test-secret-that-is-long-enough-000"))?;
        let user = UserId::new();
        let (mfa, claims) = keys.issue_mfa(user)?;
        assert_eq!(claims.sub, user.0);
        assert_eq!(claims.exp - claims.iat, MFA_TOKEN_TTL_SECONDS);
        assert_eq!(claims.aud, "taskflow-api:mfa");
        assert_eq!(keys.verify_mfa(&mfa)?.jti, claims.jti);
        assert!(keys.verify(&mfa).is_err(), "an MFA token opens no API");
        let access = keys.issue(user, GlobalRole::Member, Uuid::new_v4())?;
        assert!(keys.verify_mfa(&access).is_err(), "an access token is no MFA challenge");
        Ok(())
    }

    #[test]
    fn the_ttl_is_the_configured_one() -> Result<(), JwtError> {
        let mut s = settings("a-test-secret-that-is-long-enough-000");
        s.access_token_ttl_seconds = 60;
        let keys = JwtKeys::new(&s)?;
        assert_eq!(keys.ttl_seconds(), 60);
        let claims = keys.verify(&keys.issue(UserId::new(), GlobalRole::Member, Uuid::new_v4())?)?;
        assert_eq!(claims.exp - claims.iat, 60);
        assert_eq!(claims.nbf, claims.iat);
        assert_eq!((claims.iss.as_str(), claims.aud.as_str()), ("taskflow", "taskflow-api"));
        Ok(())
    }

    #[test]
    fn another_issuer_or_audience_is_refused() -> Result<(), JwtError> {
        let ours = JwtKeys::new(&settings("a-test-secret-that-is-long-enough-000"))?;
        for (issuer, audience) in [("elsewhere", "taskflow-api"), ("taskflow", "another-api")] {
            let mut s = settings("a-test-secret-that-is-long-enough-000");
            s.issuer = issuer.into();
            s.audience = audience.into();
            let token = JwtKeys::new(&s)?.issue(UserId::new(), GlobalRole::Member, Uuid::new_v4())?;
            assert!(ours.verify(&token).is_err(), "{issuer}/{audience}");
        }
        Ok(())
    }
}
