//! The budget's actual figures beside its estimate (SPEC §9): what each line has cost so far,
//! counted from the system's own records where a line says how (`actual = "reviews:round-1"`),
//! entered by hand by the office where it cannot be counted, and what is left.

use serde::Serialize;

use crate::plan::{BudgetTable, Plan};

/// What a line's actual quantity is counted from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Scores submitted in these review phases (a fee per review).
    Reviews(Vec<String>),
    /// Reviewers who submitted a score in these phases (a fee per reviewer-day).
    Reviewers(Vec<String>),
    /// Trophies: the track's awarded communities whose level brings one (latest publication).
    Trophies(String),
    /// Certificates standing in the register.
    Certificates,
    /// Meals on the presentation day: the people registered, then the people checked in once
    /// the day's check-in has begun.
    Meals,
}

impl Source {
    /// Reads `reviews:round-1`, `reviewers:advanced-written,presentation`, `trophies:basic`,
    /// `certificates`, checking the phases and tracks against the plan.
    pub fn parse(text: &str, plan: &Plan) -> Result<Source, (String, String)> {
        let (kind, rest) = text.split_once(':').map_or((text.trim(), ""), |(k, r)| (k.trim(), r.trim()));
        let phases = |rest: &str| -> Result<Vec<String>, (String, String)> {
            let list: Vec<String> =
                rest.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect();
            if list.is_empty() {
                return Err((
                    "請寫出審查階段，例如 reviews:round-1".into(),
                    "name the phases, e.g. reviews:round-1".into(),
                ));
            }
            if let Some(unknown) = list.iter().find(|p| !plan.review.phases.contains_key(*p)) {
                return Err((
                    format!("「{unknown}」不是計畫的審查階段"),
                    format!("\"{unknown}\" is not a review phase of the plan"),
                ));
            }
            Ok(list)
        };
        match kind {
            "reviews" => Ok(Source::Reviews(phases(rest)?)),
            "reviewers" => Ok(Source::Reviewers(phases(rest)?)),
            "trophies" if plan.tracks.contains_key(rest) => Ok(Source::Trophies(rest.to_string())),
            "trophies" => Err((format!("「{rest}」不是計畫的軌別"), format!("\"{rest}\" is not a track of the plan"))),
            "certificates" if rest.is_empty() => Ok(Source::Certificates),
            "meals" if rest.is_empty() => Ok(Source::Meals),
            _ => Err((
                format!("看不懂「{text}」：可用 reviews:階段、reviewers:階段、trophies:軌別、certificates、meals"),
                format!(
                    "cannot read \"{text}\": use reviews:PHASE, reviewers:PHASE, trophies:TRACK, certificates or meals"
                ),
            )),
        }
    }
}

/// A line's actual figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineActual {
    pub estimate: i64,
    /// The quantity counted from the records, for a line with a source.
    pub counted: Option<i64>,
    /// The amount so far: counted × unit price, or the office's entry; None when neither.
    pub amount: Option<i64>,
    /// Entered by hand.
    pub manual: bool,
    /// More than the estimate.
    pub over: bool,
}

/// A table's actuals and totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableActual {
    pub lines: Vec<LineActual>,
    pub estimate: i64,
    pub actual: i64,
    /// estimate − actual (negative when over).
    pub left: i64,
    pub over: bool,
}

/// The actuals of `table`: `count` gives a line's counted quantity from its source (by line
/// index; None for a line without one), `manual` the office's entry for a line (by index).
/// A counted line ignores a manual entry: the records decide.
pub fn actuals(
    table: &BudgetTable,
    count: impl Fn(usize) -> Option<i64>,
    manual: impl Fn(usize) -> Option<i64>,
) -> TableActual {
    let lines: Vec<LineActual> = table
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let counted = count(i);
            let (amount, manual) = match counted {
                Some(n) => (Some(n.saturating_mul(line.unit_price)), false),
                None => (manual(i), manual(i).is_some()),
            };
            LineActual { estimate: line.total, counted, amount, manual, over: amount.is_some_and(|a| a > line.total) }
        })
        .collect();
    let estimate = table.lines.iter().fold(0i64, |sum, l| sum.saturating_add(l.total));
    let actual = lines.iter().filter_map(|l| l.amount).fold(0i64, |sum, a| sum.saturating_add(a));
    TableActual { lines, estimate, actual, left: estimate.saturating_sub(actual), over: actual > estimate }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan::builtin()
    }

    #[test]
    fn sources_are_read_and_checked_against_the_plan() {
        let p = plan();
        assert_eq!(Source::parse("reviews:round-1", &p), Ok(Source::Reviews(vec!["round-1".into()])));
        assert_eq!(
            Source::parse("reviewers: advanced-written , presentation", &p),
            Ok(Source::Reviewers(vec!["advanced-written".into(), "presentation".into()]))
        );
        assert_eq!(Source::parse("trophies:basic", &p), Ok(Source::Trophies("basic".into())));
        assert_eq!(Source::parse("certificates", &p), Ok(Source::Certificates));
        assert!(Source::parse("reviews:round-9", &p).unwrap_err().1.contains("round-9"));
        assert!(Source::parse("reviews:", &p).is_err());
        assert!(Source::parse("trophies:nope", &p).unwrap_err().0.contains("nope"));
        assert_eq!(Source::parse("meals", &p), Ok(Source::Meals));
        assert!(Source::parse("meal", &p).unwrap_err().1.contains("reviews:PHASE"));
    }

    #[test]
    fn counted_lines_multiply_manual_lines_stand_and_the_left_over_is_told() {
        let p = plan();
        let table = &p.budget.tables[0];
        // Line 0: 初審 100 × 220 = 22000 estimated; 230 reviews done is over.
        // Line 1: 複審 200 × 150; 40 done.
        // Line 3 (印刷費 5000): the office entered 4800. Everything else: nothing yet.
        let result = actuals(
            table,
            |i| match i {
                0 => Some(230),
                1 => Some(40),
                _ => None,
            },
            |i| (i == 3 || i == 0).then_some(4800),
        );
        assert_eq!(result.lines[0].amount, Some(23_000));
        assert!(result.lines[0].over && !result.lines[0].manual, "the records decide a counted line");
        assert_eq!(result.lines[1].amount, Some(8_000));
        assert!(!result.lines[1].over);
        assert_eq!(result.lines[3].amount, Some(4_800));
        assert!(result.lines[3].manual);
        assert_eq!(result.lines[2].amount, None);
        assert_eq!(result.estimate, 80_000);
        assert_eq!(result.actual, 23_000 + 8_000 + 4_800);
        assert_eq!(result.left, 80_000 - 35_800);
        assert!(!result.over);
        let over = actuals(table, |_| Some(1_000), |_| None);
        assert!(over.over && over.left < 0);
    }
}
