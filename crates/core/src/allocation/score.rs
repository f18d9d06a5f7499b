//! [`Score`]: an exact, non-floating score (a fraction of points).
//!
//! Means of reviewers' scores are not decimals (the mean of 45.50, 30.30 and 42.00 is
//! 39.2666…), and `f64` gets ties between such means wrong. Every score the engine compares is
//! therefore kept as a fraction `numerator / denominator` of points, with `i128` parts, and
//! compared exactly. Only the displayed value is rounded (two decimals, half up).

use std::cmp::Ordering;
use std::fmt;

use rust_decimal::Decimal;

/// An exact score in points: `numerator / denominator`, denominator > 0.
///
/// The fraction is not necessarily in lowest terms (reducing costs divisions and is only done
/// when needed to stay in range), so equality and ordering are by value: `1/2 == 2/4`.
///
/// ```
/// use linxuan_core::allocation::Score;
/// let a = Score::mean_of_hundredths(4550 + 3030 + 4200, 3); // 45.50, 30.30, 42.00
/// let b = Score::mean_of_hundredths(3660 + 4410 + 3710, 3); // 36.60, 44.10, 37.10
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "39.27");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Score {
    num: i128,
    den: i128,
}

impl Score {
    /// Zero points.
    pub const ZERO: Score = Score { num: 0, den: 1 };

    /// A score of `hundredths / 100` points (8820 is 88.20).
    pub fn from_hundredths(hundredths: i128) -> Score {
        Score { num: hundredths, den: 100 }
    }

    /// The exact value of a decimal.
    pub fn from_decimal(value: Decimal) -> Score {
        Score { num: value.mantissa(), den: 10i128.pow(value.scale()) }
    }

    /// The fraction `numerator / denominator`.
    ///
    /// # Panics
    ///
    /// If `denominator` is 0 or `i128::MIN`.
    pub fn from_fraction(numerator: i128, denominator: i128) -> Score {
        assert!(denominator != 0, "a score's denominator must not be 0");
        if denominator < 0 {
            Score {
                num: numerator.checked_neg().expect("score out of range"),
                den: denominator.checked_neg().expect("score out of range"),
            }
        } else {
            Score { num: numerator, den: denominator }
        }
    }

    /// The mean of `count` scores whose sum is `sum_hundredths / 100` points; zero when
    /// `count` is 0.
    pub fn mean_of_hundredths(sum_hundredths: i128, count: u32) -> Score {
        if count == 0 {
            return Score::ZERO;
        }
        Score { num: sum_hundredths, den: 100 * i128::from(count) }
    }

    /// The numerator of the fraction (not necessarily in lowest terms).
    pub fn numerator(&self) -> i128 {
        self.num
    }

    /// The denominator of the fraction, always positive (not necessarily in lowest terms).
    pub fn denominator(&self) -> i128 {
        self.den
    }

    /// The same value in lowest terms.
    pub fn reduced(self) -> Score {
        let g = gcd(self.num.unsigned_abs(), self.den.unsigned_abs());
        if g <= 1 {
            return self;
        }
        // g divides both and is at most |den| ≤ i128::MAX, so the cast is lossless.
        let g = g as i128;
        Score { num: self.num / g, den: self.den / g }
    }

    /// The exact sum, or `None` if it cannot be represented with `i128` parts (far beyond any
    /// real selection: it needs the reviewer counts' least common multiple above ~10^30).
    pub fn checked_add(self, other: Score) -> Option<Score> {
        if self.den == other.den {
            return Some(Score { num: self.num.checked_add(other.num)?, den: self.den });
        }
        let quick = || -> Option<Score> {
            Some(Score {
                num: self.num.checked_mul(other.den)?.checked_add(other.num.checked_mul(self.den)?)?,
                den: self.den.checked_mul(other.den)?,
            })
        };
        if let Some(sum) = quick() {
            return Some(sum);
        }
        let (a, b) = (self.reduced(), other.reduced());
        let g = gcd(a.den.unsigned_abs(), b.den.unsigned_abs()) as i128;
        let (bd, dd) = (a.den / g, b.den / g);
        let den = a.den.checked_mul(dd)?;
        let num = a.num.checked_mul(dd)?.checked_add(b.num.checked_mul(bd)?)?;
        Some(Score { num, den }.reduced())
    }

    /// The value in hundredths of a point, rounded half up (half away from zero):
    /// 79.995 → 8000, 39.2666… → 3927.
    pub fn rounded_hundredths(&self) -> i128 {
        // Work with |num| so that the rounding is symmetric.
        let neg = self.num < 0;
        let n = self.num.unsigned_abs();
        let d = self.den.unsigned_abs();
        const SMALL: u128 = 1 << 56;
        if n < SMALL && d < SMALL {
            // Fast path (every real score): 200 n + d < 2^64. floor(100 n / d + 1/2).
            let (n, d) = (n as u64, d as u64);
            let h = ((200 * n + d) / (2 * d)) as i128;
            return if neg { -h } else { h };
        }
        // Overflow-free: |num| * 100 may not fit, so split into whole and fractional parts.
        let whole = n / d;
        let rem = n % d; // < d
        // rem * 100 / d, rounded half up, computed without overflowing when d is huge.
        let frac = mul_div_round_half_up(rem, 100, d);
        // Saturates only for values beyond 10^36 points, which no score reaches.
        let h = whole.saturating_mul(100).saturating_add(frac);
        let h = i128::try_from(h).unwrap_or(i128::MAX);
        if neg { -h } else { h }
    }

    /// The value rounded half up to two decimals, as a [`Decimal`] with scale 2.
    pub fn to_decimal_2dp(&self) -> Decimal {
        Decimal::from_i128_with_scale(self.rounded_hundredths(), 2)
    }

    /// The displayed value: exactly two decimals, rounded half up ("88.20", "80.00").
    pub fn display_2dp(&self) -> String {
        let h = self.rounded_hundredths();
        let mut out = String::with_capacity(8);
        if h < 0 {
            out.push('-');
        }
        let h = h.unsigned_abs();
        let (whole, frac) = (h / 100, (h % 100) as u8);
        match u64::try_from(whole) {
            Ok(mut w) => {
                let mut digits = [0u8; 20];
                let mut i = digits.len();
                loop {
                    i -= 1;
                    digits[i] = b'0' + (w % 10) as u8;
                    w /= 10;
                    if w == 0 {
                        break;
                    }
                }
                for &d in &digits[i..] {
                    out.push(char::from(d));
                }
            }
            Err(_) => out.push_str(&whole.to_string()),
        }
        out.push('.');
        out.push(char::from(b'0' + frac / 10));
        out.push(char::from(b'0' + frac % 10));
        out
    }
}

/// `a * b / d` rounded half up, for `a < d`, `b` small; exact for any `d`.
fn mul_div_round_half_up(a: u128, b: u128, d: u128) -> u128 {
    if let Some(ab) = a.checked_mul(b)
        && let Some(ab2) = ab.checked_mul(2)
        && let Some(top) = ab2.checked_add(d)
        && let Some(d2) = d.checked_mul(2)
    {
        return top / d2;
    }
    // Long multiplication one digit of b at a time (b is 100 here): keep a quotient and a
    // remainder below d, never forming a * b.
    let mut q: u128 = 0;
    let mut r: u128 = 0;
    for _ in 0..b {
        // r + a < 2d ≤ 2 * u128::MAX / 2 only if d ≤ u128::MAX / 2, which holds since d
        // comes from an i128.
        r += a;
        if r >= d {
            r -= d;
            q += 1;
        }
    }
    // Round half up: remainder r/d ≥ 1/2.
    if r >= d - r { q + 1 } else { q }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// Compares `a/b` with `c/d` (b, d > 0) exactly, without overflow: cross-multiplication when
/// it fits, otherwise continued-fraction expansion.
fn cmp_fractions(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    if b == d {
        return a.cmp(&c);
    }
    if let (Some(x), Some(y)) = (a.checked_mul(d), c.checked_mul(b)) {
        return x.cmp(&y);
    }
    let (mut a, mut b, mut c, mut d) = (a, b, c, d);
    loop {
        let (q1, r1) = (a.div_euclid(b), a.rem_euclid(b));
        let (q2, r2) = (c.div_euclid(d), c.rem_euclid(d));
        if q1 != q2 {
            return q1.cmp(&q2);
        }
        // Compare r1/b with r2/d, both in [0, 1).
        match (r1 == 0, r2 == 0) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            // r1/b vs r2/d  ⇔  d/r2 vs b/r1 (both sides positive, reciprocals swap sides).
            (false, false) => (a, b, c, d) = (d, r2, b, r1),
        }
    }
}

impl PartialEq for Score {
    fn eq(&self, other: &Score) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Score) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Score) -> Ordering {
        cmp_fractions(self.num, self.den, other.num, other.den)
    }
}

impl std::hash::Hash for Score {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let r = self.reduced();
        r.num.hash(state);
        r.den.hash(state);
    }
}

/// Two decimals, rounded half up: `88.20`, `-0.50` (honours width and alignment).
impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.display_2dp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn means_of_three_compare_exactly() {
        let a = Score::mean_of_hundredths(4550 + 3030 + 4200, 3);
        let b = Score::mean_of_hundredths(3660 + 4410 + 3710, 3);
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        // One hundredth more anywhere breaks the tie.
        let c = Score::mean_of_hundredths(3660 + 4410 + 3711, 3);
        assert!(c > a);
    }

    #[test]
    fn display_rounds_half_up() {
        assert_eq!(Score::from_decimal(dec("79.995")).to_string(), "80.00");
        assert_eq!(Score::from_decimal(dec("79.994")).to_string(), "79.99");
        assert_eq!(Score::from_decimal(dec("88.2")).to_string(), "88.20");
        assert_eq!(Score::from_decimal(dec("0")).to_string(), "0.00");
        assert_eq!(Score::from_decimal(dec("-0.005")).to_string(), "-0.01");
        assert_eq!(Score::from_decimal(dec("-0.004")).to_string(), "0.00");
        assert_eq!(Score::mean_of_hundredths(11780, 3).to_string(), "39.27");
        // 2/3 of a hundredth: 0.00666… → 0.01; 1/3 of a hundredth → 0.00.
        assert_eq!(Score::mean_of_hundredths(2, 3).to_string(), "0.01");
        assert_eq!(Score::mean_of_hundredths(1, 3).to_string(), "0.00");
        // Exactly half a hundredth rounds up: 0.005.
        assert_eq!(Score::mean_of_hundredths(1, 2).to_string(), "0.01");
        assert_eq!(Score::from_decimal(dec("79.995")).to_decimal_2dp(), dec("80.00"));
        assert_eq!(Score::from_hundredths(123_456_789).display_2dp(), "1234567.89");
        assert_eq!(Score::from_hundredths(-5).display_2dp(), "-0.05");
        assert_eq!(format!("{:>7}", Score::from_hundredths(905)), "   9.05");
        // Beyond 10^36 points the display saturates rather than panicking.
        let big = Score::from_fraction(i128::MAX - 1, 1);
        assert!(!big.display_2dp().is_empty());
    }

    #[test]
    fn rounding_is_not_comparison() {
        let total = Score::from_decimal(dec("79.995"));
        let minimum = Score::from_decimal(dec("80"));
        assert_eq!(total.to_string(), "80.00");
        assert!(total < minimum);
    }

    #[test]
    fn addition_is_exact() {
        let third = Score::mean_of_hundredths(100, 3); // 1/3
        let sixth = Score::mean_of_hundredths(100, 6); // 1/6
        let half = Score::mean_of_hundredths(100, 2);
        assert_eq!(third.checked_add(sixth).unwrap(), half);
        assert_eq!(Score::ZERO.checked_add(half).unwrap(), Score::from_decimal(dec("0.5")));
    }

    #[test]
    fn huge_fractions_compare_without_overflow() {
        let big = i128::MAX / 3;
        let a = Score { num: big - 1, den: big };
        let b = Score { num: big - 2, den: big - 1 };
        // (n-1)/n > (n-2)/(n-1)
        assert!(a > b);
        assert!(b < a);
        let c = Score { num: 2 * (big - 1) / 2, den: big };
        assert_eq!(a, c);
        assert_eq!(Score { num: big, den: big }, Score { num: 1, den: 1 });
        let d = Score { num: -big, den: big - 7 };
        assert!(d < Score::ZERO);
        assert!(d < Score { num: -1, den: 1 });
        // Rounding with huge denominators.
        let h = Score { num: big / 2, den: big };
        assert_eq!(h.to_string(), "0.50");
    }

    #[test]
    fn reduced_and_hash_agree_with_equality() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let a = Score::mean_of_hundredths(300, 3);
        let b = Score::from_hundredths(100);
        let hash = |s: &Score| {
            let mut h = DefaultHasher::new();
            s.hash(&mut h);
            h.finish()
        };
        assert_eq!(a, b);
        assert_eq!(hash(&a), hash(&b));
        assert_eq!(a.reduced().numerator(), 1);
        assert_eq!(a.reduced().denominator(), 1);
    }
}
