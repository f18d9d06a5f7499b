//! Reading a scores file into validated [`ScoreEntry`] rows for the allocation engine.
//!
//! # The file
//!
//! CSV (UTF-8, with or without a byte order mark, LF or CRLF) or a spreadsheet (`.xlsx`; also
//! `.ods` and `.xls`), read by [`crate::table`]. The header row is exactly
//!
//! ```text
//! community,group,round,reviewer,criterion,score
//! ```
//!
//! (cells trimmed), then one row per reviewer per criterion:
//!
//! - `community`: the community's code, not empty;
//! - `group`: a group id of the plan (`basic-elementary`…);
//! - `round`: the review round, a positive integer (1, 2, …);
//! - `reviewer`: who scored, not empty (any stable identifier);
//! - `criterion`: a criterion id of the community's group (`richness`…);
//! - `score`: a decimal number with at most two decimal places (`88`, `88.5`, `88.25`,
//!   `88.50`; trailing zeros do not count: `88.500` is 88.5), between 0 and the criterion's
//!   maximum points. Written with a leading digit and a `.` as the decimal point; `88.255`,
//!   `abc`, an empty cell, `-1`, `1e2`, `NaN`, `.5` or `1,000` are refused.
//!
//! A spreadsheet cell holding the number 88.25 reads as exactly 88.25: the cell's binary
//! floating-point value is written in its shortest round-trip form (`88.25`), then parsed as a
//! decimal; a cell holding 88.255 still reads as `88.255` and is refused.
//!
//! # Refusals
//!
//! A file with any problem is refused as a whole, with every problem listed with its line
//! (see [`ScoreErrorKind`]): wrong header, wrong number of cells, empty community or
//! reviewer, unknown group or criterion, a criterion of another track, a bad score or round,
//! the same (community, round, reviewer, criterion) twice, a community in two groups, and a
//! community missing a criterion in its last round (the round its result comes from).
//!
//! The lines are those of [`crate::table`]: as a text editor or Excel shows them.

use std::collections::HashMap;
use std::fmt;

use linxuan_core::allocation::{GroupRules, ScoreEntry, SelectionRules};
use rust_decimal::Decimal;

use crate::table::{Limits, Table, TableError, read_table_within};

/// The header a scores file must have, in this order.
pub const HEADER: [&str; 6] = ["community", "group", "round", "reviewer", "criterion", "score"];

/// One problem of a scores file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreFileError {
    /// The line (CSV) or row (spreadsheet) of the problem; `None` for the whole file.
    pub line: Option<usize>,
    /// What is wrong.
    pub kind: ScoreErrorKind,
}

/// What is wrong in a scores file. `Display` is English; [`ScoreErrorKind::message_zh`] is
/// Traditional Chinese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScoreErrorKind {
    /// The file cannot be read as a table.
    Table(TableError),
    /// The header is not [`HEADER`].
    WrongHeader { found: Vec<String> },
    /// The file has a header but no score rows.
    NoRows,
    /// A row does not have 6 cells.
    WrongCellCount { found: usize },
    /// The community cell is empty.
    EmptyCommunity,
    /// The reviewer cell is empty.
    EmptyReviewer,
    /// The group is not one of the plan's.
    UnknownGroup { group: String, known: Vec<String> },
    /// The criterion is not one of the plan's.
    UnknownCriterion { criterion: String },
    /// The criterion belongs to another track than the row's group.
    CriterionOfAnotherTrack {
        criterion: String,
        /// The criterion's track.
        track: String,
        group: String,
        /// The group's track.
        group_track: String,
    },
    /// The criterion is of the group's track but not one of the group's criteria.
    CriterionNotInGroup { criterion: String, group: String },
    /// The score is not a decimal number.
    ScoreNotANumber { value: String },
    /// The score has three or more decimal places.
    ScoreTooManyDecimals { value: String },
    /// The score is negative.
    ScoreNegative { value: String },
    /// The score is above the criterion's maximum points.
    ScoreAboveMaximum { value: String, criterion: String, maximum: Decimal },
    /// The round is not a positive integer.
    RoundNotPositiveInteger { value: String },
    /// The same (community, round, reviewer, criterion) is on an earlier line too.
    Duplicate { community: String, round: u32, reviewer: String, criterion: String, first_line: usize },
    /// The community is in another group on an earlier line.
    CommunityInTwoGroups {
        community: String,
        /// The group it was first seen in, and that line.
        first_group: String,
        first_line: usize,
        /// The other group (on this error's line).
        group: String,
    },
    /// In the community's last round nobody scored this criterion.
    MissingCriterion { community: String, group: String, round: u32, criterion: String },
}

impl ScoreErrorKind {
    /// The message in Traditional Chinese (zh-TW).
    pub fn message_zh(&self) -> String {
        use ScoreErrorKind::*;
        match self {
            Table(e) => e.message_zh(),
            WrongHeader { found } => format!("標題列應為「{}」，實際為「{}」。", HEADER.join(","), found.join(",")),
            NoRows => "檔案只有標題列，沒有任何分數資料。".to_owned(),
            WrongCellCount { found } => format!("應有 6 欄，實際有 {found} 欄。"),
            EmptyCommunity => "社群代碼（community）是空的。".to_owned(),
            EmptyReviewer => "審查委員（reviewer）是空的。".to_owned(),
            UnknownGroup { group, known } => format!("組別「{group}」不在計畫中；計畫的組別為：{}。", known.join("、")),
            UnknownCriterion { criterion } => {
                format!("評分項目「{criterion}」不在計畫中。")
            }
            CriterionOfAnotherTrack { criterion, track, group, group_track } => format!(
                "評分項目「{criterion}」屬於「{track}」類別，\
                 不是組別「{group}」（「{group_track}」類別）的評分項目。"
            ),
            CriterionNotInGroup { criterion, group } => {
                format!("評分項目「{criterion}」不是組別「{group}」的評分項目。")
            }
            ScoreNotANumber { value } => {
                format!("分數「{value}」不是數字（例如 88 或 88.25）。")
            }
            ScoreTooManyDecimals { value } => {
                format!("分數「{value}」超過兩位小數。")
            }
            ScoreNegative { value } => format!("分數「{value}」是負數。"),
            ScoreAboveMaximum { value, criterion, maximum } => {
                format!("分數「{value}」超過評分項目「{criterion}」的滿分 {}。", maximum.normalize())
            }
            RoundNotPositiveInteger { value } => {
                format!("輪次「{value}」不是正整數（1、2、…）。")
            }
            Duplicate { community, round, reviewer, criterion, first_line } => format!(
                "社群「{community}」第 {round} 輪、審查委員「{reviewer}」的「{criterion}」\
                 分數重複（第一次在第 {first_line} 行）。"
            ),
            CommunityInTwoGroups { community, first_group, first_line, group } => format!(
                "社群「{community}」同時出現在組別「{first_group}」（第 {first_line} 行）\
                 與組別「{group}」。"
            ),
            MissingCriterion { community, group, round, criterion } => format!(
                "社群「{community}」（組別「{group}」）在最後一輪（第 {round} 輪）\
                 缺少評分項目「{criterion}」的分數。"
            ),
        }
    }
}

impl fmt::Display for ScoreErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ScoreErrorKind::*;
        match self {
            Table(e) => write!(f, "{e}"),
            WrongHeader { found } => {
                write!(f, "the header must be \"{}\", found \"{}\"", HEADER.join(","), found.join(","))
            }
            NoRows => write!(f, "the file has a header but no score rows"),
            WrongCellCount { found } => write!(f, "expected 6 cells, found {found}"),
            EmptyCommunity => write!(f, "the community is empty"),
            EmptyReviewer => write!(f, "the reviewer is empty"),
            UnknownGroup { group, known } => {
                write!(f, "unknown group \"{group}\" (the plan's groups: {})", known.join(", "))
            }
            UnknownCriterion { criterion } => write!(f, "unknown criterion \"{criterion}\""),
            CriterionOfAnotherTrack { criterion, track, group, group_track } => write!(
                f,
                "criterion \"{criterion}\" is of track \"{track}\", not of group \"{group}\" \
                 (track \"{group_track}\")"
            ),
            CriterionNotInGroup { criterion, group } => {
                write!(f, "criterion \"{criterion}\" is not one of group \"{group}\"")
            }
            ScoreNotANumber { value } => {
                write!(f, "score \"{value}\" is not a number (e.g. 88 or 88.25)")
            }
            ScoreTooManyDecimals { value } => {
                write!(f, "score \"{value}\" has more than two decimal places")
            }
            ScoreNegative { value } => write!(f, "score \"{value}\" is negative"),
            ScoreAboveMaximum { value, criterion, maximum } => {
                write!(f, "score \"{value}\" is above the maximum of \"{criterion}\", {}", maximum.normalize())
            }
            RoundNotPositiveInteger { value } => {
                write!(f, "round \"{value}\" is not a positive integer (1, 2, …)")
            }
            Duplicate { community, round, reviewer, criterion, first_line } => write!(
                f,
                "community \"{community}\", round {round}, reviewer \"{reviewer}\", criterion \
                 \"{criterion}\" is already on line {first_line}"
            ),
            CommunityInTwoGroups { community, first_group, first_line, group } => write!(
                f,
                "community \"{community}\" is in group \"{first_group}\" (line {first_line}) \
                 and in group \"{group}\""
            ),
            MissingCriterion { community, group, round, criterion } => write!(
                f,
                "community \"{community}\" (group \"{group}\") has no score for \
                 \"{criterion}\" in its last round, round {round}"
            ),
        }
    }
}

impl ScoreFileError {
    /// The message in Traditional Chinese, with the line: `第 3 行：…`.
    pub fn message_zh(&self) -> String {
        match self.line {
            Some(line) => format!("第 {line} 行：{}", self.kind.message_zh()),
            None => self.kind.message_zh(),
        }
    }
}

/// `line 3: …` in English.
impl fmt::Display for ScoreFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for ScoreFileError {}

/// Reads and validates a scores file (CSV or spreadsheet bytes) against the plan's rules.
///
/// Returns the entries in file order, or every problem found, sorted by line.
pub fn read_scores(bytes: &[u8], rules: &SelectionRules) -> Result<Vec<ScoreEntry>, Vec<ScoreFileError>> {
    read_scores_within(bytes, rules, &Limits::DEFAULT)
}

/// [`read_scores`] within `limits` (a file uploaded to the server: [`Limits::UPLOAD`]).
pub fn read_scores_within(
    bytes: &[u8],
    rules: &SelectionRules,
    limits: &Limits,
) -> Result<Vec<ScoreEntry>, Vec<ScoreFileError>> {
    let table = read_table_within(bytes, limits)
        .map_err(|e| vec![ScoreFileError { line: e.line(), kind: ScoreErrorKind::Table(e) }])?;
    scores_from_table(&table, rules)
}

/// A score cell's problems.
#[derive(Debug, PartialEq, Eq)]
enum ScoreProblem {
    NotANumber,
    TooManyDecimals,
    Negative,
}

/// Parses a score: digits, optionally `.` and digits, optionally a leading `-` (refused
/// later). Returns the value (at most two decimals, truncated if there are more: the caller
/// refuses those) and the problems.
fn parse_score(text: &str) -> (Option<Decimal>, Vec<ScoreProblem>) {
    let text = text.trim();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) {
        return (None, vec![ScoreProblem::NotANumber]);
    }
    let mut problems = Vec::new();
    let significant = frac.trim_end_matches('0');
    if significant.len() > 2 {
        problems.push(ScoreProblem::TooManyDecimals);
    }
    let kept = &significant[..significant.len().min(2)];
    // The digits as an integer over 10^kept.len(); `None` beyond a Decimal's 96 bits (far
    // above any maximum).
    let mantissa =
        int.bytes().chain(kept.bytes()).try_fold(0i128, |m, b| m.checked_mul(10)?.checked_add(i128::from(b - b'0')));
    let value = mantissa.and_then(|m| Decimal::try_from_i128_with_scale(m, kept.len() as u32).ok());
    if negative && value != Some(Decimal::ZERO) {
        problems.push(ScoreProblem::Negative);
    }
    (value, problems)
}

/// A round: a positive integer that fits `u32`.
fn parse_round(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u32>().ok().filter(|&r| r >= 1)
}

/// What the last-round check keeps per (community, group).
struct LastRound {
    /// Index of the group.
    group: usize,
    round: u32,
    /// First line of the community in that round.
    first_line: usize,
    /// Which of the group's criteria that round has.
    seen: Vec<bool>,
}

/// What is kept per community.
struct Community {
    /// The group it was first seen in (index), and that line.
    first_group: usize,
    first_line: usize,
    /// Other groups it was seen in (reported once each).
    other_groups: Vec<usize>,
    /// The last round per group it is in (usually one).
    last_rounds: Vec<LastRound>,
}

/// A fast hasher for the validation maps (short strings; the file is the office's own, so
/// resistance to crafted collisions is not needed): a folded multiply per 8 bytes.
#[derive(Default, Clone, Copy)]
struct FoldHasher(u64);

impl FoldHasher {
    fn mix(&mut self, word: u64) {
        let p = u128::from(self.0 ^ word) * 0x9E37_79B9_7F4A_7C15;
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl std::hash::Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.mix(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 56));
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i).rotate_right(8));
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FoldHasher>>;

/// Validates a table read by [`crate::table::read_table`] as a scores file (see
/// [`read_scores`]).
pub fn scores_from_table(table: &Table, rules: &SelectionRules) -> Result<Vec<ScoreEntry>, Vec<ScoreFileError>> {
    use ScoreErrorKind as K;
    let header_ok = table.header.len() == HEADER.len() && table.header.iter().zip(HEADER).all(|(h, e)| h == e);
    if !header_ok {
        return Err(vec![ScoreFileError {
            line: Some(table.header_line),
            kind: K::WrongHeader { found: table.header.clone() },
        }]);
    }
    if table.rows.is_empty() {
        return Err(vec![ScoreFileError { line: None, kind: K::NoRows }]);
    }

    let known_groups: Vec<String> = rules.groups.iter().map(|g| g.id.clone()).collect();
    let mut errors: Vec<ScoreFileError> = Vec::new();
    let mut entries = Vec::with_capacity(table.rows.len());
    let mut seen: FastMap<(&str, u32, &str, &str), usize> =
        FastMap::with_capacity_and_hasher(table.rows.len(), Default::default());
    let mut communities: FastMap<&str, Community> = FastMap::default();
    for row in &table.rows {
        let line = row.line;
        let mut push = |kind| errors.push(ScoreFileError { line: Some(line), kind });
        if row.cells.len() != HEADER.len() {
            push(K::WrongCellCount { found: row.cells.len() });
            continue;
        }
        let mut ok = true;
        let [community, group_id, round_text, reviewer, criterion_id, score_text] =
            [0, 1, 2, 3, 4, 5].map(|i| row.cells[i].as_str());

        if community.is_empty() {
            push(K::EmptyCommunity);
            ok = false;
        }
        let group_index = rules.groups.iter().position(|g| g.id == group_id);
        let group: Option<&GroupRules> = group_index.map(|i| &rules.groups[i]);
        if group.is_none() {
            push(K::UnknownGroup { group: group_id.to_owned(), known: known_groups.clone() });
            ok = false;
        }
        let round = parse_round(round_text);
        if round.is_none() {
            push(K::RoundNotPositiveInteger { value: round_text.to_owned() });
            ok = false;
        }
        if reviewer.is_empty() {
            push(K::EmptyReviewer);
            ok = false;
        }

        // The criterion, as an index into its group's criteria.
        let criterion_index = match group {
            Some(g) => {
                let index = g.criteria.iter().position(|c| c.id == criterion_id);
                if index.is_none() {
                    match rules.criteria.iter().find(|c| c.id == criterion_id) {
                        Some(info) if info.track != g.track => push(K::CriterionOfAnotherTrack {
                            criterion: criterion_id.to_owned(),
                            track: info.track.clone(),
                            group: g.id.clone(),
                            group_track: g.track.clone(),
                        }),
                        Some(_) => {
                            push(K::CriterionNotInGroup { criterion: criterion_id.to_owned(), group: g.id.clone() })
                        }
                        None => push(K::UnknownCriterion { criterion: criterion_id.to_owned() }),
                    }
                    ok = false;
                }
                index
            }
            None => {
                if !rules.criteria.iter().any(|c| c.id == criterion_id) {
                    push(K::UnknownCriterion { criterion: criterion_id.to_owned() });
                }
                None
            }
        };

        let (score, problems) = parse_score(score_text);
        for problem in &problems {
            let value = score_text.to_owned();
            push(match problem {
                ScoreProblem::NotANumber => K::ScoreNotANumber { value },
                ScoreProblem::TooManyDecimals => K::ScoreTooManyDecimals { value },
                ScoreProblem::Negative => K::ScoreNegative { value },
            });
        }
        ok &= problems.is_empty();
        if let (Some(g), Some(ci)) = (group, criterion_index) {
            let rule = &g.criteria[ci];
            let above = match score {
                Some(s) => s > rule.max_points,
                // Numeric text too long for a decimal: far above any maximum.
                None => !problems.contains(&ScoreProblem::NotANumber),
            };
            if above {
                push(K::ScoreAboveMaximum {
                    value: score_text.to_owned(),
                    criterion: rule.id.clone(),
                    maximum: rule.max_points,
                });
                ok = false;
            }
        }

        if let Some(round) = round
            && !community.is_empty()
            && !reviewer.is_empty()
        {
            match seen.get(&(community, round, reviewer, criterion_id)) {
                Some(&first_line) => {
                    push(K::Duplicate {
                        community: community.to_owned(),
                        round,
                        reviewer: reviewer.to_owned(),
                        criterion: criterion_id.to_owned(),
                        first_line,
                    });
                    ok = false;
                }
                None => {
                    seen.insert((community, round, reviewer, criterion_id), line);
                }
            }
        }

        if let Some(gi) = group_index
            && !community.is_empty()
        {
            let state = communities.entry(community).or_insert_with(|| Community {
                first_group: gi,
                first_line: line,
                other_groups: Vec::new(),
                last_rounds: Vec::new(),
            });
            if state.first_group != gi && !state.other_groups.contains(&gi) {
                state.other_groups.push(gi);
                push(K::CommunityInTwoGroups {
                    community: community.to_owned(),
                    first_group: rules.groups[state.first_group].id.clone(),
                    first_line: state.first_line,
                    group: rules.groups[gi].id.clone(),
                });
                ok = false;
            }
            if let Some(round) = round {
                let width = rules.groups[gi].criteria.len();
                let fresh = || LastRound { group: gi, round, first_line: line, seen: vec![false; width] };
                let i = match state.last_rounds.iter().position(|l| l.group == gi) {
                    Some(i) => i,
                    None => {
                        state.last_rounds.push(fresh());
                        state.last_rounds.len() - 1
                    }
                };
                let last = &mut state.last_rounds[i];
                if round > last.round {
                    *last = fresh();
                }
                if round == last.round
                    && let Some(ci) = criterion_index
                {
                    last.seen[ci] = true;
                }
            }
        }

        if ok && let (Some(g), Some(round), Some(score)) = (group, round, score) {
            entries.push(ScoreEntry {
                community: community.to_owned(),
                group: g.id.clone(),
                round,
                reviewer: reviewer.to_owned(),
                criterion: criterion_id.to_owned(),
                score,
            });
        }
    }

    let mut missing: Vec<(usize, usize, usize, ScoreErrorKind)> = Vec::new();
    for (community, state) in &communities {
        for last in &state.last_rounds {
            let g = &rules.groups[last.group];
            for (ci, _) in last.seen.iter().enumerate().filter(|(_, s)| !**s) {
                missing.push((
                    last.first_line,
                    last.group,
                    ci,
                    K::MissingCriterion {
                        community: (*community).to_owned(),
                        group: g.id.clone(),
                        round: last.round,
                        criterion: g.criteria[ci].id.clone(),
                    },
                ));
            }
        }
    }
    missing.sort_by_key(|(line, gi, ci, _)| (*line, *gi, *ci));
    errors.extend(missing.into_iter().map(|(line, _, _, kind)| ScoreFileError { line: Some(line), kind }));

    if errors.is_empty() {
        Ok(entries)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Test fixtures shared by this crate's tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use linxuan_core::allocation::{CriterionInfo, CriterionRule, GroupRules, LevelRule, SelectionRules};
    use rust_decimal::Decimal;

    /// The Taoyuan 111 plan's rules (the real values come from the plan).
    pub(crate) fn taoyuan_111() -> SelectionRules {
        let crit = |id: &str, name: &str, max: u32| CriterionRule {
            id: id.into(),
            name: name.into(),
            max_points: Decimal::from(max),
            ..Default::default()
        };
        let levels = |q: [u32; 3]| {
            [("special", "特優", 90), ("excellence", "優等", 80), ("merit", "甲等", 70)]
                .iter()
                .zip(q)
                .map(|(&(id, name, min), quota)| LevelRule {
                    id: id.into(),
                    name: name.into(),
                    quota,
                    minimum: Decimal::from(min),
                    ..Default::default()
                })
                .collect::<Vec<_>>()
        };
        let basic = |id: &str, name: &str, q| GroupRules {
            id: id.into(),
            name: name.into(),
            track: "basic".into(),
            criteria: vec![
                crit("timeliness", "及時性", 25),
                crit("completeness", "完整性", 25),
                crit("richness", "豐富性", 50),
            ],
            tie_break: vec!["richness".into(), "completeness".into(), "timeliness".into()],
            levels: levels(q),
            ..Default::default()
        };
        let info =
            |id: &str, name: &str, track: &str| CriterionInfo { id: id.into(), name: name.into(), track: track.into() };
        SelectionRules {
            groups: vec![
                basic("basic-elementary", "國小組", [3, 6, 9]),
                basic("basic-junior", "國中組", [1, 2, 3]),
                GroupRules {
                    id: "advanced".into(),
                    name: "進階組".into(),
                    track: "advanced".into(),
                    criteria: vec![crit("written", "書面審核", 40), crit("presentation", "現場發表", 60)],
                    tie_break: vec!["presentation".into(), "written".into()],
                    levels: levels([2, 2, 1]),
                    ..Default::default()
                },
            ],
            criteria: vec![
                info("timeliness", "及時性", "basic"),
                info("completeness", "完整性", "basic"),
                info("richness", "豐富性", "basic"),
                info("written", "書面審核", "advanced"),
                info("presentation", "現場發表", "advanced"),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::fixtures::taoyuan_111;
    use super::*;
    use ScoreErrorKind as K;

    const HEAD: &str = "community,group,round,reviewer,criterion,score\n";

    fn read(body: &str) -> Result<Vec<ScoreEntry>, Vec<ScoreFileError>> {
        read_scores(format!("{HEAD}{body}").as_bytes(), &taoyuan_111())
    }

    /// A complete basic community: one reviewer, three criteria.
    fn basic_rows(community: &str, group: &str, round: u32, reviewer: &str) -> String {
        format!(
            "{community},{group},{round},{reviewer},timeliness,25\n\
             {community},{group},{round},{reviewer},completeness,20.5\n\
             {community},{group},{round},{reviewer},richness,44.25\n"
        )
    }

    fn errors(body: &str) -> Vec<(Option<usize>, ScoreErrorKind)> {
        read(body).unwrap_err().into_iter().map(|e| (e.line, e.kind)).collect()
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_good_file() {
        let mut body = basic_rows("E01", "basic-elementary", 1, "R1");
        body += &basic_rows("E01", "basic-elementary", 2, "R2");
        body += "A01,advanced,1,R3,written,38\nA01,advanced,1,R3,presentation,55.5\n";
        let entries = read(&body).unwrap();
        assert_eq!(entries.len(), 8);
        assert_eq!(
            entries[2],
            ScoreEntry {
                community: "E01".into(),
                group: "basic-elementary".into(),
                round: 1,
                reviewer: "R1".into(),
                criterion: "richness".into(),
                score: dec("44.25"),
            }
        );
        assert_eq!(entries[7].score, dec("55.5"));
    }

    #[test]
    fn accepted_score_forms() {
        for (text, value) in [
            ("88", "88"),
            ("8.5", "8.5"),
            ("8.25", "8.25"),
            (" 8.50 ", "8.5"),
            ("0", "0"),
            ("0.00", "0"),
            ("-0", "0"),
            ("50.000", "50"),
            ("007", "7"),
        ] {
            let (v, problems) = parse_score(text);
            assert_eq!(v, Some(dec(value)), "{text}");
            assert!(problems.is_empty(), "{text}: {problems:?}");
        }
        let body = "E01,basic-elementary,1,R1,timeliness, 20.50 \n\
                    E01,basic-elementary,1,R1,completeness,25\n\
                    E01,basic-elementary,1,R1,richness,50.00\n";
        let entries = read(body).unwrap();
        assert_eq!(entries[0].score, dec("20.5"));
        assert_eq!(entries[2].score, dec("50"));
    }

    #[test]
    fn refused_score_forms() {
        for text in ["88.255", "abc", "", "-1", "1e2", "NaN", ".5", "88.", "1,000", "+5", "８８"] {
            let (_, problems) = parse_score(text);
            assert!(!problems.is_empty(), "{text} should be refused");
        }
        assert_eq!(parse_score("88.255").1, vec![ScoreProblem::TooManyDecimals]);
        assert_eq!(parse_score("-1").1, vec![ScoreProblem::Negative]);
        assert_eq!(parse_score("-1.234").1, vec![ScoreProblem::TooManyDecimals, ScoreProblem::Negative]);
        assert_eq!(parse_score("1e2").1, vec![ScoreProblem::NotANumber]);
    }

    #[test]
    fn every_score_problem_with_its_line() {
        let body = "E01,basic-elementary,1,R1,timeliness,20.255\n\
                    E01,basic-elementary,1,R1,completeness,abc\n\
                    E01,basic-elementary,1,R1,richness,-1\n\
                    E02,basic-elementary,1,R1,timeliness,25.01\n\
                    E02,basic-elementary,1,R1,completeness,\n\
                    E02,basic-elementary,1,R1,richness,NaN\n\
                    E03,basic-elementary,1,R1,timeliness,1e2\n\
                    E03,basic-elementary,1,R1,completeness,25\n\
                    E03,basic-elementary,1,R1,richness,50\n";
        let errs = errors(body);
        let v = |s: &str| s.to_owned();
        assert_eq!(
            errs,
            vec![
                (Some(2), K::ScoreTooManyDecimals { value: v("20.255") }),
                (Some(3), K::ScoreNotANumber { value: v("abc") }),
                (Some(4), K::ScoreNegative { value: v("-1") }),
                (Some(5), K::ScoreAboveMaximum { value: v("25.01"), criterion: v("timeliness"), maximum: dec("25") }),
                (Some(6), K::ScoreNotANumber { value: v("") }),
                (Some(7), K::ScoreNotANumber { value: v("NaN") }),
                (Some(8), K::ScoreNotANumber { value: v("1e2") }),
            ]
        );
        let e = ScoreFileError { line: Some(5), kind: errs[3].1.clone() };
        assert_eq!(e.to_string(), "line 5: score \"25.01\" is above the maximum of \"timeliness\", 25");
        assert_eq!(e.message_zh(), "第 5 行：分數「25.01」超過評分項目「timeliness」的滿分 25。");
    }

    #[test]
    fn wrong_header_says_what_was_expected() {
        let bytes = b"community,group,round,reviewer,score,criterion\nE01,x,1,R,richness,1\n";
        let errs = read_scores(bytes, &taoyuan_111()).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, Some(1));
        assert_eq!(
            errs[0].to_string(),
            "line 1: the header must be \"community,group,round,reviewer,criterion,score\", \
             found \"community,group,round,reviewer,score,criterion\""
        );
        assert!(errs[0].message_zh().contains("標題列應為"));
        // Case and extra columns count too.
        let errs = read_scores(b"Community,group,round,reviewer,criterion,score\n", &taoyuan_111()).unwrap_err();
        assert!(matches!(errs[0].kind, K::WrongHeader { .. }));
        let errs = read_scores(b"community,group,round,reviewer,criterion,score,note\n", &taoyuan_111()).unwrap_err();
        assert!(matches!(errs[0].kind, K::WrongHeader { .. }));
        // Cells are trimmed, a BOM is stripped.
        let ok = read_scores(
            "\u{feff} community , group,round,reviewer,criterion,score\r\n\
             E01,basic-junior,1,R1,timeliness,1\r\n\
             E01,basic-junior,1,R1,completeness,1\r\n\
             E01,basic-junior,1,R1,richness,1\r\n"
                .as_bytes(),
            &taoyuan_111(),
        );
        assert_eq!(ok.unwrap().len(), 3);
    }

    #[test]
    fn header_only_and_unreadable_files() {
        let errs = read_scores(HEAD.as_bytes(), &taoyuan_111()).unwrap_err();
        assert_eq!(errs[0].kind, K::NoRows);
        let errs = read_scores(b"", &taoyuan_111()).unwrap_err();
        assert_eq!(errs[0].kind, K::Table(TableError::Empty));
        assert_eq!(errs[0].line, None);
        let errs = read_scores(b"community,group,round,reviewer,criterion,score\n\xB0\xEA,a,1,R,b,1\n", &taoyuan_111())
            .unwrap_err();
        assert_eq!(errs[0].line, Some(2));
        assert_eq!(errs[0].kind, K::Table(TableError::NotUtf8 { line: 2 }));
    }

    #[test]
    fn row_structure_problems() {
        let body = "E01,basic-elementary,1,R1,timeliness\n\
                    E01,basic-elementary,1,R1,timeliness,25,extra\n\
                    ,basic-elementary,1,R1,timeliness,25\n\
                    E02,basic-elementary,1,,timeliness,25\n\
                    E02,basic-middle,1,R1,timeliness,25\n\
                    E02,basic-elementary,1,R1,rigour,25\n\
                    E02,basic-elementary,1,R1,written,25\n\
                    E02,basic-elementary,0,R1,completeness,25\n\
                    E02,basic-elementary,x,R1,completeness,25\n\
                    E02,basic-elementary,1.5,R1,completeness,25\n\
                    E02,basic-elementary,-1,R1,completeness,25\n\
                    E03,advanced,1,R1,richness,25\n";
        let errs = errors(body);
        let v = |s: &str| s.to_owned();
        let known = vec![v("basic-elementary"), v("basic-junior"), v("advanced")];
        let expected = vec![
            (Some(2), K::WrongCellCount { found: 5 }),
            (Some(3), K::WrongCellCount { found: 7 }),
            (Some(4), K::EmptyCommunity),
            (Some(5), K::EmptyReviewer),
            (Some(6), K::UnknownGroup { group: v("basic-middle"), known }),
            (Some(7), K::UnknownCriterion { criterion: v("rigour") }),
            (
                Some(8),
                K::CriterionOfAnotherTrack {
                    criterion: v("written"),
                    track: v("advanced"),
                    group: v("basic-elementary"),
                    group_track: v("basic"),
                },
            ),
            (Some(9), K::RoundNotPositiveInteger { value: v("0") }),
            (Some(10), K::RoundNotPositiveInteger { value: v("x") }),
            (Some(11), K::RoundNotPositiveInteger { value: v("1.5") }),
            (Some(12), K::RoundNotPositiveInteger { value: v("-1") }),
            (
                Some(13),
                K::CriterionOfAnotherTrack {
                    criterion: v("richness"),
                    track: v("basic"),
                    group: v("advanced"),
                    group_track: v("advanced"),
                },
            ),
        ];
        // Missing criteria follow, at the community's first row of its last round.
        let (structural, missing): (Vec<_>, Vec<_>) =
            errs.into_iter().partition(|(_, k)| !matches!(k, K::MissingCriterion { .. }));
        assert_eq!(structural, expected);
        let missing: Vec<_> = missing
            .iter()
            .map(|(line, k)| match k {
                K::MissingCriterion { community, criterion, round, .. } => {
                    (line.unwrap(), community.as_str(), *round, criterion.as_str())
                }
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            missing,
            [
                (5, "E02", 1, "completeness"),
                (5, "E02", 1, "richness"),
                (13, "E03", 1, "written"),
                (13, "E03", 1, "presentation"),
            ]
        );
        let another_track = ScoreFileError { line: Some(8), kind: expected[6].1.clone() };
        assert_eq!(
            another_track.to_string(),
            "line 8: criterion \"written\" is of track \"advanced\", not of group \
             \"basic-elementary\" (track \"basic\")"
        );
        assert!(another_track.message_zh().contains("屬於「advanced」類別"));
    }

    #[test]
    fn criterion_of_the_same_track_not_in_the_group() {
        let mut rules = taoyuan_111();
        rules.groups[1].criteria.pop(); // junior without richness
        let body = format!("{HEAD}J01,basic-junior,1,R1,richness,40\n");
        let errs = read_scores(body.as_bytes(), &rules).unwrap_err();
        assert!(
            errs.iter().any(
                |e| e.kind == K::CriterionNotInGroup { criterion: "richness".into(), group: "basic-junior".into() }
            )
        );
    }

    #[test]
    fn duplicates_name_the_first_line() {
        let mut body = basic_rows("E01", "basic-elementary", 1, "R1");
        body += "E01,basic-elementary,1,R1,richness,40\n";
        body += "E01,basic-elementary,2,R1,richness,40\n"; // another round: fine, but
        // round 2 then misses two criteria.
        let errs = errors(&body);
        assert_eq!(
            errs[0],
            (
                Some(5),
                K::Duplicate {
                    community: "E01".into(),
                    round: 1,
                    reviewer: "R1".into(),
                    criterion: "richness".into(),
                    first_line: 4,
                }
            )
        );
        assert!(ScoreFileError { line: errs[0].0, kind: errs[0].1.clone() }.message_zh().contains("第一次在第 4 行"));
        assert_eq!(errs.len(), 3);
        assert!(
            matches!(&errs[1], (Some(6), K::MissingCriterion { round: 2, criterion, .. }) if criterion == "timeliness")
        );
    }

    #[test]
    fn a_community_in_two_groups_names_both_and_the_lines() {
        let mut body = basic_rows("C01", "basic-elementary", 1, "R1");
        body += &basic_rows("C01", "basic-junior", 1, "R2");
        let errs = errors(&body);
        assert_eq!(
            errs,
            vec![(
                Some(5),
                K::CommunityInTwoGroups {
                    community: "C01".into(),
                    first_group: "basic-elementary".into(),
                    first_line: 2,
                    group: "basic-junior".into(),
                }
            )]
        );
        let e = ScoreFileError { line: errs[0].0, kind: errs[0].1.clone() };
        assert_eq!(
            e.to_string(),
            "line 5: community \"C01\" is in group \"basic-elementary\" (line 2) and in group \
             \"basic-junior\""
        );
        assert_eq!(
            e.message_zh(),
            "第 5 行：社群「C01」同時出現在組別「basic-elementary」（第 2 行）與組別「basic-junior」。"
        );
    }

    #[test]
    fn missing_criterion_in_the_last_round_only() {
        // Round 1 complete, round 2 lacks completeness: refused. Round 1 lacking a criterion
        // while round 2 is complete: fine (round 1 does not count).
        let body = "E01,basic-elementary,1,R1,timeliness,25\n\
                    E01,basic-elementary,1,R1,completeness,25\n\
                    E01,basic-elementary,1,R1,richness,25\n\
                    E01,basic-elementary,2,R2,timeliness,25\n\
                    E01,basic-elementary,2,R2,richness,25\n\
                    E02,basic-elementary,1,R1,timeliness,25\n\
                    E02,basic-elementary,2,R1,timeliness,25\n\
                    E02,basic-elementary,2,R2,completeness,25\n\
                    E02,basic-elementary,2,R3,richness,25\n";
        let errs = read(body).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, Some(5));
        assert_eq!(
            errs[0].kind,
            K::MissingCriterion {
                community: "E01".into(),
                group: "basic-elementary".into(),
                round: 2,
                criterion: "completeness".into(),
            }
        );
        assert_eq!(
            errs[0].to_string(),
            "line 5: community \"E01\" (group \"basic-elementary\") has no score for \
             \"completeness\" in its last round, round 2"
        );
        assert_eq!(
            errs[0].message_zh(),
            "第 5 行：社群「E01」（組別「basic-elementary」）在最後一輪（第 2 輪）缺少評分項目「completeness」的分數。"
        );
    }

    #[test]
    fn bom_and_crlf_csv() {
        let mut text = String::from("\u{feff}community,group,round,reviewer,criterion,score\r\n");
        text += &basic_rows("J01", "basic-junior", 1, "R1").replace('\n', "\r\n");
        let entries = read_scores(text.as_bytes(), &taoyuan_111()).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].community, "J01");
        assert_eq!(entries[1].score, dec("20.5"));
    }

    /// Writes a scores workbook; `rows` are (community, group, round, reviewer, criterion,
    /// score as a number).
    fn xlsx(rows: &[(&str, &str, f64, &str, &str, f64)]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in HEADER.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, row.0).unwrap();
            ws.write_string(r, 1, row.1).unwrap();
            ws.write_number(r, 2, row.2).unwrap();
            ws.write_string(r, 3, row.3).unwrap();
            ws.write_string(r, 4, row.4).unwrap();
            ws.write_number(r, 5, row.5).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_numbers_read_exactly() {
        let bytes = xlsx(&[
            ("E01", "basic-elementary", 1.0, "R1", "timeliness", 24.3),
            ("E01", "basic-elementary", 1.0, "R1", "completeness", 20.1),
            ("E01", "basic-elementary", 1.0, "R1", "richness", 44.25),
        ]);
        let entries = read_scores(&bytes, &taoyuan_111()).unwrap();
        let scores: Vec<_> = entries.iter().map(|e| e.score).collect();
        assert_eq!(scores, [dec("24.3"), dec("20.1"), dec("44.25")]);
        assert_eq!(entries[0].round, 1);
    }

    #[test]
    fn xlsx_three_decimals_and_bad_round_refused() {
        let bytes = xlsx(&[
            ("E01", "basic-elementary", 1.0, "R1", "timeliness", 24.3),
            ("E01", "basic-elementary", 1.0, "R1", "completeness", 20.125),
            ("E01", "basic-elementary", 1.5, "R1", "richness", 44.25),
        ]);
        let errs = read_scores(&bytes, &taoyuan_111()).unwrap_err();
        let kinds: Vec<_> = errs.iter().map(|e| (e.line, e.kind.clone())).collect();
        assert_eq!(
            kinds,
            [
                // Round 1 is the last valid round; its richness row has a bad round.
                (
                    Some(2),
                    K::MissingCriterion {
                        community: "E01".into(),
                        group: "basic-elementary".into(),
                        round: 1,
                        criterion: "richness".into(),
                    }
                ),
                (Some(3), K::ScoreTooManyDecimals { value: "20.125".into() }),
                (Some(4), K::RoundNotPositiveInteger { value: "1.5".into() }),
            ]
        );
    }

    #[test]
    fn errors_are_sorted_by_line_and_complete() {
        // Many problems on many lines: all listed, in line order.
        let mut body = String::new();
        for i in 0..50 {
            body += &format!("E{i:02},basic-junior,1,R1,timeliness,{}\n", 20 + i);
        }
        let errs = read(&body).unwrap_err();
        // Scores 26..69 are above 25 (44 rows); every community misses 2 criteria (100).
        assert_eq!(errs.len(), 44 + 100);
        assert!(errs.windows(2).all(|w| w[0].line <= w[1].line));
    }
}
