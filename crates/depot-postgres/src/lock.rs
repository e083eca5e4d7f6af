//! The per-dataset lock: one migration at a time per dataset (SPEC §7), as a PostgreSQL
//! session-level advisory lock. The server releases it when the session ends, so a killed
//! runner never leaves a dataset locked.

use std::time::{Duration, Instant};

use depot_deploy::LocationError;
use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::pg_error;

/// How often a held lock is tried again while waiting.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The advisory lock key of `dataset_id`: the first 8 bytes of
/// sha256("depot-dataset:" + dataset_id), big-endian, as a signed 64-bit integer.
pub fn dataset_lock_key(dataset_id: &str) -> i64 {
    advisory_key(&format!("depot-dataset:{dataset_id}"))
}

/// An advisory lock key derived from `name` (first 8 bytes of its sha256).
pub fn advisory_key(name: &str) -> i64 {
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Takes the lock of `dataset_id`, trying every [`POLL_INTERVAL`] for at most `wait`
/// ([`LocationError::Busy`] then). Taking it twice in one session nests (two unlocks needed).
pub async fn lock_dataset(
    client: &Client,
    dataset_id: &str,
    wait: Duration,
) -> Result<(), LocationError> {
    let key = dataset_lock_key(dataset_id);
    let started = Instant::now();
    loop {
        let row = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
            .await
            .map_err(|e| pg_error::location_error("taking the dataset lock", &e))?;
        if row.get::<_, bool>(0) {
            tracing::info!(
                dataset_id,
                waited_ms = started.elapsed().as_millis() as u64,
                "dataset lock taken"
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
        tracing::debug!(dataset_id, "dataset lock held elsewhere; waiting");
        tokio::time::sleep(POLL_INTERVAL.min(wait - waited)).await;
    }
}

/// Releases the lock of `dataset_id` taken by this session. Releasing a lock this session does
/// not hold is logged and otherwise ignored.
pub async fn unlock_dataset(client: &Client, dataset_id: &str) -> Result<(), LocationError> {
    let key = dataset_lock_key(dataset_id);
    let row = client
        .query_one("SELECT pg_advisory_unlock($1)", &[&key])
        .await
        .map_err(|e| pg_error::location_error("releasing the dataset lock", &e))?;
    if row.get::<_, bool>(0) {
        tracing::info!(dataset_id, "dataset lock released");
    } else {
        tracing::warn!(dataset_id, "dataset lock was not held by this session");
    }
    Ok(())
}

/// Whether any session holds the lock of `dataset_id` now (a migration is running). Read from
/// `pg_locks`, where a bigint advisory key shows as its high half (`classid`) and low half
/// (`objid`), so the probe takes nothing and waits for nothing.
pub async fn is_locked(client: &Client, dataset_id: &str) -> Result<bool, LocationError> {
    let key = dataset_lock_key(dataset_id);
    let high = (key >> 32) as u32;
    let low = key as u32;
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks \
             WHERE locktype = 'advisory' AND granted AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) \
             AND classid = $1 AND objid = $2)",
            &[&high, &low],
        )
        .await
        .map_err(|e| pg_error::location_error("reading the dataset lock", &e))?;
    Ok(row.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_distinct() {
        assert_eq!(
            dataset_lock_key("6d9c7969f0b1"),
            dataset_lock_key("6d9c7969f0b1")
        );
        assert_ne!(
            dataset_lock_key("6d9c7969f0b1"),
            dataset_lock_key("9afc0c483ed3")
        );
        let digest = Sha256::digest(b"depot-dataset:abc");
        let expected = i64::from_be_bytes(digest[..8].try_into().unwrap());
        assert_eq!(dataset_lock_key("abc"), expected);
    }
}
