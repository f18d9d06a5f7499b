//! The cut between rounds (SPEC §5): who of one group goes on from the previous round.
//!
//! The plan's [`Cut`] is either the top N of the group (N = a factor × the group's award
//! places, or a count) or a minimum previous-round total. Communities tied with the last one
//! inside the top N all pass, however many they are: the cut never splits a tie by order or
//! chance, just as allocation never does. Totals are means of reviewers' totals, so they are
//! exact [`Score`] fractions and every comparison is exact: a total of 79.995 does not reach a
//! minimum of 80, though both display as 80.00.

use std::fmt;

use rust_decimal::Decimal;

use crate::allocation::Score;
use crate::plan::Cut;

/// One community in the ranking of a cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CutEntry {
    pub community: i32,
    /// Its exact previous-round total.
    pub total: Score,
    /// 1-based; equal totals share a rank (1, 2, 2, 4).
    pub rank: usize,
    /// Whether it goes on to the next round.
    pub passes: bool,
}

/// What the rule meant for this group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CutBasis {
    /// The top `places` by rank, and any community tied with the last of them.
    Top {
        places: usize,
        /// `(factor, award places)` when the rule is [`Cut::TopAwardPlaces`].
        from_award_places: Option<(i64, i64)>,
    },
    /// Every community whose total reaches `minimum` (≥).
    Minimum { minimum: Decimal },
}

/// The result of [`cut`]: the ranking with who passes, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CutOutcome {
    /// Every community, highest total first; equal totals by community id. Those that pass
    /// are the first [`CutOutcome::passed`].
    pub ranking: Vec<CutEntry>,
    /// How many pass.
    pub passed: usize,
    pub basis: CutBasis,
    /// The last community that passes: its rank and total (`None` when nobody passes).
    pub line: Option<(usize, Score)>,
    /// How many pass beyond the rule's number only because they tie at the cut (always 0 for
    /// a minimum).
    pub by_tie: usize,
}

/// Why [`cut`] refused its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CutError {
    /// A community has two totals.
    DuplicateCommunity { community: i32 },
}

/// Applies the plan's cut `rule` to one group's previous-round `totals` (`(community, total)`,
/// in any order). `award_places` is the group's award places
/// ([`Group::award_places`](crate::plan::Group::award_places)), used by
/// [`Cut::TopAwardPlaces`]. A rule for no places (a factor or count of 0 or less, which a valid
/// plan never has) passes nobody.
pub fn cut(totals: &[(i32, Score)], rule: &Cut, award_places: i64) -> Result<CutOutcome, CutError> {
    let mut sorted: Vec<(i32, Score)> = totals.to_vec();
    sorted.sort_unstable_by_key(|&(c, _)| c);
    if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(CutError::DuplicateCommunity { community: w[0].0 });
    }
    // Highest first; ids break ties, so the order is total and the unstable sort repeatable.
    sorted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut ranking: Vec<CutEntry> = Vec::with_capacity(sorted.len());
    for (i, &(community, total)) in sorted.iter().enumerate() {
        let rank = match ranking.last() {
            Some(prev) if prev.total == total => prev.rank,
            _ => i + 1,
        };
        ranking.push(CutEntry { community, total, rank, passes: false });
    }

    let places = |n: i64| usize::try_from(n.max(0)).unwrap_or(usize::MAX);
    let basis = match *rule {
        Cut::TopAwardPlaces { factor } => CutBasis::Top {
            places: places(factor.saturating_mul(award_places)),
            from_award_places: Some((factor, award_places)),
        },
        Cut::Top { count } => CutBasis::Top { places: places(count), from_award_places: None },
        Cut::Minimum { score } => CutBasis::Minimum { minimum: score },
    };
    let (passed, by_tie) = match basis {
        CutBasis::Top { places, .. } if places == 0 || ranking.is_empty() => (0, 0),
        CutBasis::Top { places, .. } if places >= ranking.len() => (ranking.len(), 0),
        CutBasis::Top { places, .. } => {
            let at_cut = ranking[places - 1].total;
            let passed = places + ranking[places..].iter().take_while(|e| e.total == at_cut).count();
            (passed, passed - places)
        }
        CutBasis::Minimum { minimum } => {
            let minimum = Score::from_decimal(minimum);
            (ranking.iter().take_while(|e| e.total >= minimum).count(), 0)
        }
    };
    for entry in &mut ranking[..passed] {
        entry.passes = true;
    }
    let line = passed.checked_sub(1).map(|i| (ranking[i].rank, ranking[i].total));
    Ok(CutOutcome { ranking, passed, basis, line, by_tie })
}

impl CutOutcome {
    /// The communities that pass, in rank order.
    pub fn passing(&self) -> &[CutEntry] {
        &self.ranking[..self.passed]
    }

    /// The ids of the communities that pass, in rank order.
    pub fn passing_ids(&self) -> Vec<i32> {
        self.passing().iter().map(|e| e.community).collect()
    }

    /// The rule and its outcome in one sentence of Traditional Chinese, e.g.
    /// `取前 36 名（獲獎名額 18 × 2）：第 36 名總分 82.33，同分者一併晉級，多 2 隊，共 38 隊晉級。`
    pub fn explain_zh(&self) -> String {
        let n = self.ranking.len();
        match &self.basis {
            CutBasis::Top { places, from_award_places } => {
                let rule = match from_award_places {
                    Some((factor, award)) => format!("取前 {places} 名（獲獎名額 {award} × {factor}）"),
                    None => format!("取前 {places} 名"),
                };
                match self.line {
                    None => format!("{rule}：無社群晉級。"),
                    Some(_) if *places >= n => format!("{rule}：本組只有 {n} 隊，全數晉級。"),
                    Some((rank, total)) if self.by_tie > 0 => format!(
                        "{rule}：第 {places} 名總分 {total}（名次 {rank}），同分者一併晉級，多 {} 隊，共 {} 隊晉級。",
                        self.by_tie, self.passed
                    ),
                    Some((_, total)) => format!("{rule}：第 {places} 名總分 {total}，共 {} 隊晉級。", self.passed),
                }
            }
            CutBasis::Minimum { minimum } => {
                let rule = format!("總分達 {} 分者晉級", minimum.normalize());
                match self.line {
                    None => format!("{rule}：無社群達到。"),
                    Some((_, total)) => format!("{rule}：共 {} 隊晉級，最低總分 {total}。", self.passed),
                }
            }
        }
    }

    /// The rule and its outcome in one sentence of English, e.g.
    /// `top 36 (2 × 18 award places): number 36 has 82.33; 2 more tied with it pass, 38 in all`.
    pub fn explain_en(&self) -> String {
        let n = self.ranking.len();
        match &self.basis {
            CutBasis::Top { places, from_award_places } => {
                let rule = match from_award_places {
                    Some((factor, award)) => format!("top {places} ({factor} × {award} award places)"),
                    None => format!("top {places}"),
                };
                match self.line {
                    None => format!("{rule}: nobody passes"),
                    Some(_) if *places >= n => format!("{rule}: the group has only {n}, all pass"),
                    Some((rank, total)) if self.by_tie > 0 => format!(
                        "{rule}: number {places} has {total} (rank {rank}); {} more tied with it pass, {} in all",
                        self.by_tie, self.passed
                    ),
                    Some((_, total)) => format!("{rule}: number {places} has {total}; {} pass", self.passed),
                }
            }
            CutBasis::Minimum { minimum } => {
                let rule = format!("a total of at least {}", minimum.normalize());
                match self.line {
                    None => format!("{rule}: nobody reaches it"),
                    Some((_, total)) => format!("{rule}: {} pass, the lowest with {total}", self.passed),
                }
            }
        }
    }
}

impl CutError {
    /// The error in Traditional Chinese (zh-TW).
    pub fn message_zh(&self) -> String {
        match self {
            CutError::DuplicateCommunity { community } => format!("社群 {community} 有兩個總分。"),
        }
    }
}

impl fmt::Display for CutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CutError::DuplicateCommunity { community } => write!(f, "community {community} has two totals"),
        }
    }
}

impl std::error::Error for CutError {}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::plan::Plan;

    fn h(hundredths: i128) -> Score {
        Score::from_hundredths(hundredths)
    }

    /// The 111 plan's elementary group: 18 award places, top 2 × 18 = 36 go on.
    #[test]
    fn ties_at_the_36th_of_the_elementary_group_all_pass() {
        let plan = Plan::builtin();
        let award_places = plan.groups["basic-elementary"].award_places();
        assert_eq!(award_places, 18);
        let rule = plan.tracks["basic"].rounds[1].cut.clone().unwrap();
        assert_eq!(rule, Cut::TopAwardPlaces { factor: 2 });
        // 50 communities: ids 1..=50 with totals 95.00, 94.50, … (one each), except that
        // communities 36, 37, 38 share 77.50 (ranks 35-37 would be 77.50, 77.00, 76.50).
        let mut totals: Vec<(i32, Score)> = (1..=50).map(|c| (c, h(9550 - 50 * i128::from(c)))).collect();
        for t in &mut totals[35..38] {
            t.1 = h(7750);
        }
        // Community 35 has 78.00 (rank 35); 36, 37, 38 tie at 77.50 for rank 36.
        totals.reverse();
        let outcome = cut(&totals, &rule, award_places).unwrap();
        assert_eq!(outcome.basis, CutBasis::Top { places: 36, from_award_places: Some((2, 18)) });
        assert_eq!(outcome.passed, 38);
        assert_eq!(outcome.by_tie, 2);
        assert_eq!(outcome.line, Some((36, h(7750))));
        assert_eq!(outcome.passing_ids(), (1..=38).collect::<Vec<_>>());
        let ranks: Vec<usize> = outcome.ranking[34..40].iter().map(|e| e.rank).collect();
        assert_eq!(ranks, [35, 36, 36, 36, 39, 40]);
        assert!(outcome.ranking[38..].iter().all(|e| !e.passes));
        assert_eq!(
            outcome.explain_zh(),
            "取前 36 名（獲獎名額 18 × 2）：第 36 名總分 77.50（名次 36），同分者一併晉級，多 2 隊，共 38 隊晉級。"
        );
        assert_eq!(
            outcome.explain_en(),
            "top 36 (2 × 18 award places): number 36 has 77.50 (rank 36); 2 more tied with it pass, 38 in all"
        );
    }

    #[test]
    fn a_tie_across_the_cut_that_starts_above_it() {
        // Places 3; ranks 1, 2, 2, 2, 5: the tie for rank 2 straddles the 3rd place.
        let totals = [(10, h(9000)), (11, h(8000)), (12, h(8000)), (13, h(8000)), (14, h(7000))];
        let outcome = cut(&totals, &Cut::Top { count: 3 }, 0).unwrap();
        assert_eq!(outcome.passing_ids(), [10, 11, 12, 13]);
        assert_eq!((outcome.passed, outcome.by_tie, outcome.line), (4, 1, Some((2, h(8000)))));
        assert_eq!(outcome.explain_en(), "top 3: number 3 has 80.00 (rank 2); 1 more tied with it pass, 4 in all");
    }

    #[test]
    fn no_tie_at_the_cut() {
        let totals = [(1, h(9000)), (2, h(8000)), (3, h(7000))];
        let outcome = cut(&totals, &Cut::Top { count: 2 }, 0).unwrap();
        assert_eq!(outcome.passing_ids(), [1, 2]);
        assert_eq!(outcome.by_tie, 0);
        assert_eq!(outcome.explain_zh(), "取前 2 名：第 2 名總分 80.00，共 2 隊晉級。");
        assert_eq!(outcome.explain_en(), "top 2: number 2 has 80.00; 2 pass");
    }

    #[test]
    fn fewer_communities_than_places_all_pass() {
        let totals = [(2, h(6000)), (1, h(6000))];
        let outcome = cut(&totals, &Cut::TopAwardPlaces { factor: 2 }, 6).unwrap();
        assert_eq!(outcome.passing_ids(), [1, 2]);
        assert_eq!(outcome.ranking.iter().map(|e| e.rank).collect::<Vec<_>>(), [1, 1]);
        assert_eq!(outcome.explain_zh(), "取前 12 名（獲獎名額 6 × 2）：本組只有 2 隊，全數晉級。");
        assert_eq!(outcome.explain_en(), "top 12 (2 × 6 award places): the group has only 2, all pass");
    }

    #[test]
    fn a_minimum_compares_exactly() {
        // Reviewers gave 79.99, 80.00 and 80.00: the mean is 79.9966…, shown as 80.00, below 80.
        let just_below = Score::mean_of_hundredths(7999 + 8000 + 8000, 3);
        assert_eq!(just_below.to_string(), "80.00");
        let exactly = Score::mean_of_hundredths(7999 + 8001, 2);
        let totals = [(1, just_below), (2, exactly), (3, Score::from_decimal(Decimal::from_str("79.995").unwrap()))];
        let rule = Cut::Minimum { score: Decimal::from(80) };
        let outcome = cut(&totals, &rule, 18).unwrap();
        assert_eq!(outcome.passing_ids(), [2]);
        assert_eq!(outcome.basis, CutBasis::Minimum { minimum: Decimal::from(80) });
        assert_eq!(outcome.by_tie, 0);
        assert_eq!(outcome.explain_zh(), "總分達 80 分者晉級：共 1 隊晉級，最低總分 80.00。");
        assert_eq!(outcome.explain_en(), "a total of at least 80: 1 pass, the lowest with 80.00");
        let outcome = cut(&totals[..1], &rule, 18).unwrap();
        assert_eq!(outcome.passed, 0);
        assert_eq!(outcome.line, None);
        assert_eq!(outcome.explain_zh(), "總分達 80 分者晉級：無社群達到。");
        assert_eq!(outcome.explain_en(), "a total of at least 80: nobody reaches it");
    }

    #[test]
    fn nobody_and_nothing() {
        let outcome = cut(&[], &Cut::Top { count: 3 }, 0).unwrap();
        assert_eq!((outcome.passed, outcome.line), (0, None));
        let outcome = cut(&[(1, h(100))], &Cut::Top { count: 0 }, 0).unwrap();
        assert_eq!(outcome.passed, 0);
        assert_eq!(outcome.explain_zh(), "取前 0 名：無社群晉級。");
        assert_eq!(outcome.explain_en(), "top 0: nobody passes");
        let outcome = cut(&[(1, h(100))], &Cut::TopAwardPlaces { factor: i64::MAX }, 2).unwrap();
        assert_eq!(outcome.passed, 1);
    }

    #[test]
    fn a_community_twice_is_refused() {
        let err = cut(&[(1, h(100)), (2, h(100)), (1, h(200))], &Cut::Top { count: 1 }, 0).unwrap_err();
        assert_eq!(err, CutError::DuplicateCommunity { community: 1 });
        assert_eq!(err.message_zh(), "社群 1 有兩個總分。");
        assert_eq!(err.to_string(), "community 1 has two totals");
    }
}
