//! `Accept` negotiation (RFC 9110 §12.5.1): which of the media types an
//! operation can answer with the client prefers, honouring q-values and the
//! most specific matching range.

/// One media range of an `Accept` header: `type/subtype` (either may be `*`)
/// and its quality in thousandths.
#[derive(Debug, PartialEq)]
struct Range<'a> {
    kind: &'a str,
    subtype: &'a str,
    quality: u16,
}

impl Range<'_> {
    /// How specifically this range names `media` (`None`: not at all):
    /// `*/*` < `text/*` < `text/csv`.
    fn specificity(&self, kind: &str, subtype: &str) -> Option<u8> {
        match (self.kind, self.subtype) {
            ("*", "*") => Some(0),
            (k, "*") if k.eq_ignore_ascii_case(kind) => Some(1),
            (k, s) if k.eq_ignore_ascii_case(kind) && s.eq_ignore_ascii_case(subtype) => Some(2),
            _ => None,
        }
    }
}

/// A q-value: `0`, `1`, or up to three decimals (`0.5`, `0.125`); anything
/// else is not one, and the range it sits on is ignored.
fn quality(raw: &str) -> Option<u16> {
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

fn ranges(accept: &str) -> Vec<Range<'_>> {
    accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let (kind, subtype) = parts.next()?.trim().split_once('/')?;
            if kind.is_empty() || subtype.is_empty() || (kind == "*" && subtype != "*") {
                return None;
            }
            let mut q = 1000;
            for param in parts {
                let (name, value) = param.trim().split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    q = quality(value.trim())?;
                }
            }
            Some(Range { kind: kind.trim(), subtype: subtype.trim(), quality: q })
        })
        .collect()
}

/// The type from `available` (in the server's order of preference) the
/// client prefers; `None` when it accepts none of them (a 406). No header,
/// or one with no range we can read, accepts anything.
pub fn choose<'a>(accept: Option<&str>, available: &[&'a str]) -> Option<&'a str> {
    let parsed = accept.map(ranges).unwrap_or_default();
    if parsed.is_empty() {
        return available.first().copied();
    }
    let mut best: Option<(&'a str, u16)> = None;
    for media in available {
        // The server's own types may carry parameters (`; version=0.0.4`).
        let essence = media.split(';').next().unwrap_or_default().trim();
        let Some((kind, subtype)) = essence.split_once('/') else { continue };
        // The most specific range that names the type decides its quality.
        let q = parsed
            .iter()
            .filter_map(|r| r.specificity(kind, subtype).map(|s| (s, r.quality)))
            .max_by_key(|(s, _)| *s)
            .map_or(0, |(_, q)| q);
        if q > 0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((media, q));
        }
    }
    best.map(|(media, _)| media)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &[&str] = &["application/json", "text/csv"];

    #[rstest::rstest]
    #[case::no_header(None, Some("application/json"))]
    #[case::empty_header(Some(""), Some("application/json"))]
    #[case::anything(Some("*/*"), Some("application/json"))]
    #[case::json(Some("application/json"), Some("application/json"))]
    #[case::csv(Some("text/csv"), Some("text/csv"))]
    #[case::csv_with_charset(Some("text/csv; charset=utf-8"), Some("text/csv"))]
    #[case::case_insensitive(Some("Text/CSV"), Some("text/csv"))]
    #[case::q_values_decide(Some("text/csv;q=0.5, application/json"), Some("application/json"))]
    #[case::q_values_decide_the_other_way(Some("text/csv, application/json;q=0.5"), Some("text/csv"))]
    #[case::ties_go_to_the_servers_order(Some("text/csv, application/json"), Some("application/json"))]
    #[case::wildcard_subtype(Some("text/*"), Some("text/csv"))]
    #[case::specific_beats_wildcard(Some("text/*;q=0.9, text/csv;q=0.1, */*;q=0.5"), Some("application/json"))]
    #[case::zero_refuses(Some("application/json;q=0, text/csv"), Some("text/csv"))]
    #[case::zero_refuses_everything(Some("*/*;q=0"), None)]
    #[case::unservable(Some("application/xml"), None)]
    #[case::unservable_list(Some("application/xml, text/html"), None)]
    #[case::browser_navigation(
        Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        Some("application/json")
    )]
    #[case::spaces_everywhere(Some("  text/csv ; q = 0.7 ,application/json ; q=0.6 "), Some("text/csv"))]
    #[case::three_decimals(Some("text/csv;q=0.001, application/json;q=0"), Some("text/csv"))]
    #[case::bad_q_ignores_the_range(Some("text/csv;q=2, application/json;q=0.1"), Some("application/json"))]
    #[case::garbage_is_no_header(Some("garbage"), Some("application/json"))]
    #[case::star_subtype_only_is_not_a_range(Some("*/csv"), Some("application/json"))]
    fn report_negotiation(#[case] accept: Option<&str>, #[case] chosen: Option<&str>) {
        assert_eq!(choose(accept, REPORT), chosen);
    }

    #[rstest::rstest]
    #[case::one("1", Some(1000))]
    #[case::one_point_zero("1.000", Some(1000))]
    #[case::zero("0", Some(0))]
    #[case::half("0.5", Some(500))]
    #[case::thousandth("0.001", Some(1))]
    #[case::above_one("1.5", None)]
    #[case::four_decimals("0.1234", None)]
    #[case::negative("-0.5", None)]
    #[case::empty("", None)]
    #[case::letters("0.x", None)]
    fn q_values(#[case] raw: &str, #[case] q: Option<u16>) {
        assert_eq!(quality(raw), q);
    }

    #[test]
    fn prometheus_gets_its_text_format() {
        let metrics = &["text/plain; version=0.0.4; charset=utf-8"];
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;\
                          q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(choose(Some(prometheus), metrics), Some(metrics[0]));
        assert_eq!(choose(Some("application/json"), metrics), None);
    }

    #[test]
    fn json_only_operations_answer_json_or_nothing() {
        let json = &["application/json"];
        assert_eq!(choose(Some("application/*"), json), Some("application/json"));
        assert_eq!(choose(Some("text/csv"), json), None);
        assert_eq!(choose(Some("application/problem+json"), json), None);
    }
}
