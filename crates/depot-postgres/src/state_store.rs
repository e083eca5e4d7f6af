//! The dataset state records of SPEC §7 in `__admin.dataset_state`, written with
//! compare-and-set on `version` so that two writers never overwrite each other.

use chrono::{DateTime, SecondsFormat, Utc};
use depot_deploy::{DatasetState, DatasetStatus, LocationError};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Row};

use crate::pg_error;

/// The state table's columns, in the order [`from_row`] reads them.
pub const COLUMNS: &str = "id, alias, environment_id, version, synced, status, desired_version, \
     attempted_version, deployed_version, migration_id, plan_key, last_completed_phase, last_error";

/// The record of `dataset_id`, if any.
pub async fn load_state(
    client: &Client,
    dataset_id: &str,
) -> Result<Option<DatasetState>, LocationError> {
    let sql = format!("SELECT {COLUMNS} FROM __admin.dataset_state WHERE id = $1");
    let row = match client.query_opt(&sql, &[&dataset_id]).await {
        Ok(row) => row,
        // A database Depot never prepared holds no record (a preview reads it as it is).
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => None,
        Err(e) => {
            return Err(pg_error::location_error(
                &format!("reading the state of dataset {dataset_id}"),
                &e,
            ))
        }
    };
    row.as_ref().map(from_row).transpose()
}

/// The record whose id or alias is `alias_or_id` in `environment_id`. An id match wins over an
/// alias match, a live record over a deleted one, then the most recently synced.
pub async fn find_state(
    client: &Client,
    environment_id: &str,
    alias_or_id: &str,
) -> Result<Option<DatasetState>, LocationError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM __admin.dataset_state \
         WHERE environment_id = $1 AND (id = $2 OR alias = $2) \
         ORDER BY (id = $2) DESC, (status = 'DELETED') ASC, synced DESC \
         LIMIT 1"
    );
    let row = match client
        .query_opt(&sql, &[&environment_id, &alias_or_id])
        .await
    {
        Ok(row) => row,
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => None,
        Err(e) => {
            return Err(pg_error::location_error(
                &format!("finding dataset {alias_or_id} in environment {environment_id}"),
                &e,
            ))
        }
    };
    row.as_ref().map(from_row).transpose()
}

/// Writes `state` if the stored record still has `state.version` (0: no record yet) and returns
/// the stored record (version one more, `synced` now). [`LocationError::Conflict`] when another
/// writer got there first; nothing is written then.
pub async fn save_state(
    client: &Client,
    state: &DatasetState,
) -> Result<DatasetState, LocationError> {
    let last_completed_phase = state
        .last_completed_phase
        .map(i32::try_from)
        .transpose()
        .map_err(|_| {
            LocationError::Other(format!(
                "phase number {:?} is too large",
                state.last_completed_phase
            ))
        })?;
    let status = state.status.as_str();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 12] = [
        &state.id,
        &state.alias,
        &state.environment_id,
        &status,
        &state.desired_version,
        &state.attempted_version,
        &state.deployed_version,
        &state.migration_id,
        &state.plan_key,
        &last_completed_phase,
        &state.last_error,
        &state.version,
    ];
    let result = if state.version == 0 {
        let sql = format!(
            "INSERT INTO __admin.dataset_state ({COLUMNS}) \
             VALUES ($1, $2, $3, 1, now(), $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO NOTHING \
             RETURNING {COLUMNS}"
        );
        client.query_opt(&sql, &params[..11]).await
    } else {
        let sql = format!(
            "UPDATE __admin.dataset_state SET \
             alias = $2, environment_id = $3, status = $4, desired_version = $5, \
             attempted_version = $6, deployed_version = $7, migration_id = $8, plan_key = $9, \
             last_completed_phase = $10, last_error = $11, \
             version = version + 1, synced = now() \
             WHERE id = $1 AND version = $12 \
             RETURNING {COLUMNS}"
        );
        client.query_opt(&sql, &params).await
    };
    match result {
        Ok(Some(row)) => {
            let saved = from_row(&row)?;
            tracing::debug!(dataset_id = %saved.id, version = saved.version, "dataset state saved");
            Ok(saved)
        }
        Ok(None) => Err(LocationError::Conflict {
            dataset_id: state.id.clone(),
            expected: state.version,
        }),
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
            Err(LocationError::Other(format!(
                "alias {} is already used by another live dataset of environment {}",
                state.alias, state.environment_id
            )))
        }
        Err(e) => Err(pg_error::location_error(
            &format!("saving the state of dataset {}", state.id),
            &e,
        )),
    }
}

/// `synced` as SPEC §7 writes it: UTC ISO-8601 with milliseconds (`2025-05-12T11:51:06.589Z`).
pub fn format_synced(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A state table row (columns as in [`COLUMNS`]) as a record.
pub fn from_row(row: &Row) -> Result<DatasetState, LocationError> {
    let bad = |what: String| LocationError::Other(format!("unreadable dataset state: {what}"));
    let id: String = row.try_get(0).map_err(|e| bad(e.to_string()))?;
    let status: String = row.try_get(5).map_err(|e| bad(e.to_string()))?;
    let last_completed_phase: Option<i32> = row.try_get(11).map_err(|e| bad(e.to_string()))?;
    let get_text = |i: usize| -> Result<Option<String>, LocationError> {
        row.try_get(i).map_err(|e| bad(e.to_string()))
    };
    Ok(DatasetState {
        alias: row.try_get(1).map_err(|e| bad(e.to_string()))?,
        environment_id: row.try_get(2).map_err(|e| bad(e.to_string()))?,
        version: row.try_get(3).map_err(|e| bad(e.to_string()))?,
        synced: format_synced(row.try_get(4).map_err(|e| bad(e.to_string()))?),
        status: DatasetStatus::parse(&status)
            .ok_or_else(|| bad(format!("dataset {id} has status {status:?}")))?,
        desired_version: get_text(6)?,
        attempted_version: get_text(7)?,
        deployed_version: get_text(8)?,
        migration_id: get_text(9)?,
        plan_key: get_text(10)?,
        last_completed_phase: last_completed_phase
            .map(u32::try_from)
            .transpose()
            .map_err(|_| bad(format!("dataset {id} has a negative last_completed_phase")))?,
        last_error: get_text(12)?,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_synced_with_milliseconds() {
        let at = Utc.with_ymd_and_hms(2025, 5, 12, 11, 51, 6).unwrap()
            + chrono::Duration::microseconds(589_123);
        assert_eq!(format_synced(at), "2025-05-12T11:51:06.589Z");
    }
}
