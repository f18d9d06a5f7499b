//! Linxuan's pure domain core: the plan, ROC calendar dates, deadlines, scoring and award
//! allocation. Nothing here does I/O or async work; everything else in Linxuan calls it.

pub mod allocation;
pub mod budget;
pub mod event;
pub mod filetype;
#[doc(hidden)]
pub mod fuzzing;
pub mod number;
pub mod outcomes;
pub mod people;
pub mod plan;
pub mod progress;
pub mod review;
pub mod roc;
pub mod text;
pub mod time;

/// The languages Linxuan speaks: Traditional Chinese first, English second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    ZhTw,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }

    /// Reads `zh-TW`, `zh_TW.UTF-8`, `zh`, `en`, `en-US`…; anything else is `None`.
    pub fn parse(text: &str) -> Option<Lang> {
        let t = text.trim().to_ascii_lowercase();
        if t.starts_with("zh") {
            Some(Lang::ZhTw)
        } else if t.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}
