//! Limits on guessing passwords and on asking for reset links, in memory, over a sliding
//! window. Time comes from the application's clock, so tests move it instead of waiting.
//!
//! Sign-in failures count three ways:
//! - per account *and* client address: five wrong passwords from one place stop that place
//!   from trying that account for a while — the owner, elsewhere, is not locked out;
//! - per client address: thirty failures from one place (a school shares one address) stop
//!   sign-ins from it for a while;
//! - per account from anywhere: past ten failures in the window each further attempt waits a
//!   little longer (2, 4, 8 … seconds, at most a minute) after the last one. Guessing from
//!   many addresses slows to a crawl; the owner waits seconds, never a quarter of an hour.
//!
//! Password-reset requests count apart (per address and per account), so asking for links —
//! for real addresses or made-up ones — never stops anyone from signing in.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Wrong passwords for one account from one address within [`WINDOW`].
pub const PER_ACCOUNT_AND_ADDRESS: usize = 5;
/// Failed sign-ins from one client address within [`WINDOW`] (a school shares one address).
pub const PER_ADDRESS: usize = 30;
/// Failed sign-ins for one account, from anywhere, before each attempt waits longer.
pub const SLOW_DOWN_AFTER: usize = 10;
/// The longest wait between attempts on one account.
pub const MAX_SLOW_DOWN_SECS: i64 = 60;
/// Reset links asked for from one address within [`WINDOW`].
pub const RESETS_PER_ADDRESS: usize = 20;
/// Reset links asked for one account within [`WINDOW`] (a mailbox is not flooded).
pub const RESETS_PER_ACCOUNT: usize = 3;
pub const WINDOW: Duration = Duration::minutes(15);
/// Visit requests (the public lecturer form) from one address within [`WINDOW`].
pub const VISITS_PER_ADDRESS: usize = 5;
/// Registrations for the presentation day from one address within [`WINDOW`] (a school's
/// office may register its one teacher; a district's shared address several schools').
pub const REGISTRATIONS_PER_ADDRESS: usize = 30;

#[derive(Default)]
pub struct LoginLimiter {
    events: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

fn account(email: &str) -> String {
    email.trim().to_lowercase()
}

impl LoginLimiter {
    /// The events under `key` still inside the window.
    fn recent<'a>(
        events: &'a mut HashMap<String, VecDeque<DateTime<Utc>>>,
        key: &str,
        now: DateTime<Utc>,
    ) -> Option<&'a VecDeque<DateTime<Utc>>> {
        let times = events.get_mut(key)?;
        while times.front().is_some_and(|t| *t + WINDOW <= now) {
            times.pop_front();
        }
        Some(times)
    }

    /// Seconds until `key` is under `limit` again, if it is at it.
    fn wait_for(
        events: &mut HashMap<String, VecDeque<DateTime<Utc>>>,
        key: &str,
        limit: usize,
        now: DateTime<Utc>,
    ) -> u64 {
        match Self::recent(events, key, now) {
            Some(times) if times.len() >= limit => {
                let oldest = times[times.len() - limit];
                (oldest + WINDOW - now).num_seconds().max(1) as u64
            }
            _ => 0,
        }
    }

    fn record(&self, keys: &[String], now: DateTime<Utc>) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            events.entry(key.clone()).or_default().push_back(now);
        }
        // Keep memory bounded under a spray of made-up addresses.
        if events.len() > 100_000 {
            events.retain(|_, times| times.back().is_some_and(|t| *t + WINDOW > now));
        }
    }

    /// `Err(seconds to wait)` when a sign-in for `email` from `address` must wait.
    pub fn check(&self, email: &str, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let email = account(email);
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Self::wait_for(&mut events, &format!("pair:{email}|{address}"), PER_ACCOUNT_AND_ADDRESS, now)
            .max(Self::wait_for(&mut events, &format!("address:{address}"), PER_ADDRESS, now));
        if let Some(times) = Self::recent(&mut events, &format!("account:{email}"), now)
            && times.len() >= SLOW_DOWN_AFTER
            && let Some(last) = times.back()
        {
            let over = (times.len() - SLOW_DOWN_AFTER) as u32;
            let gap = 2i64.saturating_pow(over + 1).min(MAX_SLOW_DOWN_SECS);
            let due = (*last + Duration::seconds(gap) - now).num_seconds();
            if due > 0 {
                wait = wait.max(due as u64);
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn record_failure(&self, email: &str, address: &str, now: DateTime<Utc>) {
        let email = account(email);
        self.record(
            &[format!("pair:{email}|{address}"), format!("address:{address}"), format!("account:{email}")],
            now,
        );
    }

    /// A successful sign-in clears the account's failures from that address and its slowdown
    /// (not the address's count).
    pub fn record_success(&self, email: &str, address: &str) {
        let email = account(email);
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events.remove(&format!("pair:{email}|{address}"));
        events.remove(&format!("account:{email}"));
    }

    /// `Err(seconds to wait)` when a reset link for `email` from `address` must wait; counted
    /// apart from sign-ins.
    pub fn check_reset(&self, email: &str, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let email = account(email);
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let wait = Self::wait_for(&mut events, &format!("reset-address:{address}"), RESETS_PER_ADDRESS, now)
            .max(Self::wait_for(&mut events, &format!("reset-account:{email}"), RESETS_PER_ACCOUNT, now));
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    /// `Err(seconds to wait)` when a visit request from `address` must wait (the public form
    /// sends e-mail: it must not be a way to flood mailboxes).
    pub fn check_visit(&self, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let wait = Self::wait_for(&mut events, &format!("visit-address:{address}"), VISITS_PER_ADDRESS, now);
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn record_visit(&self, address: &str, now: DateTime<Utc>) {
        self.record(&[format!("visit-address:{address}")], now);
    }

    pub fn check_registration(&self, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let wait =
            Self::wait_for(&mut events, &format!("registration-address:{address}"), REGISTRATIONS_PER_ADDRESS, now);
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn record_registration(&self, address: &str, now: DateTime<Utc>) {
        self.record(&[format!("registration-address:{address}")], now);
    }

    pub fn record_reset(&self, email: &str, address: &str, now: DateTime<Utc>) {
        let email = account(email);
        self.record(&[format!("reset-address:{address}"), format!("reset-account:{email}")], now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn five_wrong_passwords_stop_that_address_not_the_owner() {
        let limiter = LoginLimiter::default();
        for i in 0..PER_ACCOUNT_AND_ADDRESS {
            assert_eq!(limiter.check("a@x.tw", "6.6.6.6", t0()), Ok(()), "attempt {i}");
            limiter.record_failure("a@x.tw", "6.6.6.6", t0());
        }
        assert_eq!(limiter.check("A@x.tw ", "6.6.6.6", t0()), Err(15 * 60));
        assert_eq!(limiter.check("a@x.tw", "1.2.3.4", t0()), Ok(()), "the owner at school still signs in");
        assert_eq!(limiter.check("b@x.tw", "6.6.6.6", t0()), Ok(()), "another account from the same place");
        assert_eq!(limiter.check("a@x.tw", "6.6.6.6", t0() + WINDOW), Ok(()));
    }

    #[test]
    fn guessing_from_many_addresses_slows_down_but_never_locks_for_long() {
        let limiter = LoginLimiter::default();
        for i in 0..SLOW_DOWN_AFTER {
            limiter.record_failure("a@x.tw", &format!("10.0.0.{i}"), t0());
        }
        // The 11th attempt waits 2 s after the last failure, the next ones 4, 8 … up to 60.
        assert_eq!(limiter.check("a@x.tw", "1.2.3.4", t0()), Err(2));
        assert_eq!(limiter.check("a@x.tw", "1.2.3.4", t0() + Duration::seconds(2)), Ok(()));
        let mut now = t0();
        for i in 0..20 {
            now += Duration::seconds(61);
            limiter.record_failure("a@x.tw", &format!("10.0.1.{i}"), now);
        }
        let wait = limiter.check("a@x.tw", "1.2.3.4", now).unwrap_err();
        assert!(wait <= MAX_SLOW_DOWN_SECS as u64, "{wait}");
        // The owner signing in clears the slowdown.
        limiter.record_success("a@x.tw", "1.2.3.4");
        assert_eq!(limiter.check("a@x.tw", "1.2.3.4", now), Ok(()));
    }

    #[test]
    fn thirty_failures_from_one_address_stop_it() {
        let limiter = LoginLimiter::default();
        for i in 0..PER_ADDRESS {
            limiter.record_failure(&format!("t{i}@x.tw"), "1.2.3.4", t0());
        }
        assert!(limiter.check("new@x.tw", "1.2.3.4", t0()).is_err());
        assert_eq!(limiter.check("new@x.tw", "1.2.3.5", t0()), Ok(()));
    }

    #[test]
    fn reset_requests_never_stop_sign_ins() {
        let limiter = LoginLimiter::default();
        for i in 0..100 {
            if limiter.check_reset(&format!("nobody{i}@x.tw"), "1.2.3.4", t0()).is_ok() {
                limiter.record_reset(&format!("nobody{i}@x.tw"), "1.2.3.4", t0());
            }
        }
        assert!(limiter.check_reset("someone@x.tw", "1.2.3.4", t0()).is_err(), "resets from one address are limited");
        assert_eq!(limiter.check("teacher@x.tw", "1.2.3.4", t0()), Ok(()), "sign-ins from it are not");
        for _ in 0..RESETS_PER_ACCOUNT {
            limiter.record_reset("victim@x.tw", "5.5.5.5", t0());
        }
        assert!(limiter.check_reset("victim@x.tw", "5.5.5.6", t0()).is_err(), "one mailbox is not flooded");
        assert_eq!(limiter.check("victim@x.tw", "5.5.5.6", t0()), Ok(()));
    }
}
