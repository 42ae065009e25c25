//! Opaque keyset cursors: base64url of a small JSON document naming the sort
//! it belongs to, so a cursor reused with another sort is refused.

use actix_web::http::header::{HeaderName, LINK};
use actix_web::{HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::tasks::SortKey;
use crate::domain::task::Limit;
use crate::error::ApiError;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Payload {
    /// Which ordering the cursor continues, e.g. `-created_at` or `comments`.
    s: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<i32>,
    /// A text key (a name), for lists ordered by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<String>,
    id: Uuid,
}

const MAX_CURSOR: usize = 1024;

fn encode(p: &Payload) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(p).unwrap_or_default())
}

fn decode(raw: &str, ordering: &str) -> Result<Payload, ApiError> {
    let invalid = || ApiError::validation("cursor", "is not a cursor this list issued");
    // The document's maxLength; ours are a few hundred characters at most.
    if raw.len() > MAX_CURSOR {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    let p: Payload = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if p.s != ordering {
        return Err(ApiError::validation("cursor", "belongs to a different sort order"));
    }
    // A hand-made cursor may carry any instant chrono can hold; Postgres
    // cannot compare the extreme ones, and no row of ours is there.
    if p.t.is_some_and(|t| !(1..=9999).contains(&t.year())) {
        return Err(invalid());
    }
    Ok(p)
}

pub fn encode_sort_key(ordering: &str, key: &SortKey, id: Uuid) -> String {
    let (t, r) = match key {
        SortKey::Time(t) => (Some(*t), None),
        SortKey::Rank(r) => (None, Some(*r)),
    };
    encode(&Payload { s: ordering.into(), t, r, k: None, id })
}

pub fn decode_sort_key(raw: &str, ordering: &str) -> Result<(SortKey, Uuid), ApiError> {
    let p = decode(raw, ordering)?;
    match (p.t, p.r) {
        (Some(t), None) => Ok((SortKey::Time(t), p.id)),
        (None, Some(r)) => Ok((SortKey::Rank(r), p.id)),
        _ => Err(ApiError::validation("cursor", "is not a cursor this list issued")),
    }
}

pub fn encode_time(ordering: &str, t: DateTime<Utc>, id: Uuid) -> String {
    encode(&Payload { s: ordering.into(), t: Some(t), r: None, k: None, id })
}

pub fn decode_time(raw: &str, ordering: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let p = decode(raw, ordering)?;
    p.t.map(|t| (t, p.id)).ok_or_else(|| ApiError::validation("cursor", "is not a cursor this list issued"))
}

/// A cursor for a list ordered by an optional rank, then a name, then an id
/// (teams by name; members by role, then name).
pub fn encode_named(ordering: &str, rank: Option<i32>, name: &str, id: Uuid) -> String {
    encode(&Payload { s: ordering.into(), t: None, r: rank, k: Some(name.to_owned()), id })
}

pub fn decode_named(raw: &str, ordering: &str) -> Result<(Option<i32>, String, Uuid), ApiError> {
    let p = decode(raw, ordering)?;
    match (p.t, p.k) {
        (None, Some(k)) => Ok((p.r, k, p.id)),
        _ => Err(ApiError::validation("cursor", "is not a cursor this list issued")),
    }
}

/// A cursor for a list ordered by a calendar day, then an id (rates by
/// `effective_from`, locks by `until`).
pub fn encode_day(ordering: &str, day: chrono::NaiveDate, id: Uuid) -> String {
    encode_named(ordering, None, &day.to_string(), id)
}

pub fn decode_day(raw: &str, ordering: &str) -> Result<(chrono::NaiveDate, Uuid), ApiError> {
    let (_, day, id) = decode_named(raw, ordering)?;
    let day = day.parse().map_err(|_| ApiError::validation("cursor", "is not a cursor this list issued"))?;
    Ok((day, id))
}

/// `?limit=&cursor=`: the paging parameters of a list with no filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(pattern = r"^[A-Za-z0-9_-]+$", max_length = 1024)]
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page's length, from `limit`.
    pub fn limit(&self) -> Result<i64, ApiError> {
        Limit::parse(self.limit).map(|l| l.0).map_err(|m| ApiError::validation("limit", m))
    }
}

/// `Link: <…>; rel="next"` (RFC 8288) for a page with a next one: the
/// request's own path and query with `cursor` replaced, so a client can
/// follow links without knowing the parameters.
pub fn next_link(req: &HttpRequest, next: Option<&str>) -> Option<(HeaderName, String)> {
    let next = next?;
    let mut pairs: Vec<(String, String)> = serde_html_form::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor");
    pairs.push(("cursor".into(), next.into()));
    let query = serde_html_form::to_string(&pairs).ok()?;
    Some((LINK, format!("<{}?{query}>; rel=\"next\"", req.path())))
}

/// A page's 200: the body, with `Link` when there is a next page.
pub fn respond<T: Serialize>(req: &HttpRequest, next: Option<&str>, body: &T) -> HttpResponse {
    let mut resp = HttpResponse::Ok();
    if let Some(link) = next_link(req, next) {
        resp.insert_header(link);
    }
    resp.json(body)
}

/// Lists are fetched with `limit + 1` rows: keeps `limit`, and when there
/// were more, returns the cursor that continues after the last one kept.
pub fn page<T>(mut rows: Vec<T>, limit: i64, cursor_after: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let next = if more { rows.last().map(cursor_after) } else { None };
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_cursor_round_trips_and_a_name_is_not_a_day() {
        let id = Uuid::now_v7();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        assert_eq!(decode_day(&encode_day("rates", day, id), "rates").ok(), Some((day, id)));
        assert!(decode_day(&encode_day("rates", day, id), "time_locks").is_err(), "another list's cursor");
        assert!(decode_day(&encode_named("rates", None, "Platform", id), "rates").is_err());
    }

    #[test]
    fn page_trims_the_extra_row_and_points_after_the_last_kept() {
        assert_eq!(page(vec![1, 2, 3], 2, |n| n.to_string()), (vec![1, 2], Some("2".into())));
        assert_eq!(page(vec![1, 2], 2, |n| n.to_string()), (vec![1, 2], None));
    }

    #[test]
    fn sort_key_cursors_round_trip_and_are_bound_to_their_ordering() {
        let id = Uuid::new_v4();
        let c = encode_sort_key("-priority", &SortKey::Rank(3), id);
        assert!(matches!(decode_sort_key(&c, "-priority"), Ok((SortKey::Rank(3), i)) if i == id));
        assert!(decode_sort_key(&c, "priority").is_err());
        assert!(decode_sort_key("not base64 !", "priority").is_err());
        assert!(decode_sort_key(&URL_SAFE_NO_PAD.encode(b"{}"), "priority").is_err());
    }

    #[test]
    fn cursors_with_instants_postgres_cannot_hold_are_refused() -> Result<(), serde_json::Error> {
        let id = Uuid::new_v4();
        for raw in ["+200000-01-01T00:00:00Z", "-4000-01-01T00:00:00Z", "0000-12-31T23:59:59Z"] {
            // The instant itself is one chrono reads: only the bound refuses it.
            let t: DateTime<Utc> = serde_json::from_str(&format!("\"{raw}\""))?;
            let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&Payload {
                s: "-created_at".into(),
                t: Some(t),
                r: None,
                k: None,
                id,
            })?);
            assert!(decode_time(&forged, "-created_at").is_err(), "{raw}");
        }
        let last: DateTime<Utc> = serde_json::from_str("\"9999-12-31T00:00:00Z\"")?;
        assert!(decode_time(&encode_time("-created_at", last, id), "-created_at").is_ok());
        Ok(())
    }

    fn id() -> Uuid {
        Uuid::from_u128(0x0194_f2a8_7d1e_7c3a_9b1f_2a6c_0e4d_5f60)
    }

    #[rstest::rstest]
    #[case::created("-created_at", SortKey::Time(DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()))]
    #[case::due("due_at", SortKey::Time(DateTime::from_timestamp(0, 0).unwrap_or_default()))]
    #[case::priority("-priority", SortKey::Rank(4))]
    #[case::rank_zero("priority", SortKey::Rank(0))]
    fn sort_key_cursors_round_trip(#[case] ordering: &str, #[case] key: SortKey) {
        let c = encode_sort_key(ordering, &key, id());
        assert!(c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "url-safe: {c}");
        let (back, back_id) = decode_sort_key(&c, ordering).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back_id, id());
        assert_eq!(format!("{back:?}"), format!("{key:?}"));
    }

    #[rstest::rstest]
    #[case::not_base64("%%%")]
    #[case::base64_of_garbage("bm90IGpzb24")]
    #[case::empty("")]
    #[case::over_the_declared_length(&"A".repeat(1025))]
    #[case::json_without_id("eyJzIjoiY29tbWVudHMifQ")]
    fn malformed_cursors_are_a_422_on_cursor(#[case] raw: &str) {
        let e = decode_time(raw, "comments").err();
        assert!(matches!(e, Some(ApiError::Validation(ref f)) if f[0].field == "cursor"), "{raw}");
    }

    #[test]
    fn a_time_cursor_is_no_rank_cursor_and_the_reverse() {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let time = encode_time("-priority", t, id());
        assert!(decode_sort_key(&time, "-priority").is_ok(), "a time cursor for a time key decodes");
        let rank = encode_sort_key("-priority", &SortKey::Rank(2), id());
        assert!(decode_time(&rank, "-priority").is_err(), "a rank cursor carries no time");
    }

    #[rstest::rstest]
    #[case::fewer_than_limit(3, 5, 3, false)]
    #[case::exactly_limit(5, 5, 5, false)]
    #[case::one_more(6, 5, 5, true)]
    #[case::empty(0, 5, 0, false)]
    #[case::zero_limit(2, 0, 0, false)]
    fn pages(#[case] rows: usize, #[case] limit: i64, #[case] kept: usize, #[case] has_next: bool) {
        let (page, next) = page((0..rows).collect::<Vec<_>>(), limit, |r| format!("after {r}"));
        assert_eq!(page.len(), kept);
        assert_eq!(next.is_some(), has_next);
        if has_next {
            assert_eq!(next, Some(format!("after {}", kept - 1)), "points after the last row kept");
        }
    }

    fn link(uri: &str, next: Option<&str>) -> Option<String> {
        let req = actix_web::test::TestRequest::with_uri(uri).to_http_request();
        next_link(&req, next).map(|(name, value)| {
            assert_eq!(name, LINK);
            value
        })
    }

    /// RFC 8288 `rel="next"`: the same list with the cursor replaced, other
    /// parameters (repeated ones too) kept in order and re-encoded.
    #[rstest::rstest]
    #[case::no_query("/api/v1/teams", "abc", "</api/v1/teams?cursor=abc>; rel=\"next\"")]
    #[case::keeps_filters(
        "/api/v1/tasks?status=todo&status=done&limit=2",
        "abc",
        "</api/v1/tasks?status=todo&status=done&limit=2&cursor=abc>; rel=\"next\""
    )]
    #[case::replaces_the_cursor(
        "/api/v1/tasks?cursor=old&limit=2",
        "new",
        "</api/v1/tasks?limit=2&cursor=new>; rel=\"next\""
    )]
    #[case::re_encodes(
        "/api/v1/time-entries?from=2026-11-01T00%3A00%3A00%2B01%3A00",
        "n",
        "</api/v1/time-entries?from=2026-11-01T00%3A00%3A00%2B01%3A00&cursor=n>; rel=\"next\""
    )]
    fn next_links(#[case] uri: &str, #[case] next: &str, #[case] expected: &str) {
        assert_eq!(link(uri, Some(next)).as_deref(), Some(expected));
    }

    #[test]
    fn the_last_page_has_no_link() {
        assert_eq!(link("/api/v1/tasks?limit=2", None), None);
    }

    #[rstest::rstest]
    #[case::team(None, "Platform")]
    #[case::member(Some(2), "Ada Lovelace")]
    #[case::unicode(Some(0), "Zoë \u{1F600}")]
    fn named_cursors_round_trip(#[case] rank: Option<i32>, #[case] name: &str) {
        let c = encode_named("members", rank, name, id());
        let (r, n, i) = decode_named(&c, "members").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r, n.as_str(), i), (rank, name, id()));
        assert!(decode_named(&c, "teams").is_err(), "bound to its ordering");
    }

    #[test]
    fn a_time_cursor_is_no_named_cursor() {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        assert!(decode_named(&encode_time("teams", t, id()), "teams").is_err());
        assert!(decode_time(&encode_named("teams", None, "x", id()), "teams").is_err());
    }
}
