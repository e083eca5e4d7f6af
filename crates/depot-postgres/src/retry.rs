//! RetryPolicy: how long a statement may wait for a lock, and how a phase that gave up waiting
//! (`lock_not_available`) is retried: exponential backoff with full jitter, a bounded number of
//! times. A short lock wait keeps a migration from queueing every other query of the table
//! behind it; the retries give it many chances to find a quiet moment.

use std::time::Duration;

use depot_core::dataset::MigrationOptions;
use rand::Rng;

/// The `lock_timeout` of a dataset that sets no `migrationOptions.lockTimeoutMs`. A writer that
/// queues behind a migration statement waiting for its lock (behind a long reader) stalls for as
/// long as that statement waits: one second keeps the worst write stall under 1.5 s (README,
/// "Online migrations": measured by `make bench-stall`), where the earlier 2 s let it reach 2 s.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_millis(1000);

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
    /// Twelve attempts of one second's lock wait, with backoff between them: about as patient
    /// with a long reader in all (some 20 s) as the earlier eight attempts of two seconds, in
    /// shorter stalls for the table's writers.
    fn default() -> RetryPolicy {
        RetryPolicy {
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(3),
            max_attempts: 12,
        }
    }
}

impl RetryPolicy {
    /// The policy of a dataset's migrations: its `lockTimeoutMs` when it sets one, else
    /// [`DEFAULT_LOCK_TIMEOUT`].
    pub fn for_dataset(options: &MigrationOptions) -> RetryPolicy {
        let mut policy = RetryPolicy::default();
        if let Some(ms) = options.lock_timeout_ms {
            policy.lock_timeout = Duration::from_millis(u64::from(ms));
        }
        policy
    }

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
        assert_eq!(p.lock_timeout_sql(), "'1000ms'");
        assert!(p.may_retry(11));
        assert!(!p.may_retry(12));
    }

    #[test]
    fn a_dataset_sets_its_own_lock_timeout() {
        let mut options = MigrationOptions {
            migration_mode: depot_core::dataset::MigrationMode::Synchronous {
                event_bus_arn: None,
            },
            trigger_seeding: false,
            allowed_hazards: Default::default(),
            lock_timeout_ms: None,
        };
        assert_eq!(RetryPolicy::for_dataset(&options), RetryPolicy::default());
        options.lock_timeout_ms = Some(250);
        let p = RetryPolicy::for_dataset(&options);
        assert_eq!(p.lock_timeout_sql(), "'250ms'");
        assert_eq!(p.max_attempts, RetryPolicy::default().max_attempts);
    }
}
