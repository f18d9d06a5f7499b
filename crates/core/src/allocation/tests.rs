//! Unit tests of the rules, each with hand-worked numbers.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::*;

pub(super) fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

impl SelectionRules {
    /// The Taoyuan 111 plan's rules (test fixture; the real values come from the plan).
    pub(crate) fn taoyuan_111() -> SelectionRules {
        fn crit(id: &str, name: &str, max: u32) -> CriterionRule {
            CriterionRule { id: id.into(), name: name.into(), max_points: Decimal::from(max), ..Default::default() }
        }
        fn levels(special: u32, excellence: u32, merit: u32) -> Vec<LevelRule> {
            [("special", "特優", special, 90), ("excellence", "優等", excellence, 80), ("merit", "甲等", merit, 70)]
                .into_iter()
                .map(|(id, name, quota, min)| LevelRule {
                    id: id.into(),
                    name: name.into(),
                    quota,
                    minimum: Decimal::from(min),
                    ..Default::default()
                })
                .collect()
        }
        let basic = || {
            vec![crit("timeliness", "及時性", 25), crit("completeness", "完整性", 25), crit("richness", "豐富性", 50)]
        };
        let basic_tie = || ["richness", "completeness", "timeliness"].map(String::from).to_vec();
        let group = |id: &str, name: &str, track: &str, criteria, tie_break, levels| GroupRules {
            id: id.into(),
            name: name.into(),
            track: track.into(),
            criteria,
            tie_break,
            levels,
            rounds: [("初審", "First round"), ("複審", "Second round")]
                .map(|(name, name_en)| RoundName { name: name.into(), name_en: name_en.into() })
                .to_vec(),
            ..Default::default()
        };
        let info =
            |id: &str, name: &str, track: &str| CriterionInfo { id: id.into(), name: name.into(), track: track.into() };
        SelectionRules {
            groups: vec![
                group("basic-elementary", "國小組", "basic", basic(), basic_tie(), levels(3, 6, 9)),
                group("basic-junior", "國中組", "basic", basic(), basic_tie(), levels(1, 2, 3)),
                group(
                    "advanced",
                    "進階組",
                    "advanced",
                    vec![crit("written", "書面審核", 40), crit("presentation", "現場發表", 60)],
                    vec!["presentation".into(), "written".into()],
                    levels(2, 2, 1),
                ),
            ],
            criteria: vec![
                info("timeliness", "及時性", "basic"),
                info("completeness", "完整性", "basic"),
                info("richness", "豐富性", "basic"),
                info("written", "書面審核", "advanced"),
                info("presentation", "現場發表", "advanced"),
            ],
        }
    }
}

pub(super) fn entry(
    community: &str,
    group: &str,
    round: u32,
    reviewer: &str,
    criterion: &str,
    score: &str,
) -> ScoreEntry {
    ScoreEntry {
        community: community.into(),
        group: group.into(),
        round,
        reviewer: reviewer.into(),
        criterion: criterion.into(),
        score: dec(score),
    }
}

const JUNIOR: &str = "basic-junior";
const ELEM: &str = "basic-elementary";

/// One reviewer scoring a basic community: timeliness, completeness, richness.
fn basic(community: &str, group: &str, round: u32, reviewer: &str, t: &str, c: &str, r: &str) -> Vec<ScoreEntry> {
    vec![
        entry(community, group, round, reviewer, "timeliness", t),
        entry(community, group, round, reviewer, "completeness", c),
        entry(community, group, round, reviewer, "richness", r),
    ]
}

/// A basic community with a single reviewer whose total is `total` (timeliness 25,
/// completeness 25, richness = total − 50).
fn basic_total(community: &str, group: &str, total: &str) -> Vec<ScoreEntry> {
    let r = dec(total) - Decimal::from(50);
    basic(community, group, 1, "R1", "25", "25", &r.to_string())
}

fn run(entries: &[ScoreEntry]) -> AllocationResult {
    allocate(&SelectionRules::taoyuan_111(), entries)
}

fn group<'a>(result: &'a AllocationResult, id: &str) -> &'a GroupResult {
    result.groups.iter().find(|g| g.group == id).unwrap()
}

/// `(community, rank, award id)` of a group, in ranking order.
fn summary(g: &GroupResult) -> Vec<(String, u32, Option<String>)> {
    g.ranking.iter().map(|c| (c.community.clone(), c.rank, g.award_id(c).map(String::from))).collect()
}

fn s(community: &str, rank: u32, award: Option<&str>) -> (String, u32, Option<String>) {
    (community.into(), rank, award.map(String::from))
}

#[test]
fn last_round_wins() {
    let mut entries = basic("A", JUNIOR, 1, "R1", "25", "25", "45"); // 95 in round 1
    entries.extend(basic("A", JUNIOR, 2, "R2", "20", "20", "40")); // 80
    entries.extend(basic("A", JUNIOR, 2, "R3", "20", "22", "42")); // 84
    let r = run(&entries);
    let a = &group(&r, JUNIOR).ranking[0];
    assert_eq!(a.round, 2);
    assert_eq!(a.total_display, "82.00");
    let means: Vec<_> = a.criteria.iter().map(|m| m.display.as_str()).collect();
    assert_eq!(means, ["20.00", "21.00", "41.00"]);
    assert!(a.criteria.iter().all(|m| m.reviewers == 2));
    // Round 1's 95 does not count: 82 is below the special minimum.
    assert_eq!(group(&r, JUNIOR).award_id(a), Some("excellence"));

    // The same, entries given with the later round first.
    entries.reverse();
    assert_eq!(run(&entries), r);
}

#[test]
fn per_criterion_mean_over_the_reviewers_who_scored_it() {
    // Three reviewers for richness, two for timeliness and completeness.
    let mut entries = basic("A", ELEM, 1, "R1", "25", "24", "45.5");
    entries.extend(basic("A", ELEM, 1, "R2", "24", "25", "30.3"));
    entries.push(entry("A", ELEM, 1, "R3", "richness", "42"));
    let r = run(&entries);
    let a = &group(&r, ELEM).ranking[0];
    // timeliness 24.5, completeness 24.5, richness 117.8 / 3 = 39.2666…
    let means: Vec<_> = a.criteria.iter().map(|m| m.display.as_str()).collect();
    assert_eq!(means, ["24.50", "24.50", "39.27"]);
    let reviewers: Vec<_> = a.criteria.iter().map(|m| m.reviewers).collect();
    assert_eq!(reviewers, [2, 2, 3]);
    // Total 88.2666…: exact, displayed rounded from the exact value.
    assert_eq!(a.total_display, "88.27");
    assert_eq!(a.total, Score::from_fraction(26480, 300));
    assert_eq!(a.criteria[2].mean, Score::from_fraction(11780, 300));
}

#[test]
fn display_of_means_and_total_rounded_independently() {
    // Means 20.005 (two reviewers), 20.005, 40.005: each displays .01 up, total 80.015 → 80.02
    // (not the sum of displayed means, 80.03).
    let mut entries = basic("A", ELEM, 1, "R1", "20", "20", "40");
    entries.extend(basic("A", ELEM, 1, "R2", "20.01", "20.01", "40.01"));
    let r = run(&entries);
    let a = &group(&r, ELEM).ranking[0];
    let means: Vec<_> = a.criteria.iter().map(|m| m.display.as_str()).collect();
    assert_eq!(means, ["20.01", "20.01", "40.01"]);
    assert_eq!(a.total_display, "80.02");
}

#[test]
fn a_later_round_ranks_above_an_earlier_one() {
    let mut entries = basic_total("B", JUNIOR, "95"); // round 1 only
    entries.extend(basic("A", JUNIOR, 2, "R1", "25", "25", "25")); // 75, round 2
    entries.extend(basic("A", JUNIOR, 1, "R9", "25", "25", "50")); // 100, but round 1
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    // A (round 2) ranks first despite 75 < 95: special and excellence are left vacant at A.
    // B stopped at round 1: it did not pass the cut, so it takes no place, and the merit
    // places A did not take stay vacant (never B's, though its 95 is higher).
    assert_eq!(summary(g), [s("A", 1, Some("merit")), s("B", 2, None)]);
    assert_eq!(g.ranking[0].round, 2);
    assert_eq!(g.ranking[0].standing, Standing::Competes);
    assert_eq!(g.ranking[1].round, 1);
    assert_eq!(g.ranking[1].standing, Standing::NotPassed { round: 2 });
    assert_eq!(g.ranking[1].explanation, [Step::NotPassed { round: 2 }]);
    assert_eq!(g.ranking[1].explanation_zh(g), ["未進入複審：不參與獎項分配"]);
    assert_eq!(g.ranking[1].explanation_en(g), ["did not pass the cut (Second round): takes no place"]);
    assert_eq!(g.vacant, Some(vec![1, 2, 2]));
}

/// The case: a cut of the top 4, a community scored only in round 1 (71.25) and
/// round-2 communities all below the merit minimum but one: nobody from round 1 takes a
/// place, and the places nobody eligible reaches are vacant.
#[test]
fn a_community_that_did_not_pass_the_cut_gets_no_award() {
    let mut entries = Vec::new();
    for (code, total) in [("E1", "92"), ("E2", "85"), ("E3", "69"), ("E4", "60")] {
        let r = dec(total) - Decimal::from(50);
        entries.extend(basic(code, ELEM, 2, "R1", "25", "25", &r.to_string()));
    }
    entries.extend(basic("E5", ELEM, 1, "R7", "20", "20", "31.25")); // 71.25 in round 1
    entries.extend(basic("E6", ELEM, 1, "R7", "25", "25", "48")); // 98 in round 1
    let r = run(&entries);
    let g = group(&r, ELEM);
    assert_eq!(
        summary(g),
        [
            s("E1", 1, Some("special")),
            s("E2", 2, Some("excellence")),
            s("E3", 3, None),
            s("E4", 4, None),
            s("E6", 5, None),
            s("E5", 6, None)
        ]
    );
    assert!(g.ranking[4..].iter().all(|c| c.standing == Standing::NotPassed { round: 2 }));
    assert_eq!(g.ranking[5].total_display, "71.25", "listed with its round-1 score");
    assert_eq!(g.vacant, Some(vec![2, 5, 9]), "every merit place vacant: nobody competing reaches 70");
}

/// With the office's confirmed cut known, a community that passed it but has no round-2 score
/// yet is awaiting, not out; one that did not pass is out, and without any round-2 score at
/// all nobody competes yet.
#[test]
fn a_confirmed_cut_tells_awaiting_from_not_passed() {
    let mut rules = SelectionRules::taoyuan_111();
    rules.groups[1].passed = Some(Passed { round: 2, communities: vec!["A".into(), "B".into()] });
    let mut entries = basic("A", JUNIOR, 1, "R1", "25", "25", "45");
    entries.extend(basic("B", JUNIOR, 1, "R1", "25", "25", "40"));
    entries.extend(basic("C", JUNIOR, 1, "R1", "25", "25", "30"));
    let r = allocate(&rules, &entries);
    let g = group(&r, JUNIOR);
    let standings: Vec<_> = g.ranking.iter().map(|c| (c.community.as_str(), c.standing, c.award)).collect();
    assert_eq!(
        standings,
        [
            ("A", Standing::Awaiting { round: 2 }, None),
            ("B", Standing::Awaiting { round: 2 }, None),
            ("C", Standing::NotPassed { round: 2 }, None)
        ]
    );
    assert_eq!(g.ranking[0].explanation_zh(g), ["已晉級複審，尚無複審分數：暫不分配"]);
    entries.extend(basic("A", JUNIOR, 2, "R2", "25", "25", "41"));
    let r = allocate(&rules, &entries);
    let g = group(&r, JUNIOR);
    let standings: Vec<_> = g.ranking.iter().map(|c| (c.community.as_str(), c.standing, g.award_id(c))).collect();
    assert_eq!(
        standings,
        [
            ("A", Standing::Competes, Some("special")),
            ("B", Standing::Awaiting { round: 2 }, None),
            ("C", Standing::NotPassed { round: 2 }, None)
        ]
    );
}

#[test]
fn tie_break_follows_the_plan_order() {
    // All total 90. Richness decides first, then completeness, then timeliness.
    let mut entries = basic("P", JUNIOR, 1, "R1", "25", "25", "40"); // richness 40
    entries.extend(basic("Q", JUNIOR, 1, "R1", "20", "25", "45")); // richness 45, compl. 25
    entries.extend(basic("R", JUNIOR, 1, "R1", "25", "20", "45")); // richness 45, compl. 20
    entries.extend(basic("S", JUNIOR, 1, "R1", "24", "21", "45")); // richness 45, compl. 21
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    let order: Vec<_> = g.ranking.iter().map(|c| c.community.as_str()).collect();
    assert_eq!(order, ["Q", "S", "R", "P"]);
    let ranks: Vec<_> = g.ranking.iter().map(|c| c.rank).collect();
    assert_eq!(ranks, [1, 2, 3, 4]);
    assert!(g.needs_decision.is_empty());

    // Advanced: presentation before written.
    let adv = |c: &str, w: &str, p: &str| {
        vec![entry(c, "advanced", 1, "R1", "written", w), entry(c, "advanced", 1, "R1", "presentation", p)]
    };
    let mut entries = adv("X", "40", "50");
    entries.extend(adv("Y", "35", "55"));
    let r = run(&entries);
    let order: Vec<_> = group(&r, "advanced").ranking.iter().map(|c| c.community.as_str()).collect();
    assert_eq!(order, ["Y", "X"]);
}

#[test]
fn tie_break_timeliness_last() {
    // Equal total and richness and completeness; timeliness cannot differ then, so a plan
    // tie-break of only richness leaves them tied: shared rank.
    let mut rules = SelectionRules::taoyuan_111();
    rules.groups[1].tie_break = vec!["richness".into()];
    let mut entries = basic("B", JUNIOR, 1, "R1", "25", "20", "40");
    entries.extend(basic("A", JUNIOR, 1, "R1", "20", "25", "40"));
    let r = allocate(&rules, &entries);
    let g = group(&r, JUNIOR);
    let ranks: Vec<_> = g.ranking.iter().map(|c| (c.community.as_str(), c.rank)).collect();
    assert_eq!(ranks, [("A", 1), ("B", 1)]);
    // With the full plan order, completeness puts A first.
    let r = run(&entries);
    let ranks: Vec<_> = group(&r, JUNIOR).ranking.iter().map(|c| (c.community.as_str(), c.rank)).collect();
    assert_eq!(ranks, [("A", 1), ("B", 2)]);
}

#[test]
fn shared_ranks_one_two_two_four_in_code_order() {
    let mut entries = basic("D", ELEM, 1, "R1", "25", "25", "30"); // 80
    entries.extend(basic("C", ELEM, 1, "R1", "25", "25", "40")); // 90
    entries.extend(basic("A", ELEM, 1, "R1", "25", "25", "45")); // 95
    entries.extend(basic("B", ELEM, 1, "R1", "25", "25", "40")); // 90, same as C
    let r = run(&entries);
    let g = group(&r, ELEM);
    assert_eq!(
        summary(g),
        [
            s("A", 1, Some("special")),
            s("B", 2, Some("special")),
            s("C", 2, Some("special")),
            s("D", 4, Some("excellence")),
        ]
    );
    assert_eq!(g.vacant, Some(vec![0, 5, 9]));
}

#[test]
fn exact_means_tie_where_f64_would_not() {
    // Richness: A's reviewers give 45.5, 30.3, 42.0; B's 36.6, 44.1, 37.1. Both means are
    // 117.8 / 3 exactly (f64 says 39.266666666666666 vs 39.26666666666667).
    let mut entries = Vec::new();
    for (c, scores) in [("A", ["45.5", "30.3", "42.0"]), ("B", ["36.6", "44.1", "37.1"])] {
        for (i, sc) in scores.iter().enumerate() {
            entries.extend(basic(c, JUNIOR, 1, &format!("R{i}"), "25", "25", sc));
        }
    }
    // Totals 89.2666…: below 90, at least 80, so they tie for the 2 excellence places.
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(g.ranking[0].total, g.ranking[1].total);
    assert_eq!(g.ranking[0].total_display, "89.27");
    assert_eq!(summary(g), [s("A", 1, Some("excellence")), s("B", 1, Some("excellence"))]);

    // With one excellence place only, the exact tie needs a decision.
    let mut rules = SelectionRules::taoyuan_111();
    rules.groups[1].levels[1].quota = 1;
    let r = allocate(&rules, &entries);
    let g = group(&r, JUNIOR);
    assert_eq!(g.needs_decision, vec![vec!["A".to_string(), "B".to_string()]]);

    // One hundredth more for B breaks the tie.
    let mut entries2 = entries.clone();
    let last = entries2.iter_mut().rfind(|e| e.community == "B" && e.criterion == "richness").unwrap();
    last.score = dec("37.11");
    let r = allocate(&rules, &entries2);
    let g = group(&r, JUNIOR);
    assert_eq!(summary(g), [s("B", 1, Some("excellence")), s("A", 2, Some("merit"))]);
}

#[test]
fn total_79_995_displays_80_but_misses_80() {
    // Richness 40.00 and 39.99 → mean 39.995; total 79.995.
    let mut entries = basic("A", JUNIOR, 1, "R1", "20", "20", "40");
    entries.extend(basic("A", JUNIOR, 1, "R2", "20", "20", "39.99"));
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    let a = &g.ranking[0];
    assert_eq!(a.total_display, "80.00");
    assert_eq!(a.criteria[2].display, "40.00"); // 39.995 rounds half up
    assert_eq!(g.award_id(a), Some("merit"));
    assert_eq!(
        a.explanation[1],
        Step::Considered { level: 1, minimum: dec("80"), places_left: 2, outcome: Outcome::BelowMinimum }
    );
}

#[test]
fn minimum_reached_exactly() {
    let entries = basic_total("A", JUNIOR, "90");
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(g.award_id(&g.ranking[0]), Some("special"));
}

#[test]
fn vacancy_then_next_level_with_the_same_community() {
    let mut entries = basic_total("A", ELEM, "95");
    entries.extend(basic_total("B", ELEM, "85"));
    entries.extend(basic_total("C", ELEM, "72"));
    let r = run(&entries);
    let g = group(&r, ELEM);
    assert_eq!(summary(g), [s("A", 1, Some("special")), s("B", 2, Some("excellence")), s("C", 3, Some("merit")),]);
    // Special: 3 places, A takes one, B is below 90 → 2 vacant; B takes excellence; C is below
    // 80 → 5 excellence places vacant; C takes merit; 8 merit places vacant.
    assert_eq!(g.vacant, Some(vec![2, 5, 8]));
    assert_eq!(
        g.ranking[1].explanation,
        vec![
            Step::Considered { level: 0, minimum: dec("90"), places_left: 2, outcome: Outcome::BelowMinimum },
            Step::Considered { level: 1, minimum: dec("80"), places_left: 6, outcome: Outcome::Awarded },
        ]
    );
    assert_eq!(
        g.ranking[1].explanation_zh(g),
        ["特優（門檻 90 分，尚餘 2 名）：未達門檻，2 名從缺，改評下一等第", "優等（門檻 80 分，尚餘 6 名）：獲獎",]
    );
    assert_eq!(
        g.ranking[1].explanation_en(g),
        [
            "special (minimum 90, 2 places left): below the minimum: 2 left vacant, considered at the next level",
            "excellence (minimum 80, 6 places left): awarded",
        ]
    );
    // A community below the last minimum: no award, all levels passed.
    let mut entries = basic_total("A", JUNIOR, "60");
    entries.extend(basic_total("B", JUNIOR, "50"));
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(summary(g), [s("A", 1, None), s("B", 2, None)]);
    assert_eq!(g.vacant, Some(vec![1, 2, 3]));
    assert_eq!(g.ranking[0].explanation.len(), 4);
    assert_eq!(g.ranking[0].explanation[3], Step::NoLevelLeft);
    assert_eq!(g.ranking[1].explanation, vec![Step::NoLevelLeft]);
}

#[test]
fn places_used_up_move_the_next_community_down() {
    // Junior: 1 special, 2 excellence, 3 merit; everyone at 95 or above but distinct.
    let mut entries = Vec::new();
    for (i, c) in ["A", "B", "C", "D", "E", "F", "G"].iter().enumerate() {
        entries.extend(basic_total(c, JUNIOR, &format!("{}", 99 - i)));
    }
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(
        summary(g),
        [
            s("A", 1, Some("special")),
            s("B", 2, Some("excellence")),
            s("C", 3, Some("excellence")),
            s("D", 4, Some("merit")),
            s("E", 5, Some("merit")),
            s("F", 6, Some("merit")),
            s("G", 7, None),
        ]
    );
    assert_eq!(g.vacant, Some(vec![0, 0, 0]));
    assert_eq!(
        g.ranking[1].explanation_zh(g),
        ["特優（門檻 90 分，尚餘 0 名）：名額已滿，改評下一等第", "優等（門檻 80 分，尚餘 2 名）：獲獎",]
    );
    assert_eq!(
        g.ranking[6].explanation,
        vec![
            Step::Considered { level: 2, minimum: dec("70"), places_left: 0, outcome: Outcome::NoPlacesLeft },
            Step::NoLevelLeft
        ]
    );
}

#[test]
fn tie_straddling_the_places_left_needs_a_decision() {
    // Junior. A 85: special vacant (below 90), A takes excellence (1 left). B and C tie at 84
    // for 1 excellence place: stop. D (75) gets nothing either.
    let mut entries = basic_total("A", JUNIOR, "85");
    entries.extend(basic_total("C", JUNIOR, "84"));
    entries.extend(basic_total("B", JUNIOR, "84"));
    entries.extend(basic_total("D", JUNIOR, "75"));
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(summary(g), [s("A", 1, Some("excellence")), s("B", 2, None), s("C", 2, None), s("D", 4, None),]);
    assert_eq!(g.needs_decision, vec![vec!["B".to_string(), "C".to_string()]]);
    assert_eq!(g.vacant, None);
    assert_eq!(
        g.ranking[1].explanation.last(),
        Some(&Step::Considered {
            level: 1,
            minimum: dec("80"),
            places_left: 1,
            outcome: Outcome::NeedsDecision { tied: 2 }
        })
    );
    assert_eq!(
        g.ranking[2].explanation_zh(g).last().unwrap(),
        "優等（門檻 80 分，尚餘 1 名）：2 隊同分爭 1 名，需裁決"
    );
    assert_eq!(g.ranking[3].explanation, vec![Step::StoppedAbove]);
}

#[test]
fn tie_fully_fitting_takes_the_level() {
    // Junior: A 95 special; B and C tie at 88 for the 2 excellence places: both get it; D
    // (86) finds excellence full and takes merit.
    let mut entries = basic_total("A", JUNIOR, "95");
    entries.extend(basic_total("B", JUNIOR, "88"));
    entries.extend(basic_total("C", JUNIOR, "88"));
    entries.extend(basic_total("D", JUNIOR, "86"));
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(
        summary(g),
        [
            s("A", 1, Some("special")),
            s("B", 2, Some("excellence")),
            s("C", 2, Some("excellence")),
            s("D", 4, Some("merit")),
        ]
    );
    assert!(g.needs_decision.is_empty());
    assert_eq!(g.vacant, Some(vec![0, 0, 2]));
}

#[test]
fn tie_below_the_minimum_moves_down_together() {
    // Junior: B and C tie at 85 at special (1 place, minimum 90): both below, so special is
    // vacant and they both take excellence (2 places), not a decision.
    let mut entries = basic_total("C", JUNIOR, "85");
    entries.extend(basic_total("B", JUNIOR, "85"));
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(summary(g), [s("B", 1, Some("excellence")), s("C", 1, Some("excellence"))]);
    assert_eq!(g.vacant, Some(vec![1, 0, 3]));
    // Three tied at 75: below 90 and 80, then 3 merit places fit them all.
    let mut entries = Vec::new();
    for c in ["E", "F", "G"] {
        entries.extend(basic_total(c, JUNIOR, "75"));
    }
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert!(g.ranking.iter().all(|c| c.rank == 1 && g.award_id(c) == Some("merit")));
    assert_eq!(g.vacant, Some(vec![1, 2, 0]));
    // Four tied at 75 for 3 merit places: decision.
    entries.extend(basic_total("H", JUNIOR, "75"));
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(g.needs_decision.len(), 1);
    assert_eq!(g.needs_decision[0], ["E", "F", "G", "H"]);
    assert!(g.ranking.iter().all(|c| c.award.is_none()));
}

#[test]
fn a_tie_that_finds_no_places_moves_down_and_can_straddle_later() {
    // Junior: A 95 takes special. B, C, D tie at 93: special is full, 3 tied for 2
    // excellence places: decision; A keeps special.
    let mut entries = basic_total("A", JUNIOR, "95");
    for c in ["B", "C", "D"] {
        entries.extend(basic_total(c, JUNIOR, "93"));
    }
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(g.award_id(&g.ranking[0]), Some("special"));
    assert_eq!(g.needs_decision, vec![vec!["B", "C", "D"]]);
    assert_eq!(g.vacant, None);
    assert_eq!(
        g.ranking[1].explanation_en(g),
        [
            "special (minimum 90, 0 places left): no places left, considered at the next level",
            "excellence (minimum 80, 2 places left): 3 tied for 2: needs a decision",
        ]
    );
}

#[test]
fn a_level_with_no_places() {
    let mut rules = SelectionRules::taoyuan_111();
    rules.groups[1].levels[0].quota = 0;
    let entries = basic_total("A", JUNIOR, "99");
    let r = allocate(&rules, &entries);
    let g = group(&r, JUNIOR);
    assert_eq!(g.award_id(&g.ranking[0]), Some("excellence"));
    assert_eq!(g.vacant, Some(vec![0, 1, 3]));
}

#[test]
fn groups_in_plan_order_only_those_scored() {
    let mut entries = Vec::new();
    entries.push(entry("X", "advanced", 1, "R1", "written", "30"));
    entries.push(entry("X", "advanced", 1, "R1", "presentation", "50"));
    entries.extend(basic_total("A", ELEM, "90"));
    let r = run(&entries);
    let ids: Vec<_> = r.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(ids, ["basic-elementary", "advanced"]);
    let adv = group(&r, "advanced");
    assert_eq!(adv.name, "進階組");
    assert_eq!(adv.criteria.len(), 2);
    assert_eq!(adv.ranking[0].total_display, "80.00");
    assert!(run(&[]).groups.is_empty());
}

#[test]
fn input_order_does_not_matter() {
    let mut entries = Vec::new();
    for (i, c) in ["K", "A", "M", "C", "B"].iter().enumerate() {
        for rev in 0..3 {
            entries.extend(basic(
                c,
                ELEM,
                1 + (i as u32 % 2),
                &format!("R{rev}"),
                &format!("{}", 20 + rev),
                &format!("{}.5", 21 - i),
                &format!("{}.25", 40 + (i * rev) % 7),
            ));
        }
    }
    let base = run(&entries);
    let mut rotated = entries.clone();
    rotated.rotate_left(7);
    assert_eq!(run(&rotated), base);
    let mut reversed = entries.clone();
    reversed.reverse();
    assert_eq!(run(&reversed), base);
    // Interleave by stride.
    let strided: Vec<_> = (0..5).flat_map(|k| entries.iter().skip(k).step_by(5).cloned()).collect();
    assert_eq!(run(&strided), base);
}

#[test]
fn what_validation_would_refuse_is_handled_deterministically() {
    let mut entries = basic_total("A", JUNIOR, "90");
    entries.push(entry("A", "nonexistent", 1, "R1", "richness", "50"));
    entries.push(entry("A", JUNIOR, 1, "R1", "written", "40"));
    let r = run(&entries);
    assert_eq!(r.groups.len(), 1);
    assert_eq!(group(&r, JUNIOR).ranking[0].total_display, "90.00");

    // Missing criterion: counts 0, reviewers 0.
    let entries = vec![entry("B", JUNIOR, 1, "R1", "timeliness", "25"), entry("B", JUNIOR, 1, "R1", "richness", "50")];
    let r = run(&entries);
    let b = &group(&r, JUNIOR).ranking[0];
    assert_eq!(b.criteria[1].reviewers, 0);
    assert_eq!(b.criteria[1].display, "0.00");
    assert_eq!(b.total_display, "75.00");

    // Three decimals are rounded half up to hundredths.
    let mut entries = basic("C", JUNIOR, 1, "R1", "25", "25", "39.995");
    entries.extend(basic("D", JUNIOR, 1, "R1", "25", "25", "40.00"));
    let r = run(&entries);
    let g = group(&r, JUNIOR);
    assert_eq!(g.ranking[0].total, g.ranking[1].total);
}

#[test]
fn partitioning_does_not_change_the_result() {
    // Codes longer than 15 bytes and scores beyond i64 hundredths take the slow paths.
    let mut entries = Vec::new();
    for i in 0..300u32 {
        let code = if i % 7 == 0 { format!("a-very-long-community-code-{i:04}") } else { format!("C{i:03}") };
        let group = [ELEM, JUNIOR][(i % 2) as usize];
        for rev in 0..3u32 {
            let round = 1 + (i + rev) % 2;
            let r = format!("{}.{:02}", 30 + (i * 7 + rev * 3) % 20, (i * rev) % 100);
            entries.extend(basic(&code, group, round, &format!("R{rev}"), "20", "22.5", &r));
        }
    }
    entries.push(entry("C001", ELEM, 2, "R9", "richness", "100000000000000000000"));
    let base = allocate_in(&SelectionRules::taoyuan_111(), &entries, 0);
    for log2 in [1, 3, 6] {
        assert_eq!(allocate_in(&SelectionRules::taoyuan_111(), &entries, log2), base);
    }
    let huge = base.groups[0].ranking.iter().find(|c| c.community == "C001").unwrap();
    assert!(huge.total > Score::from_decimal(dec("33333333333333333333")));
    assert!(base.groups.iter().flat_map(|g| &g.ranking).any(|c| c.community.starts_with("a-very-long")));
}

#[test]
fn a_recorded_decision_orders_a_tied_block_and_allocation_goes_on() {
    // Two communities equal on everything for the one special place.
    let mut rules = SelectionRules::taoyuan_111();
    let e = |community: &str, criterion: &str, score: &str| ScoreEntry {
        community: community.into(),
        group: "basic-junior".into(),
        round: 1,
        reviewer: "R1".into(),
        criterion: criterion.into(),
        score: score.parse().unwrap(),
    };
    let mut entries = Vec::new();
    for c in ["J1", "J2"] {
        entries.push(e(c, "timeliness", "25"));
        entries.push(e(c, "completeness", "25"));
        entries.push(e(c, "richness", "45"));
    }
    let before = allocate(&rules, &entries);
    assert_eq!(before.groups[0].needs_decision, vec![vec!["J1".to_string(), "J2".to_string()]]);
    rules.groups[1].decided = vec!["J2".into(), "J1".into()];
    let after = allocate(&rules, &entries);
    let g = &after.groups[0];
    assert!(g.needs_decision.is_empty());
    let order: Vec<(&str, u32, Option<&str>)> =
        g.ranking.iter().map(|c| (c.community.as_str(), c.rank, g.award_id(c))).collect();
    assert_eq!(order, [("J2", 1, Some("special")), ("J1", 2, Some("excellence"))]);
}

#[test]
fn a_revoked_award_leaves_its_place_vacant_and_nobody_moves_up() {
    // 國中組 quotas 1 / 2 / 3: A special, B and C excellence, D merit.
    let mut entries = basic_total("A", JUNIOR, "95");
    entries.extend(basic_total("B", JUNIOR, "88"));
    entries.extend(basic_total("C", JUNIOR, "85"));
    entries.extend(basic_total("D", JUNIOR, "75"));
    let mut r = run(&entries);
    let g = r.groups.iter_mut().find(|g| g.group == JUNIOR).unwrap();
    assert_eq!(g.vacant, Some(vec![0, 0, 2]));
    assert_eq!(g.revoke("B"), Some(1));
    assert_eq!(
        summary(g),
        [s("A", 1, Some("special")), s("B", 2, None), s("C", 3, Some("excellence")), s("D", 4, Some("merit"))]
    );
    assert_eq!(g.vacant, Some(vec![0, 1, 2]), "B's place is vacant; D stays at merit");
    assert_eq!(g.revoke("B"), None, "nothing left to revoke");
    assert_eq!(g.revoke("Z"), None, "not in the group");
}
