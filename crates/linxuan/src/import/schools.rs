//! Importing the school list (學校名單): code, name, level (國小/國中/高中), district.
//! Schools are matched by code: new codes are added, known ones updated, none removed.

use bytes::Bytes;
use linxuan_core::Lang;
use linxuan_core::plan::SchoolLevel;
use linxuan_docs::table::{Limits, read_table_within};
use linxuan_store::audit::{self, Actor, Change};
use linxuan_store::schools::{self, SchoolData};
use linxuan_store::{StoreError, TransactionTrait};

use super::{RowProblem, locate_columns};
use crate::app::Inner;

pub const COLUMNS: &[(&str, &[&str])] = &[
    ("code", &["學校代碼", "代碼", "校碼"]),
    ("name", &["學校名稱", "校名", "名稱"]),
    ("level", &["學制", "學級", "層級"]),
    ("district", &["行政區", "區", "區域"]),
];

/// Checks a code as the office writes them: letters, digits, `-`, up to 20.
pub fn check_code(code: &str) -> Result<(), (&'static str, &'static str)> {
    if code.is_empty() {
        return Err(("學校代碼不可空白", "the school code must not be empty"));
    }
    if code.chars().count() > 20 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err((
            "學校代碼只能用英數字與 -，最多 20 字",
            "a school code has only letters, digits and -, at most 20",
        ));
    }
    Ok(())
}

/// Reads and checks every row; nothing is written here.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Vec<SchoolData>, Vec<RowProblem>> {
    let table = read_table_within(bytes, limits)
        .map_err(|e| vec![RowProblem::new(e.line().unwrap_or(0), e.message_zh(), e.to_string())])?;
    let columns = locate_columns(&table.header, COLUMNS).map_err(|p| vec![p])?;
    let mut problems = Vec::new();
    let mut rows: Vec<(usize, SchoolData)> = Vec::new();
    for row in &table.rows {
        let cell = |i: usize| row.cells.get(columns[i]).map(|s| s.trim().to_string()).unwrap_or_default();
        let (code, name, level, district) = (cell(0), cell(1), cell(2), cell(3));
        let line = row.line;
        if let Err((zh, en)) = check_code(&code) {
            problems.push(RowProblem::new(line, zh, en));
        }
        if name.is_empty() {
            problems.push(RowProblem::new(line, "學校名稱不可空白", "the school name must not be empty"));
        } else if name.chars().count() > 100 {
            problems.push(RowProblem::new(line, "學校名稱超過 100 字", "the school name is over 100 characters"));
        }
        let parsed_level = SchoolLevel::parse(&level);
        if parsed_level.is_none() {
            problems.push(RowProblem::new(
                line,
                format!("學制「{level}」無法辨識，請填 國小、國中 或 高中"),
                format!("level \"{level}\" is not one of 國小 (elementary), 國中 (junior), 高中 (senior)"),
            ));
        }
        if district.is_empty() {
            problems.push(RowProblem::new(line, "行政區不可空白", "the district must not be empty"));
        }
        if let Some((first, _)) = rows.iter().find(|(_, r)| r.code == code && !code.is_empty()) {
            problems.push(RowProblem::new(
                line,
                format!("學校代碼 {code} 與第 {first} 列重複"),
                format!("school code {code} repeats line {first}"),
            ));
        }
        if let Some(level) = parsed_level {
            rows.push((line, SchoolData { code, name, level: level.id().to_string(), district }));
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(RowProblem::new(0, "檔案裡沒有學校資料", "the file has no schools in it"));
    }
    if problems.is_empty() { Ok(rows.into_iter().map(|(_, r)| r).collect()) } else { Err(problems) }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Summary {
    pub fn render(&self, lang: Lang) -> String {
        crate::i18n::pick(
            lang,
            &format!("匯入完成：新增 {} 校、更新 {} 校、未變更 {} 校", self.created, self.updated, self.unchanged),
            &format!("imported: {} added, {} updated, {} unchanged", self.created, self.updated, self.unchanged),
        )
        .to_string()
    }
}

/// Writes checked rows in one transaction, with an audit entry per changed school; the file
/// itself is kept in the file store and named in the log.
pub async fn apply(state: &Inner, rows: &[SchoolData], actor: &Actor, file: &[u8]) -> Result<Summary, StoreError> {
    let now = state.now();
    // Kept only if the import is written (a new file goes again otherwise).
    let (sha, fresh) = state.files.put_content_unrecorded("imports", Bytes::copy_from_slice(file)).await?;
    let txn = state.db.begin().await?;
    let mut summary = Summary::default();
    for row in rows {
        match schools::by_code(&txn, &row.code).await? {
            None => {
                let created = schools::create(&txn, row, now).await?;
                audit::record(&txn, now, actor, Change::new("school.import", "school", created.id).after(row)).await?;
                summary.created += 1;
            }
            Some(existing) => {
                let before = SchoolData::from(&existing);
                if before == *row {
                    summary.unchanged += 1;
                    continue;
                }
                let id = existing.id;
                schools::update(&txn, existing, row, now).await?;
                audit::record(&txn, now, actor, Change::new("school.import", "school", id).before(&before).after(row))
                    .await?;
                summary.updated += 1;
            }
        }
    }
    let mut batch = Change::new("schools.import", "import", &sha);
    batch.after = Some(serde_json::json!({
        "sha256": sha, "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
    }));
    audit::record(&txn, now, actor, batch).await?;
    txn.commit().await?;
    if let Some(fresh) = fresh {
        fresh.recorded();
    }
    Ok(summary)
}
