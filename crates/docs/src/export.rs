//! Plain exports for the office's spreadsheets: a header row and rows of text, as CSV (UTF-8
//! with a BOM, so Excel on a Traditional Chinese Windows opens it correctly) or as XLSX.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::results::display_width;

/// CSV with a byte-order mark and CRLF line ends, as Excel writes and expects it.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        // Writing to memory cannot fail.
        writer.write_record(header).expect("in-memory CSV");
        for row in rows {
            writer.write_record(row).expect("in-memory CSV");
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

/// Several worksheets, each like [`xlsx`]'s. Sheet names are cut to Excel's 31 characters.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    for s in sheets {
        let name: String = s.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
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
