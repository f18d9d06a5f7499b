//! Spreadsheets that are small on disk and enormous once read are refused, with the size
//! found, before anything is built; ordinary files still read.

use std::io::Write;

use linxuan_docs::table::{Limits, TableError, TooLarge, read_table, read_table_within};
use rust_xlsxwriter::{Format, Workbook};

fn xlsx(write: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut wb = Workbook::new();
    write(wb.add_worksheet());
    wb.save_to_buffer().unwrap()
}

/// A ZIP package with the given members, stored or deflated.
fn package(members: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    for (name, bytes) in members {
        out.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// An ODS whose content.xml holds `table` (the rows of one table).
fn ods(table: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    package(
        &[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", content.as_bytes()),
            ("META-INF/manifest.xml", manifest.as_bytes()),
        ],
        false,
    )
}

fn too_large(result: Result<linxuan_docs::table::Table, TableError>) -> TooLarge {
    match result {
        Err(TableError::TooLarge(what)) => what,
        other => panic!("expected a refusal for size, got {other:?}"),
    }
}

#[test]
fn an_xlsx_with_cells_at_opposite_corners_is_refused_naming_the_cell() {
    // 1.5 KB on disk; a dense reader would lay out 17 billion cells.
    let bytes = xlsx(|ws| {
        ws.write_string(0, 0, "a").unwrap();
        ws.write_string(1_048_575, 16_383, "b").unwrap();
    });
    assert!(bytes.len() < 8_000, "{} bytes", bytes.len());
    let err = read_table(&bytes).unwrap_err();
    assert!(matches!(err, TableError::TooLarge(TooLarge::Cell { at: (1_048_575, 16_383), .. })), "{err:?}");
    assert!(err.to_string().contains("XFD1048576"), "{err}");
    assert!(err.message_zh().contains("儲存格 XFD1048576"), "{}", err.message_zh());
    // The same on the server's tighter limits.
    let err = read_table_within(&bytes, &Limits::UPLOAD).unwrap_err();
    assert!(err.to_string().contains("XFD1048576"), "{err}");
}

#[test]
fn a_formatted_but_empty_cell_far_away_costs_nothing() {
    let bytes = xlsx(|ws| {
        ws.write_string(0, 0, "code").unwrap();
        ws.write_string(0, 1, "name").unwrap();
        ws.write_string(1, 0, "034750").unwrap();
        ws.write_blank(1_048_575, 16_383, &Format::new().set_bold()).unwrap();
    });
    let table = read_table_within(&bytes, &Limits::UPLOAD).unwrap();
    assert_eq!(table.header, ["code", "name"]);
    assert_eq!(table.rows.len(), 1);
    // As wide as the header, as the dense reader made it.
    assert_eq!(table.rows[0].cells, ["034750", ""]);
}

#[test]
fn too_many_cells_are_refused() {
    let limits = Limits { max_cells: 100, ..Limits::UPLOAD };
    let bytes = xlsx(|ws| {
        for r in 0..20 {
            for c in 0..6 {
                ws.write_number(r, c, f64::from(r * 10 + u32::from(c))).unwrap();
            }
        }
    });
    assert_eq!(too_large(read_table_within(&bytes, &limits)), TooLarge::Cells { max: 100 });
    // A wide header makes every row as wide: those empty cells count too.
    let bytes = xlsx(|ws| {
        ws.write_string(0, 0, "a").unwrap();
        ws.write_string(0, 99, "z").unwrap();
        ws.write_string(1, 0, "1").unwrap();
        ws.write_string(2, 0, "2").unwrap();
    });
    assert_eq!(too_large(read_table_within(&bytes, &limits)), TooLarge::Cells { max: 100 });
    assert_eq!(read_table_within(&bytes, &Limits { max_cells: 300, ..limits }).unwrap().rows.len(), 2);
}

#[test]
fn an_xlsx_that_unpacks_to_too_much_is_refused() {
    let limits = Limits { max_unpacked: 1 << 20, ..Limits::UPLOAD };
    let mut bytes = xlsx(|ws| {
        ws.write_string(0, 0, "a").unwrap();
    });
    assert!(read_table_within(&bytes, &limits).is_ok());
    // The same workbook with a member of 2 MB of zeros (a few KB deflated) added.
    let zeros = vec![0u8; 2 << 20];
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut m = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut m, &mut data).unwrap();
        members.push((m.name().unwrap().to_string(), data));
    }
    members.push(("xl/media/padding.bin".into(), zeros));
    let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    bytes = package(&refs, true);
    assert!(bytes.len() < 64_000, "{} bytes", bytes.len());
    let err = read_table_within(&bytes, &limits).unwrap_err();
    assert_eq!(err, TableError::TooLarge(TooLarge::Unpacked { max: 1 << 20 }));
    assert!(err.message_zh().contains("解壓縮後超過 1 MB"), "{}", err.message_zh());
}

#[test]
fn an_ods_that_repeats_a_cell_over_the_whole_sheet_is_refused() {
    // One row repeated a million times, one cell repeated 16,384 times: a few hundred bytes.
    let bytes = ods(
        r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row>"#,
    );
    let err = read_table(&bytes).unwrap_err();
    match &err {
        TableError::TooLarge(TooLarge::Sheet { first: (0, 0), last, .. }) => {
            assert!(last.0 >= 1 && last.1 >= 1_023, "{last:?}")
        }
        other => panic!("{other:?}"),
    }
    assert!(err.message_zh().contains("工作表範圍 A1:"), "{}", err.message_zh());
}

#[test]
fn an_ods_cut_short_inside_a_table_is_refused_not_read_for_ever() {
    // Found by fuzzing: the reader loops for ever on a table that never ends.
    let whole = ods(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
    );
    let content = {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(whole)).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("content.xml").unwrap(), &mut text).unwrap();
        text
    };
    let cut = &content[..content.find("</table:table-row>").unwrap()];
    let bytes = package(
        &[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", cut.as_bytes())],
        false,
    );
    let err = read_table(&bytes).unwrap_err();
    assert!(matches!(err, TableError::Workbook { format: "ods", .. }), "{err:?}");
    assert!(err.to_string().contains("left open"), "{err}");
}

#[test]
fn an_ordinary_ods_still_reads_and_styled_repeats_cost_nothing() {
    let bytes = ods(concat!(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>code</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>name</text:p></table:table-cell></table:table-row>"#,
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>034750</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>西門國小</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16382"/></table:table-row>"#,
        r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
    ));
    let table = read_table_within(&bytes, &Limits::UPLOAD).unwrap();
    assert_eq!(table.header, ["code", "name"]);
    assert_eq!(table.rows[0].cells, ["034750", "西門國小"]);
}

#[test]
fn an_old_excel_file_still_reads() {
    let table = read_table_within(include_bytes!("data/schools.xls"), &Limits::UPLOAD).unwrap();
    assert_eq!(table.header, ["code", "name", "level", "district"]);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].cells, ["034750", "桃園市桃園區西門國民小學", "國小", "桃園區"]);
    assert_eq!(table.rows[1].cell(3), "88.5");
}

#[test]
fn an_old_excel_file_with_cells_at_opposite_corners_is_refused() {
    // 5 KB on disk; the reader would lay out 65,536 × 256 cells for it when opening the file.
    let bytes = include_bytes!("data/corners.xls");
    let err = read_table_within(bytes, &Limits::UPLOAD).unwrap_err();
    match &err {
        TableError::TooLarge(TooLarge::Sheet { first: (0, 0), last: (65_535, 255), .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("A1:IV65536 (65,536 rows × 256 columns)"), "{err}");
    // A damaged compound file is a clear error, not a panic.
    let mut broken = bytes.to_vec();
    broken.truncate(1_000);
    assert!(matches!(read_table(&broken), Err(TableError::Workbook { format: "xls", .. })));
}

#[test]
fn a_csv_too_wide_or_too_long_is_refused_naming_where() {
    let limits = Limits { max_columns: 10, max_rows: 5, max_cells: 40, ..Limits::UPLOAD };
    let wide = format!("a,b\n1,2\n{}\n", ["x"; 11].join(","));
    let err = read_table_within(wide.as_bytes(), &limits).unwrap_err();
    assert!(matches!(err, TableError::TooLarge(TooLarge::Cell { at: (2, 10), .. })), "{err:?}");
    assert!(err.to_string().contains("K3"), "{err}");
    let long = "a\n".repeat(6);
    assert!(matches!(read_table_within(long.as_bytes(), &limits), Err(TableError::TooLarge(TooLarge::Cell { .. }))));
    let many = "a,b,c,d,e,f,g,h,i\n".repeat(5);
    assert_eq!(too_large(read_table_within(many.as_bytes(), &limits)), TooLarge::Cells { max: 40 });
}

#[test]
fn an_old_excel_file_whose_string_table_is_damaged_is_refused_not_a_crash() {
    // Found by fuzzing: the reader indexes past the end of a string table cut short.
    let mut bytes = include_bytes!("data/schools.xls").to_vec();
    let sst = bytes.windows(4).position(|w| w == [0xFC, 0x00, 129, 0]).expect("the string table record");
    // The record ends right after its first string's length and flags, and the flags say
    // formatting runs follow.
    bytes[sst + 2..sst + 4].copy_from_slice(&11u16.to_le_bytes());
    bytes[sst + 4 + 8 + 2] |= 0x08;
    let err = read_table(&bytes).unwrap_err();
    assert!(matches!(err, TableError::Workbook { format: "xls", .. }), "{err:?}");
}
