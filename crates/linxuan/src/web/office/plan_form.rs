//! Editing a plan through ordinary HTML forms, generically.
//!
//! Every input is named by its type and its path in the plan — `i:tracks.basic.min_members`,
//! `n:award_levels.special.minimum`, `s:presentation_day.venue` — the same paths the validator
//! reports, so a problem lands beside its field. The form's values are applied to the plan as a
//! TOML value, which is then read back as a typed plan and validated exactly as `plan check`
//! does. Buttons named `_add`, `_remove`, `_add_key` and `_remove_key` add and remove rows.
//!
//! Types: `s` text · `i` whole number · `I` optional whole number · `n` number (exact decimal) · `N` optional number (empty
//! removes it) · `b` yes/no (a hidden `false` before the checkbox) · `l` list of values (repeat
//! the name; a hidden empty one allows none) · `t` lines of a textarea · `d` date · `w` date
//! with its weekday · `c`/`cp` a round's cut rule and its number.

use std::str::FromStr;

use linxuan_core::plan::valid_id;
use linxuan_core::roc::{RocDate, StatedDate};
use rust_decimal::Decimal;
use toml::Value;

/// A problem with one field, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub path: String,
    pub zh: String,
    pub en: String,
}

impl FieldProblem {
    fn new(path: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldProblem { path: path.to_string(), zh: zh.into(), en: en.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `budget.tables[0].lines[2].total` → keys and indexes.
fn parse_path(path: &str) -> Option<Vec<Seg>> {
    let mut segs = Vec::new();
    for part in path.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return None;
        }
        segs.push(Seg::Key(key.to_string()));
        let mut rest = rest;
        while let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            segs.push(Seg::Index(r[..close].parse().ok()?));
            rest = &r[close + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    (!segs.is_empty()).then_some(segs)
}

fn get_mut<'a>(value: &'a mut Value, segs: &[Seg]) -> Option<&'a mut Value> {
    let mut current = value;
    for seg in segs {
        current = match seg {
            Seg::Key(k) => current.as_table_mut()?.get_mut(k)?,
            Seg::Index(i) => current.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(current)
}

/// Sets a value; the last key may be new (an optional field), nothing else may.
fn set(value: &mut Value, segs: &[Seg], new: Option<Value>) -> bool {
    let Some((last, parent)) = segs.split_last() else {
        return false;
    };
    let Some(parent) = get_mut(value, parent) else {
        return false;
    };
    match (last, parent) {
        (Seg::Key(k), Value::Table(table)) => {
            match new {
                Some(v) => {
                    table.insert(k.clone(), v);
                }
                None => {
                    table.remove(k);
                }
            }
            true
        }
        (Seg::Index(i), Value::Array(array)) if *i < array.len() => match new {
            Some(v) => {
                array[*i] = v;
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn number(text: &str) -> Option<Value> {
    let d = Decimal::from_str(text.trim().replace(',', "").as_str()).ok()?;
    let d = d.normalize();
    if d.scale() == 0 {
        i64::try_from(d.mantissa()).ok().map(Value::Integer)
    } else {
        f64::from_str(&d.to_string()).ok().map(Value::Float)
    }
}

/// A plain empty row to start a list that has none (the usual case clones the last row).
fn starter_row(list_path: &str) -> Option<Value> {
    let key = list_path.rsplit('.').next()?.split('[').next()?;
    let text = match key {
        "agenda" => "start = \"13:00\"\nend = \"14:00\"\nitem = \"\"",
        "lines" => "item = \"\"\nunit_price = 0\nquantity = 0\nunit = \"\"\ntotal = 0",
        "tables" => "id = \"\"\ntitle = \"\"\ntotal = 0\nministry = 0\ncity = 0\nlines = []",
        "indicators" => "id = \"\"\nname = \"\"\ngood = \"\"\nfair = \"\"\npoor = \"\"",
        "rounds" => "name = \"\"\nreviewers = 1",
        "organiser_rewards" => "reward = \"\"\npeople = 0",
        "notes" => return Some(Value::String(String::new())),
        _ => return None,
    };
    text.parse::<toml::Table>().ok().map(Value::Table)
}

/// Clears a copied row's own words and amounts so a new row does not pretend to be the old
/// one; kinds, times and settings stay as a starting point.
fn blank_row(value: &mut Value) {
    let Value::Table(t) = value else {
        if let Value::String(s) = value {
            s.clear();
        }
        return;
    };
    for (key, field) in t.iter_mut() {
        match (key.as_str(), field) {
            (
                "id" | "no" | "item" | "name" | "name_en" | "note" | "unit" | "speaker" | "reward" | "good" | "fair"
                | "poor" | "title" | "description",
                Value::String(s),
            ) => s.clear(),
            ("unit_price" | "quantity" | "total" | "people", Value::Integer(n)) => *n = 0,
            ("kind", Value::String(s)) => *s = "other".into(),
            ("sharing" | "lines", Value::Array(a)) => a.clear(),
            _ => {}
        }
    }
}

/// Applies a submitted form to `plan`. Returns the problems with fields that could not even be
/// read (a letter in a number field, an impossible date); structure edits come after values.
pub fn apply(plan: &mut Value, pairs: &[(String, String)]) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let mut lists: Vec<(String, Vec<String>)> = Vec::new();
    let mut cuts: Vec<(String, String)> = Vec::new();
    let mut cut_params: Vec<(String, String)> = Vec::new();
    let mut structure: Vec<(&str, &str)> = Vec::new();
    let mut new_key = "";
    for (name, raw) in pairs {
        if name.starts_with('_') {
            match name.as_str() {
                "_add" | "_remove" | "_add_key" | "_remove_key" => structure.push((name.as_str(), raw.as_str())),
                "_new_key" => new_key = raw.trim(),
                _ => {}
            }
            continue;
        }
        let Some((kind, path)) = name.split_once(':') else {
            continue;
        };
        let Some(segs) = parse_path(path) else {
            problems.push(FieldProblem::new(path, "欄位名稱無法辨識", "unknown field"));
            continue;
        };
        let text = raw.trim();
        let value = match kind {
            "s" => Some(Value::String(text.to_string())),
            "i" => match text.replace(',', "").parse::<i64>() {
                Ok(v) => Some(Value::Integer(v)),
                Err(_) => {
                    problems.push(FieldProblem::new(
                        path,
                        format!("「{text}」不是整數"),
                        format!("\"{text}\" is not a whole number"),
                    ));
                    continue;
                }
            },
            "n" => match number(text) {
                Some(v) => Some(v),
                None => {
                    problems.push(FieldProblem::new(
                        path,
                        format!("「{text}」不是數字"),
                        format!("\"{text}\" is not a number"),
                    ));
                    continue;
                }
            },
            "N" if text.is_empty() => None,
            "N" => match number(text) {
                Some(v) => Some(v),
                None => {
                    problems.push(FieldProblem::new(
                        path,
                        format!("「{text}」不是數字"),
                        format!("\"{text}\" is not a number"),
                    ));
                    continue;
                }
            },
            // An optional whole number: empty removes it.
            "I" if text.is_empty() => None,
            "I" => match text.replace(',', "").parse::<i64>() {
                Ok(v) => Some(Value::Integer(v)),
                Err(_) => {
                    problems.push(FieldProblem::new(
                        path,
                        format!("「{text}」不是整數"),
                        format!("\"{text}\" is not a whole number"),
                    ));
                    continue;
                }
            },
            "b" => Some(Value::Boolean(matches!(text, "true" | "on" | "1" | "yes"))),
            // An optional date: empty leaves it unset.
            "D" if text.is_empty() => None,
            "d" | "D" => match RocDate::parse(text) {
                Ok(d) => Some(Value::String(d.to_string())),
                Err(e) => {
                    problems.push(FieldProblem::new(path, e.message_zh(), e.to_string()));
                    continue;
                }
            },
            "w" => match StatedDate::parse(text) {
                Ok(d) => Some(Value::String(d.to_string())),
                Err(e) => {
                    problems.push(FieldProblem::new(path, e.message_zh(), e.to_string()));
                    continue;
                }
            },
            "t" => Some(Value::Array(
                text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Value::String(l.to_string())).collect(),
            )),
            "l" => {
                match lists.iter_mut().find(|(p, _)| p == path) {
                    Some((_, values)) => values.push(text.to_string()),
                    None => lists.push((path.to_string(), vec![text.to_string()])),
                }
                continue;
            }
            "c" => {
                cuts.push((path.to_string(), text.to_string()));
                continue;
            }
            "cp" => {
                cut_params.push((path.to_string(), text.to_string()));
                continue;
            }
            _ => {
                problems.push(FieldProblem::new(path, "欄位類型無法辨識", "unknown field type"));
                continue;
            }
        };
        if !set(plan, &segs, value) {
            problems.push(FieldProblem::new(
                path,
                "找不到這個欄位（請重新整理頁面）",
                "no such field (reload the page)",
            ));
        }
    }
    for (path, values) in lists {
        let array = values.into_iter().filter(|v| !v.is_empty()).map(Value::String).collect();
        if !parse_path(&path).is_some_and(|segs| set(plan, &segs, Some(Value::Array(array)))) {
            problems.push(FieldProblem::new(
                &path,
                "找不到這個欄位（請重新整理頁面）",
                "no such field (reload the page)",
            ));
        }
    }
    for (path, rule) in cuts {
        let param = cut_params.iter().find(|(p, _)| *p == path).map(|(_, v)| v.as_str()).unwrap_or("");
        let cut_path = format!("{path}.cut");
        let cut = match rule.as_str() {
            "" | "none" => None,
            rule => {
                let (key, value) = match rule {
                    "top-award-places" => ("factor", param.parse::<i64>().ok().map(Value::Integer)),
                    "top" => ("count", param.parse::<i64>().ok().map(Value::Integer)),
                    "minimum" => ("score", number(param)),
                    _ => {
                        problems.push(FieldProblem::new(&cut_path, "晉級方式無法辨識", "unknown cut rule"));
                        continue;
                    }
                };
                let Some(value) = value else {
                    problems.push(FieldProblem::new(
                        &cut_path,
                        format!("「{param}」不是數字"),
                        format!("\"{param}\" is not a number"),
                    ));
                    continue;
                };
                let mut table = toml::Table::new();
                table.insert("rule".into(), Value::String(rule.into()));
                table.insert(key.into(), value);
                Some(Value::Table(table))
            }
        };
        if !parse_path(&cut_path).is_some_and(|segs| set(plan, &segs, cut)) {
            problems.push(FieldProblem::new(
                &cut_path,
                "找不到這個欄位（請重新整理頁面）",
                "no such field (reload the page)",
            ));
        }
    }
    for (action, target) in structure {
        if let Err((zh, en)) = edit_structure(plan, action, target, new_key) {
            problems.push(FieldProblem::new(target, zh, en));
        }
    }
    problems
}

type Refusal = (String, String);

fn refuse(zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    (zh.into(), en.into())
}

fn edit_structure(plan: &mut Value, action: &str, target: &str, new_key: &str) -> Result<(), Refusal> {
    let segs = parse_path(target).ok_or_else(|| refuse("欄位名稱無法辨識", "unknown field"))?;
    match action {
        "_add" => {
            let starter = starter_row(target);
            let array = get_mut(plan, &segs)
                .and_then(Value::as_array_mut)
                .ok_or_else(|| refuse("找不到清單", "no such list"))?;
            let row = match array.last() {
                Some(last) => {
                    let mut row = last.clone();
                    blank_row(&mut row);
                    if let Value::Table(t) = &mut row {
                        // A new agenda item starts where the last one ended.
                        if let Some(end) = last.get("end").cloned() {
                            t.insert("start".into(), end.clone());
                            t.insert("end".into(), end);
                        }
                    }
                    row
                }
                None => starter.ok_or_else(|| refuse("這個清單無法新增列", "rows cannot be added here"))?,
            };
            array.push(row);
            Ok(())
        }
        "_remove" => {
            let (Some(Seg::Index(i)), parent) = (segs.last(), &segs[..segs.len() - 1]) else {
                return Err(refuse("只能刪除清單中的列", "only list rows can be removed"));
            };
            let array = get_mut(plan, parent)
                .and_then(Value::as_array_mut)
                .ok_or_else(|| refuse("找不到清單", "no such list"))?;
            if *i >= array.len() {
                return Err(refuse("找不到這一列（請重新整理頁面）", "no such row (reload the page)"));
            }
            array.remove(*i);
            Ok(())
        }
        "_add_key" => {
            if !valid_id(new_key) {
                return Err(refuse(
                    format!("代號「{new_key}」只能用小寫英文字母、數字與 -，最多 40 字"),
                    format!("id \"{new_key}\" may use only lower-case letters, digits and -, at most 40"),
                ));
            }
            let table = get_mut(plan, &segs)
                .and_then(Value::as_table_mut)
                .ok_or_else(|| refuse("找不到項目", "no such table"))?;
            if table.contains_key(new_key) {
                return Err(refuse(format!("代號「{new_key}」已經存在"), format!("id \"{new_key}\" already exists")));
            }
            let mut entry = table
                .values()
                .next_back()
                .cloned()
                .ok_or_else(|| refuse("沒有可複製的項目", "nothing to copy from"))?;
            if let Value::Table(t) = &mut entry {
                for field in ["name", "name_en", "short", "description", "reward"] {
                    if let Some(Value::String(s)) = t.get_mut(field) {
                        s.clear();
                    }
                }
            }
            table.insert(new_key.to_string(), entry);
            // A new award level needs a quota in every group.
            if target == "award_levels"
                && let Some(Value::Table(groups)) = plan.get_mut("groups")
            {
                for (_, group) in groups.iter_mut() {
                    if let Some(Value::Table(quotas)) = group.get_mut("quotas") {
                        quotas.entry(new_key.to_string()).or_insert(Value::Integer(0));
                    }
                }
            }
            Ok(())
        }
        "_remove_key" => {
            let (Some(Seg::Key(key)), parent) = (segs.last(), &segs[..segs.len() - 1]) else {
                return Err(refuse("欄位名稱無法辨識", "unknown field"));
            };
            let table = get_mut(plan, parent)
                .and_then(Value::as_table_mut)
                .ok_or_else(|| refuse("找不到項目", "no such table"))?;
            if table.remove(key).is_none() {
                return Err(refuse("找不到這個項目（請重新整理頁面）", "no such entry (reload the page)"));
            }
            if parent == [Seg::Key("award_levels".into())]
                && let Some(Value::Table(groups)) = plan.get_mut("groups")
            {
                for (_, group) in groups.iter_mut() {
                    if let Some(Value::Table(quotas)) = group.get_mut("quotas") {
                        quotas.remove(key);
                    }
                }
            }
            Ok(())
        }
        _ => Err(refuse("無法辨識的操作", "unknown action")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linxuan_core::plan::{Plan, validate};

    fn builtin() -> Value {
        Value::try_from(Plan::builtin()).unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn plan_of(value: Value) -> Plan {
        value.try_into().unwrap()
    }

    #[test]
    fn values_land_at_their_paths_with_their_types() {
        let mut value = builtin();
        let problems = apply(
            &mut value,
            &pairs(&[
                ("i:tracks.basic.min_members", "7"),
                ("n:award_levels.special.minimum", "88.5"),
                ("s:presentation_day.venue", "  桃園市立中壢國小 "),
                ("b:uploads.allow_late", "false"),
                ("b:uploads.allow_late", "true"),
                ("l:groups.advanced.school_levels", ""),
                ("l:groups.advanced.school_levels", "junior"),
                ("t:presentation_day.notes", "一\n\n二 \n"),
                ("d:checkpoints.final.deadline", "112/06/13"),
                ("N:budget.tables[0].misc_cap_percent", "5"),
                ("c:tracks.basic.rounds[1]", "minimum"),
                ("cp:tracks.basic.rounds[1]", "75.5"),
                ("I:presentation_day.capacity", "250"),
            ]),
        );
        assert_eq!(problems, []);
        let plan = plan_of(value.clone());
        assert_eq!(plan.presentation_day.capacity, Some(250));
        let mut value = value;
        assert_eq!(apply(&mut value, &pairs(&[("I:presentation_day.capacity", "")])), []);
        assert_eq!(plan_of(value.clone()).presentation_day.capacity, None, "empty: no limit");
        let problems = apply(&mut value, &pairs(&[("I:presentation_day.capacity", "三百")]));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "presentation_day.capacity");
        assert_eq!(plan.tracks["basic"].min_members, 7);
        assert_eq!(plan.award_levels["special"].minimum.to_string(), "88.5");
        assert_eq!(plan.presentation_day.venue, "桃園市立中壢國小");
        assert!(plan.uploads.allow_late);
        assert_eq!(plan.groups["advanced"].school_levels, [linxuan_core::plan::SchoolLevel::Junior]);
        assert_eq!(plan.presentation_day.notes, ["一", "二"]);
        assert_eq!(plan.checkpoints["final"].deadline.to_string(), "112年6月13日");
        assert_eq!(plan.budget.tables[0].misc_cap_percent.map(|d| d.to_string()), Some("5".into()));
        assert!(
            matches!(&plan.tracks["basic"].rounds[1].cut, Some(linxuan_core::plan::Cut::Minimum { score }) if score.to_string() == "75.5")
        );
    }

    #[test]
    fn unreadable_values_are_named_by_path() {
        let mut value = builtin();
        let problems = apply(
            &mut value,
            &pairs(&[
                ("i:tracks.basic.min_members", "five"),
                ("w:presentation_day.date", "112年7月7日(星期八)"),
                ("s:no.such.field", "x"),
            ]),
        );
        let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["tracks.basic.min_members", "presentation_day.date", "no.such.field"]);
        assert!(problems[0].zh.contains("不是整數"));
    }

    #[test]
    fn rows_are_added_and_removed() {
        let mut value = builtin();
        assert_eq!(apply(&mut value, &pairs(&[("_add", "presentation_day.agenda")])), []);
        assert_eq!(apply(&mut value, &pairs(&[("_remove", "budget.tables[2].lines[5]")])), []);
        let plan = plan_of(value);
        assert_eq!(plan.presentation_day.agenda.len(), 8);
        assert_eq!(plan.presentation_day.agenda[7].item, "");
        assert_eq!(plan.budget.tables[2].lines.len(), 5);
        // The plan now needs fixing, and validation says where.
        let problems = validate(&plan);
        assert!(problems.iter().any(|p| p.path == "presentation_day.agenda[7].item"), "{problems:?}");
        assert!(problems.iter().any(|p| p.path == "budget.tables[2].total"), "{problems:?}");
    }

    #[test]
    fn a_new_award_level_gets_a_quota_in_every_group() {
        let mut value = builtin();
        assert_eq!(apply(&mut value, &pairs(&[("_new_key", "honourable"), ("_add_key", "award_levels")])), []);
        let plan = plan_of(value.clone());
        assert_eq!(plan.award_levels.keys().last().map(String::as_str), Some("honourable"));
        assert!(plan.groups.values().all(|g| g.quotas.get("honourable") == Some(&0)));
        assert_eq!(apply(&mut value, &pairs(&[("_remove_key", "award_levels.honourable")])), []);
        assert!(plan_of(value).groups.values().all(|g| !g.quotas.contains_key("honourable")));
        let mut value = builtin();
        let problems = apply(&mut value, &pairs(&[("_new_key", "Bad Id"), ("_add_key", "groups")]));
        assert_eq!(problems.len(), 1);
    }
}
