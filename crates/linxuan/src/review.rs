//! The review's shared logic for the web pages and commands: which phases are open now,
//! conflicts of interest (the reviewer's own school, and declared ones), what a reviewer enters
//! for a criterion, and the score entries the allocation engine ranks.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use linxuan_core::allocation::ScoreEntry;
use linxuan_core::plan::{Criterion, CriterionSource, Phase, Plan};
use linxuan_core::time::{deadline_end, taipei};
use linxuan_store::communities::{self, Community};
use linxuan_store::review::{self as store, PhaseState};
use linxuan_store::{Db, StoreError};
use rust_decimal::Decimal;

pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";

/// A phase with whether reviewers can work in it now.
#[derive(Debug, Clone)]
pub struct PhaseView {
    pub id: String,
    pub phase: Phase,
    pub open: bool,
    /// The office's override (`open`/`closed`), if any.
    pub overridden: Option<String>,
}

/// Whether a phase is open at `now`: the office's override, else its dates (00:00 of the first
/// day to 23:59:59 of the last, Taipei).
pub fn is_open(phase: &Phase, id: &str, states: &[PhaseState], now: DateTime<Utc>) -> bool {
    match states.iter().find(|s| s.phase == id).map(|s| s.state.as_str()) {
        Some(OPEN) => true,
        Some(CLOSED) => false,
        _ => now >= taipei(phase.opens.0, 0, 0, 0) && now < deadline_end(phase.closes.0),
    }
}

pub fn phase_views(plan: &Plan, states: &[PhaseState], now: DateTime<Utc>) -> Vec<PhaseView> {
    plan.review
        .phases
        .iter()
        .map(|(id, phase)| PhaseView {
            id: id.clone(),
            open: is_open(phase, id, states, now),
            overridden: states.iter().find(|s| s.phase == *id).map(|s| s.state.clone()),
            phase: phase.clone(),
        })
        .collect()
}

/// Every (community, reviewer) pair that must not meet: the reviewer's own school, and declared
/// conflicts.
pub async fn conflict_pairs(db: &Db, list: &[Community]) -> Result<HashSet<(i32, i32)>, StoreError> {
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let mut pairs: HashSet<(i32, i32)> =
        store::conflicts(db, &ids).await?.into_iter().map(|c| (c.community_id, c.reviewer_id)).collect();
    let profiles = store::profiles(db).await?;
    for c in list {
        for p in profiles.iter().filter(|p| p.school_id == Some(c.school_id)) {
            pairs.insert((c.id, p.user_id));
        }
    }
    Ok(pairs)
}

/// The year's assignments that still count. An assignment whose reviewer has since turned out to
/// be in conflict with its community (own school, declared, or added by the office) is void: its
/// score counts nowhere and is not waited for, and the office gives the community another
/// reviewer. It stays in the database, with any score and its versions, for the record.
///
/// A conflict found late never silently rewrites a closed round: a submitted score of a phase
/// that was already closed when the conflict was recorded keeps counting, and the office is
/// shown a decision to make ([`LateConflict`]) — have another reviewer score the community in
/// that phase. Once that score is submitted, the conflicted one is void.
pub async fn live_assignments(db: &Db, year: i32) -> Result<Vec<store::Assignment>, StoreError> {
    let list = communities::list(db, year).await?;
    Ok(assignments_of(db, year, &list).await?.live)
}

/// A conflict recorded after a closed phase's score was submitted: the score still counts until
/// another reviewer scores the community in that phase.
#[derive(Debug, Clone)]
pub struct LateConflict {
    /// The conflicted assignment (its score still counts).
    pub assignment: store::Assignment,
    pub conflict: store::Conflict,
}

/// The year's assignments sorted out by conflicts.
pub struct Sorted {
    /// Every assignment, void ones included.
    pub all: Vec<store::Assignment>,
    /// Those that count.
    pub live: Vec<store::Assignment>,
    /// Conflicts found after their phase closed, still waiting for a replacement score.
    pub late: Vec<LateConflict>,
}

/// Whether a phase was open at `at`, judged by the office's override only if it had already
/// been made then, else by the phase's dates.
pub fn was_open(phase: &Phase, id: &str, states: &[PhaseState], at: DateTime<Utc>) -> bool {
    let then: Vec<PhaseState> = states.iter().filter(|s| s.changed_at <= at).cloned().collect();
    is_open(phase, id, &then, at)
}

/// Whether a reviewer can score an assignment now: while its phase is open; and an assignment
/// the office made after its phase had closed (to replace a score a conflict found late put in
/// doubt) until its score is submitted.
pub fn can_score(
    phase: &Phase,
    assignment: &store::Assignment,
    states: &[PhaseState],
    now: DateTime<Utc>,
    submitted: bool,
) -> bool {
    is_open(phase, &assignment.phase, states, now)
        || (!submitted
            && now >= assignment.created_at
            && !was_open(phase, &assignment.phase, states, assignment.created_at)
            && assignment.created_at >= taipei(phase.opens.0, 0, 0, 0))
}

/// Sorts assignments by conflicts (see [`live_assignments`]): pure, so the rule has a unit
/// test. `closed_when` says whether an assignment's phase was closed when a conflict was
/// recorded; `submitted` holds the assignments with a submitted score.
pub fn sort_by_conflicts(
    all: Vec<store::Assignment>,
    own_school: &HashSet<(i32, i32)>,
    declared: &[store::Conflict],
    closed_when: impl Fn(&store::Assignment, &store::Conflict) -> bool,
    submitted: &HashSet<i32>,
) -> Sorted {
    let in_conflict = |c: i32, r: i32| {
        own_school.contains(&(c, r)) || declared.iter().any(|d| d.community_id == c && d.reviewer_id == r)
    };
    let mut live = Vec::new();
    let mut late = Vec::new();
    for a in &all {
        if own_school.contains(&(a.community_id, a.reviewer_id)) {
            continue;
        }
        let Some(conflict) =
            declared.iter().find(|d| d.community_id == a.community_id && d.reviewer_id == a.reviewer_id)
        else {
            live.push(a.clone());
            continue;
        };
        if !(submitted.contains(&a.id) && closed_when(a, conflict)) {
            continue;
        }
        let replaced = all.iter().any(|b| {
            b.id != a.id
                && b.phase == a.phase
                && b.community_id == a.community_id
                && !in_conflict(b.community_id, b.reviewer_id)
                && submitted.contains(&b.id)
                && b.created_at >= conflict.created_at
        });
        if !replaced {
            live.push(a.clone());
            late.push(LateConflict { assignment: a.clone(), conflict: conflict.clone() });
        }
    }
    Sorted { all, live, late }
}

/// The year's assignments, sorted out by conflicts.
async fn assignments_of(db: &Db, year: i32, communities: &[Community]) -> Result<Sorted, StoreError> {
    let ids: Vec<i32> = communities.iter().map(|c| c.id).collect();
    let declared = store::conflicts(db, &ids).await?;
    let profiles = store::profiles(db).await?;
    let mut own_school = HashSet::new();
    for c in communities {
        for p in profiles.iter().filter(|p| p.school_id == Some(c.school_id)) {
            own_school.insert((c.id, p.user_id));
        }
    }
    let all = store::assignments_of_year(db, year).await?;
    let conflicted: Vec<i32> = all
        .iter()
        .filter(|a| declared.iter().any(|d| d.community_id == a.community_id && d.reviewer_id == a.reviewer_id))
        .map(|a| a.id)
        .collect();
    if conflicted.is_empty() {
        let live = all.iter().filter(|a| !own_school.contains(&(a.community_id, a.reviewer_id))).cloned().collect();
        return Ok(Sorted { all, live, late: Vec::new() });
    }
    // Only what the rule needs: which assignments have a submitted score, and the phases' plan.
    let ids: Vec<i32> = all.iter().map(|a| a.id).collect();
    let submitted: HashSet<i32> = store::scores_of(db, &ids)
        .await?
        .into_iter()
        .filter(|s| s.status == store::SUBMITTED)
        .map(|s| s.assignment_id)
        .collect();
    let plan = match linxuan_store::plans::get(db, year).await? {
        Some(stored) => Plan::from_toml(&stored.toml).ok(),
        None => None,
    };
    let states = store::phase_states(db, year).await?;
    let closed_when = |a: &store::Assignment, d: &store::Conflict| {
        plan.as_ref()
            .and_then(|p| p.review.phases.get(&a.phase))
            .is_some_and(|phase| !was_open(phase, &a.phase, &states, d.created_at))
    };
    Ok(sort_by_conflicts(all, &own_school, &declared, closed_when, &submitted))
}

/// Why a reviewer may not see a community, if they may not.
pub async fn conflict_reason(db: &Db, community: &Community, reviewer: i32) -> Result<Option<String>, StoreError> {
    if store::profile(db, reviewer).await?.is_some_and(|p| p.school_id == Some(community.school_id)) {
        return Ok(Some("own school".into()));
    }
    Ok(store::conflicts(db, &[community.id]).await?.into_iter().find(|c| c.reviewer_id == reviewer).map(|c| c.reason))
}

/// Reads a score as people type it: a number with at most two decimals, 0 … max.
pub fn parse_score(text: &str, max: i64) -> Result<Decimal, (String, String)> {
    let t = text.trim();
    if t.is_empty() {
        return Err(("請填寫分數".into(), "enter a score".into()));
    }
    let value: Decimal = t.parse().map_err(|_| (format!("「{t}」不是分數"), format!("\"{t}\" is not a score")))?;
    if value.normalize().scale() > 2 {
        return Err(("分數最多兩位小數".into(), "a score has at most two decimals".into()));
    }
    if value < Decimal::ZERO || value > Decimal::from(max) {
        return Err((format!("分數須介於 0 與 {max} 之間"), format!("a score must be between 0 and {max}")));
    }
    Ok(value.normalize())
}

/// The criteria a phase scores, each with how it is scored.
pub fn phase_criteria<'a>(plan: &'a Plan, phase: &Phase) -> Vec<(&'a str, &'a Criterion)> {
    phase.criteria(plan).into_iter().map(|(id, c)| (id.as_str(), c)).collect()
}

/// Where a score stands while the reviewer types it: each criterion's points so far (richness
/// scaled from the indicators filled in, blanks counting 0), and the total so far. The same
/// rules as a submission (`rubric::richness`, the computed timeliness, the completeness
/// suggestion until the reviewer changes it); only what cannot be read yet is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningTotal {
    /// (criterion id, points so far, the criterion's points), in plan order.
    pub parts: Vec<(String, Option<Decimal>, i64)>,
    /// Indicators with a score that reads, and how many there are.
    pub indicators: (usize, usize),
    /// The sum of the parts so far.
    pub total: Decimal,
    /// The phase's points in all.
    pub max: i64,
    /// Whether every part is there (the total is what a submission would record).
    pub complete: bool,
}

/// See [`RunningTotal`]. `timeliness` and `completeness` are the system's values.
pub fn running_total(
    plan: &Plan,
    phase: &Phase,
    (timeliness, completeness): (Decimal, Decimal),
    values: &BTreeMap<String, String>,
    indicators: &BTreeMap<String, String>,
) -> RunningTotal {
    let mut parts = Vec::new();
    let mut filled = 0;
    let count = plan.rubric.indicators.len();
    for (id, c) in phase_criteria(plan, phase) {
        let value = match c.source {
            CriterionSource::Computed => Some(timeliness),
            CriterionSource::Rubric => {
                let scores: Vec<Decimal> = plan
                    .rubric
                    .indicators
                    .iter()
                    .map(|ind| {
                        parse_score(indicators.get(&ind.id).map_or("", String::as_str), plan.rubric.max_per_indicator)
                            .inspect(|_| filled += 1)
                            .unwrap_or(Decimal::ZERO)
                    })
                    .collect();
                linxuan_core::review::rubric::richness(&scores, count, plan.rubric.max_per_indicator, c.points).ok()
            }
            CriterionSource::Suggested => match values.get(id).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                Some(v) => parse_score(v, c.points).ok(),
                None => Some(completeness),
            },
            _ => parse_score(values.get(id).map_or("", String::as_str), c.points).ok(),
        };
        parts.push((id.to_string(), value, c.points));
    }
    let total = parts.iter().filter_map(|(_, v, _)| *v).sum();
    let rubric = phase_criteria(plan, phase).iter().any(|(_, c)| c.source == CriterionSource::Rubric);
    let complete = parts.iter().all(|(_, v, _)| v.is_some()) && (!rubric || filled == count);
    let indicators = if rubric { (filled, count) } else { (0, 0) };
    RunningTotal { max: parts.iter().map(|(_, _, p)| *p).sum(), parts, indicators, total, complete }
}

/// Scores JSON as stored: criterion (or indicator) id → decimal text.
pub fn decode(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Whether a submission only repeats the score already submitted — a browser sending the
/// form again after a dropped connection or a server restart. It changes nothing and needs no
/// reason: the retry simply completes.
pub fn repeats_submitted(existing: &store::Score, entry: &store::Entry) -> bool {
    existing.status == store::SUBMITTED
        && decode(&existing.values) == decode(&entry.values)
        && decode(&existing.indicators) == decode(&entry.indicators)
        && existing.completeness_reason == entry.completeness_reason
        && existing.comment == entry.comment
}

pub fn encode(values: &BTreeMap<String, String>) -> String {
    serde_json::to_string(values).unwrap_or_default()
}

/// Everything of a year's review that the results are computed from, read once: a page that
/// shows results, scores and statistics together reads the database once, not per part.
pub struct Snapshot {
    pub communities: Vec<Community>,
    /// Every assignment, void ones included (for the record and the board's fingerprint).
    pub all_assignments: Vec<store::Assignment>,
    /// The assignments that count: not voided by a conflict found since (`live_assignments`).
    pub assignments: Vec<store::Assignment>,
    /// The scores of every assignment.
    pub scores: Vec<store::Score>,
    pub decisions: Vec<store::Decision>,
    pub revocations: Vec<store::Revocation>,
    /// Confirmed cuts: who goes on to a later round, per group.
    pub cuts: Vec<store::Cut>,
    /// Conflicts found after their phase closed: decisions for the office.
    pub late_conflicts: Vec<LateConflict>,
}

impl Snapshot {
    pub async fn load(db: &Db, year: i32) -> Result<Snapshot, StoreError> {
        let communities = communities::list(db, year).await?;
        let Sorted { all: all_assignments, live: assignments, late } = assignments_of(db, year, &communities).await?;
        let ids: Vec<i32> = all_assignments.iter().map(|a| a.id).collect();
        Ok(Snapshot {
            late_conflicts: late,
            scores: store::scores_of(db, &ids).await?,
            decisions: store::decisions(db, year).await?,
            revocations: store::revocations(db, year).await?,
            cuts: store::cuts(db, year).await?,
            communities,
            all_assignments,
            assignments,
        })
    }

    /// Whether a community's scores in a later round count: only if it passed that round's
    /// confirmed cut (a cut confirmed again can leave earlier round-2 work behind). Without a
    /// confirmed cut (scores imported from paper), they count.
    fn passed_cut(&self, community: &Community, round: i64) -> bool {
        round <= 1
            || self.cuts.iter().find(|c| c.group_id == community.group_id && c.round as i64 == round).is_none_or(
                |cut| serde_json::from_str::<Vec<i32>>(&cut.passing).unwrap_or_default().contains(&community.id),
            )
    }

    /// What the allocation engine ranks: every submitted score that counts, per criterion, with
    /// the round of its phase. Reviewers appear as `R<id>` (anonymous to the engine and its files).
    pub fn entries(&self, plan: &Plan) -> Vec<ScoreEntry> {
        let by_id: HashMap<i32, &Community> = self.communities.iter().map(|c| (c.id, c)).collect();
        let score_by_assignment: HashMap<i32, &store::Score> =
            self.scores.iter().map(|s| (s.assignment_id, s)).collect();
        let mut out = Vec::new();
        for a in &self.assignments {
            let (Some(score), Some(community), Some(phase)) =
                (score_by_assignment.get(&a.id), by_id.get(&a.community_id), plan.review.phases.get(&a.phase))
            else {
                continue;
            };
            if score.status != store::SUBMITTED || !self.passed_cut(community, phase.round) {
                continue;
            }
            for (criterion, value) in decode(&score.values) {
                let Ok(score) = value.parse::<Decimal>() else { continue };
                out.push(ScoreEntry {
                    community: community.code.clone(),
                    group: community.group_id.clone(),
                    round: phase.round.max(1) as u32,
                    reviewer: format!("R{}", a.reviewer_id),
                    criterion,
                    score,
                });
            }
        }
        out
    }

    /// The selection rules of the plan with the office's recorded tie decisions applied, and
    /// the provisional allocation of every submitted score (SPEC §6).
    pub fn allocation(
        &self,
        plan: &Plan,
    ) -> (linxuan_core::allocation::SelectionRules, linxuan_core::allocation::AllocationResult, Vec<ScoreEntry>) {
        let mut rules = plan.selection_rules();
        // The latest confirmed cut of each group: who passed it competes, even before being
        // scored in the round it leads to (awaiting, not out).
        for group in &mut rules.groups {
            let latest = self.cuts.iter().filter(|c| c.group_id == group.id).max_by_key(|c| c.round);
            if let Some(cut) = latest {
                let ids: Vec<i32> = serde_json::from_str(&cut.passing).unwrap_or_default();
                group.passed = Some(linxuan_core::allocation::Passed {
                    round: cut.round.max(1) as u32,
                    communities: self
                        .communities
                        .iter()
                        .filter(|c| ids.contains(&c.id))
                        .map(|c| c.code.clone())
                        .collect(),
                });
            }
        }
        for decision in &self.decisions {
            let order: Vec<String> = serde_json::from_str(&decision.awards).unwrap_or_default();
            if let Some(group) = rules.groups.iter_mut().find(|g| g.id == decision.group_id) {
                for code in order {
                    if !group.decided.contains(&code) {
                        group.decided.push(code);
                    }
                }
            }
        }
        let entries = self.entries(plan);
        let result = linxuan_core::allocation::allocate(&rules, &entries);
        (rules, result, entries)
    }

    /// The allocation as the results stand: with every revoked award (SPEC §6) taken back and
    /// its place left vacant. What the board, the exports and a publication show.
    pub fn results(&self, plan: &Plan) -> linxuan_core::allocation::AllocationResult {
        let (_, mut result, _) = self.allocation(plan);
        for community in self.revoked_communities() {
            for group in result.groups.iter_mut().filter(|g| g.group == community.group_id) {
                group.revoke(&community.code);
            }
        }
        result
    }

    pub fn revoked_communities(&self) -> impl Iterator<Item = &Community> {
        self.communities.iter().filter(|c| self.revocations.iter().any(|r| r.community_id == c.id))
    }
}

/// `Snapshot::entries` of the year, read now.
pub async fn entries(db: &Db, plan: &Plan, year: i32) -> Result<Vec<ScoreEntry>, StoreError> {
    Ok(Snapshot::load(db, year).await?.entries(plan))
}

/// How a criterion is entered on the scoring page.
pub fn entered(c: &Criterion) -> &'static str {
    match c.source {
        CriterionSource::Computed => "computed",
        CriterionSource::Suggested => "suggested",
        CriterionSource::Rubric => "rubric",
        CriterionSource::Judged | CriterionSource::Presentation => "direct",
    }
}

/// `Snapshot::allocation` of the year, read now.
pub async fn allocation(
    db: &Db,
    plan: &Plan,
    year: i32,
) -> Result<
    (linxuan_core::allocation::SelectionRules, linxuan_core::allocation::AllocationResult, Vec<ScoreEntry>),
    StoreError,
> {
    Ok(Snapshot::load(db, year).await?.allocation(plan))
}

/// `Snapshot::results` of the year, read now.
pub async fn results(
    db: &Db,
    plan: &Plan,
    year: i32,
) -> Result<linxuan_core::allocation::AllocationResult, StoreError> {
    Ok(Snapshot::load(db, year).await?.results(plan))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_read_as_typed() {
        assert_eq!(parse_score(" 45.5 ", 50).unwrap().to_string(), "45.5");
        assert!(parse_score("50.01", 50).is_err());
        assert!(parse_score("12.345", 50).unwrap_err().0.contains("兩位小數"));
        assert!(parse_score("-1", 50).is_err());
        assert!(parse_score("abc", 50).is_err());
    }

    /// The running total follows the rules of a submission: richness scaled from the
    /// indicators (blanks 0 until filled), timeliness computed, the completeness suggestion
    /// until changed.
    #[test]
    fn the_running_total_is_what_a_submission_would_record() {
        let plan = Plan::builtin();
        let phase = &plan.review.phases["round-1"];
        let system = (Decimal::new(125, 1), Decimal::from(20));
        let mut values = BTreeMap::new();
        let mut indicators = BTreeMap::new();
        let r = running_total(&plan, phase, system, &values, &indicators);
        assert_eq!(
            r.parts.iter().map(|(id, v, _)| (id.as_str(), *v)).collect::<Vec<_>>(),
            [
                ("timeliness", Some(Decimal::new(125, 1))),
                ("completeness", Some(Decimal::from(20))),
                ("richness", Some(Decimal::ZERO))
            ]
        );
        assert_eq!((r.total, r.max, r.complete, r.indicators), (Decimal::new(325, 1), 100, false, (0, 8)));
        for (i, ind) in plan.rubric.indicators.iter().enumerate() {
            indicators.insert(ind.id.clone(), if i < 7 { "7.5".into() } else { "8".into() });
        }
        values.insert("completeness".into(), "22".into());
        let r = running_total(&plan, phase, system, &values, &indicators);
        // (7 × 7.5 + 8) / 80 × 50 = 37.8125 → 37.81, as `rubric::richness` gives.
        assert_eq!(r.parts[2].1, Some(Decimal::new(3781, 2)));
        assert_eq!((r.total, r.complete, r.indicators), (Decimal::new(7231, 2), true, (8, 8)));
        indicators.insert("sharing".into(), "11".into());
        let r = running_total(&plan, phase, system, &values, &indicators);
        assert!(!r.complete, "an indicator out of range is not counted yet");
    }

    fn assignment(id: i32, phase: &str, community: i32, reviewer: i32, at: DateTime<Utc>) -> store::Assignment {
        store::Assignment {
            id,
            plan_year: 111,
            phase: phase.into(),
            community_id: community,
            reviewer_id: reviewer,
            room: None,
            created_at: at,
            created_by: "office".into(),
        }
    }

    /// A conflict declared during round 2 voids the round-2 assignment (open) but keeps the
    /// round-1 score (its round closed) as a decision for the office, until another reviewer's
    /// round-1 score replaces it. The reviewer's own school always voids.
    #[test]
    fn a_late_conflict_keeps_a_closed_round_until_replaced() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2023, m, day).unwrap();
        let t = |m, day| taipei(d(m, day), 10, 0, 0);
        let all = vec![
            assignment(1, "round-1", 10, 7, t(6, 13)),
            assignment(2, "round-2", 10, 7, t(6, 17)),
            assignment(3, "round-1", 11, 8, t(6, 13)),
        ];
        let conflict = store::Conflict {
            id: 1,
            community_id: 10,
            reviewer_id: 7,
            reason: "advised it".into(),
            declared_by: "r7".into(),
            created_at: t(6, 18),
        };
        let own_school: HashSet<(i32, i32)> = [(11, 8)].into();
        let closed = |a: &store::Assignment, _: &store::Conflict| a.phase == "round-1";
        let submitted: HashSet<i32> = [1, 2, 3].into();
        let sorted = sort_by_conflicts(all.clone(), &own_school, std::slice::from_ref(&conflict), closed, &submitted);
        let live: Vec<i32> = sorted.live.iter().map(|a| a.id).collect();
        assert_eq!(live, [1], "round 1 kept, round 2 void, own school void");
        assert_eq!(sorted.late.len(), 1);
        assert_eq!(sorted.late[0].assignment.id, 1);

        // A replacement assigned, not yet submitted: the decision is still open.
        let mut more = all.clone();
        more.push(assignment(4, "round-1", 10, 9, t(6, 19)));
        let sorted = sort_by_conflicts(more.clone(), &own_school, std::slice::from_ref(&conflict), closed, &submitted);
        assert_eq!(sorted.live.iter().map(|a| a.id).collect::<Vec<_>>(), [1, 4]);
        assert_eq!(sorted.late.len(), 1);
        // Submitted: the conflicted score is void, the replacement counts.
        let submitted: HashSet<i32> = [1, 2, 3, 4].into();
        let sorted = sort_by_conflicts(more, &own_school, std::slice::from_ref(&conflict), closed, &submitted);
        assert_eq!(sorted.live.iter().map(|a| a.id).collect::<Vec<_>>(), [4]);
        assert!(sorted.late.is_empty());

        // Declared while round 1 was open: void at once, as before.
        let open = |_: &store::Assignment, _: &store::Conflict| false;
        let sorted = sort_by_conflicts(all, &own_school, &[conflict], open, &[1, 2, 3].into());
        assert!(sorted.live.is_empty() && sorted.late.is_empty());
    }

    #[test]
    fn phases_open_by_date_unless_the_office_says_otherwise() {
        let plan = Plan::builtin();
        let phase = &plan.review.phases["round-1"];
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2023, m, day).unwrap();
        assert!(!is_open(phase, "round-1", &[], taipei(d(6, 12), 23, 59, 59)));
        assert!(is_open(phase, "round-1", &[], taipei(d(6, 13), 0, 0, 0)));
        assert!(is_open(phase, "round-1", &[], taipei(d(6, 15), 23, 59, 59)));
        assert!(!is_open(phase, "round-1", &[], taipei(d(6, 16), 0, 0, 0)));
        let closed = PhaseState {
            plan_year: 111,
            phase: "round-1".into(),
            state: CLOSED.into(),
            changed_at: Utc::now(),
            changed_by: "office".into(),
        };
        assert!(!is_open(phase, "round-1", std::slice::from_ref(&closed), taipei(d(6, 14), 12, 0, 0)));
        let reopened = PhaseState { state: OPEN.into(), ..closed };
        assert!(is_open(phase, "round-1", &[reopened], taipei(d(6, 20), 12, 0, 0)));
    }
}
