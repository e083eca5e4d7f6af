//! The dataset state records of SPEC §7 in `__ADMIN.DATASET_STATE`, written with compare-and-set
//! on `VERSION`. Snowflake has no bind parameters in `snowflake-api`, so every value is written
//! as a quoted literal ([`crate::literal::quote`]); every value read is cast to VARCHAR.

use chrono::{DateTime, SecondsFormat};
use depot_deploy::{DatasetState, DatasetStatus, LocationError};

use crate::admin::{other, STATE_TABLE};
use crate::client::{Row, SnowflakeClient};
use crate::literal::quote;

/// The state table's columns, read as text in the order [`from_row`] reads them. `SYNCED` is
/// read as epoch milliseconds, which every Snowflake session prints alike.
const SELECT: &str = "SELECT ID, ALIAS, ENVIRONMENT_ID, VERSION::VARCHAR, \
     DATE_PART(EPOCH_MILLISECOND, SYNCED)::VARCHAR, STATUS, DESIRED_VERSION, ATTEMPTED_VERSION, \
     DEPLOYED_VERSION, MIGRATION_ID, PLAN_KEY, LAST_COMPLETED_PHASE::VARCHAR, LAST_ERROR \
     FROM __ADMIN.DATASET_STATE";

/// The record of `dataset_id`, if any.
pub async fn load_state(
    client: &SnowflakeClient,
    dataset_id: &str,
) -> Result<Option<DatasetState>, LocationError> {
    let rows = client
        .query(&format!("{SELECT} WHERE ID = {}", quote(dataset_id)))
        .await
        .map_err(|e| other(&format!("reading the state of dataset {dataset_id}"), e))?;
    rows.first().map(from_row).transpose()
}

/// The record whose id or alias is `alias_or_id` in `environment_id`. An id match wins over an
/// alias match, a live record over a deleted one, then the most recently synced.
pub async fn find_state(
    client: &SnowflakeClient,
    environment_id: &str,
    alias_or_id: &str,
) -> Result<Option<DatasetState>, LocationError> {
    let key = quote(alias_or_id);
    let sql = format!(
        "{SELECT} WHERE ENVIRONMENT_ID = {} AND (ID = {key} OR ALIAS = {key}) \
         ORDER BY CASE WHEN ID = {key} THEN 0 ELSE 1 END, \
         CASE WHEN STATUS = 'DELETED' THEN 1 ELSE 0 END, SYNCED DESC LIMIT 1",
        quote(environment_id)
    );
    let rows = client.query(&sql).await.map_err(|e| {
        other(
            &format!("finding dataset {alias_or_id} in environment {environment_id}"),
            e,
        )
    })?;
    rows.first().map(from_row).transpose()
}

/// Writes `state` if the stored record still has `state.version` (0: no record yet) and returns
/// the stored record (version one more, `synced` now). [`LocationError::Conflict`] when another
/// writer got there first; nothing is written then.
///
/// A new record goes in through a MERGE (Snowflake serializes MERGEs on a table, and does not
/// enforce the primary key, so two INSERTs could both land); an update is an UPDATE guarded by
/// the version it read.
pub async fn save_state(
    client: &SnowflakeClient,
    state: &DatasetState,
) -> Result<DatasetState, LocationError> {
    let text = |v: &Option<String>| v.as_deref().map_or_else(|| "NULL".to_string(), quote);
    let phase = state
        .last_completed_phase
        .map_or_else(|| "NULL".to_string(), |p| p.to_string());
    let id = quote(&state.id);
    let written = if state.version == 0 {
        let sql = format!(
            "MERGE INTO {STATE_TABLE} T USING (SELECT {id} AS ID) S ON T.ID = S.ID \
             WHEN NOT MATCHED THEN INSERT (ID, ALIAS, ENVIRONMENT_ID, VERSION, SYNCED, STATUS, \
             DESIRED_VERSION, ATTEMPTED_VERSION, DEPLOYED_VERSION, MIGRATION_ID, PLAN_KEY, \
             LAST_COMPLETED_PHASE, LAST_ERROR) VALUES (S.ID, {}, {}, 1, CURRENT_TIMESTAMP(), {}, \
             {}, {}, {}, {}, {}, {phase}, {})",
            quote(&state.alias),
            quote(&state.environment_id),
            quote(state.status.as_str()),
            text(&state.desired_version),
            text(&state.attempted_version),
            text(&state.deployed_version),
            text(&state.migration_id),
            text(&state.plan_key),
            text(&state.last_error),
        );
        client.merged_rows(&sql).await
    } else {
        let sql = format!(
            "UPDATE {STATE_TABLE} SET ALIAS = {}, ENVIRONMENT_ID = {}, STATUS = {}, \
             DESIRED_VERSION = {}, ATTEMPTED_VERSION = {}, DEPLOYED_VERSION = {}, \
             MIGRATION_ID = {}, PLAN_KEY = {}, LAST_COMPLETED_PHASE = {phase}, LAST_ERROR = {}, \
             VERSION = VERSION + 1, SYNCED = CURRENT_TIMESTAMP() \
             WHERE ID = {id} AND VERSION = {}",
            quote(&state.alias),
            quote(&state.environment_id),
            quote(state.status.as_str()),
            text(&state.desired_version),
            text(&state.attempted_version),
            text(&state.deployed_version),
            text(&state.migration_id),
            text(&state.plan_key),
            text(&state.last_error),
            state.version,
        );
        client.affected_rows(&sql).await
    }
    .map_err(|e| other(&format!("saving the state of dataset {}", state.id), e))?;
    if written == 0 {
        return Err(LocationError::Conflict {
            dataset_id: state.id.clone(),
            expected: state.version,
        });
    }
    let saved = load_state(client, &state.id).await?.ok_or_else(|| {
        LocationError::Other(format!(
            "the state of dataset {} disappeared right after it was saved",
            state.id
        ))
    })?;
    tracing::debug!(dataset_id = %saved.id, version = saved.version, "dataset state saved");
    Ok(saved)
}

/// Records that `phase` is the last completed phase of `dataset_id` (None: no phase of the plan
/// is applied, after an undo) (a change of the record: its version goes up, as every change
/// does).
pub async fn record_phase(
    client: &SnowflakeClient,
    dataset_id: &str,
    phase: Option<u32>,
) -> Result<(), crate::client::SnowflakeError> {
    let phase = phase.map_or_else(|| "NULL".to_string(), |p| p.to_string());
    client
        .execute(&format!(
            "UPDATE {STATE_TABLE} SET LAST_COMPLETED_PHASE = {phase}, VERSION = VERSION + 1, \
             SYNCED = CURRENT_TIMESTAMP() WHERE ID = {}",
            quote(dataset_id)
        ))
        .await
}

/// `synced` as SPEC §7 writes it, from epoch milliseconds.
pub fn format_synced(epoch_millis: i64) -> Option<String> {
    DateTime::from_timestamp_millis(epoch_millis)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// A state table row (columns in the order the module's SELECT reads them) as a record.
pub fn from_row(row: &Row) -> Result<DatasetState, LocationError> {
    let bad = |what: String| LocationError::Other(format!("unreadable dataset state: {what}"));
    let get = |i: usize| row.get(i).cloned().flatten();
    let required = |i: usize, name: &str| get(i).ok_or_else(|| bad(format!("{name} is missing")));
    let id = required(0, "ID")?;
    let version = required(3, "VERSION")?;
    let synced = required(4, "SYNCED")?;
    let status = required(5, "STATUS")?;
    Ok(DatasetState {
        alias: required(1, "ALIAS")?,
        environment_id: required(2, "ENVIRONMENT_ID")?,
        version: version
            .parse()
            .map_err(|_| bad(format!("dataset {id} has VERSION {version:?}")))?,
        synced: synced
            .parse::<f64>()
            .ok()
            .and_then(|ms| format_synced(ms as i64))
            .ok_or_else(|| bad(format!("dataset {id} has SYNCED {synced:?}")))?,
        status: DatasetStatus::parse(&status)
            .ok_or_else(|| bad(format!("dataset {id} has status {status:?}")))?,
        desired_version: get(6),
        attempted_version: get(7),
        deployed_version: get(8),
        migration_id: get(9),
        plan_key: get(10),
        last_completed_phase: get(11)
            .map(|p| {
                p.parse::<u32>()
                    .map_err(|_| bad(format!("dataset {id} has LAST_COMPLETED_PHASE {p:?}")))
            })
            .transpose()?,
        last_error: get(12),
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synced_is_written_with_milliseconds() {
        assert_eq!(
            format_synced(1_747_050_666_589).as_deref(),
            Some("2025-05-12T11:51:06.589Z")
        );
    }

    #[test]
    fn rows_read_back_as_records() {
        let row: Row = vec![
            Some("6d9c7969f0b1".into()),
            Some("Dogs".into()),
            Some("e2e404529091ed2".into()),
            Some("7".into()),
            Some("1747050666589".into()),
            Some("RUNNING".into()),
            Some("h".into()),
            None,
            None,
            None,
            None,
            Some("300".into()),
            None,
        ];
        let state = from_row(&row).unwrap();
        assert_eq!(state.version, 7);
        assert_eq!(state.last_completed_phase, Some(300));
        assert_eq!(state.desired_version.as_deref(), Some("h"));
        assert_eq!(state.synced, "2025-05-12T11:51:06.589Z");
        let mut broken = row.clone();
        broken[5] = Some("ASLEEP".into());
        assert!(from_row(&broken).is_err());
    }
}
