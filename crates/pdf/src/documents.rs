//! The documents Linxuan typesets, each a data type and its template.

use serde::Serialize;

use crate::{PdfError, Typesetter};

/// The selection results as announced: per group, the ranked communities and their awards.
#[derive(Debug, Clone, Serialize)]
pub struct ResultsDocument {
    /// 桃園市111學年度教師專業學習社群績優社群遴選
    pub title: String,
    /// 遴選結果 (第 2 版公告)
    pub subtitle: String,
    /// The announcement's date in the ROC calendar: 中華民國112年6月30日.
    pub date: String,
    /// A draft (not published) carries a watermark, so it is never mistaken for the real thing.
    pub draft: bool,
    pub groups: Vec<ResultsGroup>,
    /// Column headings, in the document's language.
    pub headings: ResultHeadings,
    /// Lines under the tables (the note of the publication, vacancies explained).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultHeadings {
    pub rank: String,
    pub award: String,
    pub school: String,
    pub community: String,
    pub convener: String,
    pub total: String,
    pub page: String,
    pub draft: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultsGroup {
    pub name: String,
    pub rows: Vec<ResultRow>,
    /// 特優 從缺 1 名, or empty.
    pub vacant: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    pub rank: String,
    pub award: String,
    pub school: String,
    pub community: String,
    pub convener: String,
    pub total: String,
}

const RESULTS: &str = include_str!("../templates/results.typ");

impl ResultsDocument {
    pub fn render(&self, typesetter: &Typesetter, today: (i32, u8, u8)) -> Result<Vec<u8>, PdfError> {
        typesetter.render(RESULTS, &self.as_set(), today)
    }

    /// What the template gets: the document with each name of the tables cut into the pieces
    /// a line may break between ([`word_pieces`]); the template sets each piece unbroken.
    pub fn as_set(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(groups) = value.get_mut("groups").and_then(|g| g.as_array_mut()) {
            for group in groups {
                if let Some(rows) = group.get_mut("rows").and_then(|r| r.as_array_mut()) {
                    for row in rows {
                        for key in ["school", "community", "convener", "award"] {
                            if let Some(text) = row.get(key).and_then(|t| t.as_str()).map(str::to_string) {
                                row[key] = serde_json::json!(word_pieces(&text));
                            }
                        }
                    }
                }
            }
        }
        value
    }
}

/// Words of school and community names that a line never splits.
const WORDS: &[&str] = &[
    "國民小學",
    "國民中學",
    "高級中等學校",
    "高級中學",
    "完全中學",
    "實驗小學",
    "實驗中學",
    "市立",
    "縣立",
    "國立",
    "私立",
    "國小",
    "國中",
    "高中",
    "小學",
    "中學",
    "大學",
    "學校",
    "分校",
    "社群",
    "學習",
    "專業",
    "教師",
    "教學",
    "課程",
    "閱讀",
    "素養",
    "數學",
    "英語",
    "科學",
    "自然",
    "社會",
    "藝術",
    "音樂",
    "體育",
    "健康",
    "國語",
    "語文",
    "跨領域",
    "共備",
    "共同",
    "備課",
    "觀課",
    "議課",
    "探究",
    "實作",
    "桃園",
    "特優",
    "優等",
    "甲等",
];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// A name cut into the pieces a table cell may break between, so that it wraps by words that
/// make sense: never inside a known word (國民中學, 社群…), and never so that a run of Chinese
/// characters leaves one of its first two or last two characters alone on a line (no lone
/// 「學」). Within a piece nothing breaks; text of other scripts keeps its spaces as break
/// points. The pieces joined are the name.
pub fn word_pieces(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    // glue[i]: no break between chars[i - 1] and chars[i].
    let mut glue = vec![false; chars.len()];
    for i in 1..chars.len() {
        // Other scripts: a piece runs to the next space (the typesetter breaks at spaces).
        glue[i] = !is_cjk(chars[i]) && !is_cjk(chars[i - 1]) && !chars[i - 1].is_whitespace();
    }
    let mut start = 0;
    while start < chars.len() {
        if !is_cjk(chars[start]) {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < chars.len() && is_cjk(chars[end]) {
            end += 1;
        }
        if end - start >= 2 {
            glue[start + 1] = true;
            glue[end - 1] = true;
        }
        start = end;
    }
    for word in WORDS {
        let w: Vec<char> = word.chars().collect();
        for at in 0..chars.len().saturating_sub(w.len() - 1) {
            if chars[at..at + w.len()] == w[..] {
                for g in &mut glue[at + 1..at + w.len()] {
                    *g = true;
                }
            }
        }
    }
    let mut pieces: Vec<String> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        match pieces.last_mut() {
            Some(last) if glue[i] => last.push(*c),
            _ => pieces.push(c.to_string()),
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_words_and_never_leave_a_character_alone() {
        assert_eq!(word_pieces("桃園市立文昌國民中學"), ["桃園", "市立", "文", "昌", "國民中學"]);
        assert_eq!(word_pieces("桃園市桃園區中山國民小學"), ["桃園", "市", "桃園", "區", "中", "山", "國民小學"]);
        assert_eq!(word_pieces("王小明"), ["王小明"]);
        assert_eq!(word_pieces("閱讀素養共備社群 #3（跨領域）").concat(), "閱讀素養共備社群 #3（跨領域）");
        assert_eq!(word_pieces("Reading Club"), ["Reading ", "Club"], "other scripts break at spaces");
        assert!(
            word_pieces("數學探究實作").iter().all(|p| p.chars().count() >= 2),
            "{:?}",
            word_pieces("數學探究實作")
        );
    }
}

/// Certificates (獎狀): one page each, in one document (one per community, or all of them
/// merged for printing).
#[derive(Debug, Clone, Serialize)]
pub struct CertificatesDocument {
    /// The PDF's title.
    pub title: String,
    /// A preview carries a watermark.
    pub draft: bool,
    pub draft_label: String,
    pub certificates: Vec<CertificatePage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificatePage {
    /// 桃教專字第1120001號
    pub number: String,
    /// 獎狀
    pub title: String,
    pub body: String,
    /// 桃園市政府教育局
    pub issuer: String,
    /// 局長 王○○
    pub head: String,
    /// 中華民國112年7月7日
    pub date: String,
}

pub const CERTIFICATES: &str = include_str!("../templates/certificates.typ");

impl CertificatesDocument {
    pub fn render(&self, typesetter: &Typesetter, today: (i32, u8, u8)) -> Result<Vec<u8>, PdfError> {
        typesetter.render(CERTIFICATES, self, today)
    }

    /// Every text of the document, for a coverage check before typesetting.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.certificates
            .iter()
            .flat_map(|c| [&c.number, &c.title, &c.body, &c.issuer, &c.head, &c.date].into_iter().map(String::as_str))
    }
}

/// The budget estimate (經費概算表) with the actual figures beside it, one table per page
/// section, each with the signature row.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetDocument {
    /// 桃園市111學年度…
    pub title: String,
    /// The day it was printed: 中華民國112年7月7日.
    pub date: String,
    pub tables: Vec<BudgetTableDoc>,
    /// Column headings: 項次, 項目, 單價, 數量, 單位, 總價, 實支, 說明.
    pub headings: Vec<String>,
    /// 承辦人, 單位主管, 會計主任, 校長.
    pub signatures: Vec<String>,
    /// 合計
    pub total_label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BudgetTableDoc {
    pub title: String,
    pub rows: Vec<BudgetRowDoc>,
    pub total: String,
    pub actual: String,
    /// 概算 80,000 元，實支 35,800 元，尚餘 44,200 元
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BudgetRowDoc {
    pub no: String,
    pub item: String,
    pub unit_price: String,
    pub quantity: String,
    pub unit: String,
    pub total: String,
    /// The actual so far ("—" when none yet); marked when over the estimate.
    pub actual: String,
    pub over: bool,
    pub note: String,
}

pub const BUDGET: &str = include_str!("../templates/budget.typ");

impl BudgetDocument {
    pub fn render(&self, typesetter: &Typesetter, today: (i32, u8, u8)) -> Result<Vec<u8>, PdfError> {
        typesetter.render(BUDGET, self, today)
    }
}

/// The presentation day's handbook (成果發表會手冊): cover, programme, the awarded communities
/// by group and level, and each top-level team's summary.
#[derive(Debug, Clone, Serialize)]
pub struct HandbookDocument {
    /// The plan's title.
    pub title: String,
    /// 成果發表會手冊
    pub name: String,
    /// 112年7月7日(星期五)
    pub date: String,
    pub venue: String,
    pub issuer: String,
    pub agenda: Vec<HandbookAgendaLine>,
    pub groups: Vec<HandbookGroup>,
    pub stories: Vec<HandbookStory>,
    pub notes: Vec<String>,
    /// Headings in the document's language: programme, time, item, speaker, winners, award,
    /// school, community, convener, stories, notes.
    pub headings: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HandbookAgendaLine {
    pub time: String,
    pub item: String,
    pub speaker: String,
    pub teams: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HandbookGroup {
    pub name: String,
    /// (award, school, community, convener)
    pub rows: Vec<[String; 4]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HandbookStory {
    pub heading: String,
    pub summary: String,
}

pub const HANDBOOK: &str = include_str!("../templates/handbook.typ");

impl HandbookDocument {
    pub fn render(&self, typesetter: &Typesetter, today: (i32, u8, u8)) -> Result<Vec<u8>, PdfError> {
        typesetter.render(HANDBOOK, self, today)
    }
}

/// The paper sign-in sheet (簽到表) for when phones fail: everyone with a place, by school in
/// the list's order, with columns to sign and write the time in and out.
#[derive(Debug, Clone, Serialize)]
pub struct SigninDocument {
    /// 桃園市111學年度…
    pub title: String,
    /// 績優社群成果發表會　簽到表
    pub name: String,
    /// 112年7月7日(星期五)　桃園市西門國小
    pub subtitle: String,
    /// 編號, 學校, 姓名, 職稱, 餐食, 簽到, 時間, 簽退, 時間
    pub headings: Vec<String>,
    pub rows: Vec<SigninRow>,
    /// Blank lines at the end for walk-ins.
    pub blank: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SigninRow {
    pub no: String,
    pub school: String,
    pub name: String,
    pub title: String,
    pub meal: String,
}

pub const SIGNIN: &str = include_str!("../templates/signin.typ");

impl SigninDocument {
    pub fn render(&self, typesetter: &Typesetter, today: (i32, u8, u8)) -> Result<Vec<u8>, PdfError> {
        typesetter.render(SIGNIN, self, today)
    }
}
