//! Money: ISO 4217 currencies and hourly rates in whole minor units, never
//! floats.

use chrono::NaiveDate;

/// A currency one bills in: a current ISO 4217 code with minor units, not a
/// fund (BOV), a special drawing right or metal (XDR, XAU), a test code
/// (XTS) or a superseded one (VES, now VED).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, String> {
        // The code list is exact: `eur` and `EURO` are not in it.
        let refused = || format!("`{raw}` is not an ISO 4217 currency one bills in, e.g. EUR, USD or JPY");
        let currency = iso_currency::Currency::from_code(raw).ok_or_else(refused)?;
        let billable = !currency.is_fund()
            && !currency.is_special()
            && currency.is_superseded().is_none()
            && currency.exponent().is_some();
        billable.then_some(Self(currency)).ok_or_else(refused)
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> u16 {
        self.0.exponent().unwrap_or(0)
    }
}

/// Per hour, in the currency's minor units (9500 = 95.00 EUR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourlyRate(i64);

impl HourlyRate {
    /// A billion major units an hour is not a rate anyone bills; the bound
    /// keeps a year of such hours inside a 64-bit sum.
    pub const MAX: i64 = 100_000_000_000;

    /// From the JSON number as sent: whole minor units only, so 95.50 EUR
    /// is 9550, and `95.5` is refused rather than rounded.
    pub fn parse(raw: &serde_json::Number) -> Result<Self, String> {
        let Some(minor) = raw.as_i64() else {
            let whole_but_too_big = raw.is_u64() || raw.as_f64().is_some_and(|f| f.abs() > Self::MAX as f64);
            return Err(if whole_but_too_big {
                format!("must be at most {}", Self::MAX)
            } else {
                "must be whole minor units (cents) written as an integer: 9550 for 95.50".to_owned()
            });
        };
        if minor < 0 {
            return Err("must not be negative".into());
        }
        if minor > Self::MAX {
            return Err(format!("must be at most {}", Self::MAX));
        }
        Ok(Self(minor))
    }

    pub fn minor_units(self) -> i64 {
        self.0
    }
}

/// A rate to add: for the team (neither id), a member, a task, or a member
/// on a task, from a day on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRate {
    pub hourly_rate: HourlyRate,
    pub currency: Currency,
    pub effective_from: NaiveDate,
    pub user_id: Option<uuid::Uuid>,
    pub task_id: Option<uuid::Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("EUR", Ok(("EUR", 2)))]
    #[case("JPY", Ok(("JPY", 0)))]
    #[case("KWD", Ok(("KWD", 3)))]
    #[case("eur", Err(()))]
    #[case("EURO", Err(()))]
    #[case("ZZZ", Err(()))]
    #[case("XTS", Err(()))]
    #[case("XAU", Err(()))]
    #[case("XDR", Err(()))]
    #[case("BOV", Err(()))]
    #[case("VES", Err(()))]
    #[case("", Err(()))]
    fn currencies(#[case] raw: &str, #[case] expected: Result<(&str, u16), ()>) {
        let got = Currency::parse(raw);
        match expected {
            Ok((code, exponent)) => assert_eq!(got.map(|c| (c.code(), c.exponent())), Ok((code, exponent))),
            Err(()) => assert!(got.is_err_and(|m| m.contains("ISO 4217") && m.contains(raw)), "{raw}"),
        }
    }

    #[rstest]
    #[case("9550", Ok(9550))]
    #[case("0", Ok(0))]
    #[case("100000000000", Ok(HourlyRate::MAX))]
    #[case("100000000001", Err("at most"))]
    #[case("18446744073709551615", Err("at most"))]
    #[case("-1", Err("negative"))]
    #[case("95.5", Err("whole minor units"))]
    #[case("9550.0", Err("whole minor units"))]
    #[case("1e3", Err("whole minor units"))]
    #[case("1e300", Err("at most"))]
    #[case::the_bound_written_as_a_float("100000000000.0", Err("whole minor units"))]
    #[case("-0.5", Err("whole minor units"))]
    fn hourly_rates(#[case] json: &str, #[case] expected: Result<i64, &str>) {
        let number: serde_json::Number = serde_json::from_str(json).unwrap_or_else(|_| serde_json::Number::from(0));
        let got = HourlyRate::parse(&number).map(HourlyRate::minor_units);
        match expected {
            Ok(minor) => assert_eq!(got, Ok(minor)),
            Err(why) => assert!(got.as_ref().is_err_and(|m| m.contains(why)), "{json}: {got:?}"),
        }
    }
}
