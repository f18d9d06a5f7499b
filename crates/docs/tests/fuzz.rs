//! Fuzzing the readers of the files the office hands us: any table (CSV, xlsx, ods, xls) and
//! the scores file. Arbitrary bytes, and real files mutated — their bytes, and the XML inside
//! a workbook, packed again. Never a panic; always a table or an error that says what, in both
//! languages, with its line when it is about one.
//!
//! `LINXUAN_FUZZ_CASES=1000000 cargo test --profile fuzz -p linxuan-docs --test fuzz` runs the
//! long pass.

use std::io::{Read, Write};

use linxuan_core::fuzzing::{Mutation, cases, mutate};
use linxuan_core::plan::Plan;
use linxuan_docs::scores::read_scores_within;
use linxuan_docs::table::{Limits, TableError, read_table_within};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig { cases: cases(128), failure_persistence: None, ..ProptestConfig::default() }
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec((any::<u32>(), any::<u8>(), any::<u8>()), 1..10)
}

const SCHOOLS_CSV: &str = "\u{feff}code,name,level,district\r\n034750,\"西門國小, 桃園\",國小,桃園區\r\n034601,文昌國中,國中,\"桃\"\"園\"\"區\"\r\n";
const SCORES_CSV: &str = "community,group,round,reviewer,criterion,score\n\
E001,basic-elementary,1,R1,timeliness,25\nE001,basic-elementary,1,R1,completeness,20\nE001,basic-elementary,1,R1,richness,41.5\n\
E002,basic-elementary,1,R1,timeliness,12.5\nE002,basic-elementary,1,R1,completeness,25\nE002,basic-elementary,1,R1,richness,38\n";

fn xlsx_of(csv: &str) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, line) in csv.trim_start_matches('\u{feff}').lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            match cell.parse::<f64>() {
                Ok(n) => ws.write_number(r as u32, c as u16, n).unwrap(),
                Err(_) => ws.write_string(r as u32, c as u16, cell).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The members of a ZIP package.
fn members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut m = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            m.read_to_end(&mut data).unwrap();
            (m.name().unwrap().to_string(), data)
        })
        .collect()
}

fn pack(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn ods() -> Vec<u8> {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>code</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>name</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="float" office:value="88.5"><text:p>88.5</text:p></table:table-cell><table:table-cell table:number-columns-repeated="3"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    pack(&[
        ("mimetype".into(), b"application/vnd.oasis.opendocument.spreadsheet".to_vec()),
        ("content.xml".into(), content.as_bytes().to_vec()),
        ("META-INF/manifest.xml".into(), br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#.to_vec()),
    ])
}

/// Real files of every kind the reader takes (made once).
fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        vec![
            SCHOOLS_CSV.as_bytes().to_vec(),
            SCORES_CSV.as_bytes().to_vec(),
            xlsx_of(SCHOOLS_CSV),
            xlsx_of(SCORES_CSV),
            ods(),
            include_bytes!("data/schools.xls").to_vec(),
        ]
    })
}

/// Reads `bytes` as a table and checks the promise: a table, or a clear error.
fn read(bytes: &[u8]) -> Option<linxuan_docs::table::Table> {
    // Tight limits make the size checks part of what is fuzzed.
    let limits =
        Limits { max_rows: 5_000, max_columns: 64, max_cells: 20_000, max_unpacked: 4 << 20, max_grid: 20_000 };
    match read_table_within(bytes, &limits) {
        Ok(table) => {
            assert!(table.rows.len() <= 5_000 && table.rows.iter().all(|r| r.cells.len() <= 64));
            Some(table)
        }
        Err(e) => {
            assert!(!e.to_string().trim().is_empty() && !e.message_zh().trim().is_empty(), "{e:?}");
            if let TableError::NotUtf8 { line } = e {
                assert!(line >= 1);
            }
            None
        }
    }
}

fn rules() -> linxuan_core::allocation::SelectionRules {
    Plan::builtin().selection_rules()
}

fn scores(bytes: &[u8]) {
    match read_scores_within(bytes, &rules(), &Limits::UPLOAD) {
        Ok(entries) => assert!(entries.iter().all(|e| !e.community.is_empty())),
        Err(problems) => {
            assert!(!problems.is_empty());
            for p in &problems {
                assert!(!p.to_string().trim().is_empty() && !p.message_zh().trim().is_empty(), "{p:?}");
            }
        }
    }
}

#[test]
fn the_corpus_reads() {
    for (i, file) in corpus().iter().enumerate() {
        assert!(read(file).is_some(), "corpus file {i} reads");
    }
    scores(SCORES_CSV.as_bytes());
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        read(&bytes);
        scores(&bytes);
    }

    #[test]
    fn real_files_mutated(which in 0usize..6, ops in mutations()) {
        let seed = &corpus()[which];
        let bytes = mutate(seed, &ops);
        read(&bytes);
        scores(&bytes);
    }

    #[test]
    fn the_xml_inside_a_workbook_mutated(which in 0usize..3, member in any::<usize>(), ops in mutations()) {
        let seed = corpus()[[2, 3, 4][which]].clone();
        let mut parts = members(&seed);
        let i = member % parts.len();
        parts[i].1 = mutate(&parts[i].1, &ops);
        let bytes = pack(&parts);
        read(&bytes);
        scores(&bytes);
    }

    #[test]
    fn scores_files_with_cells_changed(row in 1usize..7, column in 0usize..6, value in "[-0-9.a-zA-Z=\"']{0,12}") {
        let mut lines: Vec<Vec<String>> =
            SCORES_CSV.lines().map(|l| l.split(',').map(str::to_string).collect()).collect();
        lines[row][column] = value;
        let csv = lines.iter().map(|l| l.join(",")).collect::<Vec<_>>().join("\n");
        scores(csv.as_bytes());
        scores(&xlsx_of(&csv));
    }
}
