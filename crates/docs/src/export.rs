//! Plain exports for the office's spreadsheets: a header row and rows of text, as CSV (UTF-8
//! with a BOM, so Excel on a Traditional Chinese Windows opens it correctly) or as XLSX.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::results::display_width;

/// A cell as a spreadsheet will not run it: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is what Excel and LibreOffice take for a formula (`=HYPERLINK(…)` in a
/// school's name would run on the office's computer), so it gets a leading `'`, which they
/// read as "this is text". Plain numbers (`-3`, `+1.5`) are left as they are. The table
/// reader takes the `'` off again, so an export imports back unchanged.
pub fn formula_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = {
        let digits = cell.strip_prefix(['+', '-']).unwrap_or(cell);
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.chars().filter(|c| *c == '.').count() <= 1
            && digits.chars().any(|c| c.is_ascii_digit())
    };
    if risky && !number { std::borrow::Cow::Owned(format!("'{cell}")) } else { std::borrow::Cow::Borrowed(cell) }
}

/// CSV with a byte-order mark and CRLF line ends, as Excel writes and expects it; every cell
/// [`formula_safe`].
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        // Writing to memory cannot fail.
        writer.write_record(header.iter().map(|h| formula_safe(h).into_owned())).expect("in-memory CSV");
        for row in rows {
            writer.write_record(row.iter().map(|c| formula_safe(c).into_owned())).expect("in-memory CSV");
        }
        writer.flush().expect("in-memory CSV");
    }
    out
}

/// One worksheet of text with a bold, frozen header row and columns sized to their contents.
pub fn xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    workbook(&[Sheet::text(sheet_name, header.iter().map(|h| h.to_string()).collect(), rows)])
}

/// One cell of a worksheet: text, or a number Excel can sum and sort, shown with a fixed
/// number of decimals. Numbers are exact decimals until the cell is written (a spreadsheet
/// stores a double; two decimals survive it exactly as displayed).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number shown with `decimals` places (`0.00` for 2, `0` for 0).
    Number {
        value: rust_decimal::Decimal,
        decimals: u32,
    },
    /// Nothing.
    Empty,
}

impl Cell {
    /// A whole number (a rank, a count, a version).
    pub fn int(n: impl Into<i64>) -> Cell {
        Cell::Number { value: rust_decimal::Decimal::from(n.into()), decimals: 0 }
    }

    /// A score: two decimals.
    pub fn score(value: rust_decimal::Decimal) -> Cell {
        Cell::Number { value, decimals: 2 }
    }

    /// A score written as text (`88.50`), as a number when it is one, else as the text.
    pub fn score_text(text: &str) -> Cell {
        match text.trim().parse::<rust_decimal::Decimal>() {
            Ok(value) => Cell::score(value),
            Err(_) if text.trim().is_empty() => Cell::Empty,
            Err(_) => Cell::Text(text.to_string()),
        }
    }

    fn width(&self) -> usize {
        match self {
            Cell::Text(t) => display_width(t),
            Cell::Number { value, decimals } => value.round_dp(*decimals).to_string().len() + 1,
            Cell::Empty => 0,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

/// A worksheet of a [`workbook`].
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// A sheet of text cells only.
    pub fn text(name: &str, header: Vec<String>, rows: &[Vec<String>]) -> Sheet {
        Sheet {
            name: name.to_string(),
            header,
            rows: rows.iter().map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect()).collect(),
        }
    }
}

/// Several worksheets, each like [`xlsx`]'s. Sheet names are made valid and unique
/// ([`crate::results::sheet_name`]): a plan's group may be called anything.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let mut used = Vec::new();
    for (i, s) in sheets.iter().enumerate() {
        let name = crate::results::sheet_name(&s.name, &format!("Sheet{}", i + 1), &mut used);
        let header: Vec<&str> = s.header.iter().map(String::as_str).collect();
        write_sheet(book.add_worksheet(), &name, &header, &s.rows)?;
    }
    book.save_to_buffer()
}

fn write_sheet(
    sheet: &mut rust_xlsxwriter::Worksheet,
    sheet_name: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
) -> Result<(), XlsxError> {
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    let formats: Vec<Format> = (0..=4).map(|d| Format::new().set_num_format(number_format(d))).collect();
    for (c, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(r, c, text)?;
                }
                Cell::Number { value, decimals } => {
                    let shown = value.round_dp(*decimals);
                    // A displayed decimal of at most a few places is exact enough as a double.
                    let number: f64 = shown.to_string().parse().unwrap_or(0.0);
                    sheet.write_number_with_format(r, c, number, &formats[(*decimals as usize).min(4)])?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    for (c, title) in header.iter().enumerate() {
        let widest = std::iter::once(display_width(title))
            .chain(rows.iter().filter_map(|r| r.get(c)).map(Cell::width))
            .fold(8, usize::max);
        sheet.set_column_width(c as u16, widest.min(60) as f64 + 2.0)?;
    }
    Ok(())
}

/// Excel's number format for `decimals` places: `0`, `0.0`, `0.00`, …
fn number_format(decimals: usize) -> String {
    if decimals == 0 { "0".to_string() } else { format!("0.{}", "0".repeat(decimals)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::read_table;

    #[test]
    fn numbers_are_numbers_excel_can_sum() {
        use calamine::{Data, Reader, Xlsx};
        let sheet = Sheet {
            name: "分數".into(),
            header: vec!["社群".into(), "名次".into(), "總分".into()],
            rows: vec![
                vec!["E01".into(), Cell::int(1), Cell::score_text("94.33")],
                vec!["E02".into(), Cell::int(2), Cell::score("88.5".parse().unwrap())],
                vec!["E03".into(), Cell::Empty, Cell::score_text("—")],
            ],
        };
        let bytes = workbook(&[sheet]).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("分數").unwrap();
        assert_eq!(range.get((1, 1)), Some(&Data::Float(1.0)));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(94.33)));
        assert_eq!(range.get((2, 2)), Some(&Data::Float(88.5)));
        assert_eq!(range.get((3, 2)), Some(&Data::String("—".into())));
    }

    #[test]
    fn csv_cells_never_run_as_formulas_and_import_back_unchanged() {
        let rows = vec![
            vec!["=HYPERLINK(\"http://evil.example\",\"點我\")".to_string(), "-3".into(), "+886-3-1234567".into()],
            vec!["@SUM(A1)".into(), "\tx".into(), "-".into()],
            vec!["桃園國小".into(), "1.5".into(), "-1.5".into()],
        ];
        let bytes = csv(&["name", "n", "phone"], &rows);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"點我\"\")\""), "{text}");
        assert!(text.contains(",-3,'+886-3-1234567\r\n"), "{text}");
        assert!(text.contains("'@SUM(A1),'\tx,'-\r\n"), "{text}");
        assert!(text.contains("桃園國小,1.5,-1.5\r\n"), "{text}");
        let back = read_table(&bytes).unwrap();
        assert_eq!(back.rows[0].cells[0], rows[0][0]);
        assert_eq!(back.rows[0].cells[2], rows[0][2]);
        assert_eq!(back.rows[1].cells[0], "@SUM(A1)");
    }

    #[test]
    fn exports_read_back_as_the_same_table() {
        let header = ["學校代碼", "學校名稱"];
        let rows = vec![vec!["034601".to_string(), "桃園市立文昌國中, 桃園區".to_string()]];
        for bytes in [csv(&header, &rows), xlsx("學校", &header, &rows).unwrap()] {
            let table = read_table(&bytes).unwrap();
            assert_eq!(table.header, header);
            assert_eq!(table.rows[0].cells, rows[0]);
        }
        assert!(csv(&header, &rows).starts_with(b"\xEF\xBB\xBF"));
    }
}
