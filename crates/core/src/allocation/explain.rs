//! Human-readable explanations of allocation steps, in zh-TW and English.
//!
//! A community's [`RankedCommunity::explanation`] is a list of [`Step`]s; each renders as one
//! line (the web UI shows them line by line, the text table joins them with "；").

use rust_decimal::Decimal;

use super::{GroupResult, LevelInfo, Outcome, RankedCommunity, Step};

/// A decimal without trailing zeros: 90, 87.5.
fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

impl Step {
    /// One line of Traditional Chinese, e.g. `特優（門檻 90 分，尚餘 3 名）：獲獎`.
    ///
    /// `levels` are the group's levels ([`GroupResult::levels`]).
    pub fn describe_zh(&self, levels: &[LevelInfo]) -> String {
        match self {
            Step::Considered { level, minimum, places_left, outcome } => {
                let name = levels.get(*level).map_or("?", |l| l.name.as_str());
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
        }
    }

    /// One line of English, e.g. `special (minimum 90, 3 places left): awarded`.
    ///
    /// Levels are named by id; `levels` are the group's levels ([`GroupResult::levels`]).
    pub fn describe_en(&self, levels: &[LevelInfo]) -> String {
        match self {
            Step::Considered { level, minimum, places_left, outcome } => {
                let name = levels.get(*level).map_or("?", |l| l.id.as_str());
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
        }
    }
}

impl RankedCommunity {
    /// The explanation in Traditional Chinese, one line per step.
    pub fn explanation_zh(&self, group: &GroupResult) -> Vec<String> {
        self.explanation.iter().map(|s| s.describe_zh(&group.levels)).collect()
    }

    /// The explanation in English, one line per step.
    pub fn explanation_en(&self, group: &GroupResult) -> Vec<String> {
        self.explanation.iter().map(|s| s.describe_en(&group.levels)).collect()
    }
}
