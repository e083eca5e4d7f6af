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

/// How often a held lease is tried again while waiting.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

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

/// Takes the lease of `dataset_id` for `holder`, trying every [`POLL_INTERVAL`] for at most
/// `wait` ([`LocationError::Busy`] then).
pub async fn take(
    client: &SnowflakeClient,
    dataset_id: &str,
    holder: &str,
    ttl: Duration,
    wait: Duration,
) -> Result<(), LocationError> {
    let started = Instant::now();
    let sql = take_sql(dataset_id, holder, ttl);
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
        tokio::time::sleep(POLL_INTERVAL.min(wait - waited)).await;
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
