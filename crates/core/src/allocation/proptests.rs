//! Property tests: whatever the scores and quotas, the allocation keeps its promises.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;

/// Rules of the 111 plan with random quotas (0–4) and minimums (50–95, any order).
fn rules_strategy() -> impl Strategy<Value = SelectionRules> {
    proptest::collection::vec((0u32..=4, 50u32..=95), 9).prop_map(|params| {
        let mut rules = SelectionRules::taoyuan_111();
        let mut params = params.into_iter();
        for g in &mut rules.groups {
            for l in &mut g.levels {
                let (quota, minimum) = params.next().unwrap();
                l.quota = quota;
                l.minimum = Decimal::from(minimum);
            }
        }
        rules
    })
}

/// Score rows: (community 0..12, round 1..=2, reviewer 0..3, criterion slot, quarter of the
/// maximum 0..=4 or any hundredth). Coarse scores make many ties.
fn entries_strategy(rules: SelectionRules) -> impl Strategy<Value = Vec<ScoreEntry>> {
    let row = (0usize..12, 1u32..=2, 0usize..3, 0usize..3, 0u32..=4, any::<bool>(), 0u32..10_000);
    proptest::collection::vec(row, 0..120).prop_map(move |rows| {
        rows.into_iter()
            .map(|(c, round, reviewer, crit, quarter, fine, hundredths)| {
                let group = &rules.groups[c % rules.groups.len()];
                let criterion = &group.criteria[crit % group.criteria.len()];
                let max = criterion.max_points;
                let score = if fine {
                    Decimal::new(i64::from(hundredths), 2).min(max)
                } else {
                    max * Decimal::from(quarter) / Decimal::from(4)
                };
                ScoreEntry {
                    community: format!("C{c:02}"),
                    group: group.id.clone(),
                    round,
                    reviewer: format!("R{reviewer}"),
                    criterion: criterion.id.clone(),
                    score: score.round_dp(2),
                }
            })
            .collect()
    })
}

fn case() -> impl Strategy<Value = (SelectionRules, Vec<ScoreEntry>)> {
    rules_strategy().prop_flat_map(|rules| (Just(rules.clone()), entries_strategy(rules)))
}

/// Level index of an award, `levels.len()` for none: larger is lower.
fn award_key(g: &GroupResult, c: &RankedCommunity) -> usize {
    c.award.unwrap_or(g.levels.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn quotas_are_never_exceeded((rules, entries) in case()) {
        let result = allocate(&rules, &entries);
        for g in &result.groups {
            for (l, level) in g.levels.iter().enumerate() {
                let n = g.ranking.iter().filter(|c| c.award == Some(l)).count() as u32;
                prop_assert!(n <= level.quota);
                if let Some(vacant) = &g.vacant {
                    prop_assert_eq!(n + vacant[l], level.quota);
                }
            }
        }
    }

    #[test]
    fn awards_never_rise_down_the_ranking((rules, entries) in case()) {
        let result = allocate(&rules, &entries);
        for g in &result.groups {
            for pair in g.ranking.windows(2) {
                prop_assert!(award_key(g, &pair[0]) <= award_key(g, &pair[1]));
            }
        }
    }

    #[test]
    fn no_award_below_its_minimum((rules, entries) in case()) {
        let result = allocate(&rules, &entries);
        for g in &result.groups {
            for c in &g.ranking {
                if let Some(l) = c.award {
                    prop_assert!(c.total >= Score::from_decimal(g.levels[l].minimum));
                }
            }
        }
    }

    #[test]
    fn shuffling_the_rows_changes_nothing(
        (rules, entries, shuffled) in case().prop_flat_map(|(rules, entries)| {
            let shuffled = Just(entries.clone()).prop_shuffle();
            (Just(rules), Just(entries), shuffled)
        })
    ) {
        prop_assert_eq!(allocate(&rules, &entries), allocate(&rules, &shuffled));
    }

    #[test]
    fn ranking_and_ties_are_consistent((rules, entries) in case()) {
        let result = allocate(&rules, &entries);
        for g in &result.groups {
            for (i, pair) in g.ranking.windows(2).enumerate() {
                let (a, b) = (&pair[0], &pair[1]);
                prop_assert!((a.round, &a.total) >= (b.round, &b.total));
                if b.rank == a.rank {
                    prop_assert!(a.community < b.community);
                    prop_assert_eq!(a.total, b.total);
                    prop_assert_eq!(a.award, b.award);
                } else {
                    prop_assert_eq!(b.rank as usize, i + 2);
                }
            }
            if let Some(first) = g.ranking.first() {
                prop_assert_eq!(first.rank, 1);
            }
            match &g.vacant {
                Some(_) => prop_assert!(g.needs_decision.is_empty()),
                None => {
                    prop_assert_eq!(g.needs_decision.len(), 1);
                    let block = &g.needs_decision[0];
                    prop_assert!(block.len() >= 2);
                    let members: Vec<_> = g
                        .ranking
                        .iter()
                        .filter(|c| block.contains(&c.community))
                        .collect();
                    prop_assert_eq!(members.len(), block.len());
                    prop_assert!(members.iter().all(|c| c.rank == members[0].rank));
                    prop_assert!(members.iter().all(|c| c.award.is_none()));
                    let Some(Step::Considered { places_left, outcome, .. }) =
                        members[0].explanation.last()
                    else {
                        panic!("no step");
                    };
                    prop_assert_eq!(*outcome, Outcome::NeedsDecision { tied: block.len() as u32 });
                    prop_assert!((*places_left as usize) < block.len());
                    // Nobody below the block is awarded.
                    let below = g.ranking.iter().filter(|c| c.rank > members[0].rank);
                    for c in below {
                        prop_assert!(c.award.is_none());
                    }
                }
            }
        }
    }

    /// The cut (SPEC §6): in a group where a later round was scored, a community whose last
    /// scored round is earlier did not pass the cut and takes no place; every award goes to a
    /// community of the group's last round, those listed after every competitor; and the
    /// places competitors do not take are vacant.
    #[test]
    fn only_communities_of_the_last_round_compete((rules, entries) in case()) {
        let result = allocate(&rules, &entries);
        for g in &result.groups {
            let last = g.ranking.iter().map(|c| c.round).max().unwrap();
            for c in &g.ranking {
                if c.round < last {
                    prop_assert_eq!(c.standing, Standing::NotPassed { round: last });
                    prop_assert!(c.award.is_none());
                    prop_assert_eq!(&c.explanation, &vec![Step::NotPassed { round: last }]);
                } else {
                    prop_assert_eq!(c.standing, Standing::Competes);
                }
            }
            let first_out = g.ranking.iter().position(|c| !c.standing.competes()).unwrap_or(g.ranking.len());
            prop_assert!(g.ranking[first_out..].iter().all(|c| !c.standing.competes()));
            if let Some(vacant) = &g.vacant {
                let awarded: u32 = g.ranking.iter().filter(|c| c.award.is_some()).count() as u32;
                let places: u32 = g.levels.iter().map(|l| l.quota).sum();
                prop_assert_eq!(awarded + vacant.iter().sum::<u32>(), places);
            }
        }
    }

    /// With a confirmed cut, a community listed as passed but not scored in the cut's round is
    /// awaiting, never awarded; one not listed and not scored there is out.
    #[test]
    fn a_confirmed_cut_is_followed(
        (rules, entries, passed) in case().prop_flat_map(|(rules, entries)| {
            (Just(rules), Just(entries), proptest::collection::vec(0usize..12, 0..8))
        })
    ) {
        let mut rules = rules;
        let codes: Vec<String> = passed.iter().map(|c| format!("C{c:02}")).collect();
        for g in &mut rules.groups {
            g.passed = Some(Passed { round: 2, communities: codes.clone() });
        }
        let result = allocate(&rules, &entries);
        for g in &result.groups {
            for c in g.ranking.iter().filter(|c| c.round < 2) {
                let expected = if codes.contains(&c.community) {
                    Standing::Awaiting { round: 2 }
                } else {
                    Standing::NotPassed { round: 2 }
                };
                prop_assert_eq!(c.standing, expected);
                prop_assert!(c.award.is_none());
            }
        }
    }

    /// Totals match an independent computation: last round, sums and counts per criterion,
    /// total × 100 × Π counts == Σ sum_c × Π_{other} counts.
    #[test]
    fn totals_match_a_reference_computation((rules, entries) in case()) {
        let result = allocate(&rules, &entries);
        let mut last: BTreeMap<(&str, &str), u32> = BTreeMap::new();
        for e in &entries {
            let r = last.entry((&e.group, &e.community)).or_insert(e.round);
            *r = (*r).max(e.round);
        }
        for g in &result.groups {
            let rules_g = rules.group(&g.group).unwrap();
            for c in &g.ranking {
                let round = last[&(g.group.as_str(), c.community.as_str())];
                prop_assert_eq!(c.round, round);
                let per: Vec<(i128, i128)> = rules_g
                    .criteria
                    .iter()
                    .map(|cr| {
                        let rows = entries.iter().filter(|e| {
                            e.group == g.group
                                && e.community == c.community
                                && e.round == round
                                && e.criterion == cr.id
                        });
                        rows.fold((0i128, 0i128), |(s, n), e| {
                            (s + (e.score * Decimal::ONE_HUNDRED).mantissa()
                                / 10i128.pow((e.score * Decimal::ONE_HUNDRED).scale()), n + 1)
                        })
                    })
                    .collect();
                let counts: Vec<i128> = per.iter().map(|&(_, n)| n.max(1)).collect();
                let product: i128 = counts.iter().product();
                let numerator: i128 = per
                    .iter()
                    .zip(&counts)
                    .map(|(&(s, _), &n)| s * (product / n))
                    .sum();
                let t = c.total;
                prop_assert_eq!(t.numerator() * 100 * product, numerator * t.denominator());
                for (m, &(_, n)) in c.criteria.iter().zip(&per) {
                    prop_assert_eq!(i128::from(m.reviewers), n);
                }
            }
        }
    }
}
