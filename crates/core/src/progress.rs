//! What a community has done against the plan (SPEC §4–§5): timeliness per checkpoint, the
//! completeness suggestion with every missing item named, meetings per semester, and the
//! advanced track's co-planning → observation → debrief cycle. Pure: the caller gathers the
//! facts; the same answer is shown to the community, the office and the reviewers.
//!
//! When a checkpoint's requirement counts as met (the plan says only "按時傳送運作紀錄"):
//! - `meetings`: a meeting held in the semester of the deadline has its record and sign-in sheet
//!   (met when the later of the two was uploaded);
//! - `report`: the results report is uploaded (first upload);
//! - `self_evaluation`: the self-evaluation is submitted (first submission).
//!
//! A checkpoint is met when all its requirements are; on time when that is on or before the
//! deadline (23:59:59 Taipei), late otherwise. Before the deadline an unmet checkpoint is
//! pending; after it, missing.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::plan::{Plan, Requirement, Track};
use crate::time::{deadline_end, semester_of};

/// The kinds of meeting (運作紀錄) SPEC §4 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeetingKind {
    /// 共同備課
    CoPlanning,
    /// 觀課
    Observation,
    /// 議課
    Debrief,
    /// 專題講座
    Lecture,
    /// 經驗分享
    Sharing,
    /// 主題探討
    TopicStudy,
    /// 其他
    Other,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 7] = [
        MeetingKind::CoPlanning,
        MeetingKind::Observation,
        MeetingKind::Debrief,
        MeetingKind::Lecture,
        MeetingKind::Sharing,
        MeetingKind::TopicStudy,
        MeetingKind::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            MeetingKind::CoPlanning => "co_planning",
            MeetingKind::Observation => "observation",
            MeetingKind::Debrief => "debrief",
            MeetingKind::Lecture => "lecture",
            MeetingKind::Sharing => "sharing",
            MeetingKind::TopicStudy => "topic_study",
            MeetingKind::Other => "other",
        }
    }

    pub fn parse(id: &str) -> Option<MeetingKind> {
        MeetingKind::ALL.into_iter().find(|k| k.id() == id)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            MeetingKind::CoPlanning => "共同備課",
            MeetingKind::Observation => "觀課",
            MeetingKind::Debrief => "議課",
            MeetingKind::Lecture => "專題講座",
            MeetingKind::Sharing => "經驗分享",
            MeetingKind::TopicStudy => "主題探討",
            MeetingKind::Other => "其他",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            MeetingKind::CoPlanning => "Co-planning",
            MeetingKind::Observation => "Observation",
            MeetingKind::Debrief => "Debrief",
            MeetingKind::Lecture => "Lecture",
            MeetingKind::Sharing => "Experience sharing",
            MeetingKind::TopicStudy => "Topic study",
            MeetingKind::Other => "Other",
        }
    }
}

/// One meeting as progress needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingFact {
    pub date: NaiveDate,
    pub kind: MeetingKind,
    /// When the record was first saved.
    pub recorded_at: DateTime<Utc>,
    /// When its sign-in sheet was first uploaded, if it has one.
    pub signin_at: Option<DateTime<Utc>>,
}

impl MeetingFact {
    /// A label people recognise: `112/03/08 共同備課`.
    pub fn label_zh(&self) -> String {
        format!("{} {}", crate::roc::format_slash(self.date), self.kind.name_zh())
    }

    /// The same in English: `2023-03-08 co-planning`.
    pub fn label_en(&self) -> String {
        format!("{} {}", self.date, self.kind.name_en())
    }
}

/// Everything about one community that progress is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityFacts {
    pub track: String,
    pub members: usize,
    pub meetings: Vec<MeetingFact>,
    /// First upload of the results report still on record.
    pub report_at: Option<DateTime<Utc>>,
    /// First submission of the self-evaluation.
    pub self_evaluation_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointStatus {
    /// Met on or before the deadline.
    OnTime { at: DateTime<Utc> },
    /// Met after the deadline.
    Late { at: DateTime<Utc>, by: Duration },
    /// Not met, deadline not passed yet.
    Pending,
    /// Not met, deadline passed.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointProgress {
    pub id: String,
    pub name: String,
    pub deadline: NaiveDate,
    pub status: CheckpointStatus,
    /// Timeliness points earned so far (exact).
    pub points: Decimal,
    /// Timeliness points this checkpoint can give.
    pub max_points: Decimal,
    /// Requirements not met yet, as (zh, en).
    pub missing: Vec<(String, String)>,
}

/// One check behind the completeness suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletenessItem {
    pub ok: bool,
    /// The check and where the community stands, e.g. `第1學期聚會 1 次（至少 3 次）`.
    pub zh: String,
    pub en: String,
    /// What is still to do when it is not met, as a reminder lists it (`成果報告`,
    /// `第1學期聚會：尚需 2 次`); empty when met.
    pub todo_zh: String,
    pub todo_en: String,
}

impl CompletenessItem {
    fn met(zh: String, en: String) -> CompletenessItem {
        CompletenessItem { ok: true, zh, en, todo_zh: String::new(), todo_en: String::new() }
    }
    fn unmet(zh: String, en: String, todo_zh: String, todo_en: String) -> CompletenessItem {
        CompletenessItem { ok: false, zh, en, todo_zh, todo_en }
    }
    fn check(ok: bool, zh: String, en: String, todo_zh: String, todo_en: String) -> CompletenessItem {
        if ok { Self::met(zh, en) } else { Self::unmet(zh, en, todo_zh, todo_en) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub checkpoints: Vec<CheckpointProgress>,
    pub timeliness_points: Decimal,
    pub timeliness_max: Decimal,
    pub completeness: Vec<CompletenessItem>,
    /// Suggested completeness points: the criterion's points × the share of checks passed,
    /// rounded to two decimals (the reviewer confirms or changes it).
    pub completeness_points: Decimal,
    pub completeness_max: Decimal,
    /// Meetings per semester (1, 2) against the plan's requirement.
    pub semesters: Vec<SemesterCount>,
    /// Whether a full 備課→觀課→議課 cycle is recorded (always true when not required).
    pub cycle: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SemesterCount {
    pub semester: u8,
    pub held: usize,
    pub required: usize,
    pub with_signin: usize,
}

impl Progress {
    /// The missing items, for a reminder or the office board.
    pub fn missing(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for cp in &self.checkpoints {
            if matches!(cp.status, CheckpointStatus::Missing | CheckpointStatus::Pending) {
                for m in &cp.missing {
                    if !out.contains(m) {
                        out.push(m.clone());
                    }
                }
            }
        }
        for item in self.completeness.iter().filter(|i| !i.ok) {
            let pair = (item.todo_zh.clone(), item.todo_en.clone());
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
        out
    }
}

/// Something a community records or uploads, for deciding which deadline it counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// A meeting record (or its sign-in sheet), by the meeting's date.
    Meeting(NaiveDate),
    Report,
    SelfEvaluation,
    /// Evidence files and video links: due with everything else.
    Evidence,
}

/// The last deadline of the plan: after it, work is closed unless the plan allows late uploads.
pub fn final_deadline(plan: &Plan) -> Option<NaiveDate> {
    plan.checkpoints.values().map(|c| c.deadline.0).max()
}

/// The deadline an item counts against: for a meeting, the first checkpoint that asks for
/// meeting records of its semester; for the report and the self-evaluation, the first
/// checkpoint that asks for them; for anything else, the last deadline.
pub fn deadline_for(plan: &Plan, item: Item) -> Option<NaiveDate> {
    let year = plan.academic_year;
    let mut asking: Vec<NaiveDate> = plan
        .checkpoints
        .values()
        .filter(|cp| match item {
            Item::Meeting(date) => {
                cp.requires.contains(&Requirement::Meetings)
                    && semester_of(cp.deadline.0, year).is_some()
                    && semester_of(cp.deadline.0, year) == semester_of(date, year)
            }
            Item::Report => cp.requires.contains(&Requirement::Report),
            Item::SelfEvaluation => cp.requires.contains(&Requirement::SelfEvaluation),
            Item::Evidence => false,
        })
        .map(|cp| cp.deadline.0)
        .collect();
    asking.sort();
    asking.first().copied().or_else(|| final_deadline(plan))
}

/// Whether an item recorded at `now` is late.
pub fn is_late(plan: &Plan, item: Item, now: DateTime<Utc>) -> bool {
    deadline_for(plan, item).is_some_and(|d| now >= deadline_end(d))
}

/// Whether a community can no longer change its record: the last deadline has passed and the
/// plan does not accept late uploads.
pub fn closed(plan: &Plan, now: DateTime<Utc>) -> bool {
    !plan.uploads.allow_late && final_deadline(plan).is_some_and(|d| now >= deadline_end(d))
}

/// What an upload is, judged when its last byte arrives (never when it started, never by the
/// client's clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    OnTime,
    /// Accepted and marked late.
    Late,
    /// The record is closed: the last deadline has passed and the plan takes nothing late.
    Refused,
}

/// Judges an upload of `item` whose last byte arrived at `now`; the office (`office`) may
/// still correct a closed record, marked late.
pub fn arrival(plan: &Plan, item: Item, now: DateTime<Utc>, office: bool) -> Arrival {
    if closed(plan, now) && !office {
        Arrival::Refused
    } else if is_late(plan, item, now) {
        Arrival::Late
    } else {
        Arrival::OnTime
    }
}

/// Points of the criterion scored from this source in this track, if any.
fn points_of(track: &Track, source: crate::plan::CriterionSource) -> Decimal {
    track.criteria.values().find(|c| c.source == source).map(|c| Decimal::from(c.points)).unwrap_or_default()
}

/// The first full co-planning → observation → debrief sequence, by date.
fn has_cycle(meetings: &[MeetingFact]) -> bool {
    let mut sorted: Vec<&MeetingFact> = meetings.iter().collect();
    sorted.sort_by_key(|m| m.date);
    let mut stage = 0;
    for m in sorted {
        match (stage, m.kind) {
            (0, MeetingKind::CoPlanning) => stage = 1,
            (1, MeetingKind::Observation) => stage = 2,
            (2, MeetingKind::Debrief) => return true,
            _ => {}
        }
    }
    false
}

/// Computes a community's progress at `now`.
pub fn progress(plan: &Plan, facts: &CommunityFacts, now: DateTime<Utc>) -> Progress {
    let track = plan.tracks.get(&facts.track);
    let timeliness_max = track.map(|t| points_of(t, crate::plan::CriterionSource::Computed)).unwrap_or_default();
    let completeness_max = track.map(|t| points_of(t, crate::plan::CriterionSource::Suggested)).unwrap_or_default();
    let year = plan.academic_year;

    let mut checkpoints = Vec::new();
    for (id, cp) in &plan.checkpoints {
        let deadline = cp.deadline.0;
        let semester = semester_of(deadline, year).unwrap_or(if deadline.month() >= 8 { 1 } else { 2 });
        let mut met_at: Option<DateTime<Utc>> = None;
        let mut missing = Vec::new();
        let mut all_met = true;
        for requirement in &cp.requires {
            let at = match requirement {
                Requirement::Meetings => facts
                    .meetings
                    .iter()
                    .filter(|m| semester_of(m.date, year) == Some(semester))
                    .filter_map(|m| m.signin_at.map(|s| s.max(m.recorded_at)))
                    .min(),
                Requirement::Report => facts.report_at,
                Requirement::SelfEvaluation => facts.self_evaluation_at,
            };
            match at {
                Some(at) => met_at = Some(met_at.map_or(at, |m| m.max(at))),
                None => {
                    all_met = false;
                    missing.push(match requirement {
                        Requirement::Meetings => (
                            format!("第{semester}學期的運作紀錄（含簽到表）"),
                            format!("a meeting record with its sign-in sheet for semester {semester}"),
                        ),
                        Requirement::Report => ("成果報告".into(), "the results report".into()),
                        Requirement::SelfEvaluation => {
                            ("成效評估檢核表（送出）".into(), "the submitted self-evaluation".into())
                        }
                    });
                }
            }
        }
        let max_points = timeliness_max * cp.share / Decimal::ONE_HUNDRED;
        let end = deadline_end(deadline);
        let (status, points) = match (all_met, met_at) {
            (true, Some(at)) if at < end => (CheckpointStatus::OnTime { at }, max_points),
            (true, Some(at)) => (CheckpointStatus::Late { at, by: at - end }, max_points * plan.uploads.late_fraction),
            _ if now < end => (CheckpointStatus::Pending, Decimal::ZERO),
            _ => (CheckpointStatus::Missing, Decimal::ZERO),
        };
        checkpoints.push(CheckpointProgress {
            id: id.clone(),
            name: cp.name.clone(),
            deadline,
            status,
            points,
            max_points,
            missing,
        });
    }
    let timeliness_points = checkpoints.iter().map(|c| c.points).sum();

    let mut completeness = Vec::new();
    completeness.push(CompletenessItem::check(
        facts.report_at.is_some(),
        "成果報告已上傳".into(),
        "the results report is uploaded".into(),
        "成果報告".into(),
        "the results report".into(),
    ));
    let unsigned: Vec<&MeetingFact> = facts.meetings.iter().filter(|m| m.signin_at.is_none()).collect();
    let without_signin: Vec<String> = unsigned.iter().map(|m| m.label_zh()).collect();
    let without_signin_en: Vec<String> = unsigned.iter().map(|m| m.label_en()).collect();
    // Every meeting has its sign-in sheet: not met by having no meetings at all.
    completeness.push(if facts.meetings.is_empty() {
        CompletenessItem::unmet(
            "尚無聚會紀錄，也就沒有簽到表".into(),
            "no meeting recorded, so no sign-in sheet".into(),
            "運作紀錄與簽到表（目前一次也沒有）".into(),
            "meeting records with their sign-in sheets (none yet)".into(),
        )
    } else if without_signin.is_empty() {
        CompletenessItem::met("每次聚會都有簽到表".into(), "every meeting has a sign-in sheet".into())
    } else {
        CompletenessItem::unmet(
            format!("缺簽到表：{}", without_signin.join("、")),
            format!("no sign-in sheet: {}", without_signin_en.join(", ")),
            format!("簽到表：{}", without_signin.join("、")),
            format!("the sign-in sheets of {}", without_signin_en.join(", ")),
        )
    });
    let required = track.map_or(0, |t| t.meetings_per_semester.max(0) as usize);
    let mut semesters = Vec::new();
    for semester in [1u8, 2] {
        let in_semester: Vec<&MeetingFact> =
            facts.meetings.iter().filter(|m| semester_of(m.date, year) == Some(semester)).collect();
        let held = in_semester.len();
        let with_signin = in_semester.iter().filter(|m| m.signin_at.is_some()).count();
        semesters.push(SemesterCount { semester, held, required, with_signin });
        let more = required.saturating_sub(held);
        completeness.push(CompletenessItem::check(
            held >= required,
            format!("第{semester}學期聚會 {held} 次（至少 {required} 次）"),
            format!("semester {semester}: {held} meeting(s), at least {required} required"),
            format!("第{semester}學期聚會：已 {held} 次，尚需 {more} 次"),
            format!("semester {semester} meetings: {held} held, {more} more needed"),
        ));
    }
    let min_members = track.map_or(0, |t| t.min_members.max(0) as usize);
    let more = min_members.saturating_sub(facts.members);
    completeness.push(CompletenessItem::check(
        facts.members >= min_members,
        format!("成員 {} 人（至少 {min_members} 人）", facts.members),
        format!("{} member(s), at least {min_members} required", facts.members),
        format!("成員：已 {} 人，尚需 {more} 人", facts.members),
        format!("members: {} listed, {more} more needed", facts.members),
    ));
    let cycle_required = track.is_some_and(|t| t.require_cycle);
    let cycle = has_cycle(&facts.meetings);
    if cycle_required {
        completeness.push(CompletenessItem::check(
            cycle,
            "完成一次 共同備課→觀課→議課".into(),
            "a full co-planning → observation → debrief cycle".into(),
            "一次完整的 共同備課→觀課→議課".into(),
            "a full co-planning → observation → debrief cycle".into(),
        ));
    }
    let passed = completeness.iter().filter(|i| i.ok).count();
    let completeness_points = (completeness_max * Decimal::from(passed) / Decimal::from(completeness.len()))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    Progress {
        checkpoints,
        timeliness_points,
        timeliness_max,
        completeness,
        completeness_points,
        completeness_max,
        semesters,
        cycle: cycle || !cycle_required,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::taipei;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn meeting(date: NaiveDate, kind: MeetingKind, signed: Option<DateTime<Utc>>) -> MeetingFact {
        MeetingFact { date, kind, recorded_at: taipei(date, 18, 0, 0), signin_at: signed }
    }

    fn basic(members: usize) -> CommunityFacts {
        CommunityFacts {
            track: "basic".into(),
            members,
            meetings: Vec::new(),
            report_at: None,
            self_evaluation_at: None,
        }
    }

    #[test]
    fn an_upload_is_judged_by_its_last_byte_to_the_tenth_of_a_second() {
        let plan = Plan::builtin();
        let final_day = d(2023, 6, 12);
        let at =
            |h, m, s, tenths: u32| taipei(final_day, h, m, s) + chrono::Duration::milliseconds(100 * i64::from(tenths));
        assert_eq!(arrival(&plan, Item::Report, at(23, 59, 59, 9), false), Arrival::OnTime);
        let just_after = taipei(d(2023, 6, 13), 0, 0, 0) + chrono::Duration::milliseconds(100);
        assert_eq!(arrival(&plan, Item::Report, just_after, false), Arrival::Refused, "the plan takes nothing late");
        assert_eq!(arrival(&plan, Item::Report, just_after, true), Arrival::Late, "the office may still correct");
        let mut lenient = Plan::builtin();
        lenient.uploads.allow_late = true;
        assert_eq!(arrival(&lenient, Item::Report, just_after, false), Arrival::Late);
        // Before the last deadline, late for its own checkpoint, but not refused.
        let after_midterm = taipei(d(2023, 1, 10), 0, 0, 0) + chrono::Duration::milliseconds(100);
        assert_eq!(arrival(&plan, Item::Meeting(d(2022, 10, 5)), after_midterm, false), Arrival::Late);
    }

    #[test]
    fn on_time_to_the_last_second_late_after() {
        let plan = Plan::builtin();
        let mut facts = basic(5);
        // A semester-1 meeting whose sign-in sheet arrives at 23:59:59 on 112-01-09.
        facts.meetings.push(meeting(d(2022, 10, 5), MeetingKind::CoPlanning, Some(taipei(d(2023, 1, 9), 23, 59, 59))));
        let p = progress(&plan, &facts, taipei(d(2023, 1, 10), 12, 0, 0));
        assert!(matches!(p.checkpoints[0].status, CheckpointStatus::OnTime { .. }));
        assert_eq!(p.checkpoints[0].points, Decimal::new(125, 1), "half of 25");
        facts.meetings[0].signin_at = Some(taipei(d(2023, 1, 10), 0, 0, 0));
        let p = progress(&plan, &facts, taipei(d(2023, 1, 10), 12, 0, 0));
        assert_eq!(
            p.checkpoints[0].status,
            CheckpointStatus::Late { at: taipei(d(2023, 1, 10), 0, 0, 0), by: Duration::zero() }
        );
        assert_eq!(p.checkpoints[0].points, Decimal::ZERO, "late earns the plan's late fraction, 0 by default");
    }

    #[test]
    fn pending_before_the_deadline_missing_after() {
        let plan = Plan::builtin();
        let facts = basic(5);
        let before = progress(&plan, &facts, taipei(d(2023, 1, 9), 12, 0, 0));
        assert_eq!(before.checkpoints[0].status, CheckpointStatus::Pending);
        let after = progress(&plan, &facts, taipei(d(2023, 1, 10), 0, 0, 0));
        assert_eq!(after.checkpoints[0].status, CheckpointStatus::Missing);
        let missing = after.missing();
        assert!(missing.iter().any(|(zh, _)| zh == "第1學期的運作紀錄（含簽到表）"), "{missing:?}");
    }

    #[test]
    fn final_checkpoint_needs_everything() {
        let plan = Plan::builtin();
        let mut facts = basic(5);
        let t = |m, day| taipei(d(2023, m, day), 10, 0, 0);
        facts.meetings.push(meeting(d(2023, 3, 1), MeetingKind::Observation, Some(t(3, 2))));
        facts.report_at = Some(t(6, 1));
        let p = progress(&plan, &facts, t(6, 20));
        assert_eq!(p.checkpoints[1].status, CheckpointStatus::Missing);
        assert_eq!(
            p.checkpoints[1].missing,
            [("成效評估檢核表（送出）".to_string(), "the submitted self-evaluation".to_string())]
        );
        facts.self_evaluation_at = Some(t(6, 12));
        let p = progress(&plan, &facts, t(6, 20));
        assert_eq!(p.checkpoints[1].status, CheckpointStatus::OnTime { at: t(6, 12) });
    }

    #[test]
    fn late_uploads_earn_the_late_fraction_when_allowed() {
        let mut plan = Plan::builtin();
        plan.uploads.allow_late = true;
        plan.uploads.late_fraction = Decimal::new(5, 1);
        let mut facts = basic(5);
        facts.meetings.push(meeting(d(2022, 10, 5), MeetingKind::Lecture, Some(taipei(d(2023, 1, 12), 8, 0, 0))));
        let p = progress(&plan, &facts, taipei(d(2023, 2, 1), 0, 0, 0));
        assert!(matches!(p.checkpoints[0].status, CheckpointStatus::Late { by, .. } if by == Duration::hours(56)));
        assert_eq!(p.checkpoints[0].points, Decimal::new(625, 2));
    }

    #[test]
    fn completeness_names_each_missing_item() {
        let plan = Plan::builtin();
        let mut facts = basic(4);
        let t = taipei(d(2022, 10, 1), 10, 0, 0);
        facts.meetings.push(meeting(d(2022, 9, 20), MeetingKind::CoPlanning, Some(t)));
        facts.meetings.push(meeting(d(2022, 10, 18), MeetingKind::Observation, None));
        let p = progress(&plan, &facts, t);
        let failed: Vec<&str> = p.completeness.iter().filter(|i| !i.ok).map(|i| i.zh.as_str()).collect();
        assert_eq!(
            failed,
            [
                "成果報告已上傳",
                "缺簽到表：111/10/18 觀課",
                "第1學期聚會 2 次（至少 3 次）",
                "第2學期聚會 0 次（至少 3 次）",
                "成員 4 人（至少 5 人）"
            ]
        );
        assert_eq!(p.completeness_points, Decimal::ZERO, "0 of 5 checks");
        facts.members = 5;
        facts.report_at = Some(t);
        let p = progress(&plan, &facts, t);
        assert_eq!(p.completeness_points, Decimal::from(10), "2 of 5 checks of 25 points");
        assert_eq!(p.semesters[0], SemesterCount { semester: 1, held: 2, required: 3, with_signin: 1 });
    }

    /// A community that has recorded nothing earns no completeness for "every meeting has a
    /// sign-in sheet", and its reminder lists what is to do, once each, never what is done.
    #[test]
    fn completeness_from_nothing_is_nothing_and_reminders_list_only_what_is_to_do() {
        let plan = Plan::builtin();
        let t = taipei(d(2023, 3, 1), 10, 0, 0);
        let p = progress(&plan, &basic(0), t);
        assert!(p.completeness.iter().all(|i| !i.ok), "{:?}", p.completeness);
        assert_eq!(p.completeness_points, Decimal::ZERO, "nothing recorded, nothing earned");
        let missing: Vec<String> = p.missing().into_iter().map(|(zh, _)| zh).collect();
        assert!(missing.iter().any(|m| m == "運作紀錄與簽到表（目前一次也沒有）"), "{missing:?}");
        assert_eq!(missing.iter().filter(|m| *m == "成果報告").count(), 1, "once: {missing:?}");
        assert!(missing.iter().all(|m| !m.contains("已上傳") && !m.contains("都有")), "{missing:?}");
        // Everything met: nothing to remind of.
        let mut facts = basic(5);
        for (m, day) in [(10, 3), (10, 10), (11, 7), (3, 6), (3, 13), (4, 10)] {
            let y = if m >= 8 { 2022 } else { 2023 };
            facts.meetings.push(meeting(d(y, m, day), MeetingKind::CoPlanning, Some(taipei(d(y, m, day), 20, 0, 0))));
        }
        facts.report_at = Some(t);
        facts.self_evaluation_at = Some(t);
        let p = progress(&plan, &facts, t);
        assert!(p.missing().is_empty(), "{:?}", p.missing());
        assert_eq!(p.completeness_points, Decimal::from(25));
        // One semester short: the reminder says how many more, not the count as if done.
        facts.meetings.pop();
        let p = progress(&plan, &facts, t);
        assert_eq!(
            p.missing(),
            [("第2學期聚會：已 2 次，尚需 1 次".to_string(), "semester 2 meetings: 2 held, 1 more needed".to_string())]
        );
    }

    #[test]
    fn the_advanced_track_needs_a_cycle_in_order() {
        let plan = Plan::builtin();
        let mut facts = CommunityFacts { track: "advanced".into(), ..basic(6) };
        let t = taipei(d(2022, 12, 1), 10, 0, 0);
        facts.meetings.push(meeting(d(2022, 10, 3), MeetingKind::Observation, Some(t)));
        facts.meetings.push(meeting(d(2022, 10, 10), MeetingKind::CoPlanning, Some(t)));
        facts.meetings.push(meeting(d(2022, 10, 17), MeetingKind::Debrief, Some(t)));
        assert!(!progress(&plan, &facts, t).cycle, "observation before co-planning does not count");
        facts.meetings.push(meeting(d(2022, 10, 24), MeetingKind::Observation, Some(t)));
        facts.meetings.push(meeting(d(2022, 10, 31), MeetingKind::Debrief, Some(t)));
        let p = progress(&plan, &facts, t);
        assert!(p.cycle);
        assert!(p.completeness.iter().any(|i| i.ok && i.zh.contains("共同備課→觀課→議課")));
    }

    #[test]
    fn items_count_against_their_own_deadline() {
        let mut plan = Plan::builtin();
        let midterm = d(2023, 1, 9);
        let last = d(2023, 6, 12);
        assert_eq!(deadline_for(&plan, Item::Meeting(d(2022, 10, 5))), Some(midterm));
        assert_eq!(deadline_for(&plan, Item::Meeting(d(2023, 1, 20))), Some(midterm), "still semester 1");
        assert_eq!(deadline_for(&plan, Item::Meeting(d(2023, 3, 1))), Some(last));
        assert_eq!(deadline_for(&plan, Item::Report), Some(last));
        assert_eq!(deadline_for(&plan, Item::Evidence), Some(last));
        assert!(!is_late(&plan, Item::Meeting(d(2022, 10, 5)), taipei(midterm, 23, 59, 59)));
        assert!(is_late(&plan, Item::Meeting(d(2022, 10, 5)), taipei(d(2023, 1, 10), 0, 0, 0)));
        assert!(!is_late(&plan, Item::Meeting(d(2023, 3, 1)), taipei(d(2023, 1, 10), 0, 0, 0)));
        assert!(!closed(&plan, taipei(last, 23, 59, 59)));
        assert!(closed(&plan, taipei(d(2023, 6, 13), 0, 0, 0)));
        plan.uploads.allow_late = true;
        assert!(!closed(&plan, taipei(d(2023, 6, 13), 0, 0, 0)), "late uploads allowed: open, marked late");
    }

    #[test]
    fn meeting_kinds_round_trip() {
        for kind in MeetingKind::ALL {
            assert_eq!(MeetingKind::parse(kind.id()), Some(kind));
        }
    }
}
