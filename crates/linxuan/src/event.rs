//! The presentation day's programme from the plan and the latest publication.

use linxuan_core::event::{self, AgendaLine, Team};
use linxuan_core::plan::Plan;

use crate::app::AppState;
use crate::published::Current;
use crate::web::error::AppResult;

/// The programme and the publication it was filled from, with the revocations since (None
/// before any).
pub async fn programme(state: &AppState, plan: &Plan, year: i32) -> AppResult<(Vec<AgendaLine>, Option<Current>)> {
    let Some(current) = crate::published::current(&state.db, year).await? else {
        return Ok((event::agenda(plan, None), None));
    };
    let top = event::top_level(plan);
    let winners: Vec<Team> = current
        .published
        .groups
        .iter()
        .flat_map(|g| {
            g.communities
                .iter()
                .filter(|c| current.holds_award(c) && c.award.as_ref().map(|(l, _)| l.as_str()) == top)
                .map(|c| Team {
                    group: g.group.clone(),
                    code: c.code.clone(),
                    school: c.school.clone(),
                    community: c.name.clone(),
                })
        })
        .collect();
    Ok((event::agenda(plan, Some(&winners)), Some(current)))
}
