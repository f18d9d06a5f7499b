//! Login attempt limits, in memory: per account and per client address, over a sliding window.
//! Time comes from the application's clock, so tests move it instead of waiting.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Failed sign-ins allowed per e-mail address within [`WINDOW`].
pub const PER_ACCOUNT: usize = 5;
/// Failed sign-ins allowed per client address within [`WINDOW`] (a school shares one address).
pub const PER_ADDRESS: usize = 30;
pub const WINDOW: Duration = Duration::minutes(15);

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl LoginLimiter {
    fn keys(email: &str, address: &str) -> [(String, usize); 2] {
        [(format!("account:{}", email.trim().to_lowercase()), PER_ACCOUNT), (format!("address:{address}"), PER_ADDRESS)]
    }

    /// `Err(seconds to wait)` when either limit is reached.
    pub fn check(&self, email: &str, address: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = 0;
        for (key, limit) in Self::keys(email, address) {
            if let Some(times) = failures.get_mut(&key) {
                while times.front().is_some_and(|t| *t + WINDOW <= now) {
                    times.pop_front();
                }
                if times.len() >= limit
                    && let Some(oldest) = times.front()
                {
                    wait = wait.max((*oldest + WINDOW - now).num_seconds().max(1) as u64);
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn record_failure(&self, email: &str, address: &str, now: DateTime<Utc>) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in Self::keys(email, address) {
            failures.entry(key).or_default().push_back(now);
        }
        // Keep memory bounded under a spray of made-up addresses.
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.back().is_some_and(|t| *t + WINDOW > now));
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("account:{}", email.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_an_account_after_five_failures_until_the_window_passes() {
        let limiter = LoginLimiter::default();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for i in 0..PER_ACCOUNT {
            assert_eq!(limiter.check("a@x.tw", "1.2.3.4", t0), Ok(()), "attempt {i}");
            limiter.record_failure("a@x.tw", "1.2.3.4", t0);
        }
        assert_eq!(limiter.check("A@x.tw ", "1.2.3.4", t0), Err(15 * 60));
        assert_eq!(limiter.check("b@x.tw", "1.2.3.4", t0), Ok(()), "another account from the same school");
        assert_eq!(limiter.check("a@x.tw", "1.2.3.4", t0 + WINDOW), Ok(()));
    }
}
