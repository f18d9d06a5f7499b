//! Richness from the rubric (SPEC §5): the reviewer scores each indicator of the 成效評估檢核表
//! (0 … the rubric's maximum), and the indicator scores are scaled to the criterion's points.
//!
//! The result is rounded half up to two decimals because that is what a score is everywhere
//! else: the `allocate` scores files and the score store take at most two decimal places. The
//! arithmetic is done in integer hundredths, so the rounding is exact (no decimal division
//! rounded twice).

use std::fmt;

use rust_decimal::Decimal;

/// Why indicator scores cannot be scaled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RubricError {
    /// The rubric settings themselves are unusable: no indicators, a maximum of 0 or less, or
    /// negative points.
    BadRubric { indicators: usize, max_per_indicator: i64, points: i64 },
    /// Not one score per indicator.
    WrongCount { expected: usize, found: usize },
    /// An indicator's score (1-based `indicator`) is below 0 or above the maximum.
    OutOfRange { indicator: usize, value: Decimal, max: i64 },
    /// An indicator's score has more than two decimal places.
    TooManyDecimals { indicator: usize, value: Decimal },
}

/// The richness score: `sum / (indicators × max_per_indicator) × points`, rounded half up to two
/// decimals. `scores` are the reviewer's indicator scores, in rubric order, each 0 …
/// `max_per_indicator` with at most two decimal places (trailing zeros do not count: 7.500
/// is 7.5).
///
/// With the 111 plan (8 indicators of 0-10, richness 50), scores adding up to 61 give
/// 61 / 80 × 50 = 38.125 → 38.13.
///
/// # Errors
///
/// The first problem, in indicator order: see [`RubricError`].
pub fn richness(
    scores: &[Decimal],
    indicators: usize,
    max_per_indicator: i64,
    points: i64,
) -> Result<Decimal, RubricError> {
    if indicators == 0 || max_per_indicator <= 0 || points < 0 {
        return Err(RubricError::BadRubric { indicators, max_per_indicator, points });
    }
    if scores.len() != indicators {
        return Err(RubricError::WrongCount { expected: indicators, found: scores.len() });
    }
    let mut sum: i128 = 0;
    for (i, &value) in scores.iter().enumerate() {
        sum += check_indicator(i + 1, value, max_per_indicator)?;
    }
    // hundredths of the result = sum × points / (n × max), rounded half up (all ≥ 0):
    // floor((2 × sum × points + d) / 2d).
    let too_large = || RubricError::BadRubric { indicators, max_per_indicator, points };
    let d = i128::try_from(indicators)
        .ok()
        .and_then(|n| n.checked_mul(i128::from(max_per_indicator)))
        .ok_or_else(too_large)?;
    let numerator = sum
        .checked_mul(i128::from(points))
        .and_then(|x| x.checked_mul(2))
        .and_then(|x| x.checked_add(d))
        .ok_or_else(too_large)?;
    let hundredths = numerator / (2 * d);
    Decimal::try_from_i128_with_scale(hundredths, 2).map_err(|_| too_large())
}

/// Checks one indicator's score (`indicator` is 1-based, for the message) and returns it in
/// hundredths. A form can call it per field to mark each one.
pub fn check_indicator(indicator: usize, value: Decimal, max_per_indicator: i64) -> Result<i128, RubricError> {
    let normal = value.normalize();
    if normal.scale() > 2 {
        return Err(RubricError::TooManyDecimals { indicator, value });
    }
    if normal.is_sign_negative() && !normal.is_zero() || normal > Decimal::from(max_per_indicator) {
        return Err(RubricError::OutOfRange { indicator, value, max: max_per_indicator });
    }
    Ok(normal.mantissa() * 10i128.pow(2 - normal.scale()))
}

/// Whether the reviewer's completeness score differs from the system's suggestion, which then
/// needs a reason (SPEC §5). Compares values exactly: 25 and 25.00 are the same.
pub fn completeness_differs(suggested: Decimal, given: Decimal) -> bool {
    suggested != given
}

impl RubricError {
    /// The problem in Traditional Chinese (zh-TW).
    pub fn message_zh(&self) -> String {
        match self {
            RubricError::BadRubric { indicators, max_per_indicator, points } => {
                format!("檢核表設定無法使用：{indicators} 項指標、每項滿分 {max_per_indicator}、配分 {points}。")
            }
            RubricError::WrongCount { expected, found } => {
                format!("檢核表有 {expected} 項指標，收到 {found} 項分數。")
            }
            RubricError::OutOfRange { indicator, value, max } => {
                format!("第 {indicator} 項指標的分數 {value} 須介於 0 與 {max} 之間。")
            }
            RubricError::TooManyDecimals { indicator, value } => {
                format!("第 {indicator} 項指標的分數 {value} 超過兩位小數。")
            }
        }
    }
}

impl fmt::Display for RubricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RubricError::BadRubric { indicators, max_per_indicator, points } => write!(
                f,
                "unusable rubric: {indicators} indicators of at most {max_per_indicator}, scaled to {points} points"
            ),
            RubricError::WrongCount { expected, found } => {
                write!(f, "the rubric has {expected} indicators, {found} scores were given")
            }
            RubricError::OutOfRange { indicator, value, max } => {
                write!(f, "indicator {indicator}: score {value} must be between 0 and {max}")
            }
            RubricError::TooManyDecimals { indicator, value } => {
                write!(f, "indicator {indicator}: score {value} has more than two decimal places")
            }
        }
    }
}

impl std::error::Error for RubricError {}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::plan::Plan;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn decs(v: &[&str]) -> Vec<Decimal> {
        v.iter().map(|s| dec(s)).collect()
    }

    #[test]
    fn the_plans_rubric_scaled_to_50() {
        let plan = Plan::builtin();
        let (n, max) = (plan.rubric.indicators.len(), plan.rubric.max_per_indicator);
        let points = plan.tracks["basic"].criteria["richness"].points;
        assert_eq!((n, max, points), (8, 10, 50));
        // 61 / 80 × 50 = 38.125 → 38.13 (half up).
        let scores = decs(&["8", "7", "9", "6", "8", "7", "8", "8"]);
        assert_eq!(richness(&scores, n, max, points).unwrap(), dec("38.13"));
        // All full, all zero.
        assert_eq!(richness(&[Decimal::from(10); 8], n, max, points).unwrap(), dec("50.00"));
        assert_eq!(richness(&[Decimal::ZERO; 8], n, max, points).unwrap(), dec("0.00"));
        // 61.5 / 80 × 50 = 38.4375 → 38.44; decimals in the indicators are fine.
        let scores = decs(&["8.5", "7", "9", "6", "8", "7", "8", "8.00"]);
        assert_eq!(richness(&scores, n, max, points).unwrap(), dec("38.44"));
        // 1 / 3 × 50 = 16.666… → 16.67; 2 / 3 × 25 = 16.666… → 16.67; 1/80 × 50 = 0.625 → 0.63.
        assert_eq!(richness(&decs(&["1", "0", "0"]), 3, 1, 50).unwrap(), dec("16.67"));
        assert_eq!(richness(&decs(&["1", "1", "0"]), 3, 1, 25).unwrap(), dec("16.67"));
        assert_eq!(richness(&decs(&["1", "0", "0", "0", "0", "0", "0", "0"]), 8, 10, 50).unwrap(), dec("0.63"));
    }

    #[test]
    fn problems_are_named() {
        let e = richness(&decs(&["1", "2"]), 8, 10, 50).unwrap_err();
        assert_eq!(e, RubricError::WrongCount { expected: 8, found: 2 });
        assert_eq!(e.message_zh(), "檢核表有 8 項指標，收到 2 項分數。");
        assert_eq!(e.to_string(), "the rubric has 8 indicators, 2 scores were given");

        let e = richness(&decs(&["1", "10.01", "-1"]), 3, 10, 50).unwrap_err();
        assert_eq!(e, RubricError::OutOfRange { indicator: 2, value: dec("10.01"), max: 10 });
        assert_eq!(e.message_zh(), "第 2 項指標的分數 10.01 須介於 0 與 10 之間。");
        assert_eq!(e.to_string(), "indicator 2: score 10.01 must be between 0 and 10");
        let e = richness(&decs(&["-0.5"]), 1, 10, 50).unwrap_err();
        assert!(matches!(e, RubricError::OutOfRange { indicator: 1, .. }));

        let e = richness(&decs(&["7.125", "1"]), 2, 10, 50).unwrap_err();
        assert_eq!(e, RubricError::TooManyDecimals { indicator: 1, value: dec("7.125") });
        assert_eq!(e.message_zh(), "第 1 項指標的分數 7.125 超過兩位小數。");
        assert_eq!(e.to_string(), "indicator 1: score 7.125 has more than two decimal places");
        // Trailing zeros are not decimals; a negative zero is zero.
        assert!(richness(&decs(&["7.500", "-0"]), 2, 10, 50).is_ok());

        let e = richness(&[], 0, 10, 50).unwrap_err();
        assert_eq!(e.to_string(), "unusable rubric: 0 indicators of at most 10, scaled to 50 points");
        assert_eq!(e.message_zh(), "檢核表設定無法使用：0 項指標、每項滿分 10、配分 50。");
        assert!(matches!(richness(&decs(&["1"]), 1, 0, 50), Err(RubricError::BadRubric { .. })));
        assert!(matches!(richness(&decs(&["1"]), 1, 10, -5), Err(RubricError::BadRubric { .. })));
        // Huge points stay exact: 1 / 10 × (2^63 − 1).
        assert_eq!(richness(&decs(&["1"]), 1, 10, i64::MAX).unwrap(), dec("922337203685477580.70"));
    }

    #[test]
    fn completeness_compares_values() {
        assert!(!completeness_differs(dec("25"), dec("25.00")));
        assert!(completeness_differs(dec("25"), dec("24.99")));
        assert!(completeness_differs(dec("12.5"), dec("12.51")));
    }
}
