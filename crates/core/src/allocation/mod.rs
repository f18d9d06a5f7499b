//! Scoring, ranking and award allocation (SPEC §5–§6): pure, exact and deterministic.
//!
//! The input is the plan's [`SelectionRules`] and the reviewers' [`ScoreEntry`] rows (one per
//! reviewer per criterion per round); [`allocate`] returns, per group, the ranking, each
//! community's award and the reason for it, the places left vacant (從缺) and the ties that
//! need a decision (需裁決). `docs/ALLOCATION.md` explains the rules with a worked example.
//!
//! # The rules
//!
//! 1. A community's result comes from the last (highest) round in which it was scored. For
//!    each criterion, its score is the mean of that round's reviewers who scored that
//!    criterion; the total is the sum of those means.
//! 2. Only communities scored in the group's last round compete for awards: they passed every
//!    cut. A community whose last round is earlier did not pass the cut (未進入複審; or, when
//!    the rules list it as passed, it awaits its scores): it is listed after the competitors
//!    with its earlier score and takes no place, and places nobody competing reaches are vacant.
//!    Within a group, communities scored in a later round rank above those whose last round is
//!    earlier; then the higher total ranks first; then the plan's tie-break criteria in order
//!    (each criterion's mean, higher first). Communities equal on all of these share a rank
//!    (1, 2, 2, 4) and are listed in community code order (byte order of the code).
//! 3. Allocation walks the ranking level by level, from the highest level down. A community
//!    takes a place at the current level when a place is left and its total reaches the
//!    level's minimum (≥). When it does not reach the minimum, the rest of that level is left
//!    vacant and the same community is considered at the next level. When the places of a
//!    level are used up, the next community is considered at the next level. After the last
//!    level, nobody gets an award. Vacant places never move to another level or group.
//! 4. A block of tied communities (same rank) that is larger than the places left at a level
//!    it reaches is never split by order or chance: allocation of that group stops there, the
//!    communities above keep their awards, the block and everyone below get no award, the
//!    block is listed in [`GroupResult::needs_decision`] and [`GroupResult::vacant`] is `None`.
//!
//! Every comparison (ranking, ties, minimums) is exact ([`Score`] is a fraction); only the
//! displayed values are rounded, to two decimals, half up: a total of 79.995 shows as "80.00"
//! and still does not reach a minimum of 80.
//!
//! # Input the engine does not judge
//!
//! The engine trusts its input to have been validated (the scores file reader in
//! `linxuan_docs::scores` refuses every problem with its line). What it does with input that
//! validation would refuse is fixed, so that the result is still deterministic:
//! entries of a group that is not in the rules, or of a criterion that is not one of its
//! group's, are ignored; a criterion nobody scored in the community's last round counts 0
//! (its `reviewers` is 0); a score with more than two decimals is rounded half up to
//! hundredths; repeated entries each count as one reviewer; a community scored in two groups
//! is ranked in both.

mod accumulate;
mod explain;
mod score;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;

use rust_decimal::Decimal;

use accumulate::{GroupAcc, accumulate, default_partitions_log2};
pub use score::Score;

/// What the plan says about scoring and awards: the groups (in plan order) and every criterion
/// of the plan with its track.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectionRules {
    /// The groups, in plan order; results come in this order.
    pub groups: Vec<GroupRules>,
    /// Every criterion of the plan, with its track: lets a reader say "criterion of another
    /// track" rather than "unknown criterion".
    pub criteria: Vec<CriterionInfo>,
}

/// One criterion of the plan, whatever its track.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionInfo {
    /// Plan id, e.g. `richness`.
    pub id: String,
    /// zh-TW name, e.g. 豐富性.
    pub name: String,
    /// Track id, e.g. `basic`.
    pub track: String,
}

/// The rules of one group: its criteria, its tie-break order and its award levels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupRules {
    /// Plan id, e.g. `basic-elementary`.
    pub id: String,
    /// zh-TW name, e.g. 國小組.
    pub name: String,
    /// English name, e.g. Elementary (empty: the id is used).
    pub name_en: String,
    /// Track id, e.g. `basic`.
    pub track: String,
    /// The track's review rounds by number (index 0 is round 1), for explanations: 初審, 複審.
    pub rounds: Vec<RoundName>,
    /// The communities the office's confirmed cut sent on to a round, when there is one. A
    /// community of this list not yet scored in that round is awaiting its scores rather than
    /// out. Without it, whoever was scored in the group's last round passed the cut.
    pub passed: Option<Passed>,
    /// The group's criteria, in plan order.
    pub criteria: Vec<CriterionRule>,
    /// Criterion ids, in tie-break order (ids that are not one of `criteria` are ignored).
    pub tie_break: Vec<String>,
    /// Award levels, from the highest (special) down.
    pub levels: Vec<LevelRule>,
    /// Community codes in the order the office decided for communities the rules leave tied
    /// (a recorded decision on a `needs_decision` block): the last tie-break, after every
    /// criterion. Codes absent from it stay tied as before.
    pub decided: Vec<String>,
}

/// A review round's names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundName {
    /// zh-TW, e.g. 複審.
    pub name: String,
    /// English, e.g. second round (empty: "round N").
    pub name_en: String,
}

/// Who passed the cut to a round (SPEC §5–§6): only they compete for awards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Passed {
    /// The round they went on to (2 for 複審).
    pub round: u32,
    /// Their community codes.
    pub communities: Vec<String>,
}

/// One criterion of a group and its maximum points.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CriterionRule {
    /// Plan id, e.g. `richness`.
    pub id: String,
    /// zh-TW name, e.g. 豐富性.
    pub name: String,
    /// English name, e.g. Richness (empty: the id is used).
    pub name_en: String,
    /// Maximum points of the criterion, e.g. 50.
    pub max_points: Decimal,
}

/// One award level of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelRule {
    /// `special`, `excellence` or `merit` (any id the plan uses).
    pub id: String,
    /// zh-TW name, e.g. 特優.
    pub name: String,
    /// English name, e.g. Special excellence (empty: the id is used).
    pub name_en: String,
    /// Number of places at this level in this group.
    pub quota: u32,
    /// Minimum total to take a place (reached when total ≥ minimum).
    pub minimum: Decimal,
}

/// One reviewer's score of one criterion of one community in one round.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScoreEntry {
    /// Community code.
    pub community: String,
    /// Group id (plan id).
    pub group: String,
    /// Review round: 1, 2, …
    pub round: u32,
    /// Reviewer (any stable identifier).
    pub reviewer: String,
    /// Criterion id (plan id).
    pub criterion: String,
    /// Points, at most two decimal places.
    pub score: Decimal,
}

impl SelectionRules {
    /// The group with this id.
    pub fn group(&self, id: &str) -> Option<&GroupRules> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The plan criterion with this id (the first, if ids repeat across tracks).
    pub fn criterion(&self, id: &str) -> Option<&CriterionInfo> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

impl GroupRules {
    /// The group's criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&CriterionRule> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// The result of [`allocate`]: one entry per group that had scores, in plan order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationResult {
    pub groups: Vec<GroupResult>,
}

/// A group's ranking and awards. Self-describing: it carries the group's criteria and levels,
/// so that writers and the UI need nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupResult {
    /// Group id.
    pub group: String,
    /// Group name (zh-TW).
    pub name: String,
    /// Group name in English (empty: the id is used).
    pub name_en: String,
    /// Track id.
    pub track: String,
    /// The track's review rounds by number (index 0 is round 1).
    pub rounds: Vec<RoundName>,
    /// The group's criteria, in plan order; [`RankedCommunity::criteria`] follows this order.
    pub criteria: Vec<CriterionHeader>,
    /// The group's levels, highest first; [`RankedCommunity::award`], [`Step::Considered`] and
    /// [`GroupResult::vacant`] index into this.
    pub levels: Vec<LevelInfo>,
    /// The ranking, best first; tied communities in community code order.
    pub ranking: Vec<RankedCommunity>,
    /// Tied blocks that need a decision (community codes in code order). At most one block:
    /// allocation of the group stops at the first.
    pub needs_decision: Vec<Vec<String>>,
    /// Places left vacant (從缺) per level, in level order; `None` when the group needs a
    /// decision (its vacancies are not known yet).
    pub vacant: Option<Vec<u32>>,
}

/// A criterion of a group, as shown in results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionHeader {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub max_points: Decimal,
}

/// An award level of a group, as shown in results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelInfo {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub quota: u32,
    pub minimum: Decimal,
}

/// One community in a group's ranking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedCommunity {
    /// Community code.
    pub community: String,
    /// Rank, 1-based; tied communities share it (1, 2, 2, 4).
    pub rank: u32,
    /// The round the result comes from (the community's last round).
    pub round: u32,
    /// Whether it competes for awards: only communities scored in the group's last round do
    /// (they passed every cut); the others are listed with their earlier score and take no
    /// place.
    pub standing: Standing,
    /// Exact total (sum of the criterion means).
    pub total: Score,
    /// The total as displayed: two decimals, rounded half up.
    pub total_display: String,
    /// Criterion means, in the order of [`GroupResult::criteria`].
    pub criteria: Vec<CriterionMean>,
    /// Index into [`GroupResult::levels`] of the award, or `None`.
    pub award: Option<usize>,
    /// Why: every level this community was considered at, in order, with what happened.
    pub explanation: Vec<Step>,
}

/// Whether a community competes for the group's awards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Scored in the group's last round: it competes.
    Competes,
    /// It did not pass the cut to `round` (未進入複審): listed with its earlier score, no place.
    NotPassed { round: u32 },
    /// It passed the cut to `round` but has no score there yet: no award until it has.
    Awaiting { round: u32 },
}

impl Standing {
    pub fn competes(self) -> bool {
        self == Standing::Competes
    }
}

/// The mean of one criterion over the reviewers of the community's last round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriterionMean {
    /// Exact mean.
    pub mean: Score,
    /// Displayed mean: two decimals, rounded half up (independently of the total).
    pub display: String,
    /// How many scores the mean is over (0: nobody scored it; the mean is then 0).
    pub reviewers: u32,
}

/// One line of a community's explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The community was considered at a level.
    Considered {
        /// Index into [`GroupResult::levels`].
        level: usize,
        /// That level's minimum.
        minimum: Decimal,
        /// Places left at that level at that moment.
        places_left: u32,
        /// What happened.
        outcome: Outcome,
    },
    /// Every level was already passed: no award.
    NoLevelLeft,
    /// Allocation stopped at an undecided tie ranked above: no award until it is decided.
    StoppedAbove,
    /// The community did not pass the cut to `round`: it takes no place.
    NotPassed { round: u32 },
    /// The community passed the cut to `round` and awaits its scores there: no award yet.
    Awaiting { round: u32 },
}

/// What happened when a community was considered at a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It took a place at this level.
    Awarded,
    /// Its total is below the minimum: the places left at this level stay vacant, and the
    /// community is considered at the next level.
    BelowMinimum,
    /// No place was left at this level: the community is considered at the next level.
    NoPlacesLeft,
    /// It is one of `tied` communities sharing a rank, more than the places left: allocation
    /// of the group stops here.
    NeedsDecision { tied: u32 },
}

impl GroupResult {
    /// The id of a community's award level, if any.
    pub fn award_id(&self, community: &RankedCommunity) -> Option<&str> {
        community.award.map(|l| self.levels[l].id.as_str())
    }

    /// The zh-TW name of a community's award level, if any.
    pub fn award_name(&self, community: &RankedCommunity) -> Option<&str> {
        community.award.map(|l| self.levels[l].name.as_str())
    }

    /// Vacant places per level as `(level id, count)`, in level order; `None` when the group
    /// needs a decision.
    pub fn vacant_by_level(&self) -> Option<Vec<(&str, u32)>> {
        let vacant = self.vacant.as_ref()?;
        Some(self.levels.iter().zip(vacant).map(|(l, &n)| (l.id.as_str(), n)).collect())
    }

    /// Revokes a community's award (SPEC §6, infringement): its place becomes vacant and
    /// nobody moves up. Returns the level revoked, if the community had an award.
    pub fn revoke(&mut self, community: &str) -> Option<usize> {
        let ranked = self.ranking.iter_mut().find(|c| c.community == community)?;
        let level = ranked.award.take()?;
        if let Some(vacant) = self.vacant.as_mut().and_then(|v| v.get_mut(level)) {
            *vacant += 1;
        }
        Some(level)
    }
}

/// A community of a group being ranked.
struct Candidate {
    round: u32,
    /// Total in hundredths of a point (only compared; converted to points for output).
    total: Score,
    /// Index of the community's row in the group accumulator.
    slot: usize,
}

/// Scores, ranks and allocates awards: see the [module documentation](self) for the rules.
///
/// Groups come in plan order, only those with at least one entry. The order of `entries` does
/// not matter: the same entries in any order give the same result.
///
/// # Panics
///
/// Only beyond any real selection: if a total cannot be represented exactly with 128-bit
/// integers (a community's per-criterion reviewer counts would need a least common multiple
/// above ~10^30), with 2^32 entries or more, or with 2^16 groups or criteria in a group or more.
pub fn allocate(rules: &SelectionRules, entries: &[ScoreEntry]) -> AllocationResult {
    allocate_in(rules, entries, default_partitions_log2(entries.len()))
}

/// [`allocate`] with a given number of partitions (log2) for gathering the entries.
fn allocate_in(rules: &SelectionRules, entries: &[ScoreEntry], partitions_log2: u32) -> AllocationResult {
    let accs = accumulate(rules, entries, partitions_log2);
    let groups = rules
        .groups
        .iter()
        .zip(accs)
        .filter(|(_, acc)| !acc.communities.is_empty())
        .map(|(rules, acc)| group_result(rules, acc))
        .collect();
    AllocationResult { groups }
}

const OVERFLOW: &str = "score arithmetic out of range: a community's per-criterion reviewer \
                        counts have a least common multiple above ~10^30";

/// Converts a score in hundredths of a point to points.
fn to_points(hundredths: Score) -> Score {
    match hundredths.denominator().checked_mul(100) {
        Some(den) => Score::from_fraction(hundredths.numerator(), den),
        None => {
            let r = hundredths.reduced();
            let den = r.denominator().checked_mul(100).expect(OVERFLOW);
            Score::from_fraction(r.numerator(), den)
        }
    }
}

fn group_result(rules: &GroupRules, acc: GroupAcc) -> GroupResult {
    let width = acc.width;
    let n = acc.communities.len();

    // Means in hundredths of a point: sum / count.
    let means: Vec<Score> = acc
        .sums
        .iter()
        .zip(&acc.counts)
        .map(|(&s, &c)| if c == 0 { Score::ZERO } else { Score::from_fraction(s, i128::from(c)) })
        .collect();
    let mut candidates: Vec<Candidate> = (0..n)
        .map(|slot| {
            let total = means[slot * width..(slot + 1) * width]
                .iter()
                .try_fold(Score::ZERO, |t, m| t.checked_add(*m))
                .expect(OVERFLOW);
            Candidate { round: acc.rounds[slot], total, slot }
        })
        .collect();

    let tie_break: Vec<usize> =
        rules.tie_break.iter().filter_map(|id| rules.criteria.iter().position(|c| c.id == *id)).collect();
    // The office's decided order: present codes first, in that order; absent ones equal.
    let decided: Vec<usize> = acc
        .communities
        .iter()
        .map(|code| rules.decided.iter().position(|d| d == code).unwrap_or(rules.decided.len()))
        .collect();
    let rank_cmp = |a: &Candidate, b: &Candidate| -> Ordering {
        b.round.cmp(&a.round).then_with(|| b.total.cmp(&a.total)).then_with(|| {
            for &t in &tie_break {
                let o = means[b.slot * width + t].cmp(&means[a.slot * width + t]);
                if o != Ordering::Equal {
                    return o;
                }
            }
            decided[a.slot].cmp(&decided[b.slot])
        })
    };
    // Codes are unique within a group, so the order is total and an unstable sort is
    // deterministic.
    let codes = &acc.communities;
    candidates.sort_unstable_by(|a, b| rank_cmp(a, b).then_with(|| codes[a.slot].cmp(&codes[b.slot])));

    // Blocks of equal rank: [start, end).
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for i in 1..=n {
        if i == n || rank_cmp(&candidates[start], &candidates[i]) != Ordering::Equal {
            blocks.push((start, i));
            start = i;
        }
    }

    let levels = &rules.levels;
    // Minimums in hundredths of a point, like the totals they are compared with.
    let minimums: Vec<Score> = levels
        .iter()
        .map(|l| Score::from_fraction(l.minimum.mantissa() * 100, 10i128.pow(l.minimum.scale())))
        .collect();
    let quota = |level: usize| levels.get(level).map_or(0, |l| l.quota);
    let mut awards: Vec<Option<usize>> = vec![None; n];
    let mut explanations: Vec<Vec<Step>> = vec![Vec::new(); n];
    let mut awarded = vec![0u32; levels.len()];
    let mut needs_decision: Vec<Vec<String>> = Vec::new();
    let mut level = 0;
    let mut left = quota(0);
    // The group's last round: scored by someone, or the round the confirmed cut sent
    // communities on to. Only communities scored in it compete (rule 2).
    let final_round =
        candidates.iter().map(|c| c.round).chain(rules.passed.as_ref().map(|p| p.round)).max().unwrap_or(1);
    let standing_of = |c: &Candidate| {
        if c.round >= final_round {
            Standing::Competes
        } else if rules
            .passed
            .as_ref()
            .is_some_and(|p| p.round == final_round && p.communities.contains(&codes[c.slot]))
        {
            Standing::Awaiting { round: final_round }
        } else {
            Standing::NotPassed { round: final_round }
        }
    };
    let mut standings: Vec<Standing> = vec![Standing::Competes; n];
    for &(start, end) in &blocks {
        let size = (end - start) as u32;
        let total = candidates[start].total;
        let mut steps = Vec::new();
        let mut award = None;
        // A block shares its round (the ranking's first key), so it competes or not whole;
        // those out of competition may still differ (awaiting or not passed), one by one.
        if !standing_of(&candidates[start]).competes() {
            for i in start..end {
                standings[i] = standing_of(&candidates[i]);
                explanations[i] = vec![match standings[i] {
                    Standing::Awaiting { round } => Step::Awaiting { round },
                    Standing::NotPassed { round } => Step::NotPassed { round },
                    Standing::Competes => Step::NotPassed { round: final_round },
                }];
            }
            continue;
        }
        if !needs_decision.is_empty() {
            steps.push(Step::StoppedAbove);
        } else {
            loop {
                if level >= levels.len() {
                    steps.push(Step::NoLevelLeft);
                    break;
                }
                let considered =
                    |outcome| Step::Considered { level, minimum: levels[level].minimum, places_left: left, outcome };
                if left == 0 {
                    steps.push(considered(Outcome::NoPlacesLeft));
                } else if total < minimums[level] {
                    steps.push(considered(Outcome::BelowMinimum));
                } else if size <= left {
                    steps.push(considered(Outcome::Awarded));
                    award = Some(level);
                    awarded[level] += size;
                    left -= size;
                    break;
                } else {
                    steps.push(considered(Outcome::NeedsDecision { tied: size }));
                    // Already in code order: ties are sorted by code.
                    let block = candidates[start..end].iter().map(|c| codes[c.slot].clone()).collect();
                    needs_decision.push(block);
                    break;
                }
                level += 1;
                left = quota(level);
            }
        }
        awards[start..end].fill(award);
        for e in &mut explanations[start + 1..end] {
            e.clone_from(&steps);
        }
        explanations[start] = steps;
    }

    let vacant = needs_decision
        .is_empty()
        .then(|| levels.iter().zip(&awarded).map(|(l, &a)| l.quota.saturating_sub(a)).collect());

    let counts = acc.counts;
    let mut communities = acc.communities;
    let mut ranking = Vec::with_capacity(n);
    for &(start, end) in &blocks {
        let rank = start as u32 + 1;
        for i in start..end {
            let c = &candidates[i];
            let total = to_points(c.total);
            let criteria = (0..width)
                .map(|k| {
                    let cell = c.slot * width + k;
                    let mean = to_points(means[cell]);
                    CriterionMean { display: mean.display_2dp(), mean, reviewers: counts[cell] }
                })
                .collect();
            ranking.push(RankedCommunity {
                community: std::mem::take(&mut communities[c.slot]),
                rank,
                round: c.round,
                standing: standings[i],
                total_display: total.display_2dp(),
                total,
                criteria,
                award: awards[i],
                explanation: std::mem::take(&mut explanations[i]),
            });
        }
    }

    GroupResult {
        group: rules.id.clone(),
        name: rules.name.clone(),
        name_en: rules.name_en.clone(),
        track: rules.track.clone(),
        rounds: rules.rounds.clone(),
        criteria: rules
            .criteria
            .iter()
            .map(|c| CriterionHeader {
                id: c.id.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
                max_points: c.max_points,
            })
            .collect(),
        levels: levels
            .iter()
            .map(|l| LevelInfo {
                id: l.id.clone(),
                name: l.name.clone(),
                name_en: l.name_en.clone(),
                quota: l.quota,
                minimum: l.minimum,
            })
            .collect(),
        ranking,
        needs_decision,
        vacant,
    }
}
