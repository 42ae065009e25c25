//! Request parsing shared by handlers: query strings with repeated keys,
//! RFC 3339 timestamps, explicit nulls in PATCH bodies, ETags.

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, ETAG, IF_MATCH, IF_NONE_MATCH, LOCATION};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::future::LocalBoxFuture;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::report::Bound;
use crate::error::ApiError;
use crate::service::{Idempotency, Outcome, Stored};

/// Parses the query string; unlike `web::Query`, repeated keys fill a `Vec`
/// (`?status=todo&status=done`). Unknown or malformed parameters are a 422.
/// A NUL character in any parameter is refused here, for every list and
/// filter at once (Postgres text cannot hold one).
pub fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    let raw = req.query_string();
    // A request line cannot carry a raw NUL, so `%00` is its only way in:
    // a byte scan on every request, the parameter named only when found.
    if raw.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0') {
        let pairs: Vec<(String, String)> = serde_html_form::from_str(raw).unwrap_or_default();
        let name = pairs
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
            .map_or_else(|| "?".to_owned(), |(k, _)| k.replace('\0', "\\u0000"));
        return Err(ApiError::validation("query", format!("parameter `{name}` {}", crate::domain::NUL_MESSAGE)));
    }
    serde_html_form::from_str(raw).map_err(|e| ApiError::validation("query", e.to_string()))
}

pub fn timestamp(field: &'static str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    instant(raw).map_err(|m| ApiError::validation(field, m))
}

/// An RFC 3339 instant, for a field parsed among others (`domain::field`).
pub fn instant(raw: &str) -> Result<DateTime<Utc>, String> {
    parse_instant(raw, "an RFC 3339 timestamp")
}

/// A report's range end: a date (`2026-11-01`, read in the report's zone)
/// or an RFC 3339 instant.
pub fn bound(raw: &str) -> Result<Bound, String> {
    match chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(day) if raw.len() == 10 => Ok(Bound::Date(day)),
        _ => parse_instant(raw, "a date such as 2026-11-01 or an RFC 3339 timestamp").map(Bound::Instant),
    }
}

fn parse_instant(raw: &str, expected: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        let mut message = format!("must be {expected}, e.g. 2026-11-28T09:00:00Z");
        if lost_plus(raw) {
            // A form-encoded query turns an unencoded `+` into a space.
            message.push_str(&format!(
                "; `{raw}` looks like an offset whose `+` arrived as a space: send `+` as `%2B` in a query string"
            ));
        } else if raw.len() == 10 && chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok() {
            message.push_str("; a date alone names no instant: add a time and an offset");
        }
        message
    })
}

/// `2026-11-28T10:00:00 01:00`: what `+01:00` becomes when sent unencoded.
fn lost_plus(raw: &str) -> bool {
    raw.rsplit_once(' ').is_some_and(|(head, tail)| {
        head.contains('T') && DateTime::parse_from_rfc3339(&format!("{head}+{tail}")).is_ok()
    })
}

/// For PATCH: absent -> `None`, `null` -> `Some(None)`, value -> `Some(Some(v))`.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// For PATCH fields that can change but not be cleared: absent -> `None`
/// (with `#[serde(default)]`), a value -> `Some`, and `null` is an error, as
/// the document (not nullable) says.
pub fn non_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// An optional integer field that also takes a JSON number with no
/// fraction (`5.0`): JSON Schema's `integer` is the number's value, not its
/// spelling, and some clients write every number as a float. `null` is an
/// error, as for [`non_null`]; so are fractions and values out of `T`'s range.
pub fn whole<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let n = serde_json::Number::deserialize(d)?;
    let exact = n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64));
    let Some(i) = exact else {
        return Err(serde::de::Error::custom(format!("{n} is not a whole number")));
    };
    T::try_from(i).map(Some).map_err(|_| serde::de::Error::custom(format!("{i} is out of range")))
}

/// What a client sends to be checked (a password, a code, a token) is
/// refused past `MAX` characters before anything hashes or looks it up: the
/// body limit alone would let a megabyte reach argon2. The document
/// declares the same `maxLength`.
fn bounded<const MAX: usize, E: serde::de::Error>(s: String) -> Result<String, E> {
    if s.chars().count() > MAX {
        return Err(E::custom(format!("a password, code or token is longer than {MAX} characters")));
    }
    Ok(s)
}

pub fn at_most<'de, D: Deserializer<'de>, const MAX: usize>(d: D) -> Result<String, D::Error> {
    bounded::<MAX, _>(String::deserialize(d)?)
}

pub fn optional_at_most<'de, D: Deserializer<'de>, const MAX: usize>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)?.map(bounded::<MAX, _>).transpose()
}

pub fn secret_at_most<'de, D: Deserializer<'de>, const MAX: usize>(d: D) -> Result<SecretString, D::Error> {
    bounded::<MAX, _>(String::deserialize(d)?).map(SecretString::from)
}

pub fn optional_secret_at_most<'de, D: Deserializer<'de>, const MAX: usize>(
    d: D,
) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(bounded::<MAX, _>).transpose()?.map(SecretString::from))
}

/// A list of at most `MAX` items (the document's `maxItems`).
pub fn items_at_most<'de, D, T, const MAX: usize>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = Vec::<T>::deserialize(d)?;
    if items.len() > MAX {
        return Err(serde::de::Error::custom(format!("a list is longer than {MAX} items")));
    }
    Ok(items)
}

pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// One of our entity tags, `"v7"` or weak `W/"v7"`; anything else is not one.
fn parse_tag(raw: &str) -> Option<i64> {
    let digits = raw.trim().trim_start_matches("W/").strip_prefix("\"v")?.strip_suffix('"')?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What an `If-Match`/`If-None-Match` header names: `*` (any version) or a
/// list of versions. `None` when the header is malformed.
enum Condition {
    Any,
    Versions(Vec<i64>),
}

fn condition(headers: &HeaderMap, name: actix_web::http::header::HeaderName) -> Result<Option<Condition>, ApiError> {
    let Some(value) = headers.get(&name) else { return Ok(None) };
    let malformed = || ApiError::BadRequest(format!("{name} must be * or a list of entity tags such as \"v3\""));
    let raw = value.to_str().map_err(|_| malformed())?.trim();
    // The document's maxLength: no client of ours lists more tags than that.
    if raw.len() > 1024 {
        return Err(malformed());
    }
    if raw == "*" {
        return Ok(Some(Condition::Any));
    }
    let versions: Option<Vec<i64>> = raw.split(',').map(parse_tag).collect();
    versions.map(|v| Some(Condition::Versions(v))).ok_or_else(malformed)
}

/// The version an `If-Match` header demands (`*` demands nothing). A
/// malformed header is a 400: it can neither match nor be ignored.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    match condition(headers, IF_MATCH)? {
        None | Some(Condition::Any) => Ok(None),
        // Our resources have one current version; the first listed is the demand.
        Some(Condition::Versions(v)) => Ok(v.first().copied()),
    }
}

/// True when `If-None-Match` names the current version (or `*`); a malformed
/// header is a 400.
pub fn if_none_match(headers: &HeaderMap, version: i64) -> Result<bool, ApiError> {
    Ok(match condition(headers, IF_NONE_MATCH)? {
        None => false,
        Some(Condition::Any) => true,
        Some(Condition::Versions(v)) => v.contains(&version),
    })
}

/// A create's body, parsed into `T`, and the client's `Idempotency-Key`
/// with the request's fingerprint when one was sent: the extractor every
/// retry-safe create takes instead of repeating the preamble.
pub struct Idempotent<T> {
    pub body: T,
    pub key: Option<Idempotency>,
}

impl<T: DeserializeOwned + 'static> FromRequest for Idempotent<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // `web::Json` first: its size and content-type checks answer 413/415.
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let value = json.await?.into_inner();
            Ok(idempotent(&req, value)?)
        })
    }
}

/// Parses a create's JSON into `T`, fingerprinting the canonical JSON so a
/// reused key with another body is caught.
fn idempotent<T: DeserializeOwned>(req: &HttpRequest, value: serde_json::Value) -> Result<Idempotent<T>, ApiError> {
    use sha2::{Digest, Sha256};
    let key = match req.headers().get("idempotency-key") {
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
    Ok(Idempotent { body, key })
}

/// How a create answers: the new resource's `Location` and JSON body. The
/// same two functions render the first 201 and the copy stored with the
/// idempotency key, so a replay cannot differ from the original.
pub struct Created<L, B> {
    pub location: L,
    pub body: B,
}

impl<L, B> Created<L, B> {
    /// The response as the service stores it, in the create's transaction.
    pub fn stored<R, J: Serialize>(&self, row: &R) -> Stored
    where
        L: Fn(&R) -> String,
        B: Fn(&R) -> J,
    {
        Stored {
            status: 201,
            body: serde_json::to_value((self.body)(row)).unwrap_or_default(),
            location: Some((self.location)(row)),
            etag: None,
        }
    }

    /// The 201 for a new resource, or the stored response sent again.
    pub fn respond<R, J: Serialize>(&self, outcome: Outcome<R>) -> HttpResponse
    where
        L: Fn(&R) -> String,
        B: Fn(&R) -> J,
    {
        match outcome {
            Outcome::Replayed(stored) => replay(stored),
            Outcome::Created(row) => {
                HttpResponse::Created().insert_header((LOCATION, (self.location)(&row))).json((self.body)(&row))
            }
        }
    }
}

/// When the operations deprecated so far stop being served: six months'
/// notice (docs/api.md, "Deprecations").
const DEPRECATED_SINCE: &str = "@1796083200"; // 2026-12-01T00:00:00Z
const SUNSET: &str = "Tue, 01 Jun 2027 00:00:00 GMT";

/// Marks a deprecated operation's response: `Deprecation` (RFC 9745, a
/// structured-field date), `Sunset` (RFC 8594) and a `Link` to the operation
/// that replaces it.
pub fn deprecated(mut resp: HttpResponse, successor: &str) -> HttpResponse {
    let headers = resp.headers_mut();
    headers.insert(HeaderName::from_static("deprecation"), HeaderValue::from_static(DEPRECATED_SINCE));
    headers.insert(HeaderName::from_static("sunset"), HeaderValue::from_static(SUNSET));
    if let Ok(link) = HeaderValue::from_str(&format!("<{successor}>; rel=\"successor-version\"")) {
        headers.insert(actix_web::http::header::LINK, link);
    }
    resp
}

/// When the fields deprecated on 2026-12-02 (`assignee_id` in task
/// requests) stop being accepted.
const FIELD_DEPRECATED_SINCE: &str = "@1796169600"; // 2026-12-02T00:00:00Z
const FIELD_SUNSET: &str = "Wed, 02 Jun 2027 00:00:00 GMT";

/// Marks the response to a request that used a deprecated field:
/// `Deprecation` and `Sunset`, as for an operation (the successor is a
/// field of the same operation, named in the document, not a link).
pub fn deprecated_field(mut resp: HttpResponse) -> HttpResponse {
    let headers = resp.headers_mut();
    headers.insert(HeaderName::from_static("deprecation"), HeaderValue::from_static(FIELD_DEPRECATED_SINCE));
    headers.insert(HeaderName::from_static("sunset"), HeaderValue::from_static(FIELD_SUNSET));
    resp
}

/// The response stored with an idempotency key, sent again.
pub fn replay(stored: Stored) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(stored.status).unwrap_or(actix_web::http::StatusCode::OK);
    let mut resp = HttpResponse::build(status);
    resp.insert_header(("Idempotent-Replayed", "true"));
    if let Some(location) = stored.location {
        resp.insert_header((LOCATION, location));
    }
    if let Some(tag) = stored.etag {
        resp.insert_header((ETAG, tag));
    }
    resp.json(stored.body)
}

#[cfg(test)]
mod whole_tests {
    use super::whole;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct B {
        #[serde(default, deserialize_with = "whole")]
        n: Option<i32>,
    }

    fn parse(json: &str) -> Result<B, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_are_taken_in_either_spelling_and_nothing_else() {
        assert_eq!(parse(r#"{"n": 5}"#), Ok(B { n: Some(5) }));
        assert_eq!(parse(r#"{"n": 5.0}"#), Ok(B { n: Some(5) }));
        assert_eq!(parse(r#"{"n": -3e0}"#), Ok(B { n: Some(-3) }));
        assert_eq!(parse("{}"), Ok(B { n: None }));
        assert!(parse(r#"{"n": 5.5}"#).is_err_and(|e| e.contains("not a whole number")));
        assert!(parse(r#"{"n": 3000000000}"#).is_err_and(|e| e.contains("out of range")));
        assert!(parse(r#"{"n": 1e300}"#).is_err_and(|e| e.contains("not a whole number")));
        assert!(parse(r#"{"n": null}"#).is_err());
        assert!(parse(r#"{"n": "5"}"#).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        h.insert(IF_MATCH, HeaderValue::from_static("W/\"v4\", \"v5\""));
        assert!(matches!(if_match(&h), Ok(Some(4))));
        for bad in ["garbage", "", "v3", "\"v\"", "\"v3", "\"v3\",", "\"v-1\""] {
            h.insert(IF_MATCH, HeaderValue::from_static(bad));
            assert!(matches!(if_match(&h), Err(ApiError::BadRequest(_))), "{bad:?}");
        }
        let mut h = HeaderMap::new();
        assert!(matches!(if_none_match(&h, 3), Ok(false)));
        h.insert(IF_NONE_MATCH, HeaderValue::from_static("\"v2\", \"v3\""));
        assert!(matches!(if_none_match(&h, 3), Ok(true)));
        h.insert(IF_NONE_MATCH, HeaderValue::from_static(""));
        assert!(if_none_match(&h, 3).is_err());
    }

    #[rstest::rstest]
    #[case::strong("\"v7\"", Some(7))]
    #[case::weak("W/\"v7\"", Some(7))]
    #[case::spaces_around("  \"v12\" ", Some(12))]
    #[case::zero("\"v0\"", Some(0))]
    #[case::eighteen_digits("\"v999999999999999999\"", Some(999_999_999_999_999_999))]
    #[case::nineteen_digits("\"v1000000000000000000\"", None)]
    #[case::no_v("\"7\"", None)]
    #[case::unquoted("v7", None)]
    #[case::empty_version("\"v\"", None)]
    #[case::negative("\"v-1\"", None)]
    #[case::plus_sign("\"v+1\"", None)]
    #[case::other_tag("\"abc\"", None)]
    fn entity_tags(#[case] raw: &str, #[case] version: Option<i64>) {
        assert_eq!(parse_tag(raw), version);
    }

    #[rstest::rstest]
    #[case::absent(None, Some(None))]
    #[case::star(Some("*"), Some(None))]
    #[case::one(Some("\"v3\""), Some(Some(3)))]
    #[case::first_of_a_list(Some("W/\"v4\", \"v5\""), Some(Some(4)))]
    #[case::garbage(Some("garbage"), None)]
    #[case::trailing_comma(Some("\"v3\","), None)]
    #[case::star_in_a_list(Some("*, \"v3\""), None)]
    fn if_match_demands(#[case] header: Option<&'static str>, #[case] expected: Option<Option<i64>>) {
        let mut h = HeaderMap::new();
        if let Some(v) = header {
            h.insert(IF_MATCH, HeaderValue::from_static(v));
        }
        assert_eq!(if_match(&h).ok(), expected);
    }

    #[rstest::rstest]
    #[case::absent(None, 3, Some(false))]
    #[case::star(Some("*"), 3, Some(true))]
    #[case::current(Some("\"v3\""), 3, Some(true))]
    #[case::stale(Some("\"v2\""), 3, Some(false))]
    #[case::in_a_list(Some("\"v1\", W/\"v3\""), 3, Some(true))]
    #[case::malformed(Some("v3"), 3, None)]
    fn if_none_match_answers(
        #[case] header: Option<&'static str>,
        #[case] version: i64,
        #[case] expected: Option<bool>,
    ) {
        let mut h = HeaderMap::new();
        if let Some(v) = header {
            h.insert(IF_NONE_MATCH, HeaderValue::from_static(v));
        }
        assert_eq!(if_none_match(&h, version).ok(), expected);
    }

    #[rstest::rstest]
    #[case::utc("2026-11-28T09:00:00Z", true)]
    #[case::offset("2026-11-28T10:00:00+01:00", true)]
    #[case::fraction("2026-11-28T09:00:00.123456Z", true)]
    #[case::date_only("2026-11-28", false)]
    #[case::no_zone("2026-11-28T09:00:00", false)]
    #[case::space_separator_rfc3339_allows("2026-11-28 09:00:00Z", true)]
    #[case::nonsense("yesterday", false)]
    fn instants(#[case] raw: &str, #[case] ok: bool) {
        assert_eq!(instant(raw).is_ok(), ok, "{raw}");
    }

    /// The refusal names the likely cause when there is one.
    #[rstest::rstest]
    #[case::unencoded_plus("2026-11-28T10:00:00 01:00", Some("%2B"))]
    #[case::unencoded_plus_with_fraction("2026-11-28T10:00:00.5 05:30", Some("%2B"))]
    #[case::a_date("2026-11-28", Some("a date alone"))]
    #[case::not_a_date("2026-13-45", None)]
    #[case::space_but_no_offset("2026-11-28T10:00:00 hello", None)]
    #[case::nonsense("yesterday", None)]
    fn refusals_name_the_likely_cause(#[case] raw: &str, #[case] hint: Option<&str>) {
        let message = instant(raw).err().unwrap_or_default();
        assert!(message.starts_with("must be an RFC 3339 timestamp"), "{message}");
        match hint {
            Some(h) => assert!(message.contains(h), "{raw}: {message}"),
            None => assert!(!message.contains(';'), "no guessed cause for {raw}: {message}"),
        }
    }

    #[test]
    fn an_offset_instant_is_the_same_moment_in_utc() {
        assert_eq!(instant("2026-11-28T10:00:00+01:00"), instant("2026-11-28T09:00:00Z"));
        assert!(
            timestamp("due_at", "nope").is_err_and(|e| matches!(e, ApiError::Validation(f) if f[0].field == "due_at"))
        );
    }

    fn create(method: actix_web::http::Method, path: &str, key: Option<&str>) -> HttpRequest {
        let mut r = actix_web::test::TestRequest::default().method(method).uri(path);
        if let Some(k) = key {
            r = r.insert_header(("idempotency-key", k));
        }
        r.to_http_request()
    }

    fn fingerprint(req: &HttpRequest, body: serde_json::Value) -> Option<Vec<u8>> {
        idempotent::<serde_json::Value>(req, body).ok()?.key.map(|k| k.fingerprint)
    }

    #[rstest::rstest]
    #[case::uuid_like(Some("0194f2a8-7d1e-7c3a-9b1f-2a6c0e4d5f60"), true)]
    #[case::one_character(Some("x"), true)]
    #[case::visible_punctuation(Some("a!~#"), true)]
    #[case::longest(Some(&*"k".repeat(255)), true)]
    #[case::too_long(Some(&*"k".repeat(256)), false)]
    #[case::inner_space(Some("a b"), false)]
    #[case::absent(None, true)]
    fn idempotency_keys(#[case] key: Option<&str>, #[case] accepted: bool) {
        let req = create(actix_web::http::Method::POST, "/api/v1/tasks", key);
        let parsed = idempotent::<serde_json::Value>(&req, serde_json::json!({"title": "t"}));
        assert_eq!(parsed.is_ok(), accepted);
        if let Err(ApiError::Validation(f)) = parsed {
            assert_eq!(f[0].field, "idempotency_key");
        }
    }

    #[test]
    fn the_fingerprint_binds_method_path_and_body_but_not_key_order() {
        use actix_web::http::Method;
        let post = create(Method::POST, "/api/v1/tasks", Some("k1"));
        let a = fingerprint(&post, serde_json::json!({"title": "t", "priority": "high"}));
        assert!(a.is_some());
        let reordered = serde_json::from_str(r#"{"priority": "high", "title": "t"}"#).unwrap_or_default();
        assert_eq!(a, fingerprint(&post, reordered), "JSON key order does not matter");
        assert_ne!(a, fingerprint(&post, serde_json::json!({"title": "u", "priority": "high"})), "the body does");
        let elsewhere = create(Method::POST, "/api/v1/tasks/1/comments", Some("k1"));
        assert_ne!(a, fingerprint(&elsewhere, serde_json::json!({"title": "t", "priority": "high"})), "the path does");
        let put = create(Method::PUT, "/api/v1/tasks", Some("k1"));
        assert_ne!(a, fingerprint(&put, serde_json::json!({"title": "t", "priority": "high"})), "the method does");
        assert_eq!(a.map(|f| f.len()), Some(32), "SHA-256");
    }

    #[test]
    fn a_body_that_does_not_fit_the_request_type_names_the_body() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Wants {
            title: String,
        }
        let req = create(actix_web::http::Method::POST, "/api/v1/tasks", None);
        let e = idempotent::<Wants>(&req, serde_json::json!({"name": "x"})).err();
        assert!(matches!(e, Some(ApiError::Validation(ref f)) if f[0].field == "body"));
    }

    #[test]
    fn a_replay_says_so_and_keeps_status_location_and_etag() {
        let resp = replay(Stored {
            status: 201,
            body: serde_json::json!({"id": 1}),
            location: Some("/api/v1/tasks/1".into()),
            etag: Some(etag(1)),
        });
        assert_eq!(resp.status().as_u16(), 201);
        assert_eq!(resp.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
        assert_eq!(resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()), Some("/api/v1/tasks/1"));
        assert_eq!(resp.headers().get(ETAG).and_then(|v| v.to_str().ok()), Some("\"v1\""));
    }

    #[test]
    fn a_replay_without_a_version_sends_no_etag() {
        let resp = replay(Stored { status: 201, body: serde_json::json!({}), location: None, etag: None });
        assert!(resp.headers().get(ETAG).is_none());
        assert!(resp.headers().get(LOCATION).is_none());
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // only whether it parses matters
    struct Bounded {
        #[serde(deserialize_with = "at_most::<_, 4>")]
        code: String,
        #[serde(default, deserialize_with = "optional_at_most::<_, 4>")]
        maybe: Option<String>,
        #[serde(default, deserialize_with = "optional_secret_at_most::<_, 4>")]
        secret: Option<SecretString>,
        #[serde(default, deserialize_with = "items_at_most::<_, _, 2>")]
        list: Vec<u8>,
    }

    /// Lengths count characters, not bytes; the bound itself is allowed.
    #[rstest::rstest]
    #[case::short(r#"{"code":"ab"}"#, true)]
    #[case::at_the_bound(r#"{"code":"abcd"}"#, true)]
    #[case::multibyte_at_the_bound(r#"{"code":"äöüß"}"#, true)]
    #[case::over(r#"{"code":"abcde"}"#, false)]
    #[case::optional_absent(r#"{"code":"a"}"#, true)]
    #[case::optional_null(r#"{"code":"a","maybe":null}"#, true)]
    #[case::optional_over(r#"{"code":"a","maybe":"abcde"}"#, false)]
    #[case::secret_at_the_bound(r#"{"code":"a","secret":"wxyz"}"#, true)]
    #[case::secret_over(r#"{"code":"a","secret":"vwxyz"}"#, false)]
    #[case::list_at_the_bound(r#"{"code":"a","list":[1,2]}"#, true)]
    #[case::list_over(r#"{"code":"a","list":[1,2,3]}"#, false)]
    fn bounded_fields(#[case] body: &str, #[case] ok: bool) {
        let parsed = serde_json::from_str::<Bounded>(body);
        assert_eq!(parsed.is_ok(), ok, "{body}: {parsed:?}");
        if let Err(e) = parsed {
            assert!(e.to_string().contains("longer than"), "{e}");
        }
    }
}
