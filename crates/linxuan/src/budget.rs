//! The budget's actual figures (SPEC §9), counted from the system's own records where the plan
//! says how (`budget::Source`), else as the office entered them.

use std::collections::BTreeSet;

use linxuan_core::budget::{self, Source, TableActual};
use linxuan_core::plan::Plan;
use linxuan_store::outcomes::{self as store, BudgetActual};

use crate::app::AppState;
use crate::web::error::AppResult;

/// One table's actuals with the office's entries (by line) beside them.
pub struct TableView {
    pub index: usize,
    pub actual: TableActual,
    pub entries: Vec<Option<BudgetActual>>,
}

/// What the records say so far, read once for every table.
struct Records {
    /// (phase, reviewer) of every submitted score, void assignments included: the review was done.
    reviews: Vec<(String, i32)>,
    /// (track, trophy) per awarded community of the latest publication, revoked ones left out.
    trophies: Vec<String>,
    certificates: i64,
    meals: i64,
}

impl Records {
    fn count(&self, source: &Source) -> i64 {
        match source {
            Source::Reviews(phases) => self.reviews.iter().filter(|(p, _)| phases.contains(p)).count() as i64,
            Source::Reviewers(phases) => {
                self.reviews.iter().filter(|(p, _)| phases.contains(p)).map(|(_, r)| *r).collect::<BTreeSet<_>>().len()
                    as i64
            }
            Source::Trophies(track) => self.trophies.iter().filter(|t| *t == track).count() as i64,
            Source::Certificates => self.certificates,
            Source::Meals => self.meals,
        }
    }
}

async fn records(state: &AppState, plan: &Plan, year: i32) -> AppResult<Records> {
    let snapshot = crate::review::Snapshot::load(&state.db, year).await?;
    let reviews = snapshot
        .all_assignments
        .iter()
        .filter_map(|a| {
            snapshot
                .scores
                .iter()
                .find(|s| s.assignment_id == a.id && s.status == linxuan_store::review::SUBMITTED)
                .map(|_| (a.phase.clone(), a.reviewer_id))
        })
        .collect();
    let mut trophies = Vec::new();
    if let Some((_, published)) = crate::published::latest(&state.db, year).await? {
        let revoked: Vec<&str> = snapshot
            .communities
            .iter()
            .filter(|c| snapshot.revocations.iter().any(|r| r.community_id == c.id))
            .map(|c| c.code.as_str())
            .collect();
        for g in &published.groups {
            let Some(group) = plan.groups.get(&g.group) else { continue };
            for c in &g.communities {
                let trophy = c.award.as_ref().and_then(|(l, _)| plan.award_levels.get(l)).is_some_and(|l| l.trophy);
                if trophy && !c.revoked && !revoked.contains(&c.code.as_str()) {
                    trophies.push(group.track.clone());
                }
            }
        }
    }
    let certificates =
        store::certificates(&state.db, year).await?.iter().filter(|c| c.voided_at.is_none()).count() as i64;
    let meals = crate::event::meals(state, year).await?;
    Ok(Records { reviews, trophies, certificates, meals })
}

/// Every table of the plan's budget with its actuals.
pub async fn tables(state: &AppState, plan: &Plan, year: i32) -> AppResult<Vec<TableView>> {
    let records = records(state, plan, year).await?;
    let entries = store::budget_actuals(&state.db, year).await?;
    Ok(plan
        .budget
        .tables
        .iter()
        .enumerate()
        .map(|(index, table)| {
            let entry = |line: usize| entries.iter().find(|e| e.table_id == table.id && e.line == line as i32).cloned();
            let actual = budget::actuals(
                table,
                |i| {
                    let text = table.lines[i].actual.trim();
                    (!text.is_empty()).then(|| Source::parse(text, plan).ok()).flatten().map(|s| records.count(&s))
                },
                |i| entry(i).map(|e| e.amount),
            );
            TableView { index, actual, entries: (0..table.lines.len()).map(entry).collect() }
        })
        .collect())
}
