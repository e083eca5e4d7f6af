//! RetryPolicy: how long a statement may wait for a lock, and how a phase that gave up waiting
//! (`lock_not_available`) is retried: exponential backoff with full jitter, a bounded number of
//! times. A short lock wait keeps a migration from queueing every other query of the table
//! behind it; the retries give it many chances to find a quiet moment.

use std::time::Duration;

use rand::Rng;

/// RetryPolicy bounds lock waits and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// `lock_timeout` of every migration statement.
    pub lock_timeout: Duration,
    /// The first retry waits up to this long; each next one up to twice as long...
    pub base_delay: Duration,
    /// ... but never more than this.
    pub max_delay: Duration,
    /// Attempts in all (the first one included) before the run fails.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            lock_timeout: Duration::from_secs(2),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(3),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The `lock_timeout` value as PostgreSQL reads it (`'2000ms'`).
    pub fn lock_timeout_sql(&self) -> String {
        format!("'{}ms'", self.lock_timeout.as_millis().max(1))
    }

    /// The ceiling of the wait before retry number `retry` (1 for the first retry).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait before retry number `retry`: uniformly drawn in `0..=ceiling` (full jitter), so
    /// that runs retrying together spread out.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry).as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(0..=ceiling))
    }

    /// True when another attempt is allowed after `attempts_made`.
    pub fn may_retry(&self, attempts_made: u32) -> bool {
        attempts_made < self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_exponentially_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.ceiling(1), Duration::from_millis(100));
        assert_eq!(p.ceiling(2), Duration::from_millis(200));
        assert_eq!(p.ceiling(5), Duration::from_millis(1600));
        assert_eq!(p.ceiling(6), Duration::from_secs(3));
        assert_eq!(p.ceiling(40), Duration::from_secs(3));
        for retry in 1..10 {
            assert!(p.delay(retry) <= p.ceiling(retry));
        }
        assert_eq!(p.lock_timeout_sql(), "'2000ms'");
        assert!(p.may_retry(7));
        assert!(!p.may_retry(8));
    }
}
