//! The presentation day's programme (SPEC §8): the plan's agenda with its sharing slots filled
//! from the results — each slot's groups' top-level (特優) teams in rank order — and, until a
//! publication exists, slots that say they are waiting for it.

use serde::Serialize;

use crate::plan::Plan;

/// A team that shares: its group, school and community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub group: String,
    pub code: String,
    pub school: String,
    pub community: String,
}

/// One line of the programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaLine {
    pub start: String,
    pub end: String,
    pub item: String,
    pub speaker: String,
    /// The teams sharing in this slot, in the order of the slot's groups and their ranks.
    pub teams: Vec<Team>,
    /// A sharing slot whose teams are not known yet (no publication).
    pub awaiting: bool,
}

/// The plan's first award level (特優): the level whose teams share.
pub fn top_level(plan: &Plan) -> Option<&str> {
    plan.award_levels.keys().next().map(String::as_str)
}

/// The programme: `winners` are the top-level teams of the latest publication in rank order
/// per group (None before any publication).
pub fn agenda(plan: &Plan, winners: Option<&[Team]>) -> Vec<AgendaLine> {
    plan.presentation_day
        .agenda
        .iter()
        .map(|a| {
            let teams: Vec<Team> = match winners {
                Some(w) => a.sharing.iter().flat_map(|g| w.iter().filter(move |t| &t.group == g)).cloned().collect(),
                None => Vec::new(),
            };
            AgendaLine {
                start: a.start.clone(),
                end: a.end.clone(),
                item: a.item.clone(),
                speaker: a.speaker.clone(),
                teams,
                awaiting: !a.sharing.is_empty() && winners.is_none(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(group: &str, code: &str) -> Team {
        Team {
            group: group.into(), code: code.into(), school: format!("{code}校"), community: format!("{code}社群")
        }
    }

    #[test]
    fn sharing_slots_are_filled_from_the_results_in_the_plans_order() {
        let plan = Plan::builtin();
        assert_eq!(top_level(&plan), Some("special"));
        let waiting = agenda(&plan, None);
        assert_eq!(waiting.len(), 7);
        assert!(waiting[2].awaiting && waiting[3].awaiting && !waiting[0].awaiting);
        let winners = vec![
            team("basic-junior", "J1"),
            team("advanced", "A1"),
            team("basic-elementary", "E1"),
            team("basic-elementary", "E2"),
            team("advanced", "A2"),
        ];
        let filled = agenda(&plan, Some(&winners));
        let codes = |i: usize| filled[i].teams.iter().map(|t| t.code.as_str()).collect::<Vec<_>>();
        // 08:30 basic: elementary first (the slot lists it first), then junior high.
        assert_eq!(codes(2), ["E1", "E2", "J1"]);
        assert_eq!(codes(3), ["A1", "A2"]);
        assert!(codes(0).is_empty() && !filled[2].awaiting);
        assert_eq!(filled[2].start, "08:30");
    }
}
