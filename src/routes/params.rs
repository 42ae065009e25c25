//! Request parsing shared by handlers: query strings with repeated keys,
//! RFC 3339 timestamps, explicit nulls in PATCH bodies, ETags.

use actix_web::http::header::{HeaderMap, IF_MATCH, IF_NONE_MATCH};
use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;
use crate::service::{Idempotency, Stored};

/// Parses the query string; unlike `web::Query`, repeated keys fill a `Vec`
/// (`?status=todo&status=done`). Unknown or malformed parameters are a 422.
pub fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    serde_html_form::from_str(req.query_string()).map_err(|e| ApiError::validation("query", e.to_string()))
}

pub fn timestamp(field: &'static str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::validation(field, "must be an RFC 3339 timestamp, e.g. 2026-11-28T09:00:00Z"))
}

/// For PATCH: absent -> `None`, `null` -> `Some(None)`, value -> `Some(Some(v))`.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

fn parse_tag(raw: &str) -> Option<i64> {
    raw.trim().trim_start_matches("W/").trim_matches('"').strip_prefix('v')?.parse().ok()
}

/// The version an `If-Match` header demands. `*` demands nothing; an
/// unparseable tag can never match, so it is a 412, not a silent pass.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(IF_MATCH) else { return Ok(None) };
    let raw = value.to_str().map_err(|_| ApiError::PreconditionFailed)?.trim();
    if raw == "*" {
        return Ok(None);
    }
    raw.split(',').find_map(parse_tag).map(Some).ok_or(ApiError::PreconditionFailed)
}

/// True when `If-None-Match` names the current version (or `*`).
pub fn if_none_match(headers: &HeaderMap, version: i64) -> bool {
    headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|raw| raw.trim() == "*" || raw.split(',').any(|t| parse_tag(t) == Some(version)))
}

/// A create's body, and the client's `Idempotency-Key` with the request's
/// fingerprint when one was sent.
pub struct CreateBody<T> {
    pub body: T,
    pub idempotency: Option<Idempotency>,
}

/// Parses a create's JSON (already size- and type-checked by `web::Json`)
/// into `T`, fingerprinting the canonical JSON so a reused key with another
/// body is caught.
pub fn create_body<T: DeserializeOwned>(
    req: &HttpRequest,
    value: serde_json::Value,
) -> Result<CreateBody<T>, ApiError> {
    use sha2::{Digest, Sha256};
    let idempotency = match req.headers().get("idempotency-key") {
        None => None,
        Some(raw) => {
            let key = raw
                .to_str()
                .ok()
                .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x21..=0x7e).contains(&b)))
                .ok_or_else(|| ApiError::validation("idempotency_key", "must be 1 to 255 visible ASCII characters"))?;
            let mut hasher = Sha256::new();
            hasher.update(req.method().as_str().as_bytes());
            hasher.update(b" ");
            hasher.update(req.path().as_bytes());
            hasher.update(b"\n");
            // serde_json's Map is ordered by key, so this is canonical.
            hasher.update(serde_json::to_vec(&value).unwrap_or_default());
            Some(Idempotency { key: key.to_owned(), fingerprint: hasher.finalize().to_vec() })
        }
    };
    let body = serde_json::from_value(value).map_err(|e| ApiError::validation("body", e.to_string()))?;
    Ok(CreateBody { body, idempotency })
}

/// The response stored with an idempotency key, sent again.
pub fn replay(stored: Stored) -> actix_web::HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(stored.status).unwrap_or(actix_web::http::StatusCode::OK);
    let mut resp = actix_web::HttpResponse::build(status);
    resp.insert_header(("Idempotent-Replayed", "true"));
    if let Some(location) = stored.location {
        resp.insert_header((actix_web::http::header::LOCATION, location));
    }
    resp.json(stored.body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    #[test]
    fn etags_round_trip_and_weak_tags_compare() {
        assert_eq!(parse_tag(&etag(7)), Some(7));
        assert_eq!(parse_tag("W/\"v7\""), Some(7));
        assert_eq!(parse_tag("\"x\""), None);
    }

    #[test]
    fn if_match_star_and_garbage() {
        let mut h = HeaderMap::new();
        assert!(matches!(if_match(&h), Ok(None)));
        h.insert(IF_MATCH, HeaderValue::from_static("*"));
        assert!(matches!(if_match(&h), Ok(None)));
        h.insert(IF_MATCH, HeaderValue::from_static("\"v3\""));
        assert!(matches!(if_match(&h), Ok(Some(3))));
        h.insert(IF_MATCH, HeaderValue::from_static("garbage"));
        assert!(if_match(&h).is_err());
    }
}
