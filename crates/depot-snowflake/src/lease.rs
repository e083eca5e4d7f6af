//! The per-dataset lease: one migration at a time per dataset (SPEC §7). Snowflake has no
//! advisory locks, so the lock is a row of `__ADMIN.DATASET_LEASE` with a holder and an expiry:
//! taken by a MERGE (Snowflake serializes MERGEs on a table, so two takers cannot both win),
//! renewed as the run goes on, and released by its holder. A killed holder's lease expires
//! after its time-to-live, and the next taker takes it over.

use std::time::{Duration, Instant};

use depot_deploy::LocationError;

use crate::admin::{other, LEASE_TABLE};
use crate::client::SnowflakeClient;
use crate::literal::quote;

/// While the lease is held elsewhere, the first retry waits up to this long, each next one up
/// to twice as long...
pub const FIRST_RETRY_CEILING: Duration = Duration::from_millis(250);
/// ... but never more than this. Each try is a MERGE that a warehouse runs: takers waiting
/// together back off, with full jitter so that they do not retry in step.
pub const MAX_RETRY_CEILING: Duration = Duration::from_secs(4);

/// The ceiling of the wait before retry number `retry` (1 for the first).
fn retry_ceiling(retry: u32) -> Duration {
    let factor = 1u32
        .checked_shl(retry.saturating_sub(1))
        .unwrap_or(u32::MAX);
    FIRST_RETRY_CEILING
        .checked_mul(factor)
        .unwrap_or(MAX_RETRY_CEILING)
        .min(MAX_RETRY_CEILING)
}

/// The wait before retry number `retry`: uniformly drawn in `0..=ceiling` (full jitter).
fn retry_delay(retry: u32) -> Duration {
    use rand::Rng;
    let ceiling = retry_ceiling(retry).as_millis() as u64;
    Duration::from_millis(rand::rng().random_range(0..=ceiling))
}

/// The MERGE that takes the lease of `dataset_id` for `holder` when it is free, expired, or
/// already `holder`'s, for `ttl`.
pub fn take_sql(dataset_id: &str, holder: &str, ttl: Duration) -> String {
    let expires = format!(
        "DATEADD(SECOND, {}, CURRENT_TIMESTAMP())",
        ttl.as_secs().max(1)
    );
    format!(
        "MERGE INTO {LEASE_TABLE} L USING (SELECT {id} AS DATASET_ID) S \
         ON L.DATASET_ID = S.DATASET_ID \
         WHEN MATCHED AND (L.EXPIRES_AT < CURRENT_TIMESTAMP() OR L.HOLDER = {holder}) \
         THEN UPDATE SET HOLDER = {holder}, EXPIRES_AT = {expires} \
         WHEN NOT MATCHED THEN INSERT (DATASET_ID, HOLDER, EXPIRES_AT) \
         VALUES (S.DATASET_ID, {holder}, {expires})",
        id = quote(dataset_id),
        holder = quote(holder),
    )
}

/// Takes the lease of `dataset_id` for `holder`, retrying with exponential backoff and full
/// jitter ([`FIRST_RETRY_CEILING`] doubling up to [`MAX_RETRY_CEILING`]) for at most `wait`
/// ([`LocationError::Busy`] then).
pub async fn take(
    client: &SnowflakeClient,
    dataset_id: &str,
    holder: &str,
    ttl: Duration,
    wait: Duration,
) -> Result<(), LocationError> {
    let started = Instant::now();
    let sql = take_sql(dataset_id, holder, ttl);
    let mut retries = 0;
    loop {
        let taken = client
            .merged_rows(&sql)
            .await
            .map_err(|e| other(&format!("taking the lease of dataset {dataset_id}"), e))?;
        if taken > 0 {
            tracing::info!(
                dataset_id,
                waited_ms = started.elapsed().as_millis() as u64,
                "dataset lease taken"
            );
            return Ok(());
        }
        let waited = started.elapsed();
        if waited >= wait {
            return Err(LocationError::Busy {
                dataset_id: dataset_id.to_string(),
                waited,
            });
        }
        tracing::debug!(dataset_id, "dataset lease held elsewhere; waiting");
        retries += 1;
        tokio::time::sleep(retry_delay(retries).min(wait - waited)).await;
    }
}

/// Extends `holder`'s lease of `dataset_id` by `ttl` from now. Err when the lease is no longer
/// `holder`'s (it expired and someone took it): the run must stop.
pub async fn renew(
    client: &SnowflakeClient,
    dataset_id: &str,
    holder: &str,
    ttl: Duration,
) -> Result<(), String> {
    let renewed = client
        .affected_rows(&format!(
            "UPDATE {LEASE_TABLE} SET EXPIRES_AT = DATEADD(SECOND, {}, CURRENT_TIMESTAMP()) \
             WHERE DATASET_ID = {} AND HOLDER = {}",
            ttl.as_secs().max(1),
            quote(dataset_id),
            quote(holder)
        ))
        .await
        .map_err(|e| format!("renewing the lease of dataset {dataset_id}: {e}"))?;
    if renewed == 0 {
        return Err(format!(
            "the lease of dataset {dataset_id} expired and was taken by another migration; \
             stopped (raise the lease time-to-live if phases run longer)"
        ));
    }
    Ok(())
}

/// Releases `holder`'s lease of `dataset_id`. Releasing a lease not held is logged only.
pub async fn release(
    client: &SnowflakeClient,
    dataset_id: &str,
    holder: &str,
) -> Result<(), LocationError> {
    let released = client
        .affected_rows(&format!(
            "DELETE FROM {LEASE_TABLE} WHERE DATASET_ID = {} AND HOLDER = {}",
            quote(dataset_id),
            quote(holder)
        ))
        .await
        .map_err(|e| other(&format!("releasing the lease of dataset {dataset_id}"), e))?;
    if released == 0 {
        tracing::warn!(dataset_id, "dataset lease was not held by this session");
    } else {
        tracing::info!(dataset_id, "dataset lease released");
    }
    Ok(())
}

/// Whether an unexpired lease holds `dataset_id` now (a migration is running).
pub async fn is_held(client: &SnowflakeClient, dataset_id: &str) -> Result<bool, LocationError> {
    let rows = client
        .query(&format!(
            "SELECT COUNT(*)::VARCHAR FROM {LEASE_TABLE} WHERE DATASET_ID = {} \
             AND EXPIRES_AT > CURRENT_TIMESTAMP()",
            crate::literal::quote(dataset_id)
        ))
        .await
        .map_err(|e| other("reading the dataset lease", e))?;
    Ok(rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lease_is_retried_with_exponential_backoff_and_full_jitter() {
        assert_eq!(retry_ceiling(1), Duration::from_millis(250));
        assert_eq!(retry_ceiling(2), Duration::from_millis(500));
        assert_eq!(retry_ceiling(4), Duration::from_secs(2));
        assert_eq!(retry_ceiling(5), MAX_RETRY_CEILING);
        assert_eq!(retry_ceiling(64), MAX_RETRY_CEILING);
        for retry in 1..12 {
            assert!(retry_delay(retry) <= retry_ceiling(retry));
        }
        // Full jitter: the waits spread over the range instead of all taking the ceiling.
        let draws: std::collections::BTreeSet<_> = (0..50).map(|_| retry_delay(5)).collect();
        assert!(draws.len() > 1, "{draws:?}");
    }
}
