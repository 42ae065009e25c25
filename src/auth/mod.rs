//! Authentication mechanisms, no use cases: argon2 password hashing, JWT
//! access and MFA tokens, TOTP and sealed secrets, the OpenID Connect
//! protocol client, rate limiting, and the bearer-token extractor. The flows
//! built from them (sign-in, sessions, MFA, identities) are in `service/`.

pub mod extractor;
pub mod jwt;
pub mod oidc;
pub mod opaque;
pub mod password;
pub mod rate_limit;
pub mod totp;
