//! Reviewer statistics for the office board (issue 5): per reviewer, how many communities, the
//! mean and spread of their totals, and how lenient or harsh they are against the others.
//!
//! A reviewer's mean alone says little: one may simply have been given the stronger
//! communities. Leniency compares like with like: for every community the reviewer scored that
//! others scored too, their total minus the mean of the other reviewers' totals on that same
//! community, averaged over those communities. A reviewer stands out ([`Lean`]) when that
//! average is at least a threshold (5 points) either way over enough shared communities (3),
//! so that one odd score does not brand anyone.
//!
//! Totals are taken exactly (at most two decimals, as every score). Means and leniencies are
//! exact fractions ([`Score`]; display rounds them half up to two decimals), and the threshold
//! is compared exactly. The spread, a sample standard deviation, is a square root: it is
//! computed in integers and rounded half up to two decimals exactly (the true root, not a
//! float's).

use std::fmt;

use rust_decimal::Decimal;

use crate::allocation::Score;

/// One reviewer's total for one community, in one round of one group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewerTotal {
    pub community: i32,
    pub reviewer: i32,
    /// Points, at most two decimal places.
    pub total: Decimal,
}

/// When a reviewer stands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatsSettings {
    /// A leniency at least this far from 0 (points) stands out. Must be positive.
    pub threshold: Decimal,
    /// … over at least this many communities shared with other reviewers.
    pub min_shared: usize,
}

impl Default for StatsSettings {
    /// 5 points over 3 shared communities.
    fn default() -> Self {
        StatsSettings { threshold: Decimal::from(5), min_shared: 3 }
    }
}

/// Which way a reviewer stands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lean {
    /// Scores higher than the others on the same communities.
    Lenient,
    /// Scores lower than the others on the same communities.
    Harsh,
}

/// One reviewer's statistics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewerStats {
    pub reviewer: i32,
    /// Communities scored.
    pub communities: usize,
    /// Exact mean of their totals.
    pub mean: Score,
    /// Sample standard deviation of their totals, rounded half up to two decimals; `None`
    /// with fewer than two communities.
    pub spread: Option<Decimal>,
    /// Communities they scored that other reviewers scored too.
    pub shared: usize,
    /// Exact mean, over the shared communities, of (their total − the other reviewers' mean
    /// total); positive is lenient. `None` when nothing is shared.
    pub leniency: Option<Score>,
    /// Set when |leniency| ≥ the threshold over at least the minimum shared communities.
    pub lean: Option<Lean>,
}

/// The statistics of one round of one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupStats {
    /// Every reviewer, by reviewer id.
    pub reviewers: Vec<ReviewerStats>,
    /// How many totals.
    pub totals: usize,
    /// Exact mean of every total (`Score::ZERO` when there is none).
    pub mean: Score,
    /// Sample standard deviation of every total, two decimals; `None` with fewer than two.
    pub spread: Option<Decimal>,
}

/// Why statistics cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatsError {
    /// The reviewer has two totals for the community.
    Duplicate { community: i32, reviewer: i32 },
    /// A total has more than two decimal places.
    TooManyDecimals { community: i32, reviewer: i32, total: Decimal },
    /// A total is negative or above 1,000,000 (beyond any score; the bound keeps the integer
    /// arithmetic exact).
    OutOfRange { community: i32, reviewer: i32, total: Decimal },
    /// The threshold is not positive.
    BadThreshold { threshold: Decimal },
}

const MAX_TOTAL_HUNDREDTHS: i128 = 100_000_000;

const OVERFLOW: &str = "leniency out of range: reviewers per community have a least common multiple above ~10^30";

/// Statistics of every reviewer in `totals` (one round of one group; their order does not
/// matter): see the [module documentation](self).
pub fn reviewer_stats(totals: &[ReviewerTotal], settings: &StatsSettings) -> Result<GroupStats, StatsError> {
    if settings.threshold <= Decimal::ZERO {
        return Err(StatsError::BadThreshold { threshold: settings.threshold });
    }
    // (community, reviewer, hundredths), by community then reviewer.
    let mut rows: Vec<(i32, i32, i128)> = Vec::with_capacity(totals.len());
    for t in totals {
        let normal = t.total.normalize();
        let (community, reviewer, total) = (t.community, t.reviewer, t.total);
        if normal.scale() > 2 {
            return Err(StatsError::TooManyDecimals { community, reviewer, total });
        }
        let h = normal.mantissa() * 10i128.pow(2 - normal.scale());
        if !(0..=MAX_TOTAL_HUNDREDTHS).contains(&h) {
            return Err(StatsError::OutOfRange { community, reviewer, total });
        }
        rows.push((community, reviewer, h));
    }
    rows.sort_unstable();
    if let Some(w) = rows.windows(2).find(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1)) {
        return Err(StatsError::Duplicate { community: w[0].0, reviewer: w[0].1 });
    }

    // Per row: the term (own − others' mean) in points, when others scored the community.
    let mut terms: Vec<(i32, i128, Option<Score>)> = Vec::with_capacity(rows.len());
    for group in rows.chunk_by(|a, b| a.0 == b.0) {
        let sum: i128 = group.iter().map(|r| r.2).sum();
        let others = group.len() as i128 - 1;
        for &(_, reviewer, h) in group {
            // own − (sum − own) / others = (own × others − (sum − own)) / others, in hundredths.
            let term = (others > 0).then(|| Score::from_fraction(h * others - (sum - h), others * 100));
            terms.push((reviewer, h, term));
        }
    }
    terms.sort_unstable_by_key(|t| t.0);

    let threshold = Score::from_decimal(settings.threshold);
    let minus_threshold = Score::from_decimal(-settings.threshold);
    let reviewers = terms
        .chunk_by(|a, b| a.0 == b.0)
        .map(|mine| {
            let values: Vec<i128> = mine.iter().map(|t| t.1).collect();
            let shared: Vec<Score> = mine.iter().filter_map(|t| t.2).collect();
            let leniency = (!shared.is_empty()).then(|| {
                let sum = shared.iter().try_fold(Score::ZERO, |acc, s| acc.checked_add(*s)).expect(OVERFLOW);
                divide(sum, shared.len())
            });
            let lean = match leniency {
                Some(l) if shared.len() >= settings.min_shared && l >= threshold => Some(Lean::Lenient),
                Some(l) if shared.len() >= settings.min_shared && l <= minus_threshold => Some(Lean::Harsh),
                _ => None,
            };
            ReviewerStats {
                reviewer: mine[0].0,
                communities: values.len(),
                mean: mean(&values),
                spread: spread(&values),
                shared: shared.len(),
                leniency,
                lean,
            }
        })
        .collect();
    let all: Vec<i128> = rows.iter().map(|r| r.2).collect();
    Ok(GroupStats { reviewers, totals: all.len(), mean: mean(&all), spread: spread(&all) })
}

/// `score / n` exactly.
fn divide(score: Score, n: usize) -> Score {
    let r = score.reduced();
    let den = i128::try_from(n).ok().and_then(|n| r.denominator().checked_mul(n)).expect(OVERFLOW);
    Score::from_fraction(r.numerator(), den)
}

/// The exact mean of values in hundredths, in points.
fn mean(hundredths: &[i128]) -> Score {
    if hundredths.is_empty() {
        return Score::ZERO;
    }
    Score::from_fraction(hundredths.iter().sum(), 100 * hundredths.len() as i128)
}

/// The sample standard deviation of values in hundredths, in points, rounded half up to two
/// decimals, exactly.
///
/// In hundredths the variance is `V = (n Σh² − (Σh)²) / (n (n − 1))`; the result in hundredths
/// is `round(√V)`, the largest `k` with `k − ½ ≤ √V`, that is `(2k − 1)² ≤ 4V`, and since the
/// left side is an integer, `2k − 1 ≤ ⌊√⌊4V⌋⌋`: `k = ⌈⌊√⌊4V⌋⌋ / 2⌉`.
fn spread(hundredths: &[i128]) -> Option<Decimal> {
    let n = hundredths.len() as i128;
    if n < 2 {
        return None;
    }
    // |h| ≤ 10^8 and n < 2^32 keep every product far inside i128.
    let sum: i128 = hundredths.iter().sum();
    let squares: i128 = hundredths.iter().map(|h| h * h).sum();
    let numerator = n * squares - sum * sum; // ≥ 0 (Cauchy–Schwarz)
    let four_v = (4 * numerator / (n * (n - 1))) as u128;
    let k = four_v.isqrt().div_ceil(2);
    Some(Decimal::from_i128_with_scale(k as i128, 2))
}

impl Lean {
    /// 偏寬 or 偏嚴.
    pub fn name_zh(self) -> &'static str {
        match self {
            Lean::Lenient => "偏寬",
            Lean::Harsh => "偏嚴",
        }
    }

    /// `lenient` or `harsh`.
    pub fn name_en(self) -> &'static str {
        match self {
            Lean::Lenient => "lenient",
            Lean::Harsh => "harsh",
        }
    }
}

impl StatsError {
    /// The problem in Traditional Chinese (zh-TW).
    pub fn message_zh(&self) -> String {
        match self {
            StatsError::Duplicate { community, reviewer } => {
                format!("委員 {reviewer} 對社群 {community} 有兩個總分。")
            }
            StatsError::TooManyDecimals { community, reviewer, total } => {
                format!("委員 {reviewer} 對社群 {community} 的總分 {total} 超過兩位小數。")
            }
            StatsError::OutOfRange { community, reviewer, total } => {
                format!("委員 {reviewer} 對社群 {community} 的總分 {total} 超出範圍。")
            }
            StatsError::BadThreshold { threshold } => format!("寬嚴門檻 {threshold} 須大於 0。"),
        }
    }
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatsError::Duplicate { community, reviewer } => {
                write!(f, "reviewer {reviewer} has two totals for community {community}")
            }
            StatsError::TooManyDecimals { community, reviewer, total } => write!(
                f,
                "reviewer {reviewer}'s total {total} for community {community} has more than two decimal places"
            ),
            StatsError::OutOfRange { community, reviewer, total } => {
                write!(f, "reviewer {reviewer}'s total {total} for community {community} is out of range")
            }
            StatsError::BadThreshold { threshold } => write!(f, "the leniency threshold {threshold} must be positive"),
        }
    }
}

impl std::error::Error for StatsError {}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn total(community: i32, reviewer: i32, total: &str) -> ReviewerTotal {
        ReviewerTotal { community, reviewer, total: dec(total) }
    }

    /// Three reviewers on communities 1-3, reviewer 10 alone on community 4.
    fn panel() -> Vec<ReviewerTotal> {
        vec![
            total(1, 10, "80"),
            total(1, 20, "70"),
            total(1, 30, "72"),
            total(2, 10, "90"),
            total(2, 20, "81"),
            total(2, 30, "84"),
            total(3, 10, "85"),
            total(3, 20, "76"),
            total(3, 30, "76"),
            total(4, 10, "70"),
        ]
    }

    #[test]
    fn a_lenient_and_a_harsh_reviewer() {
        let stats = reviewer_stats(&panel(), &StatsSettings::default()).unwrap();
        let r: Vec<&ReviewerStats> = stats.reviewers.iter().collect();
        assert_eq!(r.iter().map(|s| s.reviewer).collect::<Vec<_>>(), [10, 20, 30]);

        // Reviewer 10: 80, 90, 85, 70 → mean 81.25, sample sd 8.539… → 8.54.
        // Leniency: 80 − 71, 90 − 82.5, 85 − 76 → (9 + 7.5 + 9) / 3 = 8.5 (community 4 has
        // no other reviewer and does not count).
        assert_eq!((r[0].communities, r[0].shared), (4, 3));
        assert_eq!(r[0].mean, Score::from_hundredths(8125));
        assert_eq!(r[0].spread, Some(dec("8.54")));
        assert_eq!(r[0].leniency, Some(Score::from_hundredths(850)));
        assert_eq!(r[0].lean, Some(Lean::Lenient));

        // Reviewer 20: 70 − 76, 81 − 87, 76 − 80.5 → −16.5 / 3 = −5.5; sd 5.5076 → 5.51.
        assert_eq!(r[1].mean.to_string(), "75.67");
        assert_eq!(r[1].spread, Some(dec("5.51")));
        assert_eq!(r[1].leniency, Some(Score::from_hundredths(-550)));
        assert_eq!(r[1].lean, Some(Lean::Harsh));

        // Reviewer 30: 72 − 75, 84 − 85.5, 76 − 80.5 → −3: within the threshold.
        assert_eq!(r[2].spread, Some(dec("6.11")));
        assert_eq!(r[2].leniency, Some(Score::from_hundredths(-300)));
        assert_eq!(r[2].lean, None);

        assert_eq!(stats.totals, 10);
        assert_eq!(stats.mean, Score::from_hundredths(7840));
        assert_eq!(stats.spread, Some(dec("6.77")));

        // Same totals in another order: same statistics.
        let mut shuffled = panel();
        shuffled.reverse();
        shuffled.swap(2, 7);
        assert_eq!(reviewer_stats(&shuffled, &StatsSettings::default()).unwrap(), stats);
    }

    #[test]
    fn the_threshold_and_the_shared_minimum() {
        // A threshold of exactly 5.5 still flags reviewer 20 (≥, exact); 5.51 does not.
        let at = StatsSettings { threshold: dec("5.5"), min_shared: 3 };
        assert_eq!(reviewer_stats(&panel(), &at).unwrap().reviewers[1].lean, Some(Lean::Harsh));
        let above = StatsSettings { threshold: dec("5.51"), min_shared: 3 };
        assert_eq!(reviewer_stats(&panel(), &above).unwrap().reviewers[1].lean, None);
        // Four shared communities needed: nobody has them.
        let more = StatsSettings { threshold: dec("5"), min_shared: 4 };
        assert!(reviewer_stats(&panel(), &more).unwrap().reviewers.iter().all(|r| r.lean.is_none()));
    }

    #[test]
    fn leniency_is_exact() {
        // Community 1: 10 gives 71, 20 and 30 give 70 and 70.5 → 71 − 70.25 = 0.75.
        // Community 2: 10 gives 80, 20 gives 79.99, 30 gives 80 → 80 − 79.995 = 0.005.
        // Mean (0.75 + 0.005) / 2 = 0.3775: shown as 0.38, kept exact.
        let totals = [
            total(1, 10, "71"),
            total(1, 20, "70"),
            total(1, 30, "70.5"),
            total(2, 10, "80"),
            total(2, 20, "79.99"),
            total(2, 30, "80"),
        ];
        let stats = reviewer_stats(&totals, &StatsSettings::default()).unwrap();
        let l = stats.reviewers[0].leniency.unwrap();
        assert_eq!(l, Score::from_fraction(3775, 10_000));
        assert_eq!(l.to_string(), "0.38");
        assert_eq!(l.to_decimal_2dp(), dec("0.38"));
    }

    #[test]
    fn spread_rounds_the_true_root_half_up() {
        // 0, 0, 0, 0.01: sd exactly 0.005 → 0.01.
        let totals: Vec<ReviewerTotal> =
            ["0", "0", "0", "0.01"].iter().enumerate().map(|(c, t)| total(c as i32, 1, t)).collect();
        let stats = reviewer_stats(&totals, &StatsSettings::default()).unwrap();
        assert_eq!(stats.reviewers[0].spread, Some(dec("0.01")));
        // Equal totals: 0; one total: none.
        let same = [total(1, 1, "80"), total(2, 1, "80.00")];
        assert_eq!(reviewer_stats(&same, &StatsSettings::default()).unwrap().reviewers[0].spread, Some(dec("0.00")));
        let one = [total(1, 1, "80")];
        let stats = reviewer_stats(&one, &StatsSettings::default()).unwrap();
        assert_eq!((stats.reviewers[0].spread, stats.reviewers[0].leniency, stats.spread), (None, None, None));
        let none = reviewer_stats(&[], &StatsSettings::default()).unwrap();
        assert_eq!((none.reviewers.len(), none.totals, none.mean, none.spread), (0, 0, Score::ZERO, None));
    }

    #[test]
    fn spread_agrees_with_a_decimal_root_on_many_sets() {
        // Against a straightforward computation: the sd to 2 decimals must lie within half a
        // hundredth of the true root, checked by squaring (exact in Decimal).
        let mut next = crate::review::lcg(7);
        for _ in 0..300 {
            let n = 2 + next(6) as usize;
            let values: Vec<i128> = (0..n).map(|_| next(10_001) as i128).collect();
            let got = spread(&values).unwrap();
            let n = n as i128;
            let sum: i128 = values.iter().sum();
            let num = n * values.iter().map(|h| h * h).sum::<i128>() - sum * sum;
            let den = n * (n - 1);
            // k = got in hundredths: (k − ½)² ≤ V < (k + ½)², i.e. (2k−1)² den ≤ 4 num < (2k+1)² den.
            let k = (got * Decimal::from(100)).normalize().mantissa();
            assert!(k == 0 || (2 * k - 1) * (2 * k - 1) * den <= 4 * num, "{values:?} {got}");
            assert!(4 * num < (2 * k + 1) * (2 * k + 1) * den, "{values:?} {got}");
        }
    }

    #[test]
    fn problems_are_named() {
        let e = reviewer_stats(&[total(1, 2, "80"), total(1, 2, "81")], &StatsSettings::default()).unwrap_err();
        assert_eq!(e, StatsError::Duplicate { community: 1, reviewer: 2 });
        assert_eq!(e.message_zh(), "委員 2 對社群 1 有兩個總分。");
        assert_eq!(e.to_string(), "reviewer 2 has two totals for community 1");
        let e = reviewer_stats(&[total(1, 2, "80.125")], &StatsSettings::default()).unwrap_err();
        assert_eq!(e.message_zh(), "委員 2 對社群 1 的總分 80.125 超過兩位小數。");
        assert_eq!(e.to_string(), "reviewer 2's total 80.125 for community 1 has more than two decimal places");
        let e = reviewer_stats(&[total(1, 2, "-1")], &StatsSettings::default()).unwrap_err();
        assert_eq!(e, StatsError::OutOfRange { community: 1, reviewer: 2, total: dec("-1") });
        assert!(reviewer_stats(&[total(1, 2, "1000000.01")], &StatsSettings::default()).is_err());
        assert!(reviewer_stats(&[total(1, 2, "1000000.00")], &StatsSettings::default()).is_ok());
        let e = reviewer_stats(&[], &StatsSettings { threshold: Decimal::ZERO, min_shared: 3 }).unwrap_err();
        assert_eq!(e.message_zh(), "寬嚴門檻 0 須大於 0。");
        assert_eq!(e.to_string(), "the leniency threshold 0 must be positive");
        assert_eq!((Lean::Lenient.name_zh(), Lean::Harsh.name_en()), ("偏寬", "harsh"));
    }
}
