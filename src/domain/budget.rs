//! Budgets: a limit on a team's or a task's time and/or billable amount,
//! over its lifetime or per calendar month, and how much of it is used.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetPeriod {
    Lifetime,
    /// Each calendar month (an entry counts in the month it starts in, in
    /// its tracker's zone).
    Monthly,
}

impl BudgetPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetPeriod::Lifetime => "lifetime",
            BudgetPeriod::Monthly => "monthly",
        }
    }
}

impl std::str::FromStr for BudgetPeriod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lifetime" => Ok(Self::Lifetime),
            "monthly" => Ok(Self::Monthly),
            other => Err(format!("unknown period '{other}'; use lifetime or monthly")),
        }
    }
}

/// What a budget limits: seconds, an amount in minor units, or both; each
/// positive and whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetLimit {
    seconds: Option<i64>,
    amount: Option<i64>,
}

impl BudgetLimit {
    pub const MAX_SECONDS: i64 = 100_000_000_000;
    pub const MAX_AMOUNT: i64 = 100_000_000_000_000;

    /// From the JSON numbers as sent; the error names its field.
    pub fn parse(
        seconds: Option<&serde_json::Number>,
        amount: Option<&serde_json::Number>,
    ) -> Result<Self, (&'static str, String)> {
        let seconds = seconds.map(|n| Self::part("seconds", n)).transpose()?;
        let amount = amount.map(|n| Self::part("amount", n)).transpose()?;
        if seconds.is_none() && amount.is_none() {
            return Err(("seconds", "name seconds, amount or both: what the budget limits".into()));
        }
        Ok(Self { seconds, amount })
    }

    /// One limit, `seconds` or `amount`: a positive whole number up to its
    /// maximum.
    pub fn part(field: &'static str, n: &serde_json::Number) -> Result<i64, (&'static str, String)> {
        let max = if field == "amount" { Self::MAX_AMOUNT } else { Self::MAX_SECONDS };
        let v = n.as_i64().ok_or_else(|| {
            (
                field,
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f > 0.0 => format!("must be at most {max}"),
                    _ => "must be a whole number: seconds, or minor units (cents) of the team's currency".to_owned(),
                },
            )
        })?;
        if v <= 0 {
            return Err((field, "must be positive".into()));
        }
        if v > max {
            return Err((field, format!("must be at most {max}")));
        }
        Ok(v)
    }

    /// As stored (the database's check holds the same rules).
    pub fn from_stored(seconds: Option<i64>, amount: Option<i64>) -> Self {
        Self { seconds, amount }
    }

    pub fn seconds(self) -> Option<i64> {
        self.seconds
    }

    pub fn amount(self) -> Option<i64> {
        self.amount
    }
}

/// A budget's use in its current period, against its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Usage {
    pub used_seconds: i64,
    pub used_amount: i64,
    /// Limit minus use; negative once over (a soft budget lets time past).
    pub remaining_seconds: Option<i64>,
    pub remaining_amount: Option<i64>,
    /// The larger of the limits' shares used, in whole percent, rounded
    /// down (100 means used up; more, over).
    pub percent: i64,
}

impl Usage {
    pub fn of(limit: BudgetLimit, used_seconds: i64, used_amount: i64) -> Self {
        // i128: a share of the largest limit, times 100, stays exact.
        let share = |used: i64, of: i64| (i128::from(used) * 100 / i128::from(of.max(1))) as i64;
        let percent = [limit.seconds.map(|s| share(used_seconds, s)), limit.amount.map(|a| share(used_amount, a))]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0);
        Self {
            used_seconds,
            used_amount,
            remaining_seconds: limit.seconds.map(|s| s - used_seconds),
            remaining_amount: limit.amount.map(|a| a - used_amount),
            percent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: serde_json::Value) -> serde_json::Number {
        match v {
            serde_json::Value::Number(n) => n,
            _ => serde_json::Number::from(0),
        }
    }

    #[test]
    fn limits_are_positive_whole_numbers_and_at_least_one() {
        let ok = BudgetLimit::parse(Some(&n(serde_json::json!(36_000))), None);
        assert_eq!(ok.map(|l| (l.seconds(), l.amount())), Ok((Some(36_000), None)));
        let both = BudgetLimit::parse(Some(&n(serde_json::json!(1))), Some(&n(serde_json::json!(500_000))));
        assert_eq!(both.map(|l| (l.seconds(), l.amount())), Ok((Some(1), Some(500_000))));
        assert_eq!(BudgetLimit::parse(None, None).map_err(|e| e.0), Err("seconds"));
        assert_eq!(BudgetLimit::parse(Some(&n(serde_json::json!(0))), None).map_err(|e| e.0), Err("seconds"));
        assert_eq!(BudgetLimit::parse(None, Some(&n(serde_json::json!(-5)))).map_err(|e| e.0), Err("amount"));
        let fraction = BudgetLimit::parse(None, Some(&n(serde_json::json!(10.5))));
        assert!(fraction.is_err_and(|e| e.0 == "amount" && e.1.contains("whole")));
        let max = BudgetLimit::parse(Some(&n(serde_json::json!(BudgetLimit::MAX_SECONDS))), None);
        assert!(max.is_ok());
        let over = BudgetLimit::parse(Some(&n(serde_json::json!(BudgetLimit::MAX_SECONDS + 1))), None);
        assert!(over.is_err_and(|e| e.1.contains("at most")));
        let huge = BudgetLimit::parse(None, Some(&n(serde_json::json!(1e30))));
        assert!(huge.is_err_and(|e| e.1.contains("at most")));
        let max_amount = BudgetLimit::parse(None, Some(&n(serde_json::json!(BudgetLimit::MAX_AMOUNT))));
        assert!(max_amount.is_ok());
        let over_amount = BudgetLimit::parse(None, Some(&n(serde_json::json!(BudgetLimit::MAX_AMOUNT + 1))));
        assert!(over_amount.is_err());
    }

    #[test]
    fn usage_is_the_larger_share_rounded_down() {
        let hours = BudgetLimit::from_stored(Some(3600), None);
        assert_eq!(Usage::of(hours, 0, 0).percent, 0);
        assert_eq!(Usage::of(hours, 1799, 0).percent, 49);
        assert_eq!(Usage::of(hours, 3600, 0).percent, 100);
        let over = Usage::of(hours, 5400, 0);
        assert_eq!((over.percent, over.remaining_seconds, over.remaining_amount), (150, Some(-1800), None));
        let both = BudgetLimit::from_stored(Some(36_000), Some(10_000));
        let u = Usage::of(both, 3600, 9_000);
        assert_eq!((u.percent, u.remaining_seconds, u.remaining_amount), (90, Some(32_400), Some(1_000)));
        assert_eq!(Usage::of(both, 36_000, 1).percent, 100, "the time is the larger share");
        let max = BudgetLimit::from_stored(None, Some(BudgetLimit::MAX_AMOUNT));
        assert_eq!(Usage::of(max, 0, BudgetLimit::MAX_AMOUNT).percent, 100, "no overflow");
    }

    #[test]
    fn periods_round_trip() {
        for p in [BudgetPeriod::Lifetime, BudgetPeriod::Monthly] {
            assert_eq!(p.as_str().parse::<BudgetPeriod>(), Ok(p));
        }
        assert!("weekly".parse::<BudgetPeriod>().is_err());
    }
}
