//! Reading an uploaded table file — CSV or a spreadsheet — into rows of text cells.
//!
//! This is the generic first step of every import (scores, schools, communities…): it knows
//! nothing about columns; the importer checks the header and the cells and reports problems
//! with the line numbers kept here.
//!
//! # Formats
//!
//! The format is decided by the content, never by the file name:
//!
//! - a ZIP archive (`PK\x03\x04`) is an Excel workbook (`.xlsx`), or an OpenDocument
//!   spreadsheet (`.ods`, as LibreOffice and Taiwan's ODF-first offices write it);
//! - an OLE2 compound file (`D0 CF 11 E0 …`) is an old Excel workbook (`.xls`);
//! - anything else is CSV: UTF-8 with or without a byte order mark, LF or CRLF line ends,
//!   comma-separated, quoted the way Excel writes it (`"a, b"`, `"say ""hi"""`, line breaks
//!   inside quotes). A file that is not UTF-8 — typically a CSV saved by Excel as Big5 — is
//!   refused with the line where the first bad byte is, so the user can save it again as
//!   "CSV UTF-8".
//!
//! Only the first worksheet of a workbook is read. Cells become text: integers without `.0`
//! (`88`), other numbers in their shortest round-trip form (`88.2`, `88.25`, `88.255` — never
//! `88.20000000000000284`), text trimmed, booleans `TRUE`/`FALSE`, dates `2023-06-12` (or
//! `2023-06-12 08:30:00` with a time), error cells as Excel shows them (`#N/A`), empty cells
//! `""`.
//!
//! # Rows and line numbers
//!
//! Every cell is trimmed (Unicode whitespace, including the full-width space) and loses any
//! control or text-reordering character (`linxuan_core::text::clean`). Completely
//! empty rows are skipped. The first non-empty row is the header; its trailing empty cells are
//! dropped. A data row's trailing empty cells beyond the header's width are dropped too (Excel
//! writes `a,b,c,,` when another row is wider), so that a row only has more cells than the
//! header when it really holds more values. [`Row::line`] is the line (CSV, counted from 1
//! with the header line, as a text editor shows it; a quoted cell spanning lines counts its
//! line breaks) or the row number (spreadsheet, as Excel shows it) of the row.

use std::fmt;
use std::io::Cursor;

use calamine::{Data, Reader};

/// A table read from a file: the header row and the data rows after it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Table {
    /// The first non-empty row, trimmed, without trailing empty cells.
    pub header: Vec<String>,
    /// The header's line (CSV) or row number (spreadsheet), usually 1.
    pub header_line: usize,
    /// The non-empty rows after the header, in file order.
    pub rows: Vec<Row>,
}

/// One data row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 1-based line (CSV) or row number (spreadsheet) as the user sees it; the header's is
    /// usually 1.
    pub line: usize,
    /// The cells, trimmed. May be fewer or more than the header's.
    pub cells: Vec<String>,
}

impl Row {
    /// Cell `index`, or `""` if the row is shorter.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }
}

impl Table {
    /// The index of the header cell equal to `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// How much of a file a reader takes before refusing it. A spreadsheet is small on disk and
/// can be enormous once read (see [`crate::guard`]); every reader checks these before it
/// builds anything in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Rows of a sheet (a used cell below this row refuses the file).
    pub max_rows: u32,
    /// Columns of a sheet (a used cell right of this column refuses the file).
    pub max_columns: u32,
    /// Cells read, counting the empty ones a row needs to reach its last value.
    pub max_cells: u64,
    /// Bytes a ZIP package (xlsx, ods) may unpack to.
    pub max_unpacked: u64,
    /// Cells of the grid the ods and xls readers lay out for a sheet, from its first used cell
    /// to its last, empty ones included (the xlsx and CSV readers keep only what is there).
    pub max_grid: u64,
}

impl Limits {
    /// For the command line: Excel's own row limit, and enough for a national scores file.
    pub const DEFAULT: Limits = Limits {
        max_rows: 1_048_576,
        max_columns: 1_024,
        max_cells: 20_000_000,
        max_unpacked: 1 << 30,
        max_grid: 4_000_000,
    };
    /// For files uploaded to the server (school lists, communities, paper scores): a whole
    /// country's schools fit many times over, and reading one costs at most tens of megabytes.
    pub const UPLOAD: Limits = Limits {
        max_rows: 200_000,
        max_columns: 256,
        max_cells: 1_000_000,
        max_unpacked: 64 << 20,
        max_grid: 1_000_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// What made a file too large to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TooLarge {
    /// A used cell lies beyond the row or column limit: 0-based (row, column).
    Cell { at: (u64, u64), limits: Limits },
    /// More cells than the limit.
    Cells { max: u64 },
    /// A sheet whose used cells span this grid, 0-based from `first` to `last` (row, column).
    Sheet { first: (u64, u64), last: (u64, u64), limits: Limits },
    /// The package unpacks to more than this many bytes.
    Unpacked { max: u64 },
}

/// `A`, `Z`, `AA`, …, `XFD` for a 0-based column.
pub fn column_name(col: u64) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let d = ((n - 1) % 26) as u8;
        out.push(b'A' + d);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// `B3` for 0-based (row 2, column 1).
pub fn cell_name((row, col): (u64, u64)) -> String {
    format!("{}{}", column_name(col), row + 1)
}

/// `1,048,576`
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl TooLarge {
    fn message_zh(&self) -> String {
        match self {
            TooLarge::Cell { at, limits } => format!(
                "儲存格 {} 超出可讀取的範圍（最多 {} 列、{} 欄，即到 {}）；請只保留要匯入的資料後再上傳。",
                cell_name(*at),
                thousands(u64::from(limits.max_rows)),
                thousands(u64::from(limits.max_columns)),
                cell_name((u64::from(limits.max_rows) - 1, u64::from(limits.max_columns) - 1)),
            ),
            TooLarge::Cells { max } => {
                format!("檔案的儲存格超過 {} 格，無法讀取；請只保留要匯入的資料後再上傳。", thousands(*max))
            }
            TooLarge::Sheet { first, last, limits } => format!(
                "工作表範圍 {}:{}（{} 列 × {} 欄）超過可讀取的上限（最多 {} 列、{} 欄，共 {} 格）；請刪除範圍外多餘的儲存格後再上傳。",
                cell_name(*first),
                cell_name(*last),
                thousands(last.0 - first.0 + 1),
                thousands(last.1 - first.1 + 1),
                thousands(u64::from(limits.max_rows)),
                thousands(u64::from(limits.max_columns)),
                thousands(limits.max_grid),
            ),
            TooLarge::Unpacked { max } => format!(
                "試算表解壓縮後超過 {} MB，無法讀取；請只保留要匯入的資料，或另存為 CSV UTF-8 後再上傳。",
                max >> 20
            ),
        }
    }
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TooLarge::Cell { at, limits } => write!(
                f,
                "cell {} is beyond what can be read (at most {} rows and {} columns, up to {}); keep only the data to import",
                cell_name(*at),
                thousands(u64::from(limits.max_rows)),
                thousands(u64::from(limits.max_columns)),
                cell_name((u64::from(limits.max_rows) - 1, u64::from(limits.max_columns) - 1)),
            ),
            TooLarge::Cells { max } => {
                write!(
                    f,
                    "the file has more than {} cells and cannot be read; keep only the data to import",
                    thousands(*max)
                )
            }
            TooLarge::Sheet { first, last, limits } => write!(
                f,
                "the sheet spans {}:{} ({} rows × {} columns), over the limit of {} rows, {} columns and {} cells; delete the stray cells outside the data",
                cell_name(*first),
                cell_name(*last),
                thousands(last.0 - first.0 + 1),
                thousands(last.1 - first.1 + 1),
                thousands(u64::from(limits.max_rows)),
                thousands(u64::from(limits.max_columns)),
                thousands(limits.max_grid),
            ),
            TooLarge::Unpacked { max } => write!(
                f,
                "the spreadsheet unpacks to more than {} MB and cannot be read; keep only the data to import, or save it as CSV UTF-8",
                max >> 20
            ),
        }
    }
}

/// Why a file could not be read as a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableError {
    /// The file has no non-empty row (no header).
    Empty,
    /// A CSV line is not valid UTF-8 (often: saved as Big5).
    NotUtf8 {
        /// 1-based line of the first invalid byte's row.
        line: usize,
    },
    /// The CSV could not be parsed.
    Csv {
        /// Line, when known.
        line: Option<usize>,
        /// The parser's message.
        detail: String,
    },
    /// The workbook could not be opened or read.
    Workbook {
        /// Which kind of file it looked like: `xlsx`, `ods` or `xls`.
        format: &'static str,
        /// The reader's message.
        detail: String,
    },
    /// The workbook has no worksheet.
    NoWorksheet,
    /// The file is larger than a reader takes ([`Limits`]).
    TooLarge(TooLarge),
}

impl TableError {
    /// The line the problem is on, if it is on one.
    pub fn line(&self) -> Option<usize> {
        match self {
            TableError::NotUtf8 { line } => Some(*line),
            TableError::Csv { line, .. } => *line,
            _ => None,
        }
    }

    /// The message in Traditional Chinese (zh-TW).
    pub fn message_zh(&self) -> String {
        match self {
            TableError::Empty => "檔案是空的：找不到標題列。".to_owned(),
            TableError::NotUtf8 { line } => format!(
                "第 {line} 行不是 UTF-8 編碼（檔案可能是 Big5 編碼）。請用 Excel「另存新檔」，\
                 選擇「CSV UTF-8（逗號分隔）」格式後再上傳。"
            ),
            TableError::Csv { line: Some(line), detail } => format!("第 {line} 行的 CSV 格式有誤：{detail}"),
            TableError::Csv { line: None, detail } => format!("CSV 格式有誤：{detail}"),
            TableError::Workbook { format, detail } => format!(
                "無法讀取試算表（{format}）：{detail}。請確認檔案沒有損毀，\
                 或另存為 .xlsx 或 CSV UTF-8 後再上傳。"
            ),
            TableError::NoWorksheet => "試算表裡沒有任何工作表。".to_owned(),
            TableError::TooLarge(what) => what.message_zh(),
        }
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Empty => write!(f, "the file is empty: no header row"),
            TableError::NotUtf8 { line } => write!(
                f,
                "line {line} is not UTF-8 (the file may be Big5): save it from Excel as \
                 \"CSV UTF-8 (Comma delimited)\" and upload it again"
            ),
            TableError::Csv { line: Some(line), detail } => write!(f, "line {line}: malformed CSV: {detail}"),
            TableError::Csv { line: None, detail } => write!(f, "malformed CSV: {detail}"),
            TableError::Workbook { format, detail } => write!(
                f,
                "the spreadsheet ({format}) cannot be read: {detail}; check that it is not \
                 damaged, or save it as .xlsx or CSV UTF-8"
            ),
            TableError::NoWorksheet => write!(f, "the spreadsheet has no worksheet"),
            TableError::TooLarge(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for TableError {}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// An ODF package starts with an uncompressed `mimetype` member holding this.
const ODS_MIMETYPE: &[u8] = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet";

/// Reads a CSV or spreadsheet file (see the [module documentation](self)) within
/// [`Limits::DEFAULT`].
pub fn read_table(bytes: &[u8]) -> Result<Table, TableError> {
    read_table_within(bytes, &Limits::DEFAULT)
}

/// Reads a CSV or spreadsheet file, refusing one over `limits` before building it.
pub fn read_table_within(bytes: &[u8], limits: &Limits) -> Result<Table, TableError> {
    let table = if bytes.starts_with(ZIP_MAGIC) {
        if is_ods(bytes) {
            crate::guard::unpacked_size(bytes, limits, "ods")?;
            crate::guard::ods_extent(bytes, limits)?;
            contained("ods", || read_workbook::<calamine::Ods<_>>(bytes, "ods"))?
        } else {
            crate::guard::unpacked_size(bytes, limits, "xlsx")?;
            contained("xlsx", || read_xlsx(bytes, limits))?
        }
    } else if bytes.starts_with(OLE_MAGIC) {
        crate::guard::xls_extent(bytes, limits)?;
        contained("xls", || read_workbook::<calamine::Xls<_>>(bytes, "xls"))?
    } else {
        read_csv(bytes, limits)?
    };
    Ok(table)
}

/// Runs the spreadsheet reader so that a damaged file it cannot cope with (fuzzing found old
/// Excel files whose string table makes it index past the end) is a clear error, not a crash.
fn contained(format: &'static str, read: impl FnOnce() -> Result<Table, TableError>) -> Result<Table, TableError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(TableError::Workbook { format, detail: "the file is damaged: the spreadsheet reader gave up on it".into() })
    })
}

fn is_ods(bytes: &[u8]) -> bool {
    // Local file header: 30 bytes, then the name ("mimetype") and the stored content.
    bytes.get(30..30 + ODS_MIMETYPE.len()) == Some(ODS_MIMETYPE)
}

/// Builds a table from raw rows `(line, cells)`: skips empty rows, trims, takes the header.
fn build(rows: impl IntoIterator<Item = (usize, Vec<String>)>) -> Result<Table, TableError> {
    let mut table = Table::default();
    let mut have_header = false;
    for (line, mut cells) in rows {
        // Control characters and text-reordering ones go (see `linxuan_core::text`).
        for cell in cells.iter_mut() {
            if let std::borrow::Cow::Owned(cleaned) = linxuan_core::text::clean(cell) {
                *cell = cleaned.trim().to_owned();
            }
        }
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if !have_header {
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            table.header = cells;
            table.header_line = line;
            have_header = true;
            continue;
        }
        let width = table.header.len();
        while cells.len() > width && cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        table.rows.push(Row { line, cells });
    }
    if !have_header {
        return Err(TableError::Empty);
    }
    Ok(table)
}

fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Table, TableError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    // The parser reports where it started looking for a record, before the blank lines (and
    // the LF of a CRLF) it skipped: count lines from the record's first byte ourselves.
    let mut lines = LineCounter::new(bytes);
    let mut cells_read: u64 = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
                let row = rows.len() as u64;
                if record.len() > limits.max_columns as usize || row >= u64::from(limits.max_rows) {
                    let col = (record.len() as u64).saturating_sub(1).min(u64::from(limits.max_columns));
                    return Err(TableError::TooLarge(TooLarge::Cell { at: (line as u64 - 1, col), limits: *limits }));
                }
                cells_read += record.len() as u64;
                if cells_read > limits.max_cells {
                    return Err(TableError::TooLarge(TooLarge::Cells { max: limits.max_cells }));
                }
                let mut cells = Vec::with_capacity(record.len());
                for field in &record {
                    let text = std::str::from_utf8(field).map_err(|_| TableError::NotUtf8 { line })?;
                    let text = text.trim();
                    // The `'` an export put before text a spreadsheet would take for a formula
                    // (`crate::export::formula_safe`) comes off again.
                    let text = match text.strip_prefix('\'') {
                        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
                        _ => text,
                    };
                    cells.push(text.to_owned());
                }
                rows.push((line, cells));
            }
            Err(e) => {
                let line = e.position().map(|p| lines.line_at(p.byte()));
                return Err(TableError::Csv { line, detail: e.to_string() });
            }
        }
    }
    build(rows)
}

/// Line numbers of byte offsets, for offsets that only grow.
struct LineCounter<'a> {
    bytes: &'a [u8],
    counted: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> LineCounter<'a> {
        LineCounter { bytes, counted: 0, line: 1 }
    }

    /// The 1-based line of the first byte at or after `offset` that is not a line break.
    fn line_at(&mut self, offset: u64) -> usize {
        let mut start = usize::try_from(offset).unwrap_or(usize::MAX).clamp(self.counted, self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        self.line += self.bytes[self.counted..start].iter().filter(|&&b| b == b'\n').count();
        self.counted = start;
        self.line
    }
}

/// Reads the first worksheet of an xlsx cell by cell, keeping only the cells with a value: a
/// sheet's size on paper costs nothing, only its contents do, and those are checked against
/// `limits` as they come.
fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table, TableError> {
    let workbook_error = |detail: String| TableError::Workbook { format: "xlsx", detail };
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| workbook_error(e.to_string()))?;
    let name = workbook.sheet_names().into_iter().next().ok_or(TableError::NoWorksheet)?;
    let mut reader = workbook.worksheet_cells_reader(&name).map_err(|e| workbook_error(e.to_string()))?;
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| workbook_error(e.to_string()))? {
        let text = cell_text_ref(cell.get_value());
        if text.is_empty() {
            // A formatted but empty cell, however far away, costs nothing.
            continue;
        }
        let (row, col) = cell.get_position();
        if row >= limits.max_rows || col >= limits.max_columns {
            return Err(TableError::TooLarge(TooLarge::Cell { at: (u64::from(row), u64::from(col)), limits: *limits }));
        }
        if cells.len() as u64 >= limits.max_cells {
            return Err(TableError::TooLarge(TooLarge::Cells { max: limits.max_cells }));
        }
        cells.push((row, col, text));
    }
    drop(reader);
    cells.sort_by_key(|&(row, col, _)| (row, col));
    // Rows as the dense reader made them: every cell from column A, and as wide as the header
    // (so an empty last cell is still there), counting the empty cells against the limit.
    let header_width = cells.first().map_or(0, |&(first_row, ..)| {
        cells.iter().take_while(|(row, ..)| *row == first_row).map(|&(_, col, _)| col as usize + 1).max().unwrap_or(0)
    });
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut total: u64 = 0;
    for (row, col, text) in cells {
        if rows.last().is_none_or(|(line, _)| *line != row as usize + 1) {
            if let Some((_, last)) = rows.last_mut()
                && last.len() < header_width
            {
                total += (header_width - last.len()) as u64;
                last.resize(header_width, String::new());
            }
            rows.push((row as usize + 1, Vec::new()));
        }
        let (_, out) = rows.last_mut().expect("pushed above");
        if out.len() > col as usize {
            // The same cell twice (a damaged file): the first one stands.
            continue;
        }
        total += (col as usize + 1 - out.len()) as u64;
        if total > limits.max_cells {
            return Err(TableError::TooLarge(TooLarge::Cells { max: limits.max_cells }));
        }
        out.resize(col as usize, String::new());
        out.push(text);
    }
    if let Some((_, last)) = rows.last_mut()
        && last.len() < header_width
    {
        last.resize(header_width, String::new());
    }
    build(rows)
}

fn read_workbook<R>(bytes: &[u8], format: &'static str) -> Result<Table, TableError>
where
    R: Reader<Cursor<Vec<u8>>>,
    R::Error: fmt::Display,
{
    let workbook_error = |detail: String| TableError::Workbook { format, detail };
    let mut workbook = calamine::open_workbook_from_rs::<R, _>(Cursor::new(bytes.to_vec()))
        .map_err(|e: R::Error| workbook_error(e.to_string()))?;
    let range = match workbook.worksheet_range_at(0) {
        None => return Err(TableError::NoWorksheet),
        Some(range) => range.map_err(|e: R::Error| workbook_error(e.to_string()))?,
    };
    // The range covers the used cells only: put them back at their row and column.
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let rows = range.rows().enumerate().map(|(i, cells)| {
        let line = first_row as usize + i + 1;
        let mut out = vec![String::new(); first_col as usize];
        out.extend(cells.iter().map(cell_text));
        (line, out)
    });
    build(rows)
}

/// The text of a spreadsheet cell (see the [module documentation](self)).
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _ms) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => float_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Error(e) => e.to_string(),
    }
}

/// The text of a cell as the streaming xlsx reader gives it.
fn cell_text_ref(cell: &calamine::DataRef<'_>) -> String {
    match cell {
        calamine::DataRef::SharedString(s) => s.trim().to_owned(),
        calamine::DataRef::Empty => String::new(),
        other => cell_text(&Data::from(other.clone())),
    }
}

/// A number as Excel holds it (an `f64`) in its shortest round-trip form: `88`, `88.2`,
/// `88.25`, `88.255`. Rust's `Display` for `f64` is exactly that and never uses an exponent.
fn float_text(f: f64) -> String {
    if f == 0.0 {
        // Also -0.0.
        return "0".to_owned();
    }
    f.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(table: &Table) -> Vec<(usize, Vec<&str>)> {
        table.rows.iter().map(|r| (r.line, r.cells.iter().map(String::as_str).collect())).collect()
    }

    #[test]
    fn csv_with_bom_and_crlf() {
        let t = read_table(b"\xEF\xBB\xBFa,b,c\r\n1,2,3\r\n4, 5 ,6\r\n").unwrap();
        assert_eq!(t.header, ["a", "b", "c"]);
        assert_eq!(t.header_line, 1);
        assert_eq!(lines(&t), [(2, vec!["1", "2", "3"]), (3, vec!["4", "5", "6"])]);
    }

    #[test]
    fn csv_quotes_and_multiline_cells_keep_line_numbers() {
        let t = read_table(b"a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\nlast,row\n").unwrap();
        assert_eq!(
            lines(&t),
            [(2, vec!["x, y", "say \"hi\""]), (3, vec!["two\nlines", "z"]), (5, vec!["last", "row"]),]
        );
    }

    #[test]
    fn csv_empty_rows_skipped_trailing_cells_trimmed() {
        let t = read_table(b"\n,,\na,b,,\n\n1,2,,\n,,,\n3\n1,2,3\n\xE3\x80\x80x\xE3\x80\x80,y\n").unwrap();
        assert_eq!(t.header, ["a", "b"]);
        assert_eq!(t.header_line, 3);
        assert_eq!(lines(&t), [(5, vec!["1", "2"]), (7, vec!["3"]), (8, vec!["1", "2", "3"]), (9, vec!["x", "y"]),]);
        assert_eq!(t.rows[1].cell(1), "");
        assert_eq!(t.column("b"), Some(1));
        assert_eq!(t.column("c"), None);
    }

    #[test]
    fn csv_not_utf8_names_the_line() {
        // 國小 in Big5 on line 3.
        let err = read_table(b"a,b\n1,2\n\xB0\xEA\xA4\x70,3\n").unwrap_err();
        assert_eq!(err, TableError::NotUtf8 { line: 3 });
        assert_eq!(err.line(), Some(3));
        assert!(err.to_string().contains("line 3"));
        assert!(err.message_zh().contains("第 3 行"));
        assert!(err.message_zh().contains("CSV UTF-8"));
    }

    #[test]
    fn empty_files() {
        assert_eq!(read_table(b""), Err(TableError::Empty));
        assert_eq!(read_table(b"\xEF\xBB\xBF"), Err(TableError::Empty));
        assert_eq!(read_table(b"\r\n,,\r\n  ,\r\n"), Err(TableError::Empty));
        assert!(TableError::Empty.message_zh().contains("空"));
    }

    #[test]
    fn header_only() {
        let t = read_table(b"a,b\n").unwrap();
        assert_eq!(t.header, ["a", "b"]);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn unreadable_workbooks() {
        let err = read_table(b"PK\x03\x04garbage").unwrap_err();
        assert!(matches!(err, TableError::Workbook { format: "xlsx", .. }), "{err:?}");
        assert!(err.message_zh().contains("無法讀取試算表"));
        let mut ole = OLE_MAGIC.to_vec();
        ole.extend_from_slice(&[0; 100]);
        let err = read_table(&ole).unwrap_err();
        assert!(matches!(err, TableError::Workbook { format: "xls", .. }), "{err:?}");
        // An ODF package is told apart from an xlsx by its first member.
        let mut ods = b"PK\x03\x04".to_vec();
        ods.extend_from_slice(&[0; 26]);
        ods.extend_from_slice(ODS_MIMETYPE);
        ods.extend_from_slice(&[0; 50]);
        let err = read_table(&ods).unwrap_err();
        assert!(matches!(err, TableError::Workbook { format: "ods", .. }), "{err:?}");
    }

    #[test]
    fn xlsx_cells_become_text() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        // Start at B2: row numbers and columns as the user sees them.
        ws.write_string(1, 1, " name ").unwrap();
        ws.write_string(1, 2, "score").unwrap();
        ws.write_string(1, 3, "when").unwrap();
        ws.write_string(2, 1, "甲").unwrap();
        ws.write_number(2, 2, 88.2).unwrap();
        let date = ExcelDateTime::from_ymd(2023, 6, 12).unwrap();
        let fmt = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_datetime_with_format(2, 3, &date, &fmt).unwrap();
        ws.write_number(4, 1, 88.0).unwrap();
        ws.write_number(4, 2, 88.255).unwrap();
        ws.write_boolean(4, 3, true).unwrap();
        ws.write_number(5, 2, 0.1 + 0.2).unwrap();
        ws.write_number(5, 3, -0.0).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let t = read_table(&bytes).unwrap();
        assert_eq!(t.header, ["", "name", "score", "when"]);
        assert_eq!(t.header_line, 2);
        assert_eq!(
            lines(&t),
            [
                (3, vec!["", "甲", "88.2", "2023-06-12"]),
                (5, vec!["", "88", "88.255", "TRUE"]),
                (6, vec!["", "", "0.30000000000000004", "0"]),
            ]
        );
    }

    #[test]
    fn float_text_is_shortest_round_trip() {
        assert_eq!(float_text(88.2), "88.2");
        assert_eq!(float_text(88.25), "88.25");
        assert_eq!(float_text(88.0), "88");
        assert_eq!(float_text(1e21), "1000000000000000000000");
        assert_eq!(float_text(1e-7), "0.0000001");
        assert_eq!(float_text(-3.5), "-3.5");
    }
}
