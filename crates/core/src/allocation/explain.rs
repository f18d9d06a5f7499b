//! Human-readable explanations of allocation steps, in zh-TW and English.
//!
//! A community's [`RankedCommunity::explanation`] is a list of [`Step`]s; each renders as one
//! line (the web UI shows them line by line, the text table joins them with "；").

use rust_decimal::Decimal;

use super::{GroupResult, Outcome, RankedCommunity, Step};

/// A decimal without trailing zeros: 90, 87.5.
fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

impl Step {
    /// One line of Traditional Chinese, e.g. `特優（門檻 90 分，尚餘 3 名）：獲獎`, for a
    /// community of `group`.
    pub fn describe_zh(&self, group: &GroupResult) -> String {
        match self {
            Step::Considered { level, minimum, places_left, outcome } => {
                let name = group.levels.get(*level).map_or("?", |l| l.name.as_str());
                let what = match outcome {
                    Outcome::Awarded => "獲獎".to_owned(),
                    Outcome::BelowMinimum => {
                        format!("未達門檻，{places_left} 名從缺，改評下一等第")
                    }
                    Outcome::NoPlacesLeft => "名額已滿，改評下一等第".to_owned(),
                    Outcome::NeedsDecision { tied } => {
                        format!("{tied} 隊同分爭 {places_left} 名，需裁決")
                    }
                };
                format!("{name}（門檻 {} 分，尚餘 {places_left} 名）：{what}", plain(*minimum))
            }
            Step::NoLevelLeft => "各等第皆已評定完畢：未獲獎".to_owned(),
            Step::StoppedAbove => "名次在前的同分社群待裁決，暫停分配：未獲獎".to_owned(),
            Step::NotPassed { round } => format!("未進入{}：不參與獎項分配", group.round_name_zh(*round)),
            Step::Awaiting { round } => {
                format!("已晉級{}，尚無{}分數：暫不分配", group.round_name_zh(*round), group.round_name_zh(*round))
            }
        }
    }

    /// One line of English, e.g. `Special excellence (minimum 90, 3 places left): awarded`,
    /// for a community of `group` (levels by their English names, else their ids).
    pub fn describe_en(&self, group: &GroupResult) -> String {
        match self {
            Step::Considered { level, minimum, places_left, outcome } => {
                let name =
                    group.levels.get(*level).map_or("?", |l| if l.name_en.is_empty() { &l.id } else { &l.name_en });
                let places = match places_left {
                    1 => "1 place left".to_owned(),
                    n => format!("{n} places left"),
                };
                let what = match outcome {
                    Outcome::Awarded => "awarded".to_owned(),
                    Outcome::BelowMinimum => {
                        format!("below the minimum: {places_left} left vacant, considered at the next level")
                    }
                    Outcome::NoPlacesLeft => "no places left, considered at the next level".to_owned(),
                    Outcome::NeedsDecision { tied } => {
                        format!("{tied} tied for {places_left}: needs a decision")
                    }
                };
                format!("{name} (minimum {}, {places}): {what}", plain(*minimum))
            }
            Step::NoLevelLeft => "no level left (every level already passed): no award".to_owned(),
            Step::StoppedAbove => "allocation stopped at an undecided tie ranked above: no award".to_owned(),
            Step::NotPassed { round } => {
                format!("did not pass the cut ({}): takes no place", group.round_name_en(*round))
            }
            Step::Awaiting { round } => {
                let name = group.round_name_en(*round);
                format!("passed the cut ({name}), not scored there yet: no award for now")
            }
        }
    }
}

impl GroupResult {
    /// A round's zh-TW name (複審), else 第N輪.
    pub fn round_name_zh(&self, round: u32) -> String {
        match self.rounds.get((round as usize).wrapping_sub(1)).filter(|r| !r.name.is_empty()) {
            Some(r) => r.name.clone(),
            None => format!("第 {round} 輪"),
        }
    }

    /// A round's English name (second round), else "round N".
    pub fn round_name_en(&self, round: u32) -> String {
        match self.rounds.get((round as usize).wrapping_sub(1)).filter(|r| !r.name_en.is_empty()) {
            Some(r) => r.name_en.clone(),
            None => format!("round {round}"),
        }
    }

    /// The group's name in a language (English: its English name, else its id).
    pub fn name_in(&self, en: bool) -> &str {
        match (en, self.name_en.is_empty()) {
            (false, _) => &self.name,
            (true, false) => &self.name_en,
            (true, true) => &self.group,
        }
    }

    /// A level's name in a language (English: its English name, else its id).
    pub fn level_name_in(&self, level: usize, en: bool) -> &str {
        match self.levels.get(level) {
            None => "?",
            Some(l) if !en => &l.name,
            Some(l) if l.name_en.is_empty() => &l.id,
            Some(l) => &l.name_en,
        }
    }

    /// A criterion's name in a language (English: its English name, else its id).
    pub fn criterion_name_in(&self, criterion: usize, en: bool) -> &str {
        match self.criteria.get(criterion) {
            None => "?",
            Some(c) if !en => &c.name,
            Some(c) if c.name_en.is_empty() => &c.id,
            Some(c) => &c.name_en,
        }
    }
}

impl RankedCommunity {
    /// The explanation in Traditional Chinese, one line per step.
    pub fn explanation_zh(&self, group: &GroupResult) -> Vec<String> {
        self.explanation.iter().map(|s| s.describe_zh(group)).collect()
    }

    /// The explanation in English, one line per step.
    pub fn explanation_en(&self, group: &GroupResult) -> Vec<String> {
        self.explanation.iter().map(|s| s.describe_en(group)).collect()
    }
}
