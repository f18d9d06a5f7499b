//! The rules a plan must keep (SPEC §2). [`validate`] reports every problem at once, each with
//! its path in the file and a plain reason in zh-TW and English, so the office can fix a plan in
//! one pass. The same function checks `linxuan plan check` and every form that edits a plan.

use std::collections::HashSet;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{CriterionSource, Cut, Judging, LineKind, Plan};
use crate::Lang;
use crate::roc::{format_long, weekday_zh};
use crate::time::academic_year_span;

/// One thing wrong with a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in the plan, as the TOML file spells it: `tracks.basic.criteria`.
    pub path: String,
    pub zh: String,
    pub en: String,
}

impl Problem {
    fn new(path: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Problem { path: path.into(), zh: zh.into(), en: en.into() }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhTw => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// `path: message` in the given language.
    pub fn render(&self, lang: Lang) -> String {
        format!("{}: {}", self.path, self.message(lang))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.en)
    }
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn add(&mut self, path: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) {
        self.problems.push(Problem::new(path, zh, en));
    }

    fn id(&mut self, path: &str, id: &str) {
        if !super::valid_id(id) {
            self.add(
                path,
                format!("代號「{id}」只能用小寫英文字母、數字、- 與 _，最多 40 字"),
                format!("id \"{id}\" may use only lower-case letters, digits, - and _, at most 40"),
            );
        }
    }

    fn not_empty(&mut self, path: &str, value: &str) {
        if value.trim().is_empty() {
            self.add(path, "不可空白", "must not be empty");
        }
    }

    fn at_least(&mut self, path: &str, value: i64, min: i64) {
        if value < min {
            if min == 0 {
                self.add(path, format!("為 {value}，不可為負數"), format!("is {value}, must not be negative"));
            } else {
                self.add(path, format!("為 {value}，至少須為 {min}"), format!("is {value}, must be at least {min}"));
            }
        }
    }

    fn at_most(&mut self, path: &str, value: i64, max: i64) {
        if value > max {
            self.add(path, format!("為 {value}，最多為 {max}"), format!("is {value}, must be at most {max}"));
        }
    }

    /// Every value of the plan: texts (keys included) without control characters or ones that
    /// reorder text, and numbers within [`MAX_NUMBER`] either way, so that no sum or product
    /// of them overflows anywhere later.
    fn values(&mut self, path: &str, value: &toml::Value) {
        let bad = |s: &str| {
            s.chars()
                .any(|ch| (ch.is_control() && !matches!(ch, '\n' | '\r' | '\t')) || crate::text::is_bidi_control(ch))
        };
        let too_large = |path: &str, c: &mut Checker, shown: String| {
            c.add(
                path,
                format!("數值 {shown} 太大（絕對值最多 {MAX_NUMBER}）"),
                format!("the number {shown} is too large (at most {MAX_NUMBER} either way)"),
            )
        };
        match value {
            toml::Value::Integer(n) if n.unsigned_abs() > MAX_NUMBER as u64 => too_large(path, self, n.to_string()),
            toml::Value::Float(f) if !f.is_finite() || f.abs() > MAX_NUMBER as f64 => {
                too_large(path, self, f.to_string())
            }
            toml::Value::String(s) if bad(s) => self.add(
                path,
                "含有控制字元或改變文字方向的字元，請刪除後再試",
                "contains a control character or one that reorders text; remove it",
            ),
            toml::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.values(&format!("{path}[{i}]"), item);
                }
            }
            toml::Value::Table(table) => {
                for (key, item) in table {
                    let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    if bad(key) {
                        self.add(
                            child.clone(),
                            "名稱含有控制字元或改變文字方向的字元",
                            "the key contains a control character or one that reorders text",
                        );
                    }
                    self.values(&child, item);
                }
            }
            _ => {}
        }
    }

    fn in_year(&mut self, path: &str, date: NaiveDate, year: i32, (first, last): (NaiveDate, NaiveDate)) {
        if date < first || date > last {
            self.add(
                path,
                format!(
                    "{} 不在 {year} 學年度內（{} 至 {}）",
                    format_long(date),
                    format_long(first),
                    format_long(last)
                ),
                format!("{} ({date}) is outside academic year {year} ({first} to {last})", format_long(date)),
            );
        }
    }
}

/// The largest number a plan may hold, either way: a billion (a quota, a price in NT$, a
/// number of minutes); sums and products of such numbers stay far inside 64 bits.
pub const MAX_NUMBER: i64 = 1_000_000_000;

/// The largest file size a plan may allow, in MB: 2 GB.
pub const MAX_FILE_MB: i64 = 2_000;
/// The longest group name: a group's results go on a worksheet named after it, and a
/// worksheet's name has at most 31 characters.
pub const MAX_GROUP_NAME: usize = 31;

/// Every problem with the plan; empty when the plan is valid.
pub fn validate(plan: &Plan) -> Vec<Problem> {
    let mut c = Checker { problems: Vec::new() };
    let year = plan.academic_year;
    if !(1..=999).contains(&year) {
        c.add(
            "academic_year",
            format!("{year} 不是民國學年度（例如 111）"),
            format!("{year} is not an ROC academic year (such as 111)"),
        );
        return c.problems;
    }
    let span = academic_year_span(year);
    if let Ok(whole) = toml::Value::try_from(plan) {
        c.values("", &whole);
    }
    // With a number out of bounds, sums and products below could overflow: that is all, then.
    if !c.problems.is_empty() {
        return c.problems;
    }
    c.not_empty("title", &plan.title);
    c.not_empty("authority", &plan.authority);
    c.not_empty("organiser", &plan.organiser);
    for (path, zh, en) in crate::outcomes::problems(&plan.outcomes) {
        c.add(&path, zh, en);
    }

    // Operating period
    let period = &plan.operating_period;
    c.in_year("operating_period.start", period.start.0, year, span);
    c.in_year("operating_period.end", period.end.0, year, span);
    if period.start >= period.end {
        c.add(
            "operating_period",
            format!("開始 {} 須早於結束 {}", period.start, period.end),
            format!("start {} must be before end {}", period.start.0, period.end.0),
        );
    }

    // Uploads
    let uploads = &plan.uploads;
    c.at_least("uploads.max_file_mb", uploads.max_file_mb, 1);
    c.at_most("uploads.max_file_mb", uploads.max_file_mb, MAX_FILE_MB);
    if uploads.late_fraction < Decimal::ZERO || uploads.late_fraction > Decimal::ONE {
        c.add(
            "uploads.late_fraction",
            format!("為 {}，須介於 0 與 1 之間", uploads.late_fraction),
            format!("is {}, must be between 0 and 1", uploads.late_fraction),
        );
    }
    if uploads.file_types.is_empty() {
        c.add("uploads.file_types", "至少須列一種檔案類型", "must list at least one file type");
    }

    // Checkpoints: in order, inside the year and the period, shares adding to 100.
    if plan.checkpoints.is_empty() {
        c.add("checkpoints", "至少須有一個檢核點", "must have at least one checkpoint");
    }
    let mut previous: Option<(&str, NaiveDate)> = None;
    let mut shares = Decimal::ZERO;
    for (id, checkpoint) in &plan.checkpoints {
        let path = format!("checkpoints.{id}");
        c.id(&path, id);
        c.not_empty(&format!("{path}.name"), &checkpoint.name);
        let deadline = checkpoint.deadline.0;
        c.in_year(&format!("{path}.deadline"), deadline, year, span);
        if deadline < period.start.0 {
            c.add(
                format!("{path}.deadline"),
                format!("{} 早於社群運作開始 {}", format_long(deadline), period.start),
                format!("{deadline} is before the operating period starts ({})", period.start.0),
            );
        }
        if let Some((before_id, before)) = previous
            && deadline <= before
        {
            c.add(
                format!("{path}.deadline"),
                format!("{} 須晚於前一個檢核點 {before_id} 的 {}", format_long(deadline), format_long(before)),
                format!("deadlines out of order: {deadline} must be after {before_id}'s {before}"),
            );
        }
        previous = Some((id, deadline));
        if checkpoint.requires.is_empty() {
            c.add(format!("{path}.requires"), "須列出應上傳的項目", "must list what is due");
        }
        if checkpoint.share < Decimal::ZERO {
            c.add(format!("{path}.share"), "不可為負數", "must not be negative");
        }
        shares += checkpoint.share;
    }
    if !plan.checkpoints.is_empty() && shares != Decimal::ONE_HUNDRED {
        c.add(
            "checkpoints",
            format!("各檢核點占及時性的比例合計 {}，應為 100", shares.normalize()),
            format!("timeliness shares add up to {}, must be 100", shares.normalize()),
        );
    }

    // Tracks
    if plan.tracks.is_empty() {
        c.add("tracks", "至少須有一個類別", "must have at least one track");
    }
    for (id, track) in &plan.tracks {
        let path = format!("tracks.{id}");
        c.id(&path, id);
        c.not_empty(&format!("{path}.name"), &track.name);
        c.at_least(&format!("{path}.min_members"), track.min_members, 1);
        c.at_least(&format!("{path}.meetings_per_semester"), track.meetings_per_semester, 0);
        if track.criteria.is_empty() {
            c.add(format!("{path}.criteria"), "至少須有一個評選項目", "must have at least one criterion");
        }
        let mut sum = 0;
        for (cid, criterion) in &track.criteria {
            let cpath = format!("{path}.criteria.{cid}");
            c.id(&cpath, cid);
            c.not_empty(&format!("{cpath}.name"), &criterion.name);
            if criterion.points <= 0 {
                c.add(
                    format!("{cpath}.points"),
                    format!("為 {}，須大於 0", criterion.points),
                    format!("is {}, must be more than 0", criterion.points),
                );
            }
            sum += criterion.points;
            let needs_presentation = criterion.source == CriterionSource::Presentation;
            if needs_presentation && track.judging != Judging::WrittenAndPresentation {
                c.add(
                    format!("{cpath}.source"),
                    "現場發表的評選項目只能用於「書面審核及現場發表」的類別",
                    "a presentation criterion needs a track judged by written+presentation",
                );
            }
        }
        if !track.criteria.is_empty() && sum != 100 {
            c.add(
                format!("{path}.criteria"),
                format!("配分合計 {sum}，應為 100"),
                format!("weights add up to {sum}, must be 100"),
            );
        }
        let mut seen = HashSet::new();
        for (i, cid) in track.tie_break.iter().enumerate() {
            if !track.criteria.contains_key(cid) {
                c.add(
                    format!("{path}.tie_break[{i}]"),
                    format!("「{cid}」不是此類別的評選項目"),
                    format!("\"{cid}\" is not a criterion of this track"),
                );
            } else if !seen.insert(cid) {
                c.add(format!("{path}.tie_break[{i}]"), format!("「{cid}」重複"), format!("\"{cid}\" is listed twice"));
            }
        }
        if track.rounds.is_empty() {
            c.add(format!("{path}.rounds"), "至少須有一輪審查", "must have at least one review round");
        }
        for (i, round) in track.rounds.iter().enumerate() {
            let rpath = format!("{path}.rounds[{i}]");
            c.not_empty(&format!("{rpath}.name"), &round.name);
            c.at_least(&format!("{rpath}.reviewers"), round.reviewers, 1);
            match (&round.cut, i) {
                (Some(_), 0) => c.add(
                    format!("{rpath}.cut"),
                    "第一輪沒有前一輪可篩選",
                    "the first round has no earlier round to cut from",
                ),
                (None, n) if n > 0 => c.add(
                    format!("{rpath}.cut"),
                    "第二輪起須設定晉級方式（cut）",
                    "every round after the first needs a cut",
                ),
                (Some(Cut::TopAwardPlaces { factor }), _) => {
                    let factor = *factor;
                    c.at_least(&format!("{rpath}.cut.factor"), factor, 1)
                }
                (Some(Cut::Top { count }), _) => {
                    let count = *count;
                    c.at_least(&format!("{rpath}.cut.count"), count, 1)
                }
                (Some(Cut::Minimum { score }), _) if *score < Decimal::ZERO || *score > Decimal::ONE_HUNDRED => {
                    c.add(
                        format!("{rpath}.cut.score"),
                        format!("為 {score}，須介於 0 與 100 之間"),
                        format!("is {score}, must be between 0 and 100"),
                    );
                }
                _ => {}
            }
        }
        match (&track.presentation, track.judging) {
            (None, Judging::WrittenAndPresentation) => c.add(
                format!("{path}.presentation"),
                "現場發表的類別須設定發表場次（presentation）",
                "a track judged by presentation needs its presentation settings",
            ),
            (Some(p), _) => {
                let ppath = format!("{path}.presentation");
                c.at_least(&format!("{ppath}.rooms"), p.rooms, 1);
                c.at_least(&format!("{ppath}.reviewers_per_room"), p.reviewers_per_room, 1);
                c.at_least(&format!("{ppath}.changeover_minutes"), p.changeover_minutes, 0);
                c.at_least(&format!("{ppath}.day_hours"), p.day_hours, 1);
                if p.slot_minutes <= p.changeover_minutes {
                    c.add(
                        format!("{ppath}.slot_minutes"),
                        format!("每場 {} 分鐘須長於轉場 {} 分鐘", p.slot_minutes, p.changeover_minutes),
                        format!(
                            "a slot of {} minutes must be longer than its {}-minute change-over",
                            p.slot_minutes, p.changeover_minutes
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    // Award levels: non-negative minimums, each level's minimum no higher than the one above.
    if plan.award_levels.is_empty() {
        c.add("award_levels", "至少須有一個獎項", "must have at least one award level");
    }
    let mut above: Option<(&str, Decimal)> = None;
    for (id, level) in &plan.award_levels {
        let path = format!("award_levels.{id}");
        c.id(&path, id);
        c.not_empty(&format!("{path}.name"), &level.name);
        if level.minimum < Decimal::ZERO || level.minimum > Decimal::ONE_HUNDRED {
            c.add(
                format!("{path}.minimum"),
                format!("為 {}，須介於 0 與 100 之間", level.minimum),
                format!("is {}, must be between 0 and 100", level.minimum),
            );
        }
        if let Some((above_id, above_min)) = above
            && level.minimum > above_min
        {
            c.add(
                format!("{path}.minimum"),
                format!("{} 高於較高獎項 {above_id} 的 {}", level.minimum, above_min),
                format!("{} is above the higher level {above_id}'s {}", level.minimum, above_min),
            );
        }
        above = Some((id, level.minimum));
    }

    // Groups: a known track, known levels, non-negative quotas.
    if plan.groups.is_empty() {
        c.add("groups", "至少須有一個組別", "must have at least one group");
    }
    for (id, group) in &plan.groups {
        let path = format!("groups.{id}");
        c.id(&path, id);
        c.not_empty(&format!("{path}.name"), &group.name);
        let name = group.name.trim();
        let sheet_marks = |ch: char| matches!(ch, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\'');
        if name.chars().count() > MAX_GROUP_NAME {
            c.add(
                format!("{path}.name"),
                format!("組別名稱最多 {MAX_GROUP_NAME} 字（試算表工作表名稱的上限）"),
                format!("a group name has at most {MAX_GROUP_NAME} characters (a worksheet name's limit)"),
            );
        }
        if name.starts_with('\'') || name.ends_with('\'') || (!name.is_empty() && name.chars().all(sheet_marks)) {
            c.add(
                format!("{path}.name"),
                "組別名稱不可以 ' 開頭或結尾，也不可只有 [ ] : * ? / \\ 這些符號",
                "a group name must not start or end with ' nor consist only of [ ] : * ? / \\",
            );
        }
        if !plan.tracks.contains_key(&group.track) {
            c.add(
                format!("{path}.track"),
                format!("「{}」不是計畫中的類別", group.track),
                format!("\"{}\" is not a track of the plan", group.track),
            );
        }
        if group.school_levels.is_empty() {
            c.add(format!("{path}.school_levels"), "至少須有一種學制", "must admit at least one school level");
        }
        for (level, quota) in &group.quotas {
            if !plan.award_levels.contains_key(level) {
                c.add(
                    format!("{path}.quotas.{level}"),
                    format!("「{level}」不是計畫中的獎項"),
                    format!("\"{level}\" is not an award level of the plan"),
                );
            }
            if *quota < 0 {
                c.add(
                    format!("{path}.quotas.{level}"),
                    format!("名額為 {quota}，不可為負數"),
                    format!("quota is {quota}, must not be negative"),
                );
            }
        }
        for level in plan.award_levels.keys() {
            if !group.quotas.contains_key(level) {
                c.add(
                    format!("{path}.quotas"),
                    format!("缺少獎項「{level}」的名額（沒有名額請寫 0）"),
                    format!("has no quota for \"{level}\" (write 0 for none)"),
                );
            }
        }
    }
    for (i, reward) in plan.organiser_rewards.iter().enumerate() {
        c.not_empty(&format!("organiser_rewards[{i}].reward"), &reward.reward);
        c.at_least(&format!("organiser_rewards[{i}].people"), reward.people, 0);
    }

    // Rubric
    c.at_least("rubric.max_per_indicator", plan.rubric.max_per_indicator, 1);
    if plan.rubric.indicators.is_empty() {
        c.add("rubric.indicators", "至少須有一項指標", "must have at least one indicator");
    }
    let mut ids = HashSet::new();
    for (i, indicator) in plan.rubric.indicators.iter().enumerate() {
        let path = format!("rubric.indicators[{i}]");
        c.id(&format!("{path}.id"), &indicator.id);
        c.not_empty(&format!("{path}.name"), &indicator.name);
        if !ids.insert(indicator.id.as_str()) {
            c.add(
                format!("{path}.id"),
                format!("「{}」重複", indicator.id),
                format!("\"{}\" is used twice", indicator.id),
            );
        }
    }

    check_review(&mut c, plan, span);
    check_presentation_day(&mut c, plan, span);
    check_budget(&mut c, plan);
    c.problems
}

fn check_review(c: &mut Checker, plan: &Plan, span: (NaiveDate, NaiveDate)) {
    let last_deadline = plan.checkpoints.values().map(|cp| cp.deadline.0).max();
    for (id, phase) in &plan.review.phases {
        let path = format!("review.phases.{id}");
        c.id(&path, id);
        c.not_empty(&format!("{path}.name"), &phase.name);
        let Some(track) = plan.tracks.get(&phase.track) else {
            c.add(
                format!("{path}.track"),
                format!("「{}」不是計畫中的類別", phase.track),
                format!("\"{}\" is not a track of the plan", phase.track),
            );
            continue;
        };
        if phase.round < 1 || phase.round as usize > track.rounds.len() {
            c.add(
                format!("{path}.round"),
                format!("第 {} 輪不存在（{} 有 {} 輪）", phase.round, track.name, track.rounds.len()),
                format!("round {} does not exist ({} has {})", phase.round, phase.track, track.rounds.len()),
            );
        }
        if phase.kind == super::PhaseKind::Presentation && track.judging != Judging::WrittenAndPresentation {
            c.add(
                format!("{path}.kind"),
                "只有「書面審核及現場發表」的類別有現場發表",
                "only a track judged by written+presentation has presentations",
            );
        }
        c.in_year(&format!("{path}.opens"), phase.opens.0, plan.academic_year, span);
        c.in_year(&format!("{path}.closes"), phase.closes.0, plan.academic_year, span);
        if phase.closes < phase.opens {
            c.add(
                format!("{path}.closes"),
                format!("結束 {} 早於開始 {}", phase.closes, phase.opens),
                format!("closes {} before it opens {}", phase.closes.0, phase.opens.0),
            );
        }
        if let Some(last) = last_deadline
            && phase.opens.0 <= last
        {
            c.add(
                format!("{path}.opens"),
                format!("審查須在最後繳交期限 {} 之後開始", format_long(last)),
                format!("review must open after the last deadline ({last})"),
            );
        }
    }
    // Every round of every track has a written phase, and presentation tracks a presentation.
    for (tid, track) in &plan.tracks {
        for round in 1..=track.rounds.len() as i64 {
            let has = |kind| plan.review.phases.values().any(|p| p.track == *tid && p.round == round && p.kind == kind);
            let needs_written = track.criteria.values().any(|c| c.source != CriterionSource::Presentation);
            if needs_written && !has(super::PhaseKind::Written) {
                c.add(
                    "review.phases",
                    format!("{}第 {round} 輪沒有書面審查期程", track.name),
                    format!("track {tid} round {round} has no written review phase"),
                );
            }
            let needs_presentation = track.criteria.values().any(|c| c.source == CriterionSource::Presentation);
            if needs_presentation && round == track.rounds.len() as i64 && !has(super::PhaseKind::Presentation) {
                c.add(
                    "review.phases",
                    format!("{}沒有現場發表期程", track.name),
                    format!("track {tid} has no presentation phase"),
                );
            }
        }
        if let Some(p) = &track.presentation
            && chrono::NaiveTime::parse_from_str(p.day_start.trim(), "%H:%M").is_err()
        {
            c.add(
                format!("tracks.{tid}.presentation.day_start"),
                format!("「{}」不是時間，請寫成 09:00", p.day_start),
                format!("\"{}\" is not a time; write it as 09:00", p.day_start),
            );
        }
    }
}

fn check_presentation_day(c: &mut Checker, plan: &Plan, span: (NaiveDate, NaiveDate)) {
    let day = &plan.presentation_day;
    let date = day.date.date;
    c.not_empty("presentation_day.venue", &day.venue);
    if let Some((stated, actual)) = day.date.weekday_mismatch() {
        c.add(
            "presentation_day.date",
            format!("{} 是{}，不是{}", format_long(date), weekday_zh(actual), weekday_zh(stated)),
            format!("{} ({date}) is a {actual:?}, not a {stated:?} as stated", format_long(date)),
        );
    }
    c.in_year("presentation_day.date", date, plan.academic_year, span);
    if let Some((id, last)) = plan.checkpoints.iter().map(|(id, cp)| (id, cp.deadline.0)).max_by_key(|(_, d)| *d)
        && date <= last
    {
        c.add(
            "presentation_day.date",
            format!("{} 須晚於最後的繳交期限（{id}：{}）", format_long(date), format_long(last)),
            format!("{date} must be after the last deadline ({id}: {last})"),
        );
    }
    c.at_least("presentation_day.registrations_per_school", day.registrations_per_school, 1);
    if day.study_hours < Decimal::ZERO {
        c.add("presentation_day.study_hours", "不可為負數", "must not be negative");
    }
    let mut previous_end = None;
    let mut first_start = None;
    for (i, item) in day.agenda.iter().enumerate() {
        let path = format!("presentation_day.agenda[{i}]");
        c.not_empty(&format!("{path}.item"), &item.item);
        let (start, end) = (item.start_time(), item.end_time());
        if start.is_none() {
            c.add(
                format!("{path}.start"),
                format!("「{}」不是時間，請寫成 08:10", item.start),
                format!("\"{}\" is not a time; write it as 08:10", item.start),
            );
        }
        if end.is_none() {
            c.add(
                format!("{path}.end"),
                format!("「{}」不是時間，請寫成 08:20", item.end),
                format!("\"{}\" is not a time; write it as 08:20", item.end),
            );
        }
        if let (Some(start), Some(end)) = (start, end) {
            first_start.get_or_insert(start);
            if end <= start {
                c.add(
                    path.clone(),
                    format!("結束 {} 須晚於開始 {}", item.end, item.start),
                    format!("ends at {} before it starts at {}", item.end, item.start),
                );
            }
            if let Some(prev) = previous_end
                && start < prev
            {
                c.add(
                    format!("{path}.start"),
                    format!("{} 與前一項重疊（前一項 {} 結束）", item.start, prev.format("%H:%M")),
                    format!("{} overlaps the item before, which ends at {}", item.start, prev.format("%H:%M")),
                );
            }
            previous_end = Some(end);
        }
        for (j, group) in item.sharing.iter().enumerate() {
            if !plan.groups.contains_key(group) {
                c.add(
                    format!("{path}.sharing[{j}]"),
                    format!("「{group}」不是計畫中的組別"),
                    format!("\"{group}\" is not a group of the plan"),
                );
            }
        }
    }
    check_registration(c, day);
    if let (Some(start), Some(end)) = (first_start, previous_end) {
        let minutes = (end - start).num_minutes();
        if day.study_hours * Decimal::from(60) > Decimal::from(minutes) {
            c.add(
                "presentation_day.study_hours",
                format!("{} 小時超過活動時間（{} 分鐘）", day.study_hours, minutes),
                format!("{} hours is more than the activity's {} minutes", day.study_hours, minutes),
            );
        }
    }
}

/// Registration dates, capacity, grace and the study-hours export's columns.
fn check_registration(c: &mut Checker, day: &crate::plan::PresentationDay) {
    match (day.registration_opens, day.registration_closes) {
        (Some(opens), Some(closes)) => {
            if closes.0 < opens.0 {
                c.add(
                    "presentation_day.registration_closes",
                    format!("報名截止 {} 早於開始 {}", format_long(closes.0), format_long(opens.0)),
                    format!("registration closes ({}) before it opens ({})", closes.0, opens.0),
                );
            }
            if closes.0 > day.date.date {
                c.add(
                    "presentation_day.registration_closes",
                    format!("報名截止 {} 晚於活動當天 {}", format_long(closes.0), format_long(day.date.date)),
                    format!("registration closes ({}) after the day itself ({})", closes.0, day.date.date),
                );
            }
        }
        (Some(_), None) => {
            c.add("presentation_day.registration_closes", "請填寫報名截止日", "give the last day of registration")
        }
        (None, Some(_)) => {
            c.add("presentation_day.registration_opens", "請填寫報名開始日", "give the first day of registration")
        }
        (None, None) => {}
    }
    if let Some(capacity) = day.capacity {
        c.at_least("presentation_day.capacity", capacity, 1);
    }
    if !(0..=120).contains(&day.grace_minutes) {
        c.add("presentation_day.grace_minutes", "須介於 0 到 120 分鐘", "must be between 0 and 120 minutes");
    }
    if day.hours_columns.is_empty() {
        c.add("presentation_day.hours_columns", "至少要有一欄", "needs at least one column");
    }
    for (i, column) in day.hours_columns.iter().enumerate() {
        let path = format!("presentation_day.hours_columns[{i}]");
        if !crate::plan::HOURS_COLUMNS.contains(&column.as_str()) {
            c.add(
                path,
                format!("「{column}」不是可匯出的欄位（可用：{}）", crate::plan::HOURS_COLUMNS.join("、")),
                format!("\"{column}\" is not a column the export has (use: {})", crate::plan::HOURS_COLUMNS.join(", ")),
            );
        } else if day.hours_columns[..i].contains(column) {
            c.add(path, format!("「{column}」重複"), format!("\"{column}\" is given twice"));
        }
    }
}

fn check_budget(c: &mut Checker, plan: &Plan) {
    let budget = &plan.budget;
    c.at_least("budget.meal_cap", budget.meal_cap, 0);
    c.at_least("budget.tea", budget.tea, 0);
    let meal_limit = budget.meal_cap + budget.tea;
    let mut sum_tables = 0;
    let (mut sum_ministry, mut sum_city) = (0, 0);
    let mut ids = HashSet::new();
    for (t, table) in budget.tables.iter().enumerate() {
        let path = format!("budget.tables[{t}]");
        c.not_empty(&format!("{path}.title"), &table.title);
        c.id(&format!("{path}.id"), &table.id);
        if !ids.insert(table.id.as_str()) {
            c.add(format!("{path}.id"), format!("「{}」重複", table.id), format!("\"{}\" is used twice", table.id));
        }
        let mut lines_total = 0;
        let mut misc = 0;
        for (l, line) in table.lines.iter().enumerate() {
            let lpath = format!("{path}.lines[{l}]");
            c.not_empty(&format!("{lpath}.item"), &line.item);
            c.at_least(&format!("{lpath}.unit_price"), line.unit_price, 0);
            c.at_least(&format!("{lpath}.quantity"), line.quantity, 0);
            let product = line.unit_price.checked_mul(line.quantity);
            if product != Some(line.total) {
                let product = product.map_or_else(|| "?".to_string(), |p| p.to_string());
                c.add(
                    format!("{lpath}.total"),
                    format!(
                        "{}：單價 {} × 數量 {} = {product}，總價卻寫 {}",
                        line.item, line.unit_price, line.quantity, line.total
                    ),
                    format!(
                        "{}: unit price {} × quantity {} = {product}, but total says {}",
                        line.item, line.unit_price, line.quantity, line.total
                    ),
                );
            }
            if !line.actual.trim().is_empty()
                && let Err((zh, en)) = crate::budget::Source::parse(&line.actual, plan)
            {
                c.add(format!("{lpath}.actual"), zh, en);
            }
            if line.kind == LineKind::Meal && line.unit_price > meal_limit {
                c.add(
                    format!("{lpath}.unit_price"),
                    format!(
                        "膳費每人 {} 元超過上限 {meal_limit} 元（每餐 {} 元＋茶水 {} 元）",
                        line.unit_price, budget.meal_cap, budget.tea
                    ),
                    format!(
                        "meals at {} a person are over the cap of {meal_limit} ({} a meal + {} for tea)",
                        line.unit_price, budget.meal_cap, budget.tea
                    ),
                );
            }
            if line.kind == LineKind::Misc {
                misc += line.total;
            }
            lines_total += line.total;
        }
        if lines_total != table.total {
            c.add(
                format!("{path}.total"),
                format!("各項合計 {lines_total} 元，與合計 {} 元不符", table.total),
                format!("lines add up to {lines_total}, but the table's total is {}", table.total),
            );
        }
        if table.ministry + table.city != table.total {
            c.add(
                format!("{path}.city"),
                format!(
                    "教育部補助 {} 元＋市府預算 {} 元 = {} 元，與合計 {} 元不符",
                    table.ministry,
                    table.city,
                    table.ministry + table.city,
                    table.total
                ),
                format!(
                    "ministry {} + city {} = {}, but the table's total is {}",
                    table.ministry,
                    table.city,
                    table.ministry + table.city,
                    table.total
                ),
            );
        }
        if let Some(percent) = table.misc_cap_percent {
            let others = Decimal::from(lines_total - misc);
            let cap = others * percent / Decimal::ONE_HUNDRED;
            if Decimal::from(misc) > cap {
                c.add(
                    format!("{path}.lines"),
                    format!("雜支 {misc} 元超過其他各項 {others} 元的 {percent}%（{} 元）", cap.round_dp(0)),
                    format!(
                        "miscellaneous {misc} is over {percent}% of the other lines ({others}): at most {}",
                        cap.round_dp(0)
                    ),
                );
            }
        }
        sum_tables += table.total;
        sum_ministry += table.ministry;
        sum_city += table.city;
    }
    if sum_tables != budget.total {
        c.add(
            "budget.total",
            format!("各表合計 {sum_tables} 元，與總經費 {} 元不符", budget.total),
            format!("tables add up to {sum_tables}, but the budget's total is {}", budget.total),
        );
    }
    if sum_ministry != budget.ministry {
        c.add(
            "budget.ministry",
            format!("各表教育部補助合計 {sum_ministry} 元，與 {} 元不符", budget.ministry),
            format!("tables' ministry funding adds up to {sum_ministry}, not {}", budget.ministry),
        );
    }
    if sum_city != budget.city {
        c.add(
            "budget.city",
            format!("各表市府預算合計 {sum_city} 元，與 {} 元不符", budget.city),
            format!("tables' city funding adds up to {sum_city}, not {}", budget.city),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::BUILTIN_TOML;

    fn problems_of(text: &str) -> Vec<String> {
        let plan = Plan::from_toml(text).expect("reads");
        validate(&plan).iter().map(|p| p.to_string()).collect()
    }

    fn edited(from: &str, to: &str) -> String {
        assert!(BUILTIN_TOML.contains(from), "the built-in plan has {from:?}");
        BUILTIN_TOML.replacen(from, to, 1)
    }

    #[test]
    fn builtin_plan_is_valid() {
        assert_eq!(problems_of(BUILTIN_TOML), Vec::<String>::new());
    }

    #[test]
    fn registration_dates_capacity_grace_and_columns_are_checked() {
        let text = edited("registration_closes = \"112年7月4日\"", "registration_closes = \"112年7月8日\"");
        assert_eq!(
            problems_of(&text),
            [
                "presentation_day.registration_closes: registration closes (2023-07-08) after the day itself (2023-07-07)"
            ]
        );
        let text = edited("registration_opens = \"112年6月19日\"", "registration_opens = \"112年7月5日\"");
        assert_eq!(
            problems_of(&text),
            ["presentation_day.registration_closes: registration closes (2023-07-04) before it opens (2023-07-05)"]
        );
        let text = edited("registration_opens = \"112年6月19日\"\n", "");
        assert_eq!(problems_of(&text), ["presentation_day.registration_opens: give the first day of registration"]);
        let text = edited("capacity = 300", "capacity = 0");
        assert_eq!(problems_of(&text).len(), 1);
        assert!(problems_of(&text)[0].starts_with("presentation_day.capacity"));
        let text = edited("grace_minutes = 10", "grace_minutes = 200");
        assert_eq!(problems_of(&text), ["presentation_day.grace_minutes: must be between 0 and 120 minutes"]);
        let text = edited(
            "hours_columns = [\"研習日期\", \"姓名\", \"身分證字號\", \"服務學校\", \"時數\"]",
            "hours_columns = [\"姓名\", \"生日\", \"姓名\"]",
        );
        let problems = problems_of(&text);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("presentation_day.hours_columns[1]: \"生日\" is not a column"), "{problems:?}");
        assert_eq!(problems[1], "presentation_day.hours_columns[2]: \"姓名\" is given twice");
        // A plan without the new settings reads with their defaults: registration not open, no
        // capacity, ten minutes' grace, the five columns.
        let text = edited(
            "registration_opens = \"112年6月19日\"\nregistration_closes = \"112年7月4日\"\ncapacity = 300\n",
            "",
        );
        let plan = crate::plan::Plan::from_toml(&text).unwrap();
        assert_eq!(plan.presentation_day.registration_opens, None);
        assert_eq!(plan.presentation_day.capacity, None);
        assert_eq!(plan.presentation_day.grace_minutes, 10);
        assert_eq!(plan.presentation_day.hours_columns.len(), 5);
    }

    #[test]
    fn weights_must_add_up_to_100() {
        let text = edited("points = 50\nsource = \"rubric\"", "points = 45\nsource = \"rubric\"");
        assert_eq!(problems_of(&text), ["tracks.basic.criteria: weights add up to 95, must be 100"]);
    }

    #[test]
    fn quotas_must_not_be_negative() {
        let text = edited(
            "quotas = { special = 1, excellence = 2, merit = 3 }",
            "quotas = { special = -1, excellence = 2, merit = 3 }",
        );
        assert_eq!(problems_of(&text), ["groups.basic-junior.quotas.special: quota is -1, must not be negative"]);
    }

    #[test]
    fn deadlines_must_be_in_order() {
        let text = edited("deadline = \"112年6月12日\"", "deadline = \"112年1月8日\"");
        let problems = problems_of(&text);
        assert!(
            problems.iter().any(|p| p.starts_with("checkpoints.final.deadline: deadlines out of order")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_date_moved_without_its_weekday_is_caught() {
        let text = edited("112年7月7日(星期五)", "112年7月8日(星期五)");
        assert_eq!(
            problems_of(&text),
            ["presentation_day.date: 112年7月8日 (2023-07-08) is a Sat, not a Fri as stated"]
        );
        let plan = Plan::from_toml(&text).unwrap();
        assert_eq!(validate(&plan)[0].zh, "112年7月8日 是星期六，不是星期五");
    }

    #[test]
    fn the_annex_date_is_caught_twice_wrong_weekday_and_wrong_year() {
        // Annex 1 of the seed writes 111年7月7日(星期五): a Thursday, and before the year began.
        let text = edited("112年7月7日(星期五)", "111年7月7日(星期五)");
        let problems = problems_of(&text);
        assert!(
            problems
                .contains(&"presentation_day.date: 111年7月7日 (2022-07-07) is a Thu, not a Fri as stated".to_string()),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p.contains("outside academic year 111")), "{problems:?}");
    }

    #[test]
    fn budget_lines_must_multiply_out_and_add_up() {
        let text = edited("unit_price = 100\nquantity = 220", "unit_price = 100\nquantity = 210");
        assert_eq!(
            problems_of(&text),
            ["budget.tables[0].lines[0].total: 審查費: unit price 100 × quantity 210 = 21000, but total says 22000"]
        );
        let text = edited("total = 22000", "total = 21000").replacen("quantity = 220", "quantity = 210", 1);
        assert_eq!(
            problems_of(&text),
            ["budget.tables[0].total: lines add up to 79000, but the table's total is 80000"]
        );
    }

    #[test]
    fn meals_over_the_cap_are_caught() {
        let text = edited(
            "unit_price = 120\nquantity = 45\nunit = \"人\"\ntotal = 5400",
            "unit_price = 130\nquantity = 45\nunit = \"人\"\ntotal = 5850",
        )
        .replacen("total = 80000\nministry = 0\ncity = 80000", "total = 80450\nministry = 0\ncity = 80450", 1)
        .replacen(
            "total = 216000\nministry = 0          # 教育部精進要點補助經費\ncity = 216000",
            "total = 216450\nministry = 0\ncity = 216450",
            1,
        );
        assert_eq!(
            problems_of(&text),
            [
                "budget.tables[0].lines[4].unit_price: meals at 130 a person are over the cap of 120 (100 a meal + 20 for tea)"
            ]
        );
    }

    #[test]
    fn miscellaneous_over_its_percentage_is_caught() {
        // Presentation day: 雜支 3,500 of other lines 72,500 is within 5 % (3,625); 4,000 is not.
        let text = edited(
            "unit_price = 3500\nquantity = 1\nunit = \"式\"\ntotal = 3500",
            "unit_price = 4000\nquantity = 1\nunit = \"式\"\ntotal = 4000",
        )
        .replacen("total = 76000\nministry = 0\ncity = 76000", "total = 76500\nministry = 0\ncity = 76500", 1)
        .replacen(
            "total = 216000\nministry = 0          # 教育部精進要點補助經費\ncity = 216000",
            "total = 216500\nministry = 0\ncity = 216500",
            1,
        );
        assert_eq!(
            problems_of(&text),
            ["budget.tables[2].lines: miscellaneous 4000 is over 5% of the other lines (72500): at most 3625"]
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = edited("points = 50\nsource = \"rubric\"", "points = 45\nsource = \"rubric\"")
            .replacen("quotas = { special = 1,", "quotas = { special = -1,", 1)
            .replacen("112年7月7日(星期五)", "112年7月8日(星期五)", 1)
            .replacen("unit_price = 100\nquantity = 220", "unit_price = 100\nquantity = 210", 1);
        assert_eq!(problems_of(&text).len(), 4, "{:?}", problems_of(&text));
    }

    #[test]
    fn references_must_exist() {
        let text =
            edited("tie_break = [\"presentation\", \"written\"]", "tie_break = [\"presentation\", \"richness\"]")
                .replacen("track = \"advanced\"", "track = \"expert\"", 1);
        assert_eq!(
            problems_of(&text),
            [
                "tracks.advanced.tie_break[1]: \"richness\" is not a criterion of this track",
                "groups.advanced.track: \"expert\" is not a track of the plan",
            ]
        );
    }

    #[test]
    fn ids_are_plain() {
        let text = edited("[groups.basic-junior]", "[groups.\"Junior High\"]");
        assert_eq!(
            problems_of(&text),
            [
                "groups.Junior High: id \"Junior High\" may use only lower-case letters, digits, - and _, at most 40",
                "presentation_day.agenda[2].sharing[1]: \"basic-junior\" is not a group of the plan",
            ]
        );
    }

    #[test]
    fn values_that_would_break_later_are_caught_now() {
        let text = edited("max_file_mb = 50", "max_file_mb = 18446744073710");
        // That does not even fit: TOML integers are 64-bit, so the reader refuses it.
        assert!(Plan::from_toml(&text).is_err() || !problems_of(&text).is_empty());
        let text = edited("max_file_mb = 50", "max_file_mb = 9223372036854");
        assert_eq!(
            problems_of(&text),
            ["uploads.max_file_mb: the number 9223372036854 is too large (at most 1000000000 either way)"]
        );
        let text = edited("max_file_mb = 50", "max_file_mb = 5000");
        assert_eq!(problems_of(&text), ["uploads.max_file_mb: is 5000, must be at most 2000"]);
        let text = edited("name = \"國小組\"", "name = \"'國小組\"");
        assert_eq!(
            problems_of(&text),
            [
                "groups.basic-elementary.name: a group name must not start or end with ' nor consist only of [ ] : * ? / \\"
            ]
        );
        let text = edited("name = \"國小組\"", "name = \"[]:*?/\\\\\"");
        assert_eq!(problems_of(&text).len(), 1, "{:?}", problems_of(&text));
        let text = edited("name = \"國小組\"", &format!("name = \"{}\"", "組".repeat(32)));
        assert_eq!(
            problems_of(&text),
            ["groups.basic-elementary.name: a group name has at most 31 characters (a worksheet name's limit)"]
        );
        let text = edited("name = \"國小組\"", "name = \"國小\\u0000組\"");
        assert_eq!(
            problems_of(&text),
            ["groups.basic-elementary.name: contains a control character or one that reorders text; remove it"]
        );
        let text = edited("name = \"國小組\"", "name = \"國小\\u202E組\"");
        assert_eq!(problems_of(&text).len(), 1);
    }

    #[test]
    fn review_windows_come_after_the_uploads_and_cover_every_round() {
        let text = edited("opens = \"112年6月16日\"", "opens = \"112年6月12日\"");
        assert_eq!(
            problems_of(&text),
            ["review.phases.round-2.opens: review must open after the last deadline (2023-06-12)"]
        );
        let text = edited("[review.phases.round-2]", "[review.phases.round-2-old]").replacen(
            "round = 2\nkind",
            "round = 3\nkind",
            1,
        );
        let problems = problems_of(&text);
        assert!(
            problems.contains(&"review.phases.round-2-old.round: round 3 does not exist (basic has 2)".to_string()),
            "{problems:?}"
        );
        assert!(
            problems.contains(&"review.phases: track basic round 2 has no written review phase".to_string()),
            "{problems:?}"
        );
    }

    #[test]
    fn award_minimums_step_down() {
        let text = edited("minimum = 80", "minimum = 95");
        assert_eq!(problems_of(&text), ["award_levels.excellence.minimum: 95 is above the higher level special's 90"]);
    }

    #[test]
    fn agenda_times_must_run_forward() {
        let text = edited("start = \"10:40\"", "start = \"10:20\"");
        assert_eq!(
            problems_of(&text),
            ["presentation_day.agenda[5].start: 10:20 overlaps the item before, which ends at 10:40"]
        );
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let text = edited("points = 50\nsource = \"rubric\"", "points = 45\nsource = \"rubric\"");
        let problems = validate(&Plan::from_toml(&text).unwrap());
        assert_eq!(problems[0].render(Lang::ZhTw), "tracks.basic.criteria: 配分合計 95，應為 100");
    }
}
