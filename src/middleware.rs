//! The request envelope: request id, one structured log line per request,
//! panics turned into 500s, and problem+json for errors actix renders itself.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use futures_util::FutureExt;
use tracing::field::Empty;
use tracing::Instrument;

use crate::error::{problem_response, ApiError, PROBLEM_JSON};
use crate::routes::openapi::Declared;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Accepts a caller's request id when it is short and plain, so ids from a
/// proxy join up in the logs; anything else is replaced, never echoed.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn slug_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        s if s.is_server_error() => "internal-error",
        _ => "bad-request",
    }
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().to_string();
    let span = tracing::info_span!(
        "http.request",
        request_id = %id,
        http.method = %method,
        http.route = Empty,
        http.status_code = Empty,
        user_id = Empty,
        latency_ms = Empty,
    );

    let state = req.app_data::<actix_web::web::Data<crate::state::AppState>>().cloned();
    let meta = crate::db::audit::RequestMeta {
        request_id: id.clone(),
        ip: state.as_ref().map(|s| s.client_ip(req.request())).unwrap_or_default(),
    };
    let outcome = crate::db::audit::REQUEST
        .scope(meta.clone(), AssertUnwindSafe(next.call(req)).catch_unwind().instrument(span.clone()))
        .await;
    // Holding a clone of the HttpRequest across the call breaks actix's routing,
    // so these two paths return an error that actix renders through ApiError.
    let mut res = match outcome {
        Ok(Ok(res)) => res.map_into_boxed_body(),
        Ok(Err(e)) => {
            span.in_scope(|| tracing::warn!(error = %e, "request failed in middleware"));
            return Err(e);
        }
        Err(_) => {
            span.in_scope(|| tracing::error!("handler panicked"));
            return Err(ApiError::internal(anyhow::anyhow!("handler panicked")).into());
        }
    };

    let status = res.status();
    // Our handlers answer JSON (problems, or the readiness report); anything
    // else on an error status is actix's own plain text (404, 405, extractor
    // errors) and gets the same problem+json contract.
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == PROBLEM_JSON || v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let detail = status.canonical_reason().unwrap_or("error").to_lowercase();
        let (req, old) = res.into_parts();
        let mut replacement = problem_response(status, slug_for(status), detail, None);
        for (name, value) in old.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                replacement.headers_mut().insert(name.clone(), value.clone());
            }
        }
        res = ServiceResponse::new(req, replacement);
    }

    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    let limit = res.request().extensions().get::<crate::auth::rate_limit::RateLimitInfo>().copied();
    // A 429 already names the limit that refused it; keep that one.
    if let Some(info) = limit.filter(|_| !res.headers().contains_key("ratelimit")) {
        crate::error::rate_limit_headers(res.headers_mut(), &info);
    }
    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
    if status == StatusCode::FORBIDDEN {
        let user = res.request().extensions().get::<crate::domain::user::Caller>().cloned();
        if let (Some(state), Some(user)) = (state, user) {
            let event = crate::db::audit::Event::new("access.denied")
                .actor(user.user_id.0)
                .subject(user.user_id.0)
                .details(serde_json::json!({ "method": method, "route": route }));
            let recorded = crate::db::audit::REQUEST
                .scope(meta, crate::service::audit::standalone(&state.pool, &user, event))
                .await;
            if let Err(e) = recorded {
                span.in_scope(|| tracing::warn!(error = %e, "could not audit a denied request"));
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    crate::metrics::http_request(&method, &route, status.as_u16(), elapsed);
    let latency_ms = elapsed * 1000.0;
    span.record("http.route", route.as_str());
    span.record("http.status_code", status.as_u16());
    span.record("latency_ms", latency_ms);
    span.in_scope(|| tracing::info!("request completed"));
    Ok(res)
}

/// Every `/api/v1/auth/` endpoint (sign-up, sign-in, refresh, MFA, the
/// provider list and the OIDC redirects) shares one per-address budget
/// against scripted abuse: applied here, by path, so no handler can forget it.
pub async fn auth_budget(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req.app_data::<actix_web::web::Data<crate::state::AppState>>().cloned();
    let Some(state) = state.filter(|_| req.path().starts_with(AUTH_PREFIX)) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let ip = state.client_ip(req.request());
    let decision = state.limits.hit(&format!("auth:ip:{ip}"), state.limits.auth_per_ip).await;
    if !decision.allowed {
        crate::metrics::auth_failure("rate_limited");
        let response = actix_web::ResponseError::error_response(&ApiError::TooManyRequests(decision.info));
        return Ok(req.into_response(response));
    }
    // The response says how much of the budget is left (an authenticated
    // call's own per-user budget, set later by the extractor, takes over).
    req.extensions_mut().insert(decision.info);
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

const AUTH_PREFIX: &str = "/api/v1/auth/";

/// Unknown query parameters are a 422 on every operation, not only on those
/// whose handler parses a query: the OpenAPI document says which each takes,
/// so a typo (`?limt=5`) is never silently ignored.
///
/// And an `Accept` that none of the operation's media types satisfies is a
/// 406 naming those it has (RFC 9110 §15.5.7), instead of JSON with a 200.
pub async fn contract(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // Pages and assets are not operations of the document: nothing to hold.
    let declared = req.match_pattern().and_then(|p| {
        crate::routes::openapi::declared(req.method().as_str(), &p).map(|d| (p == QUERY_FROM_ELSEWHERE, d))
    });
    if let Some((from_elsewhere, declared)) = declared {
        let refusal = refused_query(&req, declared, from_elsewhere)
            .or_else(|| (!from_elsewhere).then(|| unacceptable(&req, declared)).flatten());
        if let Some(refusal) = refusal {
            return Ok(req.into_response(actix_web::ResponseError::error_response(&refusal)));
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

fn unacceptable(req: &ServiceRequest, declared: &Declared) -> Option<ApiError> {
    let accept = req.headers().get(header::ACCEPT)?.to_str().ok()?;
    if declared.produces.is_empty() {
        return None; // nothing to negotiate: a 204 or a redirect
    }
    let available: Vec<&str> = declared.produces.iter().map(String::as_str).collect();
    match crate::routes::negotiate::choose(Some(accept), &available) {
        Some(_) => None,
        None => Some(ApiError::NotAcceptable(format!(
            "this operation answers with {}; the Accept header allows none of them",
            available.join(" or ")
        ))),
    }
}

/// The provider's redirect carries what the provider sends (RFC 6749 §4.1.2
/// lets it add parameters; RFC 9207 adds `iss`; Google adds `scope` and
/// `authuser`), and a browser's navigation asks for HTML: not ours to refuse.
const QUERY_FROM_ELSEWHERE: &str = "/api/v1/auth/oauth/{provider}/callback";

/// An unknown query parameter (unless the query comes from elsewhere), or
/// one longer than its declared maxLength.
fn refused_query(req: &ServiceRequest, declared: &Declared, from_elsewhere: bool) -> Option<ApiError> {
    let raw = req.query_string();
    if raw.is_empty() {
        return None;
    }
    // Malformed strings are the handler's to refuse, with its own message.
    let pairs: Vec<(String, String)> = serde_html_form::from_str(raw).ok()?;
    let allowed = &declared.query;
    let unknown = pairs.iter().find(|(k, _)| !allowed.iter().any(|a| a == k));
    if let Some((name, _)) = unknown.filter(|_| !from_elsewhere) {
        let shown: String = name.chars().take(64).flat_map(char::escape_default).collect();
        let takes = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
        return Some(ApiError::validation(
            "query",
            format!("unknown parameter `{shown}`; this operation takes: {takes}"),
        ));
    }
    // The declared maxLength of each parameter, for every operation at once.
    let (name, max) = pairs.iter().find_map(|(k, v)| {
        let max = *declared.query_max.get(k)?;
        (v.chars().count() > max).then_some((k, max))
    })?;
    Some(ApiError::validation("query", format!("parameter `{name}` is longer than {max} characters")))
}

/// A CORS preflight (`OPTIONS` with `Access-Control-Request-Method`) that the
/// CORS layer admitted answers `204 No Content`: actix-cors says 200, and a
/// preflight has no content to send.
pub async fn preflight_no_content(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let preflight = req.method() == actix_web::http::Method::OPTIONS
        && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = next.call(req).await?.map_into_boxed_body();
    if preflight && res.status() == StatusCode::OK && res.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        *res.response_mut().status_mut() = StatusCode::NO_CONTENT;
    }
    Ok(res)
}
