//! Opaque keyset cursors: base64url of a small JSON document naming the sort
//! it belongs to, so a cursor reused with another sort is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::tasks::SortKey;
use crate::error::ApiError;

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Payload {
    /// Which ordering the cursor continues, e.g. `-created_at` or `comments`.
    s: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<i32>,
    id: Uuid,
}

fn encode(p: &Payload) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(p).unwrap_or_default())
}

fn decode(raw: &str, ordering: &str) -> Result<Payload, ApiError> {
    let invalid = || ApiError::validation("cursor", "is not a cursor this list issued");
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
    encode(&Payload { s: ordering.into(), t, r, id })
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
    encode(&Payload { s: ordering.into(), t: Some(t), r: None, id })
}

pub fn decode_time(raw: &str, ordering: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let p = decode(raw, ordering)?;
    p.t.map(|t| (t, p.id)).ok_or_else(|| ApiError::validation("cursor", "is not a cursor this list issued"))
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
}
