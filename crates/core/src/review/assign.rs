//! Assigning reviewers to communities for one round (issue 5, SPEC §5): every community gets
//! the round's number of reviewers, nobody reviews a community they have a conflict with, and
//! the loads are balanced — no reviewer has more than one community more than another.
//!
//! # How
//!
//! A maximum flow (source → community → reviewer → sink, see `flow`) rather than a greedy
//! pass: greedy can hand the only reviewer a later community could have to an earlier one and
//! then report "impossible" when a solution exists. The reviewers' caps are raised one unit at
//! a time, so the loads come out as even as they can be: when loads that differ by at most one
//! are possible, they are what [`assign`] returns; when kept pairs or conflicts make that
//! impossible, the result still has the smallest possible maximum load and, among those, no
//! reviewer below the largest possible minimum, and [`Assignment::imbalance`] says so and why.
//!
//! # Repeatable
//!
//! The input slices are read as sets: their order and any repeats do not matter. Each
//! community tries its reviewers in an order fixed by a hash of (community id, reviewer id), so
//! that the same input always gives the same assignment, and yet a community's reviewers are
//! not simply the next ones by id: panels mix, a reviewer shares communities with many
//! colleagues, which is what the leniency statistic ([`stats`](super::stats)) compares.

use std::fmt;

use super::flow;

/// What [`assign`] needs for one round of one group (or of all groups at once: the assignment
/// does not look at groups).
#[derive(Clone, Copy, Debug, Default)]
pub struct AssignRequest<'a> {
    /// Community ids to cover in this round.
    pub communities: &'a [i32],
    /// Reviewer (user) ids available in this round.
    pub reviewers: &'a [i32],
    /// Reviewers each community needs (1 in round 1 and 3 in round 2 of the 111 plan).
    pub per_community: usize,
    /// `(community, reviewer)` pairs that must never be assigned (same school, declared, added
    /// by the office). Pairs naming communities or reviewers outside the round are ignored.
    pub conflicts: &'a [(i32, i32)],
    /// `(community, reviewer)` pairs already assigned that must stay (manual assignments,
    /// reviews already started).
    pub keep: &'a [(i32, i32)],
}

/// A complete assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// `(community, reviewer)` pairs, kept pairs included, sorted.
    pub pairs: Vec<(i32, i32)>,
    /// Every reviewer of the round with their load, by reviewer id (reviewers with no
    /// community included, with load 0).
    pub loads: Vec<ReviewerLoad>,
    /// `None` when loads differ by at most one; otherwise how far from even the best
    /// assignment is, and who is off.
    pub imbalance: Option<Imbalance>,
}

/// A reviewer's load in an [`Assignment`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewerLoad {
    pub reviewer: i32,
    /// Communities assigned, kept ones included.
    pub load: usize,
    /// Of which kept.
    pub kept: usize,
    /// Communities of the round this reviewer has no conflict with: the most they could take.
    pub eligible: usize,
}

/// Why the loads of an [`Assignment`] differ by more than one. The assignment is still as even
/// as the kept pairs and conflicts allow: no complete assignment has a smaller `max` or a larger
/// `min`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imbalance {
    /// Smallest and largest load.
    pub min: usize,
    pub max: usize,
    /// The even loads: `floor` and `ceil` of (reviews needed ÷ reviewers).
    pub low: usize,
    pub high: usize,
    /// Reviewers below `low` (usually: conflicts leave them too few communities).
    pub below: Vec<ReviewerLoad>,
    /// Reviewers above `high` (kept pairs, or others who cannot take their share).
    pub above: Vec<ReviewerLoad>,
}

/// Everything that makes an assignment impossible, in a fixed order: reviewers overall, kept
/// pairs (by community, reviewer), then communities short of reviewers (by community).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignError {
    pub problems: Vec<AssignProblem>,
}

/// One reason an assignment is impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignProblem {
    /// Fewer reviewers in the round than each community needs.
    TooFewReviewers { needed: usize, available: usize },
    /// A kept pair names a community that is not in the round.
    KeptUnknownCommunity { community: i32, reviewer: i32 },
    /// A kept pair names a reviewer who is not in the round.
    KeptUnknownReviewer { community: i32, reviewer: i32 },
    /// A kept pair is a conflict.
    KeptConflict { community: i32, reviewer: i32 },
    /// A community has more kept reviewers than it needs.
    TooManyKept { community: i32, kept: usize, needed: usize },
    /// A community has fewer reviewers without a conflict than it needs.
    Shortage { community: i32, available: usize, needed: usize },
}

/// Assigns `per_community` distinct reviewers to every community: see the
/// [module documentation](self).
///
/// # Errors
///
/// Every [`AssignProblem`] found; when there is none, an assignment always exists and is
/// returned (perhaps with an [`Imbalance`]).
///
/// # Panics
///
/// With 2^32 communities or (community, reviewer) pairs or more.
pub fn assign(req: &AssignRequest) -> Result<Assignment, AssignError> {
    let communities = sorted_set(req.communities);
    let reviewers = sorted_set(req.reviewers);
    let conflicts = sorted_set(req.conflicts);
    let keep = sorted_set(req.keep);
    let k = req.per_community;
    let is_conflict = |pair: &(i32, i32)| conflicts.binary_search(pair).is_ok();
    let community_index = |c: i32| communities.binary_search(&c).ok();
    let reviewer_index = |r: i32| reviewers.binary_search(&r).ok();

    let mut problems = Vec::new();
    if k > 0 && !communities.is_empty() && reviewers.len() < k {
        problems.push(AssignProblem::TooFewReviewers { needed: k, available: reviewers.len() });
    }

    // Kept pairs: valid ones become preloads.
    let mut kept_of_community = vec![0usize; communities.len()];
    let mut kept_of_reviewer = vec![0usize; reviewers.len()];
    for &(community, reviewer) in &keep {
        let (ci, ri) = (community_index(community), reviewer_index(reviewer));
        if ci.is_none() {
            problems.push(AssignProblem::KeptUnknownCommunity { community, reviewer });
        } else if ri.is_none() {
            problems.push(AssignProblem::KeptUnknownReviewer { community, reviewer });
        } else if is_conflict(&(community, reviewer)) {
            problems.push(AssignProblem::KeptConflict { community, reviewer });
        }
        if let (Some(ci), Some(ri)) = (ci, ri) {
            kept_of_community[ci] += 1;
            kept_of_reviewer[ri] += 1;
        }
    }
    for (ci, &kept) in kept_of_community.iter().enumerate() {
        if kept > k {
            problems.push(AssignProblem::TooManyKept { community: communities[ci], kept, needed: k });
        }
    }

    // Who may review what. Conflicts are sorted by community, so each community's are a run.
    let mut eligible = vec![0usize; reviewers.len()];
    let mut allowed: Vec<Vec<u32>> = Vec::with_capacity(communities.len());
    let mut demand: Vec<u32> = Vec::with_capacity(communities.len());
    let too_few_overall = !problems.is_empty() && matches!(problems[0], AssignProblem::TooFewReviewers { .. });
    for (ci, &community) in communities.iter().enumerate() {
        let from = conflicts.partition_point(|&(c, _)| c < community);
        let to = conflicts.partition_point(|&(c, _)| c <= community);
        let conflicted = &conflicts[from..to];
        let kept_from = keep.partition_point(|&(c, _)| c < community);
        let kept_to = keep.partition_point(|&(c, _)| c <= community);
        let kept = &keep[kept_from..kept_to];
        let mut mine: Vec<(u64, u32)> = Vec::new();
        let mut available = 0;
        for (ri, &reviewer) in reviewers.iter().enumerate() {
            if conflicted.binary_search(&(community, reviewer)).is_ok() {
                continue;
            }
            available += 1;
            eligible[ri] += 1;
            if kept.binary_search(&(community, reviewer)).is_err() {
                mine.push((mix(community, reviewer), ri as u32));
            }
        }
        if available < k && !too_few_overall {
            problems.push(AssignProblem::Shortage { community, available, needed: k });
        }
        mine.sort_unstable();
        allowed.push(mine.into_iter().map(|(_, ri)| ri).collect());
        demand.push(k.saturating_sub(kept_of_community[ci]) as u32);
    }
    if !problems.is_empty() {
        return Err(AssignError { problems });
    }

    let preload: Vec<u32> = kept_of_reviewer.iter().map(|&n| n as u32).collect();
    let max_load = u32::try_from(communities.len()).expect("at most 2^32 - 1 communities");
    let matching = flow::balanced(&demand, &allowed, &preload, max_load);
    // Every community has `k` reviewers without a conflict and a reviewer may take every
    // community, so a complete assignment exists and the maximum flow finds it.
    assert!(matching.complete, "an assignment exists when no problem is found");

    let mut pairs = keep;
    for (ci, chosen) in matching.chosen.iter().enumerate() {
        pairs.extend(chosen.iter().map(|&ri| (communities[ci], reviewers[ri as usize])));
    }
    pairs.sort_unstable();
    let loads: Vec<ReviewerLoad> = reviewers
        .iter()
        .enumerate()
        .map(|(ri, &reviewer)| ReviewerLoad {
            reviewer,
            load: matching.loads[ri] as usize,
            kept: kept_of_reviewer[ri],
            eligible: eligible[ri],
        })
        .collect();
    let imbalance = imbalance(&loads, communities.len() * k);
    Ok(Assignment { pairs, loads, imbalance })
}

/// The [`Imbalance`] of `loads` for `total` reviews, if their loads differ by more than one.
fn imbalance(loads: &[ReviewerLoad], total: usize) -> Option<Imbalance> {
    let min = loads.iter().map(|l| l.load).min()?;
    let max = loads.iter().map(|l| l.load).max()?;
    if max - min <= 1 {
        return None;
    }
    let (low, high) = (total / loads.len(), total.div_ceil(loads.len()));
    Some(Imbalance {
        min,
        max,
        low,
        high,
        below: loads.iter().filter(|l| l.load < low).copied().collect(),
        above: loads.iter().filter(|l| l.load > high).copied().collect(),
    })
}

/// The order a community tries its reviewers in: a fixed hash (SplitMix64's finaliser) of the
/// pair, the same on every platform and in every version.
fn mix(community: i32, reviewer: i32) -> u64 {
    let mut z = (u64::from(community as u32) << 32 | u64::from(reviewer as u32)).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn sorted_set<T: Ord + Copy>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// The result of [`swap`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swapped {
    /// The new `(community, reviewer)` pairs, sorted.
    pub pairs: Vec<(i32, i32)>,
    /// The new loads of the reviewer taken off and of the one put on.
    pub from_load: usize,
    pub to_load: usize,
}

/// Why [`swap`] refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SwapError {
    /// The two reviewers are the same.
    SameReviewer { reviewer: i32 },
    /// `from` does not review the community.
    NotAssigned { community: i32, reviewer: i32 },
    /// `to` has a conflict with the community.
    Conflict { community: i32, reviewer: i32 },
    /// `to` already reviews the community.
    AlreadyAssigned { community: i32, reviewer: i32 },
}

/// Replaces reviewer `from` of `community` by reviewer `to` (the office's swap in the matrix).
/// Loads may move by one each; [`Swapped`] has them. The order of `assignments` does not
/// matter and repeated pairs count once.
pub fn swap(
    assignments: &[(i32, i32)],
    community: i32,
    from: i32,
    to: i32,
    conflicts: &[(i32, i32)],
) -> Result<Swapped, SwapError> {
    if from == to {
        return Err(SwapError::SameReviewer { reviewer: from });
    }
    let mut pairs = sorted_set(assignments);
    let Ok(at) = pairs.binary_search(&(community, from)) else {
        return Err(SwapError::NotAssigned { community, reviewer: from });
    };
    if conflicts.contains(&(community, to)) {
        return Err(SwapError::Conflict { community, reviewer: to });
    }
    if pairs.binary_search(&(community, to)).is_ok() {
        return Err(SwapError::AlreadyAssigned { community, reviewer: to });
    }
    pairs.remove(at);
    let new = pairs.binary_search(&(community, to)).unwrap_err();
    pairs.insert(new, (community, to));
    let load = |r: i32| pairs.iter().filter(|&&(_, x)| x == r).count();
    Ok(Swapped { from_load: load(from), to_load: load(to), pairs })
}

impl AssignProblem {
    /// The problem in Traditional Chinese (zh-TW).
    pub fn message_zh(&self) -> String {
        use AssignProblem::*;
        match *self {
            TooFewReviewers { needed, available } => {
                format!("每個社群需要 {needed} 位審查委員，本輪只有 {available} 位委員。")
            }
            KeptUnknownCommunity { community, reviewer } => {
                format!("保留的指派（社群 {community}、委員 {reviewer}）：社群 {community} 不在本輪。")
            }
            KeptUnknownReviewer { community, reviewer } => {
                format!("保留的指派（社群 {community}、委員 {reviewer}）：委員 {reviewer} 不在本輪。")
            }
            KeptConflict { community, reviewer } => {
                format!("保留的指派（社群 {community}、委員 {reviewer}）須利益迴避，不可指派。")
            }
            TooManyKept { community, kept, needed } => {
                format!("社群 {community} 保留了 {kept} 位委員，多於每個社群的 {needed} 位。")
            }
            Shortage { community, available, needed } => {
                format!("社群 {community} 只有 {available} 位委員無須迴避，需要 {needed} 位。")
            }
        }
    }
}

impl fmt::Display for AssignProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AssignProblem::*;
        match *self {
            TooFewReviewers { needed, available } => write!(
                f,
                "each community needs {needed} {}, but the round has only {available}",
                plural(needed, "reviewer", "reviewers")
            ),
            KeptUnknownCommunity { community, reviewer } => {
                write!(
                    f,
                    "kept pair (community {community}, reviewer {reviewer}): community {community} is not in the round"
                )
            }
            KeptUnknownReviewer { community, reviewer } => {
                write!(
                    f,
                    "kept pair (community {community}, reviewer {reviewer}): reviewer {reviewer} is not in the round"
                )
            }
            KeptConflict { community, reviewer } => {
                write!(f, "kept pair (community {community}, reviewer {reviewer}) is a conflict of interest")
            }
            TooManyKept { community, kept, needed } => {
                write!(
                    f,
                    "community {community} has {kept} kept reviewers, more than the {needed} each community needs"
                )
            }
            Shortage { community, available, needed } => write!(
                f,
                "community {community} has only {available} {} without a conflict and needs {needed}",
                plural(available, "reviewer", "reviewers")
            ),
        }
    }
}

impl AssignError {
    /// Every problem in Traditional Chinese, one after the other.
    pub fn message_zh(&self) -> String {
        self.problems.iter().map(AssignProblem::message_zh).collect()
    }
}

/// Every problem in English, separated by "; ".
impl fmt::Display for AssignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AssignError {}

impl Imbalance {
    /// The imbalance in Traditional Chinese: the even loads, the real ones and who is off.
    pub fn message_zh(&self) -> String {
        let mut out = format!(
            "無法讓每位委員的件數相差不超過 1：平均應為每人 {} 件，實際為 {} 至 {} 件",
            range(self.low, self.high, "至"),
            self.min,
            self.max
        );
        for l in &self.below {
            out.push_str(&format!("；委員 {} 只有 {} 件", l.reviewer, l.load));
            if l.load == l.eligible {
                out.push_str("（其餘社群皆須迴避）");
            }
        }
        for l in &self.above {
            out.push_str(&format!("；委員 {} 有 {} 件", l.reviewer, l.load));
            if l.kept > self.high {
                out.push_str(&format!("（保留的指派已有 {} 件）", l.kept));
            }
        }
        out.push('。');
        out
    }
}

/// The imbalance in English.
impl fmt::Display for Imbalance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loads cannot differ by at most one: even would be {} per reviewer, they range from {} to {}",
            range(self.low, self.high, "to"),
            self.min,
            self.max
        )?;
        for l in &self.below {
            write!(f, "; reviewer {} has only {}", l.reviewer, l.load)?;
            if l.load == l.eligible {
                f.write_str(" (conflicts with every other community)")?;
            }
        }
        for l in &self.above {
            write!(f, "; reviewer {} has {}", l.reviewer, l.load)?;
            if l.kept > self.high {
                write!(f, " ({} kept)", l.kept)?;
            }
        }
        Ok(())
    }
}

impl SwapError {
    /// The refusal in Traditional Chinese (zh-TW).
    pub fn message_zh(&self) -> String {
        match *self {
            SwapError::SameReviewer { reviewer } => format!("換上與換下的是同一位委員（{reviewer}）。"),
            SwapError::NotAssigned { community, reviewer } => {
                format!("委員 {reviewer} 並未審查社群 {community}。")
            }
            SwapError::Conflict { community, reviewer } => {
                format!("委員 {reviewer} 與社群 {community} 須利益迴避，不可指派。")
            }
            SwapError::AlreadyAssigned { community, reviewer } => {
                format!("委員 {reviewer} 已在審查社群 {community}。")
            }
        }
    }
}

impl fmt::Display for SwapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SwapError::SameReviewer { reviewer } => write!(f, "reviewer {reviewer} would replace themselves"),
            SwapError::NotAssigned { community, reviewer } => {
                write!(f, "reviewer {reviewer} does not review community {community}")
            }
            SwapError::Conflict { community, reviewer } => {
                write!(f, "reviewer {reviewer} has a conflict of interest with community {community}")
            }
            SwapError::AlreadyAssigned { community, reviewer } => {
                write!(f, "reviewer {reviewer} already reviews community {community}")
            }
        }
    }
}

impl std::error::Error for SwapError {}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `20` or `20 to 21`.
fn range(low: usize, high: usize, word: &str) -> String {
    if low == high { low.to_string() } else { format!("{low} {word} {high}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(
        communities: &'a [i32],
        reviewers: &'a [i32],
        per_community: usize,
        conflicts: &'a [(i32, i32)],
        keep: &'a [(i32, i32)],
    ) -> AssignRequest<'a> {
        AssignRequest { communities, reviewers, per_community, conflicts, keep }
    }

    /// Loads from pairs, for every reviewer given.
    fn loads_of(pairs: &[(i32, i32)], reviewers: &[i32]) -> Vec<usize> {
        reviewers.iter().map(|r| pairs.iter().filter(|p| p.1 == *r).count()).collect()
    }

    #[test]
    fn conflicts_force_the_only_assignment() {
        // c1 cannot have 10, c2 cannot have 30: c1 = {20, 30}, c2 = {10, 20}.
        let a = assign(&request(&[1, 2], &[10, 20, 30], 2, &[(1, 10), (2, 30)], &[])).unwrap();
        assert_eq!(a.pairs, [(1, 20), (1, 30), (2, 10), (2, 20)]);
        let loads: Vec<_> = a.loads.iter().map(|l| (l.reviewer, l.load, l.kept, l.eligible)).collect();
        assert_eq!(loads, [(10, 1, 0, 1), (20, 2, 0, 2), (30, 1, 0, 1)]);
        assert_eq!(a.imbalance, None);
    }

    #[test]
    fn finds_what_a_greedy_pass_misses() {
        // Community 2 can only have reviewer 10. A greedy pass giving community 1 reviewer 10
        // (balance allows it) is stuck; the flow moves community 1 to reviewer 20.
        for order in [[10, 20], [20, 10]] {
            let a = assign(&request(&[1, 2], &order, 1, &[(2, 20)], &[])).unwrap();
            assert_eq!(a.pairs, [(1, 20), (2, 10)]);
        }
        // The same with three: a chain of moves.
        let conflicts = [(2, 30), (3, 20), (3, 30)];
        let a = assign(&request(&[1, 2, 3], &[10, 20, 30], 1, &conflicts, &[])).unwrap();
        assert_eq!(a.pairs, [(1, 30), (2, 20), (3, 10)]);
    }

    #[test]
    fn loads_are_even() {
        let communities: Vec<i32> = (1..=10).collect();
        let reviewers = [101, 102, 103, 104];
        let a = assign(&request(&communities, &reviewers, 3, &[], &[])).unwrap();
        // 30 reviews over 4 reviewers: 7 or 8 each.
        let mut loads = loads_of(&a.pairs, &reviewers);
        loads.sort_unstable();
        assert_eq!(loads, [7, 7, 8, 8]);
        assert_eq!(a.imbalance, None);
        for c in &communities {
            let mine: Vec<_> = a.pairs.iter().filter(|p| p.0 == *c).collect();
            assert_eq!(mine.len(), 3);
        }
        assert!(a.pairs.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
    }

    #[test]
    fn panels_mix() {
        // 12 communities, 6 reviewers, 3 each: fixed trios by id would make only two panels.
        let communities: Vec<i32> = (1..=12).collect();
        let reviewers: Vec<i32> = (1..=6).collect();
        let a = assign(&request(&communities, &reviewers, 3, &[], &[])).unwrap();
        let mut panels: Vec<Vec<i32>> =
            communities.iter().map(|c| a.pairs.iter().filter(|p| p.0 == *c).map(|p| p.1).collect()).collect();
        panels.sort();
        panels.dedup();
        assert!(panels.len() > 2, "{panels:?}");
    }

    #[test]
    fn order_and_repeats_of_the_input_do_not_matter() {
        let a = assign(&request(&[1, 2, 3, 4], &[7, 8, 9], 2, &[(1, 7), (4, 9)], &[(2, 8)])).unwrap();
        let b =
            assign(&request(&[4, 3, 2, 1, 3], &[9, 8, 7, 9], 2, &[(4, 9), (1, 7), (1, 7), (99, 1)], &[(2, 8), (2, 8)]))
                .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn kept_pairs_stay_and_count() {
        let communities: Vec<i32> = (1..=6).collect();
        let keep = [(1, 10), (2, 10)];
        let a = assign(&request(&communities, &[10, 20, 30], 1, &[], &keep)).unwrap();
        for pair in keep {
            assert!(a.pairs.contains(&pair));
        }
        // 6 reviews, 2 each; reviewer 10 already has its 2, so 20 and 30 share the other 4.
        assert_eq!(loads_of(&a.pairs, &[10, 20, 30]), [2, 2, 2]);
        assert_eq!(a.loads[0], ReviewerLoad { reviewer: 10, load: 2, kept: 2, eligible: 6 });
        assert_eq!(a.imbalance, None);
    }

    #[test]
    fn kept_pairs_beyond_the_even_share_are_reported() {
        let communities: Vec<i32> = (1..=6).collect();
        let keep = [(1, 10), (2, 10), (3, 10)];
        let a = assign(&request(&communities, &[10, 20, 30], 1, &[], &keep)).unwrap();
        // Reviewer 10 keeps 3 of 6 (even: 2); the other 3 split 2 + 1.
        let mut loads = loads_of(&a.pairs, &[20, 30]);
        loads.sort_unstable();
        assert_eq!(loads, [1, 2]);
        let imbalance = a.imbalance.unwrap();
        assert_eq!((imbalance.min, imbalance.max, imbalance.low, imbalance.high), (1, 3, 2, 2));
        assert_eq!(imbalance.above, [ReviewerLoad { reviewer: 10, load: 3, kept: 3, eligible: 6 }]);
        assert_eq!(imbalance.below.len(), 1);
        let low = imbalance.below[0].reviewer;
        assert_eq!(
            imbalance.message_zh(),
            format!(
                "無法讓每位委員的件數相差不超過 1：平均應為每人 2 件，實際為 1 至 3 件；委員 {low} 只有 1 件；委員 10 有 3 件（保留的指派已有 3 件）。"
            )
        );
        assert_eq!(
            imbalance.to_string(),
            format!(
                "loads cannot differ by at most one: even would be 2 per reviewer, they range from 1 to 3; reviewer {low} has only 1; reviewer 10 has 3 (3 kept)"
            )
        );
    }

    #[test]
    fn conflicts_that_leave_a_reviewer_little_are_reported() {
        // Reviewer 40 may review only community 1: communities 2 and 3 take all of 10, 20
        // and 30, and community 1 two of them and 40. 9 reviews over 4: even is 2 or 3.
        let communities: Vec<i32> = (1..=3).collect();
        let conflicts = [(2, 40), (3, 40)];
        let a = assign(&request(&communities, &[10, 20, 30, 40], 3, &conflicts, &[])).unwrap();
        let mut loads = loads_of(&a.pairs, &[10, 20, 30, 40]);
        assert_eq!(loads.pop(), Some(1));
        loads.sort_unstable();
        assert_eq!(loads, [2, 3, 3]);
        let imbalance = a.imbalance.unwrap();
        assert_eq!((imbalance.min, imbalance.max, imbalance.low, imbalance.high), (1, 3, 2, 3));
        assert_eq!(imbalance.below, [ReviewerLoad { reviewer: 40, load: 1, kept: 0, eligible: 1 }]);
        assert!(imbalance.above.is_empty());
        assert_eq!(
            imbalance.message_zh(),
            "無法讓每位委員的件數相差不超過 1：平均應為每人 2 至 3 件，實際為 1 至 3 件；委員 40 只有 1 件（其餘社群皆須迴避）。"
        );
        assert_eq!(
            imbalance.to_string(),
            "loads cannot differ by at most one: even would be 2 to 3 per reviewer, they range from 1 to 3; \
             reviewer 40 has only 1 (conflicts with every other community)"
        );

        // 7 communities of 1 reviewer: even is 2 or 3 each; 30 can take only 1, so someone
        // takes 3 and the imbalance is 2. The maximum is still as small as possible.
        let communities: Vec<i32> = (1..=7).collect();
        let conflicts: Vec<(i32, i32)> = (2..=7).map(|c| (c, 30)).collect();
        let a = assign(&request(&communities, &[10, 20, 30], 1, &conflicts, &[])).unwrap();
        assert_eq!(loads_of(&a.pairs, &[10, 20, 30]), [3, 3, 1]);
        let imbalance = a.imbalance.unwrap();
        assert_eq!((imbalance.low, imbalance.high), (2, 3));
        assert_eq!(imbalance.below.len(), 1);
        assert_eq!(imbalance.above.len(), 0);
    }

    #[test]
    fn kept_pairs_do_not_starve_the_others() {
        // Reviewer a keeps communities 1-6 of 9; x and y share 7-9, as 2 + 1. Even is 3 each,
        // so a capped flow that starts at 3 could give all three to one of them and leave the
        // other with none: the shortcut must notice and start from 1. Several labellings, so
        // that the hash order favours one reviewer for all three communities in some of them.
        for (a, x, y) in [(1, 2, 3), (1, 3, 2), (5, 9, 7), (5, 7, 9), (40, 41, 42), (40, 42, 41), (8, 3, 6), (8, 6, 3)]
        {
            let keep: Vec<(i32, i32)> = (1..=6).map(|c| (c, a)).collect();
            let result = assign(&request(&[1, 2, 3, 4, 5, 6, 7, 8, 9], &[a, x, y], 1, &[], &keep)).unwrap();
            let mut loads = loads_of(&result.pairs, &[x, y]);
            loads.sort_unstable();
            assert_eq!(loads, [1, 2], "{result:?}");
            let imbalance = result.imbalance.unwrap();
            assert_eq!((imbalance.min, imbalance.max, imbalance.low, imbalance.high), (1, 6, 3, 3));
        }
    }

    #[test]
    fn problems_are_all_named() {
        let err = assign(&request(
            &[1, 2, 3],
            &[10, 20, 30],
            2,
            &[(1, 10), (1, 20), (3, 30)],
            &[(2, 30), (2, 20), (2, 10), (3, 30), (4, 10), (3, 40)],
        ))
        .unwrap_err();
        assert_eq!(
            err.problems,
            [
                AssignProblem::KeptConflict { community: 3, reviewer: 30 },
                AssignProblem::KeptUnknownReviewer { community: 3, reviewer: 40 },
                AssignProblem::KeptUnknownCommunity { community: 4, reviewer: 10 },
                AssignProblem::TooManyKept { community: 2, kept: 3, needed: 2 },
                AssignProblem::Shortage { community: 1, available: 1, needed: 2 },
            ]
        );
        assert_eq!(err.problems[4].message_zh(), "社群 1 只有 1 位委員無須迴避，需要 2 位。");
        assert_eq!(err.problems[4].to_string(), "community 1 has only 1 reviewer without a conflict and needs 2");
        assert_eq!(err.problems[0].message_zh(), "保留的指派（社群 3、委員 30）須利益迴避，不可指派。");
        assert_eq!(err.problems[0].to_string(), "kept pair (community 3, reviewer 30) is a conflict of interest");
        assert_eq!(
            err.problems[1].to_string(),
            "kept pair (community 3, reviewer 40): reviewer 40 is not in the round"
        );
        assert_eq!(err.problems[2].message_zh(), "保留的指派（社群 4、委員 10）：社群 4 不在本輪。");
        assert_eq!(err.problems[3].message_zh(), "社群 2 保留了 3 位委員，多於每個社群的 2 位。");
        assert!(err.message_zh().starts_with("保留的指派（社群 3、委員 30）須利益迴避，不可指派。保留的指派"));
        assert!(err.to_string().contains("is a conflict of interest; kept pair (community 3, reviewer 40)"));
    }

    #[test]
    fn too_few_reviewers_overall_is_one_problem() {
        let err = assign(&request(&[1, 2, 3], &[10, 20], 3, &[], &[])).unwrap_err();
        assert_eq!(err.problems, [AssignProblem::TooFewReviewers { needed: 3, available: 2 }]);
        assert_eq!(err.message_zh(), "每個社群需要 3 位審查委員，本輪只有 2 位委員。");
        assert_eq!(err.to_string(), "each community needs 3 reviewers, but the round has only 2");
    }

    #[test]
    fn nothing_to_do() {
        let a = assign(&request(&[], &[10, 20], 3, &[], &[])).unwrap();
        assert!(a.pairs.is_empty());
        assert_eq!(a.loads.iter().map(|l| l.load).collect::<Vec<_>>(), [0, 0]);
        assert_eq!(a.imbalance, None);
        let a = assign(&request(&[1, 2], &[], 0, &[], &[])).unwrap();
        assert!(a.pairs.is_empty() && a.loads.is_empty());
        let err = assign(&request(&[1], &[10], 0, &[], &[(1, 10)])).unwrap_err();
        assert_eq!(err.problems, [AssignProblem::TooManyKept { community: 1, kept: 1, needed: 0 }]);
    }

    #[test]
    fn a_large_round() {
        // 2,000 communities × 3 reviewers, 300 reviewers, 5% of the pairs in conflict.
        let communities: Vec<i32> = (1..=2000).collect();
        let reviewers: Vec<i32> = (10_001..=10_300).collect();
        let mut next = crate::review::lcg(111);
        let mut conflicts = Vec::new();
        for &c in &communities {
            for &r in &reviewers {
                if next(100) < 5 {
                    conflicts.push((c, r));
                }
            }
        }
        let a = assign(&request(&communities, &reviewers, 3, &conflicts, &[])).unwrap();
        assert_eq!(a.pairs.len(), 6000);
        assert_eq!(a.imbalance, None);
        let loads: Vec<usize> = a.loads.iter().map(|l| l.load).collect();
        assert_eq!((loads.iter().min(), loads.iter().max()), (Some(&20), Some(&20)));
        let conflicts: std::collections::HashSet<_> = conflicts.into_iter().collect();
        assert!(a.pairs.iter().all(|p| !conflicts.contains(p)));
        for c in &communities {
            let from = a.pairs.partition_point(|p| p.0 < *c);
            assert_eq!(a.pairs[from..].iter().take_while(|p| p.0 == *c).count(), 3);
        }
    }

    #[test]
    fn swapping_one_reviewer() {
        let pairs = [(1, 10), (1, 20), (2, 10), (2, 30)];
        let s = swap(&pairs, 1, 20, 30, &[]).unwrap();
        assert_eq!(s.pairs, [(1, 10), (1, 30), (2, 10), (2, 30)]);
        assert_eq!((s.from_load, s.to_load), (0, 2));
        // Input order does not matter.
        let shuffled = [(2, 30), (1, 20), (2, 10), (1, 10)];
        assert_eq!(swap(&shuffled, 1, 20, 30, &[]).unwrap(), s);
    }

    #[test]
    fn swaps_that_are_refused() {
        let pairs = [(1, 10), (1, 20), (2, 10), (2, 30)];
        let cases = [
            (
                swap(&pairs, 1, 20, 20, &[]),
                SwapError::SameReviewer { reviewer: 20 },
                "換上與換下的是同一位委員（20）。",
                "reviewer 20 would replace themselves",
            ),
            (
                swap(&pairs, 1, 30, 40, &[]),
                SwapError::NotAssigned { community: 1, reviewer: 30 },
                "委員 30 並未審查社群 1。",
                "reviewer 30 does not review community 1",
            ),
            (
                swap(&pairs, 1, 20, 40, &[(1, 40)]),
                SwapError::Conflict { community: 1, reviewer: 40 },
                "委員 40 與社群 1 須利益迴避，不可指派。",
                "reviewer 40 has a conflict of interest with community 1",
            ),
            (
                swap(&pairs, 1, 20, 10, &[]),
                SwapError::AlreadyAssigned { community: 1, reviewer: 10 },
                "委員 10 已在審查社群 1。",
                "reviewer 10 already reviews community 1",
            ),
        ];
        for (result, error, zh, en) in cases {
            let e = result.unwrap_err();
            assert_eq!(e, error);
            assert_eq!(e.message_zh(), zh);
            assert_eq!(e.to_string(), en);
        }
    }
}
