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

/// One worksheet with a bold, frozen header row and columns sized to their contents.
pub fn xlsx(sheet_name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    workbook(&[Sheet {
        name: sheet_name.to_string(),
        header: header.iter().map(|h| h.to_string()).collect(),
        rows: rows.to_vec(),
    }])
}

/// A worksheet of a [`workbook`].
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
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
    rows: &[Vec<String>],
) -> Result<(), XlsxError> {
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    for (c, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, cell)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    for (c, title) in header.iter().enumerate() {
        let widest = std::iter::once(display_width(title))
            .chain(rows.iter().filter_map(|r| r.get(c)).map(|cell| display_width(cell)))
            .fold(8, usize::max);
        sheet.set_column_width(c as u16, widest.min(60) as f64 + 2.0)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::read_table;

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
