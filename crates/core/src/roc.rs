//! Dates in the Republic of China (民國) calendar, as Taiwanese officials write them.
//!
//! ROC year = Gregorian year − 1911, so 112年6月12日 is 2023-06-12. We read every form people
//! actually type — `112年6月12日`, `民國112年6月12日`, `112/06/12`, `112.6.12`, `112-06-12`,
//! `1120612`, full-width digits — and ISO `2023-06-12`; a date may carry its stated weekday,
//! `112年7月7日(星期五)`, which [`StatedDate`] keeps so the plan validator can check it.

use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Difference between the Gregorian and the ROC year.
pub const ROC_OFFSET: i32 = 1911;

/// Why a text is not a date we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("「{0}」is not a date; write it as 112年6月12日, 112/06/12, 1120612 or 2023-06-12")]
    Format(String),
    #[error("「{0}」is not a real calendar day")]
    NoSuchDay(String),
    #[error("「{0}」has a weekday we cannot read; write it as (星期五)")]
    Weekday(String),
}

impl DateError {
    /// The same message in Traditional Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            DateError::Format(s) => {
                format!("「{s}」不是日期，請寫成 112年6月12日、112/06/12、1120612 或 2023-06-12")
            }
            DateError::NoSuchDay(s) => format!("「{s}」不是存在的日期"),
            DateError::Weekday(s) => format!("「{s}」的星期寫法無法辨識，請寫成 (星期五)"),
        }
    }
}

/// Converts full-width digits and punctuation to ASCII and trims, so `１１２／０６／１２` reads.
fn normalise(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' => '/',
            '－' => '-',
            '．' => '.',
            '（' => '(',
            '）' => ')',
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

fn make_date(year: i32, month: u32, day: u32, original: &str) -> Result<NaiveDate, DateError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| DateError::NoSuchDay(original.into()))
}

/// Reads a date in any of the accepted forms (see the module documentation).
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let s = normalise(text);
    let format_error = || DateError::Format(text.trim().to_string());
    let s = s.strip_prefix("民國").unwrap_or(&s).trim();
    if s.is_empty() {
        return Err(format_error());
    }
    let number = |part: &str| -> Result<u32, DateError> {
        if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format_error());
        }
        part.parse().map_err(|_| format_error())
    };
    // 112年6月12日
    if let Some((year, rest)) = s.split_once('年') {
        let (month, rest) = rest.split_once('月').ok_or_else(format_error)?;
        let day = rest.strip_suffix('日').unwrap_or(rest);
        let (y, m, d) = (number(year.trim())?, number(month.trim())?, number(day.trim())?);
        if y == 0 || y > 999 {
            return Err(format_error());
        }
        return make_date(y as i32 + ROC_OFFSET, m, d, text.trim());
    }
    // 1120612 (ROC, 7 digits) or 990612 (ROC, 6 digits) or 20230612 (Gregorian, 8 digits)
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let (year, md) = match s.len() {
            6 | 7 => (s[..s.len() - 4].parse::<i32>().map_err(|_| format_error())? + ROC_OFFSET, &s[s.len() - 4..]),
            8 => (s[..4].parse::<i32>().map_err(|_| format_error())?, &s[4..]),
            _ => return Err(format_error()),
        };
        let m = md[..2].parse().map_err(|_| format_error())?;
        let d = md[2..].parse().map_err(|_| format_error())?;
        return make_date(year, m, d, text.trim());
    }
    // 112/06/12, 112.6.12, 112-06-12, 2023-06-12, 2023/6/12
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() == 3 {
        let (y, m, d) = (number(parts[0])?, number(parts[1])?, number(parts[2])?);
        let year = if parts[0].len() == 4 {
            y as i32
        } else if (1..=999).contains(&y) {
            y as i32 + ROC_OFFSET
        } else {
            return Err(format_error());
        };
        return make_date(year, m, d, text.trim());
    }
    Err(format_error())
}

/// The ROC year of a date (2023-06-12 → 112).
pub fn roc_year(date: NaiveDate) -> i32 {
    date.year() - ROC_OFFSET
}

/// `112年6月12日`
pub fn format_long(date: NaiveDate) -> String {
    format!("{}年{}月{}日", roc_year(date), date.month(), date.day())
}

/// `112/06/12`
pub fn format_slash(date: NaiveDate) -> String {
    format!("{}/{:02}/{:02}", roc_year(date), date.month(), date.day())
}

/// `1120612` (seven digits: 99年 is `0990612`)
pub fn format_compact(date: NaiveDate) -> String {
    format!("{:03}{:02}{:02}", roc_year(date), date.month(), date.day())
}

/// `112年6月12日(星期一)`
pub fn format_long_with_weekday(date: NaiveDate) -> String {
    format!("{}({})", format_long(date), weekday_zh(date.weekday()))
}

/// `星期一` … `星期日`
pub fn weekday_zh(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "星期一",
        Weekday::Tue => "星期二",
        Weekday::Wed => "星期三",
        Weekday::Thu => "星期四",
        Weekday::Fri => "星期五",
        Weekday::Sat => "星期六",
        Weekday::Sun => "星期日",
    }
}

/// Reads `星期五`, `週五`, `周五`, `禮拜五`, `五`, `Fri`, `Friday` (any case).
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    let t = normalise(text);
    let t = t.trim();
    let stripped = ["星期", "週", "周", "禮拜", "礼拜"].iter().find_map(|p| t.strip_prefix(p)).unwrap_or(t);
    let zh = match stripped {
        "一" => Some(Weekday::Mon),
        "二" => Some(Weekday::Tue),
        "三" => Some(Weekday::Wed),
        "四" => Some(Weekday::Thu),
        "五" => Some(Weekday::Fri),
        "六" => Some(Weekday::Sat),
        "日" | "天" => Some(Weekday::Sun),
        _ => None,
    };
    zh.or_else(|| t.parse::<Weekday>().ok())
}

/// A date in a plan, written in the ROC calendar. Reads every accepted form, writes `112年6月12日`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RocDate(pub NaiveDate);

impl RocDate {
    pub fn parse(text: &str) -> Result<Self, DateError> {
        parse_date(text).map(RocDate)
    }
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for RocDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_long(self.0))
    }
}

impl Serialize for RocDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_long(self.0))
    }
}

impl<'de> Deserialize<'de> for RocDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        RocDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A date as a document states it, with the weekday it claims: `112年7月7日(星期五)`.
///
/// The weekday is kept as written so that a date moved without its weekday (or a weekday
/// copied wrong, as in the seed's annex 1) is caught by validation rather than silently fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatedDate {
    pub date: NaiveDate,
    pub stated_weekday: Option<Weekday>,
}

impl StatedDate {
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let s = normalise(text);
        let (date_part, weekday) = match s.find('(') {
            Some(open) => {
                let inner = s[open + 1..].strip_suffix(')').ok_or_else(|| DateError::Weekday(text.trim().into()))?;
                let weekday = parse_weekday(inner).ok_or_else(|| DateError::Weekday(text.trim().into()))?;
                (s[..open].trim().to_string(), Some(weekday))
            }
            None => (s, None),
        };
        Ok(StatedDate { date: parse_date(&date_part)?, stated_weekday: weekday })
    }

    /// The stated date with its actual weekday: what a correct document would say.
    pub fn corrected(date: NaiveDate) -> Self {
        StatedDate { date, stated_weekday: Some(date.weekday()) }
    }

    /// `Some((stated, actual))` when the stated weekday is not the date's weekday.
    pub fn weekday_mismatch(&self) -> Option<(Weekday, Weekday)> {
        let actual = self.date.weekday();
        match self.stated_weekday {
            Some(stated) if stated != actual => Some((stated, actual)),
            _ => None,
        }
    }
}

impl fmt::Display for StatedDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_long(self.date))?;
        if let Some(w) = self.stated_weekday {
            write!(f, "({})", weekday_zh(w))?;
        }
        Ok(())
    }
}

impl Serialize for StatedDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for StatedDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        StatedDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reads_every_form_officials_write() {
        for text in [
            "112年6月12日",
            "民國112年6月12日",
            "112年06月12日",
            " 112 年 6 月 12 日 ",
            "112/06/12",
            "112/6/12",
            "112.6.12",
            "112-06-12",
            "1120612",
            "2023-06-12",
            "2023/6/12",
            "20230612",
            "１１２／０６／１２",
        ] {
            assert_eq!(parse_date(text), Ok(d(2023, 6, 12)), "{text}");
        }
        assert_eq!(parse_date("990612"), Ok(d(2010, 6, 12)));
        assert_eq!(parse_date("112年1月9日"), Ok(d(2023, 1, 9)));
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in ["", "abc", "112年13月1日", "112/02/30", "11206", "112/06", "0年1月1日", "2023-6-12-1"] {
            assert!(parse_date(text).is_err(), "{text} should be refused");
        }
        assert!(matches!(parse_date("112/02/30"), Err(DateError::NoSuchDay(_))));
        assert!(DateError::Format("x".into()).message_zh().contains("不是日期"));
    }

    #[test]
    fn writes_roc_forms() {
        let date = d(2023, 6, 12);
        assert_eq!(format_long(date), "112年6月12日");
        assert_eq!(format_slash(date), "112/06/12");
        assert_eq!(format_compact(date), "1120612");
        assert_eq!(format_long_with_weekday(date), "112年6月12日(星期一)");
    }

    #[test]
    fn catches_the_seeds_weekday_slip() {
        // Annex 1 of the seed: 111年7月7日(星期五) — 2022-07-07 was a Thursday.
        let annex = StatedDate::parse("111年7月7日(星期五)").unwrap();
        assert_eq!(annex.weekday_mismatch(), Some((Weekday::Fri, Weekday::Thu)));
        // The body: 112年7月7日（星期五） — 2023-07-07 is a Friday.
        let body = StatedDate::parse("112年7月7日（星期五）").unwrap();
        assert_eq!(body.weekday_mismatch(), None);
        assert_eq!(body.to_string(), "112年7月7日(星期五)");
        assert_eq!(StatedDate::parse("112年7月7日(週五)").unwrap().stated_weekday, Some(Weekday::Fri));
        assert_eq!(StatedDate::parse("2023-07-07 (Fri)").unwrap().stated_weekday, Some(Weekday::Fri));
        assert!(matches!(StatedDate::parse("112年7月7日(星期八)"), Err(DateError::Weekday(_))));
        assert_eq!(StatedDate::parse("112年7月7日").unwrap().stated_weekday, None);
    }

    proptest! {
        #[test]
        fn every_written_form_reads_back(days in 0i64..80_000) {
            let date = d(1912, 1, 1) + chrono::Duration::days(days);
            prop_assert_eq!(parse_date(&format_long(date)), Ok(date));
            prop_assert_eq!(parse_date(&format_slash(date)), Ok(date));
            prop_assert_eq!(parse_date(&format_compact(date)), Ok(date));
            prop_assert_eq!(parse_date(&date.format("%Y-%m-%d").to_string()), Ok(date));
            let stated = StatedDate::parse(&format_long_with_weekday(date)).unwrap();
            prop_assert_eq!(stated.date, date);
            prop_assert_eq!(stated.weekday_mismatch(), None);
        }
    }
}
