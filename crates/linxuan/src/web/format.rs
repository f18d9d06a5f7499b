//! How the pages write moments, sizes and delays: one place for what every feature shows.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use linxuan_core::{roc, time};

use crate::web::ctx::Ctx;

/// `112/06/12 23:59:59` in Taipei time: how the office reads a moment.
pub fn local_time(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&time::ZONE);
    format!("{} {}", roc::format_slash(local.date_naive()), local.format("%H:%M:%S"))
}

/// A day as officials write it on a zh-TW page (`112年6月12日(星期一)`, ROC calendar), and as
/// English readers do on an English page (`Monday 12 June 2023`).
pub fn date_long(ctx: &Ctx, d: NaiveDate) -> String {
    date_long_in(ctx.lang, d)
}

/// [`date_long`] for a language.
pub fn date_long_in(lang: linxuan_core::Lang, d: NaiveDate) -> String {
    if lang == linxuan_core::Lang::En { d.format("%A %-d %B %Y").to_string() } else { roc::format_long_with_weekday(d) }
}

/// A day without its weekday: `112年6月12日`, `12 June 2023`.
pub fn date(ctx: &Ctx, d: NaiveDate) -> String {
    date_in(ctx.lang, d)
}

/// [`date`] for a language.
pub fn date_in(lang: linxuan_core::Lang, d: NaiveDate) -> String {
    if lang == linxuan_core::Lang::En { d.format("%-d %B %Y").to_string() } else { roc::format_long(d) }
}

/// `08:05` in Taipei time: a moment within a day that is known (the presentation day's desk).
pub fn clock(at: DateTime<Utc>) -> String {
    at.with_timezone(&time::ZONE).format("%H:%M").to_string()
}

/// Text made safe inside HTML or SVG markup (text and quoted attributes) built by hand.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `12.3 MB`
pub fn human_size(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1_000_000.0 {
        format!("{:.1} MB", b / 1_000_000.0)
    } else if b >= 1_000.0 {
        format!("{:.0} KB", b / 1_000.0)
    } else {
        format!("{bytes} B")
    }
}

/// A delay in the unit people would say it in: seconds under a minute, minutes under an hour,
/// hours under two days, then days — always rounded down, and never less than one of the unit
/// (25 seconds late is "25 seconds", not "1 hour").
pub fn delay_unit(by: Duration) -> (&'static str, i64) {
    let seconds = by.num_seconds().max(1);
    match seconds {
        s if s < 60 => ("seconds", s),
        s if s < 3_600 => ("minutes", s / 60),
        s if s < 48 * 3_600 => ("hours", s / 3_600),
        s => ("days", s / 86_400),
    }
}

/// How late something arrived: `逾期 25 秒`, `逾期 3 分鐘`, `逾期 5 小時`, `逾期 2 天`.
pub fn lateness(ctx: &Ctx, by: Duration) -> String {
    let (unit, n) = delay_unit(by);
    ctx.tf1(&format!("progress.late_{unit}"), "n", &n.to_string())
}

/// NT$ with thousands separators: `80,000`, `-1,200`.
pub fn money(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delay_is_said_in_its_own_unit() {
        assert_eq!(delay_unit(Duration::milliseconds(100)), ("seconds", 1));
        assert_eq!(delay_unit(Duration::seconds(25)), ("seconds", 25));
        assert_eq!(delay_unit(Duration::seconds(59)), ("seconds", 59));
        assert_eq!(delay_unit(Duration::seconds(60)), ("minutes", 1));
        assert_eq!(delay_unit(Duration::seconds(3_599)), ("minutes", 59));
        assert_eq!(delay_unit(Duration::hours(1)), ("hours", 1));
        assert_eq!(delay_unit(Duration::hours(47)), ("hours", 47));
        assert_eq!(delay_unit(Duration::hours(48)), ("days", 2));
    }
}
