//! The plan (遴選計畫) as data: one TOML document per academic year.
//!
//! The schema follows SPEC §2. Things other parts of Linxuan refer to by id (tracks, groups,
//! criteria, checkpoints, award levels) are TOML tables keyed by that id, in the order the file
//! gives them, so a problem's path reads like the file: `tracks.basic.criteria`.
//! [`Plan::from_toml`] reads a plan; [`validate`] lists every problem with its path.

mod validate;

use chrono::{Datelike, Months, NaiveDate, NaiveTime};
use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allocation::{CriterionInfo, CriterionRule, GroupRules, LevelRule, RoundName, SelectionRules};
use crate::roc::{RocDate, StatedDate};

pub use validate::{Problem, validate};

/// The 111 Taoyuan plan, as shipped. `linxuan plan show` prints this text.
pub const BUILTIN_TOML: &str = include_str!("taoyuan-111.toml");

/// A whole plan for one academic year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// 學年度, ROC numbering (111 = 2022-08-01 … 2023-07-31).
    pub academic_year: i32,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title_en: String,
    /// 主辦單位
    pub authority: String,
    /// 承辦單位
    pub organiser: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub website: String,
    /// The public showcase's address (成果平台).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub showcase: String,
    pub operating_period: Period,
    pub uploads: Uploads,
    pub checkpoints: IndexMap<String, Checkpoint>,
    pub tracks: IndexMap<String, Track>,
    pub groups: IndexMap<String, Group>,
    pub award_levels: IndexMap<String, AwardLevel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organiser_rewards: Vec<OrganiserReward>,
    pub rubric: Rubric,
    /// Review windows (SPEC §5): when reviewers can score each round.
    #[serde(default)]
    pub review: Review,
    pub presentation_day: PresentationDay,
    pub budget: Budget,
    /// Certificates and commendations (SPEC §3): issuer, numbering, wording.
    #[serde(default)]
    pub outcomes: crate::outcomes::Outcomes,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Phases by id (`round-1`, `round-2`, `advanced-written`, `presentation`), in order.
    #[serde(default)]
    pub phases: IndexMap<String, Phase>,
}

/// What reviewers do in a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    /// Scoring uploaded material on the scoring page.
    Written,
    /// Scoring live presentations, room by room, slot by slot.
    Presentation,
}

/// A dated window in which reviewers of one track's round do one kind of work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    pub track: String,
    /// 1-based round of the track (`tracks.<track>.rounds`).
    pub round: i64,
    pub kind: PhaseKind,
    /// Open from 00:00 of this day (Taipei) …
    pub opens: RocDate,
    /// … to 23:59:59 of this day.
    pub closes: RocDate,
}

impl Phase {
    /// The criteria of the track scored in this phase: presentation criteria on presentation
    /// day, the others in a written phase.
    pub fn criteria<'a>(&self, plan: &'a Plan) -> Vec<(&'a String, &'a Criterion)> {
        let Some(track) = plan.tracks.get(&self.track) else { return Vec::new() };
        track
            .criteria
            .iter()
            .filter(|(_, c)| (c.source == CriterionSource::Presentation) == (self.kind == PhaseKind::Presentation))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: RocDate,
    pub end: RocDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uploads {
    /// Largest file a community may upload, in MB (10^6 bytes).
    pub max_file_mb: i64,
    /// Whether uploads after a deadline are accepted (always marked late).
    pub allow_late: bool,
    /// Share of a checkpoint's timeliness points a late upload still earns (0 … 1).
    #[serde(with = "crate::number")]
    pub late_fraction: Decimal,
    /// Accepted file types, by extension; the server checks content, not names.
    pub file_types: Vec<String>,
}

/// What a checkpoint asks to have been uploaded by its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// 運作紀錄: meeting records with sign-in sheets.
    Meetings,
    /// 成果報告: the results report.
    Report,
    /// 成效評估檢核表: the submitted self-evaluation.
    SelfEvaluation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// Inclusive: the deadline is 23:59:59 Asia/Taipei of this day.
    pub deadline: RocDate,
    pub requires: Vec<Requirement>,
    /// Percent of the timeliness points this checkpoint carries.
    #[serde(with = "crate::number")]
    pub share: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Judging {
    #[serde(rename = "written")]
    Written,
    #[serde(rename = "written+presentation")]
    WrittenAndPresentation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Track {
    pub name: String,
    pub short: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    pub judging: Judging,
    pub min_members: i64,
    pub meetings_per_semester: i64,
    /// Whether a full 備課→觀課→議課 cycle must be recorded.
    #[serde(default)]
    pub require_cycle: bool,
    /// Criterion ids compared, in order, when totals are equal.
    pub tie_break: Vec<String>,
    pub criteria: IndexMap<String, Criterion>,
    pub rounds: Vec<Round>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentation: Option<PresentationReview>,
}

/// Where a criterion's score comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionSource {
    /// Computed by the system (timeliness): not judged.
    Computed,
    /// Suggested by the system, confirmed or changed by the reviewer (completeness).
    Suggested,
    /// The reviewer's rubric indicator scores scaled to the criterion's points (richness).
    Rubric,
    /// Scored directly by the reviewer in the written review.
    Judged,
    /// Scored by the room's reviewers at the live presentation.
    Presentation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// Maximum points; a track's criteria add up to 100.
    pub points: i64,
    pub source: CriterionSource,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// Reviewers per community in this round.
    pub reviewers: i64,
    /// Who goes on to this round from the one before (absent for the first round).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut: Option<Cut>,
}

/// Who passes from one round to the next. Communities tied at the cut always pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", deny_unknown_fields)]
pub enum Cut {
    /// Per group, the top `factor` × the group's award places.
    #[serde(rename = "top-award-places")]
    TopAwardPlaces { factor: i64 },
    /// Per group, the top `count`.
    #[serde(rename = "top")]
    Top { count: i64 },
    /// Everyone whose previous-round score reaches `score`.
    #[serde(rename = "minimum")]
    Minimum {
        #[serde(with = "crate::number")]
        score: Decimal,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationReview {
    /// When the first presentation starts, `09:00`.
    #[serde(default = "default_day_start")]
    pub day_start: String,
    pub rooms: i64,
    pub reviewers_per_room: i64,
    /// Minutes per community, change-over included.
    pub slot_minutes: i64,
    pub changeover_minutes: i64,
    pub day_hours: i64,
}

fn default_day_start() -> String {
    "09:00".into()
}

/// School levels (學制) a group admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchoolLevel {
    /// 國小
    Elementary,
    /// 國中
    Junior,
    /// 高中
    Senior,
}

impl SchoolLevel {
    pub const ALL: [SchoolLevel; 3] = [SchoolLevel::Elementary, SchoolLevel::Junior, SchoolLevel::Senior];

    pub fn id(self) -> &'static str {
        match self {
            SchoolLevel::Elementary => "elementary",
            SchoolLevel::Junior => "junior",
            SchoolLevel::Senior => "senior",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            SchoolLevel::Elementary => "國小",
            SchoolLevel::Junior => "國中",
            SchoolLevel::Senior => "高中",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            SchoolLevel::Elementary => "Elementary",
            SchoolLevel::Junior => "Junior high",
            SchoolLevel::Senior => "Senior high",
        }
    }
    /// Reads `國小`/`國民小學`/`elementary` and the like, as schools lists write them.
    pub fn parse(text: &str) -> Option<SchoolLevel> {
        match text.trim().to_lowercase().as_str() {
            "國小" | "国小" | "國民小學" | "小學" | "elementary" | "primary" | "e" => {
                Some(SchoolLevel::Elementary)
            }
            "國中" | "国中" | "國民中學" | "初中" | "junior" | "junior high" | "j" => {
                Some(SchoolLevel::Junior)
            }
            "高中" | "高級中等學校" | "高級中學" | "senior" | "senior high" | "s" => {
                Some(SchoolLevel::Senior)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    pub track: String,
    pub school_levels: Vec<SchoolLevel>,
    /// Places per award level id. Kept signed so a negative quota is reported, not a type error.
    pub quotas: IndexMap<String, i64>,
}

impl Group {
    /// All award places of the group (the sum of its quotas).
    pub fn award_places(&self) -> i64 {
        self.quotas.values().copied().filter(|q| *q > 0).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwardLevel {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// Lowest total that can take a place at this level.
    #[serde(with = "crate::number")]
    pub minimum: Decimal,
    pub reward: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub trophy: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub certificate: bool,
    /// 團隊每人記嘉獎1次
    #[serde(default, skip_serializing_if = "is_false")]
    pub commendation: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganiserReward {
    pub reward: String,
    pub people: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// Each indicator is scored 0 … this; richness scales the sum to its points.
    pub max_per_indicator: i64,
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// 優
    pub good: String,
    /// 可
    pub fair: String,
    /// 待改進
    pub poor: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresentationDay {
    pub name: String,
    /// The day as the plan states it, weekday included: `112年7月7日(星期五)`.
    pub date: StatedDate,
    pub venue: String,
    #[serde(default)]
    pub tentative: bool,
    pub registrations_per_school: i64,
    /// Study hours (研習時數) for attending the whole day.
    #[serde(with = "crate::number")]
    pub study_hours: Decimal,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub agenda: Vec<AgendaItem>,
    /// First day of registration (報名); none: registration is not open yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_opens: Option<RocDate>,
    /// Last day of registration, inclusive (Taipei time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_closes: Option<RocDate>,
    /// How many people the venue holds; everyone past it goes on the waiting list. None: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    /// Minutes of grace for study hours: a check-in this late after the start, a check-out
    /// this early before the end still counts.
    #[serde(default = "default_grace_minutes")]
    pub grace_minutes: i64,
    /// The columns of the study-hours export for the national in-service network, in order.
    #[serde(default = "default_hours_columns")]
    pub hours_columns: Vec<String>,
}

fn default_grace_minutes() -> i64 {
    10
}

/// The columns the study-hours export can have.
pub const HOURS_COLUMNS: [&str; 7] = ["研習日期", "姓名", "身分證字號", "服務學校", "時數", "職稱", "電子郵件"];

fn default_hours_columns() -> Vec<String> {
    HOURS_COLUMNS[..5].iter().map(|c| c.to_string()).collect()
}

impl PresentationDay {
    /// The attendance window for study hours: the first agenda item's start to the last one's end.
    pub fn window(&self) -> Option<(NaiveTime, NaiveTime)> {
        let start = self.agenda.first()?.start_time()?;
        let end = self.agenda.last()?.end_time()?;
        Some((start, end))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgendaItem {
    /// `08:10`
    pub start: String,
    pub end: String,
    pub item: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub speaker: String,
    /// Groups whose 特優 winners share in this slot (filled from the results).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sharing: Vec<String>,
}

impl AgendaItem {
    pub fn start_time(&self) -> Option<NaiveTime> {
        NaiveTime::parse_from_str(self.start.trim(), "%H:%M").ok()
    }
    pub fn end_time(&self) -> Option<NaiveTime> {
        NaiveTime::parse_from_str(self.end.trim(), "%H:%M").ok()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Most a meal may cost per person (每餐單價上限).
    pub meal_cap: i64,
    /// Tea allowance per person added to a meal line (茶水費).
    pub tea: i64,
    pub total: i64,
    /// 教育部補助
    pub ministry: i64,
    /// 市府預算
    pub city: i64,
    pub tables: Vec<BudgetTable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetTable {
    pub id: String,
    pub title: String,
    pub total: i64,
    pub ministry: i64,
    pub city: i64,
    /// When set, 雜支 may be at most this percent of the table's other lines.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::number::option")]
    pub misc_cap_percent: Option<Decimal>,
    pub lines: Vec<BudgetLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    #[default]
    Other,
    /// 審查費
    Review,
    /// 膳費: capped per person.
    Meal,
    /// 獎座
    Trophy,
    /// 雜支: capped as a share of the other lines where the table says so.
    Misc,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    /// 項次 as printed; a continuation line of the same item leaves it empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub no: String,
    pub item: String,
    #[serde(default, skip_serializing_if = "is_other")]
    pub kind: LineKind,
    pub unit_price: i64,
    pub quantity: i64,
    pub unit: String,
    pub total: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Where the actual figure is counted from (`reviews:round-1`, `reviewers:PHASE,PHASE`,
    /// `trophies:TRACK`, `certificates`; see `budget::Source`); empty: entered by hand.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub actual: String,
}

fn is_other(kind: &LineKind) -> bool {
    *kind == LineKind::Other
}

/// Checks that a group exists and admits a school of `school_level` (a 國中 cannot enter
/// 國小組); the messages name the school.
pub fn check_group(plan: &Plan, group: &str, school_name: &str, school_level: &str) -> Result<(), (String, String)> {
    let Some(g) = plan.groups.get(group) else {
        return Err((format!("「{group}」不是本年度的組別"), format!("\"{group}\" is not a group of this year")));
    };
    let level = SchoolLevel::ALL.into_iter().find(|l| l.id() == school_level);
    if !level.is_some_and(|l| g.school_levels.contains(&l)) {
        let level_zh = level.map_or(school_level, |l| l.name_zh());
        return Err((
            format!("{school_name}是{level_zh}，不能參加「{}」", g.name),
            format!(
                "{school_name} is a {} school and cannot enter \"{}\"",
                level.map_or(school_level, |l| l.name_en()),
                g.name_en
            ),
        ));
    }
    Ok(())
}

/// Whether `id` can name a track, group, checkpoint, award level, criterion or indicator:
/// lower-case letters, digits, `-` and `_`, at most 40 (ids appear in paths, files and URLs).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Why a plan text could not even be read as a plan (before validation).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ReadError {
    /// 1-based line and column in the text, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl Plan {
    /// The built-in 111 Taoyuan plan.
    pub fn builtin() -> Plan {
        Plan::from_toml(BUILTIN_TOML).expect("the built-in plan reads")
    }

    /// Reads a plan from TOML text. This checks the shape (names, types, dates); [`validate`]
    /// checks the rules.
    pub fn from_toml(text: &str) -> Result<Plan, ReadError> {
        toml::from_str(text).map_err(|e| {
            let (line, column) = match e.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    (Some(line), Some(column))
                }
                None => (None, None),
            };
            ReadError { line, column, message: e.message().trim().to_string() }
        })
    }

    /// The plan as TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a plan always serialises")
    }

    /// The award levels with their quotas for a group, highest level first.
    pub fn quotas(&self, group: &str) -> Vec<(&str, &AwardLevel, i64)> {
        let Some(g) = self.groups.get(group) else {
            return Vec::new();
        };
        self.award_levels
            .iter()
            .map(|(id, level)| (id.as_str(), level, g.quotas.get(id).copied().unwrap_or(0)))
            .collect()
    }

    /// The ranking and allocation rules of every group, for `allocation::allocate`.
    pub fn selection_rules(&self) -> SelectionRules {
        let groups = self
            .groups
            .iter()
            .filter_map(|(id, group)| {
                let track = self.tracks.get(&group.track)?;
                Some(GroupRules {
                    id: id.clone(),
                    name: group.name.clone(),
                    name_en: group.name_en.clone(),
                    track: group.track.clone(),
                    rounds: track
                        .rounds
                        .iter()
                        .map(|r| RoundName { name: r.name.clone(), name_en: r.name_en.clone() })
                        .collect(),
                    passed: None,
                    criteria: track
                        .criteria
                        .iter()
                        .map(|(cid, c)| CriterionRule {
                            id: cid.clone(),
                            name: c.name.clone(),
                            name_en: c.name_en.clone(),
                            max_points: Decimal::from(c.points),
                        })
                        .collect(),
                    tie_break: track.tie_break.clone(),
                    levels: self
                        .award_levels
                        .iter()
                        .map(|(lid, level)| LevelRule {
                            id: lid.clone(),
                            name: level.name.clone(),
                            name_en: level.name_en.clone(),
                            quota: group.quotas.get(lid).copied().unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
                            minimum: level.minimum,
                        })
                        .collect(),
                    decided: Vec::new(),
                })
            })
            .collect();
        let criteria = self
            .tracks
            .iter()
            .flat_map(|(tid, track)| {
                track.criteria.iter().map(move |(cid, c)| CriterionInfo {
                    id: cid.clone(),
                    name: c.name.clone(),
                    track: tid.clone(),
                })
            })
            .collect();
        SelectionRules { groups, criteria }
    }

    /// A copy for the next academic year: every date moves one year on (stated weekdays
    /// follow the new dates, so the office sees the real weekday and can move the day).
    pub fn next_year(&self) -> Plan {
        let shift = |d: NaiveDate| d.checked_add_months(Months::new(12)).expect("date in range");
        let mut next = self.clone();
        next.academic_year += 1;
        let old = self.academic_year.to_string();
        let new = next.academic_year.to_string();
        next.title = next.title.replace(&old, &new);
        next.operating_period.start = RocDate(shift(self.operating_period.start.0));
        next.operating_period.end = RocDate(shift(self.operating_period.end.0));
        for checkpoint in next.checkpoints.values_mut() {
            checkpoint.deadline = RocDate(shift(checkpoint.deadline.0));
        }
        for phase in next.review.phases.values_mut() {
            phase.opens = RocDate(shift(phase.opens.0));
            phase.closes = RocDate(shift(phase.closes.0));
        }
        let day = shift(next.presentation_day.date.date);
        next.presentation_day.date = StatedDate { date: day, stated_weekday: Some(day.weekday()) };
        next.presentation_day.tentative = true;
        let day = &mut next.presentation_day;
        day.registration_opens = day.registration_opens.map(|d| RocDate(shift(d.0)));
        day.registration_closes = day.registration_closes.map(|d| RocDate(shift(d.0)));
        for table in &mut next.budget.tables {
            table.title = table.title.replace(&old, &new);
        }
        next
    }

    /// The plan's working dates that fall on a Saturday or Sunday — the presentation day, each
    /// deadline, each review phase's first and last day —, for the office to check (a copied
    /// plan moves every date a year on, and a year on is another weekday). Not an error: a
    /// bureau may well hold a Saturday event.
    pub fn weekend_dates(&self) -> Vec<WeekendDate> {
        let mut out = Vec::new();
        let mut check = |path: String, zh: String, en: String, date: NaiveDate| {
            if matches!(date.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
                out.push(WeekendDate { path, zh, en, date });
            }
        };
        let day = &self.presentation_day;
        check("presentation_day.date".into(), day.name.clone(), "the presentation day".into(), day.date.date);
        for (id, c) in &self.checkpoints {
            let en = if c.name_en.is_empty() { id.clone() } else { c.name_en.clone() };
            check(
                format!("checkpoints.{id}.deadline"),
                format!("{}截止日", c.name),
                format!("{en} deadline"),
                c.deadline.0,
            );
        }
        for (id, p) in &self.review.phases {
            let en = if p.name_en.is_empty() { id.clone() } else { p.name_en.clone() };
            check(format!("review.phases.{id}.opens"), format!("{}開始", p.name), format!("{en} opens"), p.opens.0);
            check(format!("review.phases.{id}.closes"), format!("{}結束", p.name), format!("{en} closes"), p.closes.0);
        }
        out
    }
}

/// A working date of the plan on a weekend (see [`Plan::weekend_dates`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekendDate {
    /// Where in the plan, e.g. `presentation_day.date`.
    pub path: String,
    /// What it is, e.g. 績優社群成果發表會 / the presentation day.
    pub zh: String,
    pub en: String,
    pub date: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 111 plan has no working date on a weekend; its copy for 112 moves every date a year
    /// on, and those that land on a Saturday or Sunday are named.
    #[test]
    fn a_copied_plan_names_the_dates_that_land_on_a_weekend() {
        let plan = Plan::builtin();
        assert_eq!(plan.weekend_dates(), [], "111: every date is a weekday");
        let next = plan.next_year();
        let found: Vec<(String, String)> =
            next.weekend_dates().into_iter().map(|w| (w.path, crate::roc::format_long_with_weekday(w.date))).collect();
        // 2024-07-07 is a Sunday; 2024-06-15 (round 1 closes) a Saturday; 2024-06-16 a Sunday.
        assert!(found.contains(&("presentation_day.date".into(), "113年7月7日(星期日)".into())), "{found:?}");
        assert!(found.contains(&("review.phases.round-1.closes".into(), "113年6月15日(星期六)".into())), "{found:?}");
        assert!(found.iter().all(|(_, d)| d.contains("星期六") || d.contains("星期日")), "{found:?}");
    }

    #[test]
    fn builtin_plan_has_the_seeds_numbers() {
        let plan = Plan::builtin();
        assert_eq!(plan.academic_year, 111);
        assert_eq!(plan.tracks.keys().collect::<Vec<_>>(), ["basic", "advanced"]);
        assert_eq!(plan.groups.keys().collect::<Vec<_>>(), ["basic-elementary", "basic-junior", "advanced"]);
        assert_eq!(plan.award_levels.keys().collect::<Vec<_>>(), ["special", "excellence", "merit"]);
        let basic = &plan.tracks["basic"];
        let points: Vec<_> = basic.criteria.iter().map(|(id, c)| (id.as_str(), c.points)).collect();
        assert_eq!(points, [("timeliness", 25), ("completeness", 25), ("richness", 50)]);
        let advanced = &plan.tracks["advanced"];
        let points: Vec<_> = advanced.criteria.iter().map(|(id, c)| (id.as_str(), c.points)).collect();
        assert_eq!(points, [("written", 40), ("presentation", 60)]);
        let quotas = |g: &str| plan.quotas(g).iter().map(|(_, _, q)| *q).collect::<Vec<_>>();
        assert_eq!(quotas("basic-elementary"), [3, 6, 9]);
        assert_eq!(quotas("basic-junior"), [1, 2, 3]);
        assert_eq!(quotas("advanced"), [2, 2, 1]);
        assert_eq!(plan.checkpoints["midterm"].deadline.to_string(), "112年1月9日");
        assert_eq!(plan.checkpoints["final"].deadline.to_string(), "112年6月12日");
        assert_eq!(plan.presentation_day.date.to_string(), "112年7月7日(星期五)");
        assert_eq!(plan.rubric.indicators.len(), 8);
        assert_eq!(plan.budget.tables.iter().map(|t| t.total).sum::<i64>(), 216_000);
        assert!(validate(&plan).is_empty(), "{:#?}", validate(&plan));
    }

    #[test]
    fn selection_rules_follow_the_plan() {
        let rules = Plan::builtin().selection_rules();
        let ids: Vec<_> = rules.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["basic-elementary", "basic-junior", "advanced"]);
        let junior = &rules.groups[1];
        assert_eq!(junior.tie_break, ["richness", "completeness", "timeliness"]);
        let levels: Vec<_> = junior.levels.iter().map(|l| (l.id.as_str(), l.quota, l.minimum.to_string())).collect();
        assert_eq!(levels, [("special", 1, "90".into()), ("excellence", 2, "80".into()), ("merit", 3, "70".into())]);
        let advanced = &rules.groups[2];
        let max: Vec<_> = advanced.criteria.iter().map(|c| (c.id.as_str(), c.max_points.to_string())).collect();
        assert_eq!(max, [("written", "40".into()), ("presentation", "60".into())]);
        assert_eq!(rules.criteria.len(), 5);
        assert_eq!(rules.criteria[3].track, "advanced");
    }

    #[test]
    fn plan_survives_a_round_trip_through_toml() {
        let plan = Plan::builtin();
        let again = Plan::from_toml(&plan.to_toml()).expect("reads back");
        assert_eq!(plan, again);
    }

    #[test]
    fn reading_errors_name_the_line() {
        let text = BUILTIN_TOML.replace("deadline = \"112年1月9日\"", "deadline = \"112年13月9日\"");
        let err = Plan::from_toml(&text).unwrap_err();
        let line = BUILTIN_TOML.lines().position(|l| l.contains("112年1月9日")).unwrap() + 1;
        assert_eq!(err.line, Some(line));
        assert!(err.message.contains("112年13月9日"), "{}", err.message);
        let err = Plan::from_toml("academic_year = 111\nbogus = 1\n").unwrap_err();
        assert!(err.line.is_some());
    }

    #[test]
    fn next_year_moves_every_date_and_keeps_the_rest() {
        let plan = Plan::builtin();
        let next = plan.next_year();
        assert_eq!(next.academic_year, 112);
        assert!(next.title.contains("112學年度"));
        assert_eq!(next.checkpoints["final"].deadline.to_string(), "113年6月12日");
        // 2024-07-07 is a Sunday: the copy says so rather than keeping a wrong 星期五.
        assert_eq!(next.presentation_day.date.to_string(), "113年7月7日(星期日)");
        assert_eq!(next.groups, plan.groups);
        assert!(validate(&next).is_empty(), "{:#?}", validate(&next));
    }
}
