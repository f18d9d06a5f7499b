//! Imports the office hands us as CSV or XLSX: all-or-nothing, every problem named with its
//! line, the same code from the command line and from the browser.

pub mod communities;
pub mod schools;

use linxuan_core::Lang;

/// One thing wrong with an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based line (row) in the file; 0 when the problem is with the file as a whole.
    pub line: usize,
    pub zh: String,
    pub en: String,
}

impl RowProblem {
    pub fn new(line: usize, zh: impl Into<String>, en: impl Into<String>) -> Self {
        RowProblem { line, zh: zh.into(), en: en.into() }
    }

    pub fn message(&self, lang: Lang) -> &str {
        crate::i18n::pick(lang, &self.zh, &self.en)
    }

    /// `12: message` (or just the message for the whole file).
    pub fn render(&self, lang: Lang) -> String {
        if self.line == 0 {
            format!(" {}", self.message(lang))
        } else {
            format!("{}: {}", self.line, self.message(lang))
        }
    }
}

/// Finds each wanted column by any of its accepted header names (case and spaces ignored).
/// Returns the column indexes, or the problem naming what is missing.
pub fn locate_columns(header: &[String], wanted: &[(&str, &[&str])]) -> Result<Vec<usize>, RowProblem> {
    let normal = |s: &str| s.trim().trim_start_matches('\u{feff}').to_lowercase().replace([' ', '_'], "");
    let header: Vec<String> = header.iter().map(|h| normal(h)).collect();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (name, aliases) in wanted {
        match header.iter().position(|h| *h == normal(name) || aliases.iter().any(|a| *h == normal(a))) {
            Some(i) => found.push(i),
            None => missing.push(format!("{name}（{}）", aliases.join("、"))),
        }
    }
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(RowProblem::new(
            1,
            format!("標題列缺少欄位：{}", missing.join("；")),
            format!("the header row lacks: {}", missing.join("; ")),
        ))
    }
}
