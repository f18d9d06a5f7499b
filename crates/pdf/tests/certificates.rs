//! Certificates typeset with the fonts that travel with Linxuan: every character read back, no
//! missing glyph, the Kai face for the text; a rare character in a name set from a fallback font
//! found in a font folder; and a character no font has named before anything is typeset.

use std::path::PathBuf;

use linxuan_pdf::{CertificatePage, CertificatesDocument, Fonts, Typesetter};

fn page(name: &str) -> CertificatePage {
    CertificatePage {
        number: "桃教專字第1120001號".into(),
        title: "獎狀".into(),
        body: format!(
            "桃園市立西門國民小學「{name}」參加111學年度教師專業學習社群績優社群遴選，榮獲國小組特優，特頒此狀，以資鼓勵。"
        ),
        issuer: "桃園市政府教育局".into(),
        head: "局長　范○○".into(),
        date: "中華民國一一二年七月七日".into(),
    }
}

fn document(pages: Vec<CertificatePage>) -> CertificatesDocument {
    CertificatesDocument { title: "獎狀".into(), draft: false, draft_label: String::new(), certificates: pages }
}

fn fixture_fonts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fonts")
}

#[test]
fn the_bundled_fonts_alone_set_a_certificate_in_kai_with_every_character() {
    // No font folder at all: only what travels with the binary.
    let typesetter = Typesetter::new(Fonts::search(&[]));
    assert!(typesetter.fonts().covers_cjk());
    let doc = document(vec![page("數學好好玩"), page("閱讀堃喆犇")]);
    let set = typesetter.typeset(linxuan_pdf::documents_source::CERTIFICATES, &doc, (2023, 7, 7)).unwrap();
    assert_eq!(set.page_count(), 2);
    assert!(set.missing_glyphs().is_empty(), "missing glyphs: {:?}", set.missing_glyphs());
    let text: String = set.text().join("").chars().filter(|c| !c.is_whitespace()).collect();
    for expected in
        ["桃教專字第1120001號", "獎狀", "數學好好玩", "閱讀堃喆犇", "中華民國一一二年七月七日", "桃園市政府教育局"]
    {
        assert!(text.contains(expected), "{expected} not in the text read back: {text}");
    }
    let families = set.families();
    assert!(families.contains(&"AR PL UKai TW".to_string()), "{families:?}");
    // 堃 is not in the Kai subset (Big5 only): it comes from the bundled body face.
    assert!(families.contains(&"Noto Serif CJK TC".to_string()), "{families:?}");
    let pdf = set.pdf().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn a_rare_character_comes_from_a_fallback_font_and_one_no_font_has_is_named() {
    let bundled_only = Fonts::search(&[]);
    assert_eq!(bundled_only.uncovered("陳㙟明"), vec!['㙟']);
    let fonts = Fonts::search(&[fixture_fonts()]);
    assert!(fonts.uncovered("陳㙟明").is_empty());
    let typesetter = Typesetter::new(fonts);
    let doc = document(vec![page("陳㙟明的社群")]);
    let set = typesetter.typeset(linxuan_pdf::documents_source::CERTIFICATES, &doc, (2023, 7, 7)).unwrap();
    assert!(set.missing_glyphs().is_empty(), "missing glyphs: {:?}", set.missing_glyphs());
    assert!(set.text().join("").contains('㙟'));

    // U+30000 (CJK Extension G) is in no font here: named, each once, spaces ignored.
    let none = '\u{30000}';
    assert_eq!(typesetter.fonts().uncovered(&format!("王{none}明 {none}")), vec![none]);
}

#[test]
fn two_hundred_fifty_certificates_make_one_document_of_as_many_pages() {
    let typesetter = Typesetter::new(Fonts::search(&[]));
    let pages =
        (1..=250).map(|i| CertificatePage { number: format!("桃教專字第112{i:04}號"), ..page("社群") }).collect();
    let set = typesetter.typeset(linxuan_pdf::documents_source::CERTIFICATES, &document(pages), (2023, 7, 7)).unwrap();
    assert_eq!(set.page_count(), 250);
    assert!(set.text()[249].contains("桃教專字第1120250號"));
}

/// Writes a sample to $LINXUAN_CERTIFICATE_SAMPLE for a person to look at (not a check).
#[test]
fn write_a_sample_when_asked() {
    let Some(path) = std::env::var_os("LINXUAN_CERTIFICATE_SAMPLE") else { return };
    let typesetter = Typesetter::new(Fonts::search(&[]));
    let pdf = document(vec![page("閱讀素養跨領域共備社群")]).render(&typesetter, (2023, 7, 7)).unwrap();
    std::fs::write(path, pdf).unwrap();
}

/// Writes a budget sample to $LINXUAN_BUDGET_SAMPLE for a person to look at (not a check).
#[test]
fn write_a_budget_sample_when_asked() {
    use linxuan_pdf::{BudgetDocument, BudgetRowDoc, BudgetTableDoc};
    let Some(path) = std::env::var_os("LINXUAN_BUDGET_SAMPLE") else { return };
    let row = |no: &str, item: &str, total: &str, actual: &str, over: bool| BudgetRowDoc {
        no: no.into(),
        item: item.into(),
        unit_price: "100".into(),
        quantity: "220".into(),
        unit: "件".into(),
        total: total.into(),
        actual: actual.into(),
        over,
        note: "初審；依據「中央政府各機關學校稿費支給基準數額表」覈實支應".into(),
    };
    let doc = BudgetDocument {
        title: "桃園市111學年度教師專業學習社群績優社群遴選暨成果發表會".into(),
        date: "中華民國112年7月7日".into(),
        headings: ["項次", "項目", "單價", "數量", "單位", "總價", "實支", "說明"].map(String::from).to_vec(),
        signatures: ["承辦人", "單位主管", "會計主任", "校長"].map(String::from).to_vec(),
        total_label: "合計".into(),
        tables: vec![BudgetTableDoc {
            title: "績優社群(初階)遴選經費概算表".into(),
            rows: vec![row("1", "審查費", "22,000", "23,000", true), row("2", "交通費", "4,000", "—", false)],
            total: "26,000".into(),
            actual: "23,000".into(),
            summary: "概算 26,000 元，實支 23,000 元，尚餘 3,000 元。".into(),
        }],
    };
    let pdf = doc.render(&Typesetter::new(Fonts::search(&[])), (2023, 7, 7)).unwrap();
    std::fs::write(path, pdf).unwrap();
}
