//! The presentation day's programme from the plan and the latest publication.

use linxuan_core::event::{self, AgendaLine, Team};
use linxuan_core::plan::Plan;

use crate::app::AppState;
use crate::published::Published;
use crate::web::error::AppResult;

/// The programme and the publication it was filled from (None before any).
pub async fn programme(state: &AppState, plan: &Plan, year: i32) -> AppResult<(Vec<AgendaLine>, Option<Published>)> {
    let Some((_, published)) = crate::published::latest(&state.db, year).await? else {
        return Ok((event::agenda(plan, None), None));
    };
    let revoked: Vec<i32> =
        linxuan_store::review::revocations(&state.db, year).await?.iter().map(|r| r.community_id).collect();
    let list = linxuan_store::communities::list(&state.db, year).await?;
    let revoked_codes: Vec<&str> = list.iter().filter(|c| revoked.contains(&c.id)).map(|c| c.code.as_str()).collect();
    let top = event::top_level(plan);
    let winners: Vec<Team> = published
        .groups
        .iter()
        .flat_map(|g| {
            g.communities
                .iter()
                .filter(|c| !c.revoked && !revoked_codes.contains(&c.code.as_str()))
                .filter(|c| c.award.as_ref().map(|(l, _)| l.as_str()) == top)
                .map(|c| Team {
                    group: g.group.clone(),
                    code: c.code.clone(),
                    school: c.school.clone(),
                    community: c.name.clone(),
                })
        })
        .collect();
    Ok((event::agenda(plan, Some(&winners)), Some(published)))
}
