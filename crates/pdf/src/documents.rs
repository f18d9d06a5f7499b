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
        typesetter.render(RESULTS, self, today)
    }
}
