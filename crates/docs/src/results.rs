//! Writing an allocation result: JSON, CSV, XLSX and a readable zh-TW text table.
//!
//! Every writer is deterministic: the same [`AllocationResult`] gives byte-identical output
//! (the XLSX included: its document date is fixed). Scores are written as the engine displays
//! them: exactly two decimals, rounded half up from the exact value.
//!
//! - [`to_json`]: the machine-readable result (one line and a newline), keys in a fixed
//!   order, criteria and levels in plan order:
//!   `{"groups":[{"group":…,"needs_decision":[[…]],"vacant":{"special":N,…}|null,`
//!   `"ranking":[{"community":…,"rank":N|null,"round":N,"score":"88.20",`
//!   `"criteria":{"timeliness":"25.00",…},"award":"special"|null,"standing":"competes"},…]},…]}`;
//!   `standing` is `competes`, `not-passed` (did not pass the cut: no rank, no place) or
//!   `awaiting` (passed the cut, not scored in the last round yet).
//! - [`to_csv`] / [`to_csv_for_excel`]: one row per community:
//!   `group,rank,community,round,<criterion ids…>,score,award,needs_decision,standing`, the
//!   criterion columns being the union over the groups in plan order (empty where a group does
//!   not have the criterion); `rank` is empty for a community that takes no place; `award` is
//!   a level id or empty; `needs_decision` is `true` for the communities of a tie that needs a
//!   decision.
//! - [`to_xlsx`]: a summary sheet (places, awards and vacancies per level, ties to decide),
//!   then one sheet per group with numbers as numbers (`0.00`).
//! - [`to_text_table`]: per group, a zh-TW table aligned for a terminal (CJK characters count
//!   two columns) with each community's explanation, then the vacancies or the ties to decide.

use std::collections::HashSet;

use linxuan_core::allocation::{AllocationResult, GroupResult, Outcome, RankedCommunity, Standing, Step};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A map serialized in the order of its entries (plan order), whatever serde_json's features.
struct Ordered<'a, V>(Vec<(&'a str, V)>);

impl<V: Serialize> Serialize for Ordered<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonResult<'a> {
    groups: Vec<JsonGroup<'a>>,
}

#[derive(Serialize)]
struct JsonGroup<'a> {
    group: &'a str,
    needs_decision: &'a [Vec<String>],
    vacant: Option<Ordered<'a, u32>>,
    ranking: Vec<JsonEntry<'a>>,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    community: &'a str,
    /// `null` for a community that takes no place (it did not pass the cut).
    rank: Option<u32>,
    round: u32,
    score: &'a str,
    criteria: Ordered<'a, &'a str>,
    award: Option<&'a str>,
    standing: &'static str,
}

/// A community's standing as the files write it: `competes`, `not-passed` (it did not pass the
/// cut) or `awaiting` (it passed, no score in the last round yet).
pub fn standing_id(standing: Standing) -> &'static str {
    match standing {
        Standing::Competes => "competes",
        Standing::NotPassed { .. } => "not-passed",
        Standing::Awaiting { .. } => "awaiting",
    }
}

/// The rank as written: none for a community that takes no place.
fn rank_of(c: &RankedCommunity) -> Option<u32> {
    c.standing.competes().then_some(c.rank)
}

/// The award column in zh-TW: the level, 未進入複審 / 待複審評分 for those out of competition,
/// or —.
pub fn award_zh(g: &GroupResult, c: &RankedCommunity) -> String {
    match c.standing {
        Standing::NotPassed { round } => format!("未進入{}", g.round_name_zh(round)),
        Standing::Awaiting { round } => format!("待{}評分", g.round_name_zh(round)),
        Standing::Competes => g.award_name(c).unwrap_or("—").to_owned(),
    }
}

/// The result as JSON: one line, then a newline (see the [module documentation](self)).
pub fn to_json(result: &AllocationResult) -> String {
    let json = JsonResult {
        groups: result
            .groups
            .iter()
            .map(|g| JsonGroup {
                group: &g.group,
                needs_decision: &g.needs_decision,
                vacant: g.vacant_by_level().map(Ordered),
                ranking: g
                    .ranking
                    .iter()
                    .map(|c| JsonEntry {
                        community: &c.community,
                        rank: rank_of(c),
                        round: c.round,
                        score: &c.total_display,
                        criteria: Ordered(
                            g.criteria
                                .iter()
                                .zip(&c.criteria)
                                .map(|(h, m)| (h.id.as_str(), m.display.as_str()))
                                .collect(),
                        ),
                        award: g.award_id(c),
                        standing: standing_id(c.standing),
                    })
                    .collect(),
            })
            .collect(),
    };
    // Serializing plain structs, strings and integers into a Vec cannot fail.
    let mut out = serde_json::to_string(&json).unwrap_or_default();
    out.push('\n');
    out
}

/// The union of the groups' criterion ids, in plan order.
fn criterion_columns(result: &AllocationResult) -> Vec<&str> {
    let mut seen = HashSet::new();
    let mut columns = Vec::new();
    for g in &result.groups {
        for c in &g.criteria {
            if seen.insert(c.id.as_str()) {
                columns.push(c.id.as_str());
            }
        }
    }
    columns
}

/// Whether a community is in one of its group's undecided ties.
fn in_decision(g: &GroupResult, c: &RankedCommunity) -> bool {
    g.needs_decision.iter().any(|b| b.contains(&c.community))
}

fn csv_bytes(result: &AllocationResult, terminator: csv::Terminator) -> Vec<u8> {
    let columns = criterion_columns(result);
    let mut w = csv::WriterBuilder::new().terminator(terminator).from_writer(Vec::new());
    let mut header = vec!["group", "rank", "community", "round"];
    header.extend(&columns);
    header.extend(["score", "award", "needs_decision", "standing"]);
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&header);
    let safe = |row: &[String]| row.iter().map(|c| crate::export::formula_safe(c).into_owned()).collect::<Vec<_>>();
    for g in &result.groups {
        for c in &g.ranking {
            let mut row: Vec<String> = vec![
                g.group.clone(),
                rank_of(c).map_or(String::new(), |r| r.to_string()),
                c.community.clone(),
                c.round.to_string(),
            ];
            for col in &columns {
                let cell = g
                    .criteria
                    .iter()
                    .position(|h| h.id == *col)
                    .map_or(String::new(), |i| c.criteria[i].display.clone());
                row.push(cell);
            }
            row.push(c.total_display.clone());
            row.push(g.award_id(c).unwrap_or("").to_owned());
            row.push(in_decision(g, c).to_string());
            row.push(standing_id(c.standing).to_owned());
            let _ = w.write_record(safe(&row));
        }
    }
    w.into_inner().unwrap_or_default()
}

/// The result as CSV, UTF-8 without byte order mark, LF line ends (see the
/// [module documentation](self)).
pub fn to_csv(result: &AllocationResult) -> String {
    // Built from `String`s only: always UTF-8.
    String::from_utf8(csv_bytes(result, csv::Terminator::Any(b'\n'))).unwrap_or_default()
}

/// The same CSV as [`to_csv`] for Excel: with a UTF-8 byte order mark (without it Excel reads
/// UTF-8 as Big5 on a zh-TW Windows) and CRLF line ends.
pub fn to_csv_for_excel(result: &AllocationResult) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(csv_bytes(result, csv::Terminator::CRLF));
    out
}

/// A displayed score ("88.20") as the number Excel stores.
fn number(display: &str) -> f64 {
    display.parse::<Decimal>().ok().and_then(|d| d.to_f64()).unwrap_or(0.0)
}

/// A valid, unique worksheet name (at most 31 characters, none of `[]:*?/\` nor a control
/// character, no `'` at either end, not `History`), from whatever a plan or a file named it.
pub fn sheet_name(wanted: &str, fallback: &str, used: &mut Vec<String>) -> String {
    let clean = |s: &str| -> String {
        let kept: String = s
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
            .collect::<String>()
            .trim_matches('\'')
            .chars()
            .take(31)
            .collect();
        kept.trim_matches('\'').trim().to_owned()
    };
    let taken = |name: &str, used: &[String]| {
        name.eq_ignore_ascii_case("history") || used.iter().any(|u| u.to_lowercase() == name.to_lowercase())
    };
    let mut name = clean(wanted);
    if name.is_empty() || taken(&name, used) {
        name = clean(fallback);
    }
    if name.is_empty() {
        name = "Sheet".to_owned();
    }
    let base: String = name.chars().take(26).collect();
    let mut n = 2;
    while taken(&name, used) {
        name = format!("{base} ({n})");
        n += 1;
    }
    used.push(name.clone());
    name
}

/// The result as an XLSX workbook: a summary sheet (摘要) and one sheet per group.
pub fn to_xlsx(result: &AllocationResult) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // A fixed document date: the same result gives the same bytes.
    let date = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&date));
    let bold = Format::new().set_bold();
    let two = Format::new().set_num_format("0.00");
    let mut used = Vec::new();

    // Summary: per group, per level: places, awarded, vacant; then the ties to decide.
    let mut level_columns: Vec<(&str, &str)> = Vec::new();
    for g in &result.groups {
        for l in &g.levels {
            if !level_columns.iter().any(|(id, _)| *id == l.id) {
                level_columns.push((&l.id, &l.name));
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("摘要", "Summary", &mut used))?;
    let mut header = vec!["組別代碼".to_owned(), "組別".to_owned()];
    for (_, name) in &level_columns {
        header.push(format!("{name}名額"));
        header.push(format!("{name}獲獎"));
        header.push(format!("{name}從缺"));
    }
    header.push("需裁決".to_owned());
    for (col, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, h, &bold)?;
    }
    for (i, g) in result.groups.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &g.group)?;
        ws.write_string(row, 1, &g.name)?;
        for (k, (id, _)) in level_columns.iter().enumerate() {
            let col = 2 + 3 * k as u16;
            let Some(l) = g.levels.iter().position(|l| l.id == *id) else {
                continue;
            };
            let awarded = g.ranking.iter().filter(|c| c.award == Some(l)).count();
            ws.write_number(row, col, g.levels[l].quota)?;
            ws.write_number(row, col + 1, awarded as u32)?;
            match &g.vacant {
                Some(v) => ws.write_number(row, col + 2, v[l])?,
                None => ws.write_string(row, col + 2, "待裁決")?,
            };
        }
        let blocks: Vec<String> = g.needs_decision.iter().map(|b| b.join("、")).collect();
        ws.write_string(row, 2 + 3 * level_columns.len() as u16, blocks.join("；"))?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();

    for g in &result.groups {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&g.name, &g.group, &mut used))?;
        let mut header = vec!["名次", "社群", "輪次"];
        header.extend(g.criteria.iter().map(|c| c.name.as_str()));
        header.extend(["總分", "獎項", "需裁決", "說明"]);
        for (col, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, col as u16, *h, &bold)?;
        }
        for (i, c) in g.ranking.iter().enumerate() {
            let row = i as u32 + 1;
            if let Some(rank) = rank_of(c) {
                ws.write_number(row, 0, rank)?;
            } else {
                ws.write_string(row, 0, "—")?;
            }
            ws.write_string(row, 1, &c.community)?;
            ws.write_number(row, 2, c.round)?;
            let mut col = 3u16;
            for m in &c.criteria {
                ws.write_number_with_format(row, col, number(&m.display), &two)?;
                col += 1;
            }
            ws.write_number_with_format(row, col, number(&c.total_display), &two)?;
            ws.write_string(row, col + 1, award_zh(g, c))?;
            if in_decision(g, c) {
                ws.write_string(row, col + 2, "需裁決")?;
            }
            ws.write_string(row, col + 3, c.explanation_zh(g).join("；"))?;
        }
        ws.set_freeze_panes(1, 2)?;
        ws.autofit();
    }
    wb.save_to_buffer()
}

/// Display width of a string in a terminal: East Asian wide and fullwidth characters count 2.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let c = c as u32;
    let wide = matches!(c,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x2FFFD
        | 0x30000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Pads `s` to `width` columns, on the left (`right` aligned) or on the right.
fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right { format!("{fill}{s}") } else { format!("{s}{fill}") }
}

/// A minimum as shown: 90, 87.5.
fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// The result as a readable zh-TW text table (see the [module documentation](self)).
pub fn to_text_table(result: &AllocationResult) -> String {
    let mut out = String::new();
    for (gi, g) in result.groups.iter().enumerate() {
        if gi > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{}（{}）\n", g.name, g.group));

        // Columns: (header, right-aligned, cells).
        let mut columns: Vec<(String, bool, Vec<String>)> = Vec::new();
        let cells = |f: &dyn Fn(&RankedCommunity) -> String| -> Vec<String> { g.ranking.iter().map(f).collect() };
        columns.push(("名次".into(), true, cells(&|c| rank_of(c).map_or("—".into(), |r| r.to_string()))));
        columns.push(("社群".into(), false, cells(&|c| c.community.clone())));
        columns.push(("輪次".into(), true, cells(&|c| c.round.to_string())));
        for (i, h) in g.criteria.iter().enumerate() {
            columns.push((h.name.clone(), true, cells(&|c| c.criteria[i].display.clone())));
        }
        columns.push(("總分".into(), true, cells(&|c| c.total_display.clone())));
        columns.push(("獎項".into(), false, cells(&|c| award_zh(g, c))));
        columns.push(("說明".into(), false, cells(&|c| c.explanation_zh(g).join("；"))));
        let widths: Vec<usize> = columns
            .iter()
            .map(|(h, _, cells)| cells.iter().map(|c| display_width(c)).chain([display_width(h)]).max().unwrap_or(0))
            .collect();
        let last = columns.len() - 1;
        let line = |texts: Vec<&str>| -> String {
            let mut parts = Vec::new();
            for (k, text) in texts.into_iter().enumerate() {
                if k == last {
                    parts.push(text.to_owned());
                } else {
                    parts.push(pad(text, widths[k], columns[k].1));
                }
            }
            let mut s = parts.join("  ");
            s.truncate(s.trim_end().len());
            s.push('\n');
            s
        };
        out.push_str(&line(columns.iter().map(|(h, _, _)| h.as_str()).collect()));
        for r in 0..g.ranking.len() {
            out.push_str(&line(columns.iter().map(|(_, _, c)| c[r].as_str()).collect()));
        }

        match &g.vacant {
            Some(vacant) => {
                let parts: Vec<String> = g.levels.iter().zip(vacant).map(|(l, n)| format!("{} {n}", l.name)).collect();
                out.push_str(&format!("從缺：{}\n", parts.join("、")));
            }
            None => {
                for block in &g.needs_decision {
                    let first = g.ranking.iter().find(|c| block.contains(&c.community));
                    let detail = first.and_then(|c| match c.explanation.last() {
                        Some(Step::Considered {
                            level,
                            minimum,
                            places_left,
                            outcome: Outcome::NeedsDecision { tied },
                        }) => Some(format!(
                            "（並列第 {} 名，{tied} 隊爭{}剩餘 {places_left} 名，門檻 {} 分）",
                            c.rank,
                            g.levels[*level].name,
                            plain(*minimum)
                        )),
                        _ => None,
                    });
                    out.push_str(&format!("需裁決：{}{}\n", block.join("、"), detail.unwrap_or_default()));
                }
                out.push_str("從缺：待裁決後重新分配再定\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use linxuan_core::allocation::{ScoreEntry, SelectionRules, allocate};
    use proptest::prelude::*;

    use super::*;
    use crate::scores::fixtures::taoyuan_111;

    fn entry(c: &str, g: &str, round: u32, r: &str, crit: &str, score: &str) -> ScoreEntry {
        ScoreEntry {
            community: c.into(),
            group: g.into(),
            round,
            reviewer: r.into(),
            criterion: crit.into(),
            score: Decimal::from_str(score).unwrap(),
        }
    }

    fn basic(c: &str, g: &str, t: &str, co: &str, r: &str) -> Vec<ScoreEntry> {
        vec![
            entry(c, g, 1, "R1", "timeliness", t),
            entry(c, g, 1, "R1", "completeness", co),
            entry(c, g, 1, "R1", "richness", r),
        ]
    }

    /// Junior high: J1 95 special; J2 and J3 tie at 85 for excellence (2 places, fits);
    /// J4 72.5 merit. Advanced: A1 88.2 (below 90: special vacant) excellence.
    fn sample() -> AllocationResult {
        let mut e = basic("J2", "basic-junior", "25", "20", "40");
        e.extend(basic("J1", "basic-junior", "25", "25", "45"));
        e.extend(basic("J3", "basic-junior", "25", "20", "40"));
        e.extend(basic("J4", "basic-junior", "20", "12.5", "40"));
        e.push(entry("A1", "advanced", 1, "R1", "written", "35.2"));
        e.push(entry("A1", "advanced", 1, "R1", "presentation", "53"));
        allocate(&taoyuan_111(), &e)
    }

    /// Junior: J1 85 takes excellence (special vacant); J2, J3 tie at 84 for the last one.
    fn undecided() -> AllocationResult {
        let mut e = basic("J1", "basic-junior", "25", "25", "35");
        e.extend(basic("J3", "basic-junior", "25", "25", "34"));
        e.extend(basic("J2", "basic-junior", "25", "25", "34"));
        e.extend(basic("J4", "basic-junior", "25", "25", "20"));
        allocate(&taoyuan_111(), &e)
    }

    #[test]
    fn json_exact() {
        assert_eq!(
            to_json(&sample()),
            concat!(
                r#"{"groups":[{"group":"basic-junior","needs_decision":[],"#,
                r#""vacant":{"special":0,"excellence":0,"merit":2},"ranking":["#,
                r#"{"community":"J1","rank":1,"round":1,"score":"95.00","criteria":{"timeliness":"25.00","completeness":"25.00","richness":"45.00"},"award":"special","standing":"competes"},"#,
                r#"{"community":"J2","rank":2,"round":1,"score":"85.00","criteria":{"timeliness":"25.00","completeness":"20.00","richness":"40.00"},"award":"excellence","standing":"competes"},"#,
                r#"{"community":"J3","rank":2,"round":1,"score":"85.00","criteria":{"timeliness":"25.00","completeness":"20.00","richness":"40.00"},"award":"excellence","standing":"competes"},"#,
                r#"{"community":"J4","rank":4,"round":1,"score":"72.50","criteria":{"timeliness":"20.00","completeness":"12.50","richness":"40.00"},"award":"merit","standing":"competes"}]},"#,
                r#"{"group":"advanced","needs_decision":[],"vacant":{"special":2,"excellence":1,"merit":1},"ranking":["#,
                r#"{"community":"A1","rank":1,"round":1,"score":"88.20","criteria":{"written":"35.20","presentation":"53.00"},"award":"excellence","standing":"competes"}]}]}"#,
                "\n"
            )
        );
    }

    #[test]
    fn json_needs_decision() {
        let json = to_json(&undecided());
        assert!(
            json.starts_with(
                r#"{"groups":[{"group":"basic-junior","needs_decision":[["J2","J3"]],"vacant":null,"ranking":["#
            ),
            "{json}"
        );
        assert!(json.contains(r#"{"community":"J1","rank":1,"round":1,"score":"85.00","#));
        assert!(json.contains(r#""award":"excellence","standing":"competes"}"#));
        assert!(json.contains(
            r#"{"community":"J4","rank":4,"round":1,"score":"70.00","criteria":{"timeliness":"25.00","completeness":"25.00","richness":"20.00"},"award":null,"standing":"competes"}"#
        ));
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["groups"][0]["ranking"][1]["award"], serde_json::Value::Null);
    }

    #[test]
    fn csv_exact_with_union_of_criteria() {
        assert_eq!(
            to_csv(&sample()),
            "group,rank,community,round,timeliness,completeness,richness,written,presentation,score,award,needs_decision,standing\n\
             basic-junior,1,J1,1,25.00,25.00,45.00,,,95.00,special,false,competes\n\
             basic-junior,2,J2,1,25.00,20.00,40.00,,,85.00,excellence,false,competes\n\
             basic-junior,2,J3,1,25.00,20.00,40.00,,,85.00,excellence,false,competes\n\
             basic-junior,4,J4,1,20.00,12.50,40.00,,,72.50,merit,false,competes\n\
             advanced,1,A1,1,,,,35.20,53.00,88.20,excellence,false,competes\n"
        );
        let excel = to_csv_for_excel(&undecided());
        let text = std::str::from_utf8(&excel).unwrap();
        assert_eq!(
            text,
            "\u{feff}group,rank,community,round,timeliness,completeness,richness,score,award,needs_decision,standing\r\n\
             basic-junior,1,J1,1,25.00,25.00,35.00,85.00,excellence,false,competes\r\n\
             basic-junior,2,J2,1,25.00,25.00,34.00,84.00,,true,competes\r\n\
             basic-junior,2,J3,1,25.00,25.00,34.00,84.00,,true,competes\r\n\
             basic-junior,4,J4,1,25.00,25.00,20.00,70.00,,false,competes\r\n"
        );
        // Our own table reader reads it back.
        let table = crate::table::read_table(&excel).unwrap();
        assert_eq!(table.header[0], "group");
        assert_eq!(table.rows[1].cells[9], "true");
    }

    /// docs/ALLOCATION.md's worked example, with the built-in plan's rules: the text table the
    /// document shows is exactly what the writer gives.
    #[test]
    fn the_worked_example_in_the_documentation_holds() {
        let mut e = Vec::new();
        let mut add = |c: &str, round: u32, reviewers: &[&str], t: &[&str], co: &[&str], r: &[&str]| {
            for (i, reviewer) in reviewers.iter().enumerate() {
                let pick = |v: &[&str]| v[i.min(v.len() - 1)].to_owned();
                e.push(entry(c, "basic-elementary", round, reviewer, "timeliness", &pick(t)));
                e.push(entry(c, "basic-elementary", round, reviewer, "completeness", &pick(co)));
                e.push(entry(c, "basic-elementary", round, reviewer, "richness", &pick(r)));
            }
        };
        add("E01", 1, &["R07"], &["25"], &["25"], &["48"]);
        add("E01", 2, &["R01", "R02", "R03"], &["25", "24", "25"], &["25", "25", "24"], &["45", "44", "46"]);
        add("E02", 2, &["R01", "R02"], &["20"], &["20"], &["40", "39.99"]);
        add("E03", 2, &["R01", "R02", "R03"], &["25"], &["22"], &["45.5", "30.3", "42.0"]);
        add("E04", 2, &["R04", "R05", "R06"], &["25"], &["22"], &["36.6", "44.1", "37.1"]);
        add("E05", 2, &["R04", "R05"], &["20"], &["20"], &["29.5"]);
        add("E06", 1, &["R08"], &["25"], &["22"], &["45"]);
        add("E07", 1, &["R08"], &["20"], &["15"], &["30"]);
        let rules = linxuan_core::plan::Plan::builtin().selection_rules();
        let table = to_text_table(&allocate(&rules, &e));
        let doc = include_str!("../../../docs/ALLOCATION.md");
        let block = doc.split("```text\n").nth(1).and_then(|b| b.split("```").next()).unwrap();
        assert_eq!(table, block, "docs/ALLOCATION.md's first text table");
    }

    #[test]
    fn text_table_exact() {
        assert_eq!(
            to_text_table(&sample()),
            "國中組（basic-junior）\n\
             名次  社群  輪次  及時性  完整性  豐富性   總分  獎項  說明\n\
             \x20  1  J1       1   25.00   25.00   45.00  95.00  特優  特優（門檻 90 分，尚餘 1 名）：獲獎\n\
             \x20  2  J2       1   25.00   20.00   40.00  85.00  優等  特優（門檻 90 分，尚餘 0 名）：名額已滿，改評下一等第；優等（門檻 80 分，尚餘 2 名）：獲獎\n\
             \x20  2  J3       1   25.00   20.00   40.00  85.00  優等  特優（門檻 90 分，尚餘 0 名）：名額已滿，改評下一等第；優等（門檻 80 分，尚餘 2 名）：獲獎\n\
             \x20  4  J4       1   20.00   12.50   40.00  72.50  甲等  優等（門檻 80 分，尚餘 0 名）：名額已滿，改評下一等第；甲等（門檻 70 分，尚餘 3 名）：獲獎\n\
             從缺：特優 0、優等 0、甲等 2\n\
             \n\
             進階組（advanced）\n\
             名次  社群  輪次  書面審核  現場發表   總分  獎項  說明\n\
             \x20  1  A1       1     35.20     53.00  88.20  優等  特優（門檻 90 分，尚餘 2 名）：未達門檻，2 名從缺，改評下一等第；優等（門檻 80 分，尚餘 2 名）：獲獎\n\
             從缺：特優 2、優等 1、甲等 1\n"
        );
    }

    #[test]
    fn text_table_needs_decision() {
        let text = to_text_table(&undecided());
        assert!(
            text.contains(
                "需裁決：J2、J3（並列第 2 名，2 隊爭優等剩餘 1 名，門檻 80 分）\n從缺：待裁決後重新分配再定\n"
            ),
            "{text}"
        );
        assert!(text.contains("  —  "), "{text}");
        assert!(text.contains("名次在前的同分社群待裁決，暫停分配：未獲獎"), "{text}");
        assert!(!text.lines().any(|l| l.ends_with(' ')));
    }

    #[test]
    fn widths() {
        assert_eq!(display_width("國小組"), 6);
        assert_eq!(display_width("J1"), 2);
        assert_eq!(display_width("（）"), 4);
        assert_eq!(display_width("—"), 1);
        assert_eq!(pad("特優", 6, false), "特優  ");
        assert_eq!(pad("1", 4, true), "   1");
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut used = Vec::new();
        assert_eq!(sheet_name("摘要", "Summary", &mut used), "摘要");
        assert_eq!(sheet_name("國小組", "x", &mut used), "國小組");
        assert_eq!(sheet_name("國小組", "basic-elementary", &mut used), "basic-elementary");
        assert_eq!(sheet_name("國小組", "basic-elementary", &mut used), "basic-elementary (2)");
        assert_eq!(sheet_name("a/b:c", "y", &mut used), "abc");
        assert_eq!(sheet_name("History", "", &mut used), "Sheet");
        let long = "長".repeat(40);
        assert_eq!(sheet_name(&long, "z", &mut used).chars().count(), 31);
        // What a plan may call a group and Excel refuses.
        assert_eq!(sheet_name("'國小組'", "a", &mut used), "a");
        assert_eq!(sheet_name("[]:*?/\\", "b", &mut used), "b");
        assert_eq!(sheet_name("'", "'", &mut used), "Sheet (2)");
        assert_eq!(sheet_name(&format!("{}'x", "甲".repeat(30)), "c", &mut used), "甲".repeat(30));
        let mut book = rust_xlsxwriter::Workbook::new();
        for name in &used {
            book.add_worksheet().set_name(name).unwrap();
        }
    }

    #[test]
    fn xlsx_content_and_determinism() {
        use calamine::{Data, Reader, Xlsx};
        let result = undecided();
        let bytes = to_xlsx(&result).unwrap();
        assert_eq!(bytes, to_xlsx(&result).unwrap(), "byte-identical");
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        assert_eq!(wb.sheet_names(), ["摘要", "國中組"]);
        let summary = wb.worksheet_range("摘要").unwrap();
        assert_eq!(summary.get((0, 2)), Some(&Data::String("特優名額".into())));
        assert_eq!(summary.get((1, 0)), Some(&Data::String("basic-junior".into())));
        assert_eq!(summary.get((1, 2)), Some(&Data::Float(1.0)));
        assert_eq!(summary.get((1, 4)), Some(&Data::String("待裁決".into())));
        assert_eq!(summary.get((1, 11)), Some(&Data::String("J2、J3".into())));
        let sheet = wb.worksheet_range("國中組").unwrap();
        assert_eq!(sheet.get((0, 3)), Some(&Data::String("及時性".into())));
        assert_eq!(sheet.get((1, 1)), Some(&Data::String("J1".into())));
        assert_eq!(sheet.get((1, 6)), Some(&Data::Float(85.0)));
        assert_eq!(sheet.get((2, 5)), Some(&Data::Float(34.0)));
        assert_eq!(sheet.get((1, 7)), Some(&Data::String("優等".into())));
        assert_eq!(sheet.get((2, 7)), Some(&Data::String("—".into())));
        assert_eq!(sheet.get((2, 8)), Some(&Data::String("需裁決".into())));
        // And through the generic reader (first sheet): the summary.
        let table = crate::table::read_table(&bytes).unwrap();
        assert_eq!(table.header[..2], ["組別代碼", "組別"]);

        // Two decimals survive as numbers.
        let sample = to_xlsx(&sample()).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(sample)).unwrap();
        let adv = wb.worksheet_range("進階組").unwrap();
        assert_eq!(adv.get((1, 3)), Some(&Data::Float(35.2)));
        assert_eq!(adv.get((1, 5)), Some(&Data::Float(88.2)));
    }

    #[test]
    fn empty_result() {
        let empty = allocate(&taoyuan_111(), &[]);
        assert_eq!(to_json(&empty), "{\"groups\":[]}\n");
        assert_eq!(to_csv(&empty), "group,rank,community,round,score,award,needs_decision,standing\n");
        assert_eq!(to_text_table(&empty), "");
        assert!(to_xlsx(&empty).is_ok());
    }

    /// Random entries for the plan: few communities and coarse scores, so ties are common.
    fn entries_strategy(rules: SelectionRules) -> impl Strategy<Value = Vec<ScoreEntry>> {
        let row = (0usize..14, 1u32..=2, 0usize..3, 0usize..3, 0u32..=4);
        proptest::collection::vec(row, 0..150).prop_map(move |rows| {
            rows.into_iter()
                .map(|(c, round, reviewer, crit, quarter)| {
                    let g = &rules.groups[c % rules.groups.len()];
                    let criterion = &g.criteria[crit % g.criteria.len()];
                    ScoreEntry {
                        community: format!("C{c:02}"),
                        group: g.id.clone(),
                        round,
                        reviewer: format!("R{reviewer}"),
                        criterion: criterion.id.clone(),
                        score: (criterion.max_points * Decimal::from(quarter) / Decimal::from(4)).round_dp(2),
                    }
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn same_input_gives_byte_identical_output(
            (entries, shuffled) in entries_strategy(taoyuan_111()).prop_flat_map(|e| {
                (Just(e.clone()), Just(e).prop_shuffle())
            })
        ) {
            let rules = taoyuan_111();
            let a = allocate(&rules, &entries);
            let b = allocate(&rules, &entries);
            let c = allocate(&rules, &shuffled);
            let json = to_json(&a);
            prop_assert_eq!(&json, &to_json(&b));
            prop_assert_eq!(&json, &to_json(&c));
            prop_assert_eq!(to_csv(&a), to_csv(&c));
            prop_assert_eq!(to_text_table(&a), to_text_table(&c));
            // The JSON is valid and has every community once per group.
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            let groups = value["groups"].as_array().unwrap();
            prop_assert_eq!(groups.len(), a.groups.len());
        }
    }
}
