//! Fuzzing the imports: the schools list and the communities list, as CSV and xlsx, mutated.
//! Never a panic; every problem names its line (or says it is about the whole file) and says
//! what in both languages; nothing is accepted that breaks the rules a good row keeps.
//!
//! `LINXUAN_FUZZ_CASES=1000000 cargo test --profile fuzz -p linxuan --test fuzz` runs the long
//! pass. Uploads are fuzzed over HTTP in `tests/http/fuzz.rs`.

use linxuan::import::{RowProblem, communities, schools};
use linxuan_core::fuzzing::{Mutation, cases, mutate};
use linxuan_core::plan::Plan;
use linxuan_docs::table::Limits;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig { cases: cases(128), failure_persistence: None, ..ProptestConfig::default() }
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec((any::<u32>(), any::<u8>(), any::<u8>()), 1..10)
}

const SCHOOLS: &str = "code,name,level,district\n034750,西門國小,國小,桃園區\n034601,文昌國中,國中,桃園區\n014321,新竹北區國小,國小,北區\n";
const COMMUNITIES: &str = "社群代碼,學校代碼,類別,組別,社群名稱,召集人,召集人電子郵件\n\
E001,034750,初階,國小組,西門閱讀社群,林老師,lin@school.tyc.edu.tw\n\
J001,034601,初階,國中組,文昌數學社群,陳老師,chen@school.tyc.edu.tw\n\
A001,034601,進階,進階組,文昌進階社群,張老師,chang@school.tyc.edu.tw\n";

fn xlsx_of(csv: &str) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, line) in csv.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            ws.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        vec![SCHOOLS.as_bytes().to_vec(), COMMUNITIES.as_bytes().to_vec(), xlsx_of(SCHOOLS), xlsx_of(COMMUNITIES)]
    })
}

fn the_schools() -> Vec<linxuan_store::schools::School> {
    let now = chrono::Utc::now();
    [("034750", "西門國小", "elementary"), ("034601", "文昌國中", "junior")]
        .iter()
        .enumerate()
        .map(|(i, (code, name, level))| linxuan_store::schools::School {
            id: i as i32 + 1,
            code: code.to_string(),
            name: name.to_string(),
            level: level.to_string(),
            district: "桃園區".into(),
            created_at: now,
            updated_at: now,
        })
        .collect()
}

fn problems_are_clear(problems: &[RowProblem], lines: usize) {
    assert!(!problems.is_empty());
    for p in problems {
        assert!(!p.zh.trim().is_empty() && !p.en.trim().is_empty(), "{p:?}");
        assert!(p.line <= lines + 1, "line {} of a file of {lines} lines: {p:?}", p.line);
    }
}

fn import(bytes: &[u8]) {
    let lines = bytes.iter().filter(|b| **b == b'\n').count().max(1_048_576 * usize::from(bytes.starts_with(b"PK")));
    match schools::parse(bytes, &Limits::UPLOAD) {
        Ok(rows) => {
            for row in &rows {
                assert!(schools::check_code(&row.code).is_ok(), "{row:?}");
                assert!(!row.name.trim().is_empty(), "{row:?}");
                assert!(!row.name.chars().any(char::is_control), "{row:?}");
            }
        }
        Err(problems) => problems_are_clear(&problems, lines),
    }
    let plan = Plan::builtin();
    match communities::parse_with(&plan, &the_schools(), bytes) {
        Ok(rows) => {
            for row in &rows {
                assert!(plan.groups.contains_key(&row.data.group_id), "{row:?}");
                assert!(row.email.contains('@'), "{row:?}");
                assert!(!row.data.name.chars().any(char::is_control), "{row:?}");
            }
        }
        Err(problems) => problems_are_clear(&problems, lines),
    }
}

#[test]
fn the_corpus_imports() {
    assert_eq!(schools::parse(&corpus()[0], &Limits::UPLOAD).unwrap().len(), 3);
    assert_eq!(communities::parse_with(&Plan::builtin(), &the_schools(), &corpus()[1]).unwrap().len(), 3);
    assert_eq!(schools::parse(&corpus()[2], &Limits::UPLOAD).unwrap().len(), 3);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_as_an_import(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        import(&bytes);
    }

    #[test]
    fn real_imports_mutated(which in 0usize..4, ops in mutations()) {
        import(&mutate(&corpus()[which], &ops));
    }

    #[test]
    fn cells_changed_to_anything(which in 0usize..2, row in 1usize..4, column in 0usize..7, value in any::<String>()) {
        let text = [SCHOOLS, COMMUNITIES][which];
        let mut lines: Vec<Vec<String>> = text.lines().map(|l| l.split(',').map(str::to_string).collect()).collect();
        let row = row.min(lines.len() - 1);
        let column = column % lines[row].len();
        lines[row][column] = value;
        let csv = lines.iter().map(|l| l.join(",")).collect::<Vec<_>>().join("\n");
        import(csv.as_bytes());
        import(&xlsx_of(&csv));
    }
}
