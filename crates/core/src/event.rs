//! The presentation day's programme (SPEC §8): the plan's agenda with its sharing slots filled
//! from the results — each slot's groups' top-level (特優) teams in rank order — and, until a
//! publication exists, slots that say they are waiting for it.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
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

// ---------------------------------------------------------------------------------------------
// Registration (報名): one person per school by default, a venue's capacity, a waiting list.

/// Why a registration waits instead of holding a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WaitReason {
    /// The school has its places (`registrations_per_school`); the office may admit more.
    School,
    /// The venue is full; places free up in order as people cancel.
    Venue,
}

impl WaitReason {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::School => "school",
            WaitReason::Venue => "venue",
        }
    }
    pub fn parse(text: &str) -> Option<WaitReason> {
        match text {
            "school" => Some(WaitReason::School),
            "venue" => Some(WaitReason::Venue),
            _ => None,
        }
    }
}

/// What a new registration gets, given `registered` people holding a place, `of_school` of them
/// from its school (None: no school rule applies, e.g. the office's own entry).
pub fn place(
    registered: i64,
    of_school: Option<i64>,
    per_school: i64,
    capacity: Option<i64>,
) -> Result<(), WaitReason> {
    if of_school.is_some_and(|n| n >= per_school) {
        return Err(WaitReason::School);
    }
    if capacity.is_some_and(|c| registered >= c) {
        return Err(WaitReason::Venue);
    }
    Ok(())
}

/// A registration still standing (not cancelled), in the order it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub id: i32,
    pub school: Option<i32>,
    pub waiting: bool,
    /// Entered by the office, who waived the school's rule for it: only the venue holds it back.
    pub waives_school: bool,
}

/// Who moves up from the waiting list, in order: each waiting registration that now fits both
/// the school rule and the capacity, counted as the ones before it move up.
pub fn promotions(list: &[Standing], per_school: i64, capacity: Option<i64>) -> Vec<i32> {
    let mut registered = list.iter().filter(|s| !s.waiting).count() as i64;
    let mut of_school: std::collections::BTreeMap<i32, i64> = std::collections::BTreeMap::new();
    for s in list.iter().filter(|s| !s.waiting) {
        if let Some(school) = s.school {
            *of_school.entry(school).or_default() += 1;
        }
    }
    let mut up = Vec::new();
    for s in list.iter().filter(|s| s.waiting) {
        let count = s.school.filter(|_| !s.waives_school).map(|school| of_school.get(&school).copied().unwrap_or(0));
        if place(registered, count, per_school, capacity).is_ok() {
            registered += 1;
            if let Some(school) = s.school {
                *of_school.entry(school).or_default() += 1;
            }
            up.push(s.id);
        }
    }
    up
}

// ---------------------------------------------------------------------------------------------
// Check-in and check-out (報到/簽退).

/// A scan at the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScanKind {
    In,
    Out,
}

impl ScanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanKind::In => "in",
            ScanKind::Out => "out",
        }
    }
    pub fn parse(text: &str) -> Option<ScanKind> {
        match text {
            "in" => Some(ScanKind::In),
            "out" => Some(ScanKind::Out),
            _ => None,
        }
    }
}

/// What a scan does and what the desk is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScanAnswer {
    /// Recorded now, at this time.
    CheckedIn(DateTime<Utc>),
    CheckedOut(DateTime<Utc>),
    /// Nothing recorded: it was done before, at this time.
    AlreadyIn(DateTime<Utc>),
    AlreadyOut(DateTime<Utc>),
    /// A check-out for someone who never checked in.
    NotCheckedIn,
    /// On the waiting list, not admitted.
    Waiting,
    Cancelled,
}

/// A scan that finds the record made already may still correct its time: a check-in scanned
/// earlier than the one on record (sent late by a phone that was offline) moves it earlier; a
/// check-out scanned later moves it later. The time to keep, when it changes.
pub fn revised(kind: ScanKind, answer: ScanAnswer, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match (kind, answer) {
        (ScanKind::In, ScanAnswer::AlreadyIn(t)) if at < t => Some(at),
        (ScanKind::Out, ScanAnswer::AlreadyOut(t)) if at > t => Some(at),
        _ => None,
    }
}

impl ScanAnswer {
    /// The scan changed the record.
    pub fn recorded(self) -> bool {
        matches!(self, ScanAnswer::CheckedIn(_) | ScanAnswer::CheckedOut(_))
    }
}

/// The rule of a scan: `status` is the registration's (`registered`, `waiting`, `cancelled`).
pub fn scan(
    kind: ScanKind,
    status: &str,
    checked_in: Option<DateTime<Utc>>,
    checked_out: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> ScanAnswer {
    match status {
        "cancelled" => return ScanAnswer::Cancelled,
        "waiting" => return ScanAnswer::Waiting,
        _ => {}
    }
    match (kind, checked_in, checked_out) {
        (ScanKind::In, Some(t), _) => ScanAnswer::AlreadyIn(t),
        (ScanKind::In, None, _) => ScanAnswer::CheckedIn(at),
        (ScanKind::Out, None, _) => ScanAnswer::NotCheckedIn,
        (ScanKind::Out, Some(_), Some(t)) => ScanAnswer::AlreadyOut(t),
        (ScanKind::Out, Some(_), None) => ScanAnswer::CheckedOut(at),
    }
}

// ---------------------------------------------------------------------------------------------
// Study hours (研習時數).

/// Why someone gets no study hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Shortfall {
    NoCheckIn,
    NoCheckOut,
    /// Checked in this many minutes after the start (beyond the grace).
    Late(i64),
    /// Checked out this many minutes before the end (beyond the grace).
    LeftEarly(i64),
    /// The check-in was not on the day of the event.
    OtherDay,
}

/// The attendance rule (SPEC §8): checked in by `start` and out at or after `end` on `day`,
/// each give or take `grace` minutes. Empty: the hours are earned.
pub fn shortfalls(
    day: NaiveDate,
    (start, end): (NaiveTime, NaiveTime),
    grace: i64,
    checked_in: Option<DateTime<Utc>>,
    checked_out: Option<DateTime<Utc>>,
) -> Vec<Shortfall> {
    let local = |t: DateTime<Utc>| t.with_timezone(&crate::time::ZONE).naive_local();
    let starts = day.and_time(start) + Duration::minutes(grace);
    let ends = day.and_time(end) - Duration::minutes(grace);
    let mut out = Vec::new();
    match checked_in.map(local) {
        None => out.push(Shortfall::NoCheckIn),
        Some(t) if t.date() != day => out.push(Shortfall::OtherDay),
        Some(t) if t > starts => out.push(Shortfall::Late(minutes_up(t - day.and_time(start)))),
        Some(_) => {}
    }
    match checked_out.map(local) {
        None => out.push(Shortfall::NoCheckOut),
        Some(t) if t.date() != day => {
            if !out.contains(&Shortfall::OtherDay) {
                out.push(Shortfall::OtherDay)
            }
        }
        Some(t) if t < ends => out.push(Shortfall::LeftEarly(minutes_up(day.and_time(end) - t))),
        Some(_) => {}
    }
    out
}

/// Whole minutes, any part of a minute counted.
fn minutes_up(d: Duration) -> i64 {
    let secs = d.num_seconds();
    (secs + 59).div_euclid(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        crate::time::ZONE.with_ymd_and_hms(2023, 7, 7, h, m, s).unwrap().with_timezone(&Utc)
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, 7, 7).unwrap()
    }

    fn window() -> (NaiveTime, NaiveTime) {
        (NaiveTime::from_hms_opt(8, 10, 0).unwrap(), NaiveTime::from_hms_opt(12, 30, 0).unwrap())
    }

    #[test]
    fn hours_are_earned_in_at_the_start_and_out_at_the_end_exactly() {
        assert_eq!(shortfalls(day(), window(), 0, Some(at(8, 10, 0)), Some(at(12, 30, 0))), []);
        assert_eq!(shortfalls(day(), window(), 0, Some(at(7, 50, 0)), Some(at(13, 0, 0))), []);
        // One second late or early is a minute without grace.
        assert_eq!(shortfalls(day(), window(), 0, Some(at(8, 10, 1)), Some(at(12, 30, 0))), [Shortfall::Late(1)]);
        assert_eq!(shortfalls(day(), window(), 0, Some(at(8, 10, 0)), Some(at(12, 29, 59))), [Shortfall::LeftEarly(1)]);
    }

    #[test]
    fn grace_counts_to_the_minute_on_both_ends() {
        assert_eq!(shortfalls(day(), window(), 10, Some(at(8, 20, 0)), Some(at(12, 20, 0))), []);
        assert_eq!(
            shortfalls(day(), window(), 10, Some(at(8, 20, 1)), Some(at(12, 19, 0))),
            [Shortfall::Late(11), Shortfall::LeftEarly(11)]
        );
    }

    #[test]
    fn missing_scans_and_other_days_are_named() {
        assert_eq!(shortfalls(day(), window(), 10, None, None), [Shortfall::NoCheckIn, Shortfall::NoCheckOut]);
        assert_eq!(shortfalls(day(), window(), 10, Some(at(8, 0, 0)), None), [Shortfall::NoCheckOut]);
        let yesterday = at(8, 0, 0) - Duration::days(1);
        assert_eq!(shortfalls(day(), window(), 10, Some(yesterday), Some(at(12, 40, 0))), [Shortfall::OtherDay]);
        // Taipei time decides the day: 00:30 on the 7th is still the 6th in UTC.
        assert_eq!(
            shortfalls(
                day(),
                (NaiveTime::from_hms_opt(0, 0, 0).unwrap(), NaiveTime::from_hms_opt(0, 40, 0).unwrap()),
                0,
                Some(at(0, 0, 0)),
                Some(at(0, 40, 0))
            ),
            []
        );
    }

    #[test]
    fn one_place_per_school_then_the_venue_then_the_list() {
        assert_eq!(place(0, Some(0), 1, Some(2)), Ok(()));
        assert_eq!(place(1, Some(1), 1, Some(2)), Err(WaitReason::School));
        assert_eq!(place(2, Some(0), 1, Some(2)), Err(WaitReason::Venue));
        assert_eq!(place(2, None, 1, None), Ok(()), "no school rule, no capacity");
        assert_eq!(place(5, Some(1), 2, None), Ok(()));
    }

    #[test]
    fn the_waiting_list_moves_up_in_order_as_rules_allow() {
        let s = |id, school, waiting| Standing { id, school: Some(school), waiting, waives_school: false };
        // Capacity 3: A(1) B(2) C(3) hold places; D(4) waits for the venue, E(1) for its school,
        // F(5) for the venue. C cancels (left out): D moves up, E stays (school 1 has A), F still waits.
        let list = [s(1, 1, false), s(2, 2, false), s(4, 4, true), s(5, 1, true), s(6, 5, true)];
        assert_eq!(promotions(&list, 1, Some(3)), [4]);
        // A cancels too: E (school 1) moves up now; F waits for the venue.
        let list = [s(2, 2, false), s(4, 4, true), s(5, 1, true), s(6, 5, true)];
        assert_eq!(promotions(&list, 1, Some(3)), [4, 5]);
        // Without a capacity only the school rule holds people back.
        let list = [s(1, 1, false), s(5, 1, true), s(6, 5, true)];
        assert_eq!(promotions(&list, 1, None), [6]);
        // Capacity raised: everyone fitting moves up, none twice per school.
        let list = [s(7, 9, true), s(8, 9, true), s(9, 8, true)];
        assert_eq!(promotions(&list, 1, Some(10)), [7, 9]);
        // The office's own entry waived the school's rule: only the venue held it back.
        let office = Standing { id: 10, school: Some(1), waiting: true, waives_school: true };
        let list = [s(1, 1, false), office.clone(), s(11, 2, true)];
        assert_eq!(promotions(&list, 1, Some(2)), [10]);
    }

    #[test]
    fn scans_answer_once_and_tell_what_was_before() {
        let t = at(8, 5, 0);
        let before = at(8, 2, 0);
        assert_eq!(scan(ScanKind::In, "registered", None, None, t), ScanAnswer::CheckedIn(t));
        assert_eq!(scan(ScanKind::In, "registered", Some(before), None, t), ScanAnswer::AlreadyIn(before));
        assert_eq!(scan(ScanKind::Out, "registered", None, None, t), ScanAnswer::NotCheckedIn);
        assert_eq!(scan(ScanKind::Out, "registered", Some(before), None, t), ScanAnswer::CheckedOut(t));
        assert_eq!(scan(ScanKind::Out, "registered", Some(before), Some(before), t), ScanAnswer::AlreadyOut(before));
        assert_eq!(scan(ScanKind::In, "cancelled", None, None, t), ScanAnswer::Cancelled);
        assert_eq!(scan(ScanKind::In, "waiting", None, None, t), ScanAnswer::Waiting);
        assert!(ScanAnswer::CheckedIn(t).recorded() && !ScanAnswer::AlreadyIn(t).recorded());
        // A phone that was offline sends a check-in made before the one on record: it counts.
        let earlier = at(8, 0, 0);
        assert_eq!(revised(ScanKind::In, ScanAnswer::AlreadyIn(before), earlier), Some(earlier));
        assert_eq!(revised(ScanKind::In, ScanAnswer::AlreadyIn(before), t), None);
        assert_eq!(revised(ScanKind::Out, ScanAnswer::AlreadyOut(before), t), Some(t));
        assert_eq!(revised(ScanKind::Out, ScanAnswer::AlreadyOut(t), before), None);
        assert_eq!(revised(ScanKind::In, ScanAnswer::CheckedIn(t), earlier), None);
    }

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
