//! Request parsing shared by handlers: query strings with repeated keys,
//! RFC 3339 timestamps, explicit nulls in PATCH bodies, ETags.

use actix_web::http::header::{HeaderMap, IF_MATCH, IF_NONE_MATCH};
use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;

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
