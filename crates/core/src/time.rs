//! Time as the programme counts it: Asia/Taipei, academic years from 1 August to 31 July,
//! deadlines that run to 23:59:59 local time of the stated day, and an injectable clock.

use std::sync::Mutex;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Taipei;
use chrono_tz::Tz;

/// The programme's time zone. Server time in this zone decides, never the client's.
pub const ZONE: Tz = Taipei;

/// Where "now" comes from. The server uses [`SystemClock`]; tests use [`FixedClock`], never
/// sleeps.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The real clock moved to another moment: it starts at `start` and runs at normal speed. For
/// demonstrations and browser tests of a past or future year (`LINXUAN_NOW`).
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    offset: chrono::Duration,
}

impl ShiftedClock {
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        ShiftedClock { offset: start - Utc::now() }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

/// A clock that stands still until told to move.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The instant a local Taipei date and time happens.
pub fn taipei(date: NaiveDate, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    let naive = date.and_hms_opt(hour, minute, second).expect("valid time of day");
    // Taipei has had no daylight saving since 1979, so the local time is never ambiguous.
    ZONE.from_local_datetime(&naive).single().expect("Taipei time is unambiguous").with_timezone(&Utc)
}

/// The first instant that is too late for a deadline on `day` (00:00:00 Taipei the day after).
pub fn deadline_end(day: NaiveDate) -> DateTime<Utc> {
    taipei(day.succ_opt().expect("date in range"), 0, 0, 0)
}

/// Whether `at` is on or before a deadline on `day` (inclusive to 23:59:59 Taipei).
pub fn is_on_time(at: DateTime<Utc>, day: NaiveDate) -> bool {
    at < deadline_end(day)
}

/// The local Taipei date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&ZONE).date_naive()
}

/// The academic year (學年度, ROC numbering) a date belongs to: 1 August to 31 July.
/// 2022-08-01 … 2023-07-31 is 111.
pub fn academic_year_of(date: NaiveDate) -> i32 {
    let start_year = if date.month() >= 8 { date.year() } else { date.year() - 1 };
    start_year - crate::roc::ROC_OFFSET
}

/// First and last day of an academic year (ROC numbering).
pub fn academic_year_span(year: i32) -> (NaiveDate, NaiveDate) {
    let start = year + crate::roc::ROC_OFFSET;
    (NaiveDate::from_ymd_opt(start, 8, 1).expect("valid"), NaiveDate::from_ymd_opt(start + 1, 7, 31).expect("valid"))
}

/// The semester (1 = August–January, 2 = February–July) of a date within an academic year,
/// or `None` when the date falls outside that year.
pub fn semester_of(date: NaiveDate, academic_year: i32) -> Option<u8> {
    if academic_year_of(date) != academic_year {
        return None;
    }
    Some(if date.month() >= 8 || date.month() == 1 { 1 } else { 2 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn deadline_is_inclusive_to_the_last_second_in_taipei() {
        let final_deadline = d(2023, 6, 12);
        assert!(is_on_time(taipei(final_deadline, 23, 59, 59), final_deadline));
        assert!(!is_on_time(taipei(d(2023, 6, 13), 0, 0, 0), final_deadline));
        // 23:59:59 Taipei is 15:59:59 UTC: a UTC-reading server must not shift the day.
        assert_eq!(taipei(final_deadline, 23, 59, 59).to_rfc3339(), "2023-06-12T15:59:59+00:00");
    }

    #[test]
    fn academic_years_run_august_to_july() {
        assert_eq!(academic_year_of(d(2022, 8, 1)), 111);
        assert_eq!(academic_year_of(d(2023, 7, 31)), 111);
        assert_eq!(academic_year_of(d(2023, 8, 1)), 112);
        assert_eq!(academic_year_span(111), (d(2022, 8, 1), d(2023, 7, 31)));
        assert_eq!(semester_of(d(2022, 9, 15), 111), Some(1));
        assert_eq!(semester_of(d(2023, 1, 31), 111), Some(1));
        assert_eq!(semester_of(d(2023, 2, 1), 111), Some(2));
        assert_eq!(semester_of(d(2023, 8, 1), 111), None);
    }

    #[test]
    fn a_shifted_clock_runs_from_its_start() {
        let start = taipei(d(2023, 3, 1), 10, 0, 0);
        let clock = ShiftedClock::starting_at(start);
        let now = clock.now();
        assert!(now >= start && now - start < chrono::Duration::seconds(5));
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let clock = FixedClock::new(taipei(d(2023, 6, 12), 12, 0, 0));
        let before = clock.now();
        clock.advance(chrono::Duration::hours(12));
        assert_eq!(clock.now() - before, chrono::Duration::hours(12));
        assert_eq!(local_date(clock.now()), d(2023, 6, 13));
    }
}
