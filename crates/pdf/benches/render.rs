//! Typesetting the results document: one page (a group of 6) and four pages (80 rows), each
//! from data to PDF bytes, fonts already scanned — first as a document typst has not seen, then
//! the same again —; and the font scan itself.
//!
//! Run: `cargo bench -p linxuan-pdf --bench render` (numbers in docs/PERFORMANCE.md).

use std::sync::LazyLock;

use divan::{Bencher, black_box};
use linxuan_pdf::{Fonts, ResultHeadings, ResultRow, ResultsDocument, ResultsGroup, Typesetter};

fn main() {
    divan::main();
}

static TYPESETTER: LazyLock<Typesetter> = LazyLock::new(|| {
    let fonts = Fonts::search(&[]);
    assert!(fonts.covers_cjk());
    Typesetter::new(fonts)
});

fn document(rows: usize) -> ResultsDocument {
    ResultsDocument {
        title: "桃園市111學年度教師專業學習社群績優社群遴選".into(),
        subtitle: "遴選結果（第 1 版公告）".into(),
        date: "中華民國112年6月30日".into(),
        draft: false,
        headings: ResultHeadings {
            rank: "名次".into(),
            award: "獎項".into(),
            school: "學校".into(),
            community: "社群名稱".into(),
            convener: "召集人".into(),
            total: "總分".into(),
            page: "第 {n} 頁，共 {total} 頁".into(),
            draft: "草案".into(),
        },
        groups: vec![ResultsGroup {
            name: "國中組".into(),
            rows: (1..=rows)
                .map(|i| ResultRow {
                    rank: i.to_string(),
                    award: "優等".into(),
                    school: format!("桃園市立第{i}國民中學"),
                    community: format!("閱讀素養共備社群 {i}"),
                    convener: "王小明".into(),
                    total: format!("{}.25", 90 - i % 20),
                })
                .collect(),
            vacant: String::new(),
        }],
        notes: Vec::new(),
    }
}

/// A document typst has not seen: its memo cache is emptied before each render (not timed).
#[divan::bench(args = [6, 80])]
fn results_pdf(bencher: Bencher, rows: usize) {
    let typesetter = &*TYPESETTER;
    let doc = document(rows);
    bencher
        .with_inputs(|| typst::comemo::evict(0))
        .bench_values(|()| black_box(doc.render(typesetter, (2023, 6, 30)).unwrap()));
}

/// The same document again (a second download): typst reuses its memoised layout.
#[divan::bench(args = [6, 80])]
fn results_pdf_again(bencher: Bencher, rows: usize) {
    let typesetter = &*TYPESETTER;
    let doc = document(rows);
    bencher.bench(|| black_box(doc.render(typesetter, (2023, 6, 30)).unwrap()));
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn font_scan() -> Fonts {
    Fonts::search(&[])
}
