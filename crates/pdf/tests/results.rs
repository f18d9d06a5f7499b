//! The results document typeset with the fonts that travel with Linxuan: Chinese text set in a CJK face with no missing glyph, a draft marked as such,
//! and a clear error when no Chinese font exists.

use linxuan_pdf::{Fonts, PdfError, ResultHeadings, ResultRow, ResultsDocument, ResultsGroup, Typesetter};

fn headings() -> ResultHeadings {
    ResultHeadings {
        rank: "名次".into(),
        award: "獎項".into(),
        school: "學校".into(),
        community: "社群名稱".into(),
        convener: "召集人".into(),
        total: "總分".into(),
        page: "第 {n} 頁，共 {total} 頁".into(),
        draft: "草案".into(),
    }
}

fn document(rows: usize, draft: bool) -> ResultsDocument {
    ResultsDocument {
        title: "桃園市111學年度教師專業學習社群績優社群遴選".into(),
        subtitle: "遴選結果（第 1 版公告）".into(),
        date: "中華民國112年6月30日".into(),
        draft,
        headings: headings(),
        groups: vec![ResultsGroup {
            name: "國中組".into(),
            rows: (1..=rows)
                .map(|i| ResultRow {
                    rank: i.to_string(),
                    award: if i == 1 { "特優".into() } else { "優等".into() },
                    school: "桃園市立文昌國民中學".into(),
                    community: format!("閱讀素養共備社群 #{i}（跨領域）"),
                    convener: "王小明".into(),
                    total: format!("{}.50", 95 - i % 10),
                })
                .collect(),
            vacant: "甲等 從缺 1 名".into(),
        }],
        notes: vec!["備註：得獎社群之成果將公開於成果專區。".into()],
    }
}

fn typesetter() -> Typesetter {
    // The bundled fonts alone: what a fresh machine has.
    let fonts = Fonts::search(&[]);
    assert!(fonts.covers_cjk(), "the bundled fonts have Chinese (found: {:?})", fonts.families());
    Typesetter::new(fonts)
}

#[test]
fn results_are_set_in_a_chinese_face_with_every_glyph() {
    let typesetter = typesetter();
    let doc = document(3, false);
    let set = typesetter.typeset(include_str!("../templates/results.typ"), &doc.as_set(), (2023, 6, 30)).unwrap();
    let text = set.text().join("\n");
    for expected in
        ["桃園市111學年度", "遴選結果", "中華民國112年6月30日", "國中組", "特優", "甲等 從缺 1 名", "第 1 頁，共 1 頁"]
    {
        assert!(text.contains(expected), "{expected} is missing from: {text}");
    }
    assert!(!text.contains("草案"), "a published document has no draft mark");
    assert!(set.missing_glyphs().is_empty(), "characters without a glyph: {:?}", set.missing_glyphs());
    assert!(set.families().iter().any(|f| f.contains("CJK")), "set in {:?}", set.families());
    let pdf = doc.render(&typesetter, (2023, 6, 30)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Only the glyphs used are embedded: a whole CJK face would be megabytes.
    assert!(pdf.len() < 300_000, "{} bytes", pdf.len());
}

#[test]
fn long_results_run_onto_more_pages_and_drafts_say_so() {
    let typesetter = typesetter();
    let set = typesetter
        .typeset(include_str!("../templates/results.typ"), &document(80, true).as_set(), (2023, 6, 30))
        .unwrap();
    assert!(set.page_count() >= 2, "{} pages", set.page_count());
    let pages = set.text();
    assert!(pages.iter().all(|p| p.contains("草案")), "every page carries the draft mark");
    assert!(pages[1].contains(&format!("第 2 頁，共 {} 頁", set.page_count())));
    assert!(pages[1].contains("名次"), "the table's heading repeats on the next page");
}

#[test]
fn without_a_chinese_font_the_error_says_what_to_install() {
    // Only possible without the bundled fonts (a build that left them out).
    let empty = std::env::temp_dir().join("linxuan-no-fonts");
    std::fs::create_dir_all(&empty).unwrap();
    let typesetter = Typesetter::new(Fonts::search_without_bundled(&[empty]));
    let err = document(1, false).render(&typesetter, (2023, 6, 30)).unwrap_err();
    assert!(matches!(err, PdfError::NoCjkFont { .. }));
    assert!(err.to_string().contains("fonts-noto-cjk"));
    assert!(err.message_zh().contains("中文字型"));
}

/// Long names in narrow columns wrap by words: no line of a table cell is one Chinese
/// character alone (no lone 「學」), and the PDF reads back with poppler without a warning.
#[test]
fn names_wrap_by_words_and_the_pdf_reads_cleanly() {
    let typesetter = typesetter();
    let mut doc = document(12, false);
    for (i, row) in doc.groups[0].rows.iter_mut().enumerate() {
        row.school = ["桃園市立文昌國民中學", "桃園市桃園區中山國民小學", "桃園市立大園國際高級中等學校"][i % 3].into();
        row.community = ["閱讀素養跨領域共備社群", "數學探究實作與素養導向教學社群", "自然科學"][i % 3].into();
    }
    let set = typesetter.typeset(include_str!("../templates/results.typ"), &doc.as_set(), (2023, 6, 30)).unwrap();
    assert!(set.missing_glyphs().is_empty(), "{:?}", set.missing_glyphs());
    let lines: Vec<String> = set.lines().concat();
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let lonely: Vec<&String> = lines.iter().filter(|l| l.chars().count() == 1 && l.chars().any(cjk)).collect();
    assert!(lonely.is_empty(), "a character alone on a line: {lonely:?} in {lines:#?}");
    let wrapped = lines.iter().filter(|l| l.contains("國民中學") || l.contains("高級中等學校")).count();
    assert!(wrapped > 0, "the words stay whole: {lines:#?}");
    // poppler reads it without a warning (where poppler is installed: scripts/test installs it).
    let pdf = doc.render(&typesetter, (2023, 6, 30)).unwrap();
    let dir = std::env::temp_dir().join(format!("linxuan-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("results.pdf");
    std::fs::write(&file, &pdf).unwrap();
    match std::process::Command::new("pdftotext").arg(&file).arg("-").output() {
        Ok(out) => {
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert!(out.stderr.is_empty(), "poppler warns: {}", String::from_utf8_lossy(&out.stderr));
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("文昌國民中學"), "the text reads back whole: {text}");
            assert!(text.contains("閱讀素養跨領域共備社群"), "names read back without spaces: {text}");
        }
        Err(_) if std::env::var("CI").as_deref() != Ok("true") => eprintln!("pdftotext not installed: skipped"),
        Err(e) => panic!("pdftotext is needed under CI (poppler-utils): {e}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes a sample to $LINXUAN_PDF_SAMPLE for a person to look at (not a check).
#[test]
fn sample_for_a_person_to_look_at() {
    if let Ok(path) = std::env::var("LINXUAN_PDF_SAMPLE") {
        let pdf = document(30, true).render(&typesetter(), (2023, 6, 30)).unwrap();
        std::fs::write(path, pdf).unwrap();
    }
}
