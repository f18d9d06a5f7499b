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
//! Every cell is trimmed (Unicode whitespace, including the full-width space). Completely
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
        }
    }
}

impl std::error::Error for TableError {}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// An ODF package starts with an uncompressed `mimetype` member holding this.
const ODS_MIMETYPE: &[u8] = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet";

/// Reads a CSV or spreadsheet file (see the [module documentation](self)).
pub fn read_table(bytes: &[u8]) -> Result<Table, TableError> {
    let table = if bytes.starts_with(ZIP_MAGIC) {
        if is_ods(bytes) {
            read_workbook::<calamine::Ods<_>>(bytes, "ods")?
        } else {
            read_workbook::<calamine::Xlsx<_>>(bytes, "xlsx")?
        }
    } else if bytes.starts_with(OLE_MAGIC) {
        read_workbook::<calamine::Xls<_>>(bytes, "xls")?
    } else {
        read_csv(bytes)?
    };
    Ok(table)
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

fn read_csv(bytes: &[u8]) -> Result<Table, TableError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    // The parser reports where it started looking for a record, before the blank lines (and
    // the LF of a CRLF) it skipped: count lines from the record's first byte ourselves.
    let mut lines = LineCounter::new(bytes);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
                let mut cells = Vec::with_capacity(record.len());
                for field in &record {
                    let text = std::str::from_utf8(field).map_err(|_| TableError::NotUtf8 { line })?;
                    cells.push(text.trim().to_owned());
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
