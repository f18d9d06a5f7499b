//! Allocation at national scale: 100,000 communities × 5 reviewers × 3 criteria = 1.5M score
//! entries, generated deterministically (a linear congruential generator, no `rand`).
//!
//! Run: `cargo bench -p linxuan-core --bench allocation` (see docs/PERFORMANCE-allocation.md).

use divan::{Bencher, black_box};
use linxuan_core::allocation::{
    CriterionInfo, CriterionRule, GroupRules, LevelRule, ScoreEntry, SelectionRules, allocate,
};
use rust_decimal::Decimal;

fn main() {
    divan::main();
}

const COMMUNITIES: usize = 100_000;
const REVIEWERS: usize = 5;

/// Knuth's MMIX linear congruential generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The 111 plan's basic track, scaled to a nation: two basic groups with 10× the quotas.
fn rules() -> SelectionRules {
    let crit = |id: &str, name: &str, max: u32| CriterionRule {
        id: id.into(),
        name: name.into(),
        max_points: Decimal::from(max),
        ..Default::default()
    };
    let levels = |q: [u32; 3]| {
        [("special", "特優", 90), ("excellence", "優等", 80), ("merit", "甲等", 70)]
            .iter()
            .zip(q)
            .map(|(&(id, name, min), quota)| LevelRule {
                id: id.into(),
                name: name.into(),
                quota,
                minimum: Decimal::from(min),
                ..Default::default()
            })
            .collect()
    };
    let group = |id: &str, name: &str, q| GroupRules {
        id: id.into(),
        name: name.into(),
        track: "basic".into(),
        criteria: vec![
            crit("timeliness", "及時性", 25),
            crit("completeness", "完整性", 25),
            crit("richness", "豐富性", 50),
        ],
        tie_break: vec!["richness".into(), "completeness".into(), "timeliness".into()],
        levels: levels(q),
        ..Default::default()
    };
    SelectionRules {
        groups: vec![group("basic-elementary", "國小組", [30, 60, 90]), group("basic-junior", "國中組", [10, 20, 30])],
        criteria: ["timeliness", "completeness", "richness"]
            .iter()
            .map(|id| CriterionInfo { id: (*id).into(), name: (*id).into(), track: "basic".into() })
            .collect(),
    }
}

/// One score before it becomes a [`ScoreEntry`]: community, reviewer, criterion, half-points.
type Row = (u32, u16, u8, u16);

const CRITERIA: [(&str, u64); 3] = [("timeliness", 25), ("completeness", 25), ("richness", 50)];

/// `communities` × 5 reviewers × 3 criteria scores, community by community.
fn rows(communities: usize) -> Vec<Row> {
    let mut rng = Lcg(111);
    let mut out = Vec::with_capacity(communities * REVIEWERS * CRITERIA.len());
    for c in 0..communities {
        for _ in 0..REVIEWERS {
            let reviewer = rng.below(2_000) as u16;
            for (k, (_, max)) in CRITERIA.iter().enumerate() {
                // Half points from 60% to 100% of the maximum: many ties.
                let low = max * 2 * 6 / 10;
                let halves = low + rng.below(max * 2 - low + 1);
                out.push((c as u32, reviewer, k as u8, halves as u16));
            }
        }
    }
    out
}

/// The entries, in the order of `rows`, built in that order (so that their strings lie in
/// memory in file order, as when a reader builds them from a file).
fn entries_of(rows: &[Row]) -> Vec<ScoreEntry> {
    rows.iter()
        .map(|&(c, reviewer, k, halves)| ScoreEntry {
            community: format!("C{c:06}"),
            group: if c % 3 == 0 { "basic-junior" } else { "basic-elementary" }.into(),
            round: 2,
            reviewer: format!("R{reviewer:04}"),
            criterion: CRITERIA[usize::from(k)].0.into(),
            score: Decimal::new(i64::from(halves) * 5, 1),
        })
        .collect()
}

/// Community by community, as a review system exports per community.
fn entries(communities: usize) -> Vec<ScoreEntry> {
    entries_of(&rows(communities))
}

/// Reviewer by reviewer: each reviewer's communities are scattered over the file.
fn by_reviewer(communities: usize) -> Vec<ScoreEntry> {
    let mut rows = rows(communities);
    rows.sort_by_key(|&(c, reviewer, k, _)| (reviewer, c, k));
    entries_of(&rows)
}

/// In a pseudo-random order (Fisher–Yates with the LCG).
fn shuffled(communities: usize) -> Vec<ScoreEntry> {
    let mut rows = rows(communities);
    let mut rng = Lcg(7);
    for i in (1..rows.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        rows.swap(i, j);
    }
    entries_of(&rows)
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn national_1_5m_entries_by_community(bencher: Bencher) {
    let rules = rules();
    let entries = entries(COMMUNITIES);
    bencher.bench_local(|| allocate(black_box(&rules), black_box(&entries)));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn national_1_5m_entries_by_reviewer(bencher: Bencher) {
    let rules = rules();
    let entries = by_reviewer(COMMUNITIES);
    bencher.bench_local(|| allocate(black_box(&rules), black_box(&entries)));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn national_1_5m_entries_shuffled(bencher: Bencher) {
    let rules = rules();
    let entries = shuffled(COMMUNITIES);
    bencher.bench_local(|| allocate(black_box(&rules), black_box(&entries)));
}

/// Taoyuan scale: 48 communities × 5 reviewers × 3 criteria.
#[divan::bench]
fn taoyuan_48_communities(bencher: Bencher) {
    let rules = rules();
    let entries = entries(48);
    bencher.bench_local(|| allocate(black_box(&rules), black_box(&entries)));
}
