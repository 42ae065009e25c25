//! The bearer-token extractor: a request's verified [`Caller`]. A missing,
//! malformed, expired, wrongly signed or revoked token is a 401, never an
//! anonymous caller.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use uuid::Uuid;

use super::jwt::JwtKeys;
use super::rate_limit::RateLimiter;
use crate::activity::Activity;
use crate::domain::token::{Access, Verdict};
use crate::domain::user::{Caller, Credential, GlobalRole, SessionCredential, TokenCredential, UserId};
use crate::error::ApiError;

/// What the extractor needs, registered as its own app data so this module
/// depends on three mechanisms rather than on the whole server state.
pub struct Verifier {
    pub jwt: Arc<JwtKeys>,
    pub limits: Arc<RateLimiter>,
    pub activity: Arc<Activity>,
    /// API tokens are looked up in Postgres (they are revocable at once).
    pub pool: crate::db::Pool,
    /// What a route asks of a token: `routes::access`, handed in so this
    /// mechanism does not depend on the route table's module.
    pub access: fn(&str, &str) -> Access,
}

/// What an API token presents itself as: a personal or team service
/// token's prefix (session access tokens are JWTs, which never start so).
pub const API_TOKEN_PREFIX: &str = "tfp_";

/// Redis keys that revoke access tokens before they expire.
pub fn denied_token_key(jti: Uuid) -> String {
    format!("deny:jti:{jti}")
}

pub fn denied_session_key(sid: Uuid) -> String {
    format!("deny:sid:{sid}")
}

fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized("an Authorization: Bearer token is required"))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is malformed"))?;
    let (scheme, token) =
        value.split_once(' ').ok_or(ApiError::Unauthorized("the Authorization header is malformed"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized("the Authorization header must use the Bearer scheme"));
    }
    Ok(token.trim())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let verifier = req.app_data::<web::Data<Verifier>>().cloned();
        // The limit's numbers go back onto the request for RateLimit-* headers.
        let req = req.clone();
        let token = bearer_token(&req).map(str::to_owned);
        Box::pin(async move {
            let v = verifier.ok_or_else(|| ApiError::internal(anyhow::anyhow!("Verifier is not registered")))?;
            let token = token.inspect_err(|_| crate::metrics::auth_failure("missing_token"))?;
            if token.starts_with(API_TOKEN_PREFIX) {
                let caller = api_token_caller(&v, &req, &token).await?;
                req.extensions_mut().insert(caller.clone());
                return Ok(caller);
            }
            let claims = v.jwt.verify(&token).map_err(|_| {
                crate::metrics::auth_failure("invalid_token");
                ApiError::Unauthorized("the access token is invalid or expired")
            })?;
            // One Redis round trip: the denylist (a fast path only: begin_as
            // refuses a revoked session from Postgres even when Redis is down)
            // and the per-user rate limit.
            let denylist = [denied_token_key(claims.jti), denied_session_key(claims.sid)];
            let (limit, revoked) =
                v.limits.hit_and_check(&format!("user:{}", claims.sub), v.limits.per_user, &denylist).await;
            if revoked {
                crate::metrics::auth_failure("revoked_token");
                return Err(ApiError::Unauthorized("the access token has been revoked"));
            }
            req.extensions_mut().insert(limit.info);
            if !limit.allowed {
                return Err(ApiError::TooManyRequests(limit.info));
            }
            v.activity.seen(claims.sub).await;
            tracing::Span::current().record("user_id", tracing::field::display(claims.sub));
            let caller = Caller {
                user_id: UserId(claims.sub),
                role: claims.role,
                credential: Credential::Session(SessionCredential {
                    session_id: claims.sid,
                    token_id: claims.jti,
                    expires_at: claims.exp,
                }),
            };
            // For the audit of a denied request, after the handler.
            req.extensions_mut().insert(caller.clone());
            Ok(caller)
        })
    }
}

/// An API token's caller: a live token (looked up by digest), then the
/// route's [`Access`] against its scopes, then the account's rate limit.
/// The scope check is here, once, for every handler that takes a `Caller`.
async fn api_token_caller(v: &Verifier, req: &HttpRequest, token: &str) -> Result<Caller, ApiError> {
    let grant = crate::service::tokens::authenticate(&v.pool, token).await?.ok_or_else(|| {
        crate::metrics::auth_failure("invalid_api_token");
        ApiError::Unauthorized("the API token is invalid, expired or revoked")
    })?;
    let access = (v.access)(req.method().as_str(), req.match_pattern().as_deref().unwrap_or(""));
    match access.judge(&grant.scopes) {
        Verdict::Allowed => {}
        Verdict::MissingScope(scope) => {
            crate::metrics::auth_failure("insufficient_scope");
            return Err(ApiError::InsufficientScope(Some(scope)));
        }
        Verdict::SessionOnly => {
            crate::metrics::auth_failure("insufficient_scope");
            return Err(ApiError::InsufficientScope(None));
        }
    }
    let limit = v.limits.hit(&format!("user:{}", grant.user_id), v.limits.per_user).await;
    req.extensions_mut().insert(limit.info);
    if !limit.allowed {
        return Err(ApiError::TooManyRequests(limit.info));
    }
    v.activity.seen(grant.user_id.0).await;
    tracing::Span::current().record("user_id", tracing::field::display(grant.user_id));
    Ok(Caller {
        user_id: grant.user_id,
        role: GlobalRole::Member,
        credential: Credential::ApiToken(TokenCredential { token_id: grant.token_id, scopes: grant.scopes }),
    })
}
