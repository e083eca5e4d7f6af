//! Depot's own objects in a Snowflake database: the `__ADMIN` schema with the state table
//! (one row per dataset, SPEC §7), the per-step progress of runs, the per-dataset lease, and
//! the `DATASET` view operators query. The names are bare uppercase, so `__admin.dataset` reads
//! the view as well as `__ADMIN.DATASET`.

use depot_deploy::LocationError;

use crate::client::SnowflakeClient;

/// The schema holding Depot's own objects.
pub const ADMIN_SCHEMA: &str = "__ADMIN";
/// The state table, one row per dataset.
pub const STATE_TABLE: &str = "__ADMIN.DATASET_STATE";
/// The steps of each migration that completed, one row per step (resume skips them).
pub const PROGRESS_TABLE: &str = "__ADMIN.STEP_PROGRESS";
/// The lease of each dataset being migrated (one migration at a time).
pub const LEASE_TABLE: &str = "__ADMIN.DATASET_LEASE";
/// The view operators read (SPEC §7).
pub const DATASET_VIEW: &str = "__ADMIN.DATASET";

/// The statements creating the admin objects, each idempotent, so that racing sessions
/// converge. Snowflake does not enforce primary keys: the state table's writers keep `ID`
/// unique themselves (a MERGE, which Snowflake serializes per table).
pub fn admin_ddl() -> Vec<String> {
    vec![
        format!("CREATE SCHEMA IF NOT EXISTS {ADMIN_SCHEMA}"),
        format!(
            "CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
    ID VARCHAR NOT NULL,
    ALIAS VARCHAR NOT NULL,
    ENVIRONMENT_ID VARCHAR NOT NULL,
    VERSION NUMBER(19,0) NOT NULL,
    SYNCED TIMESTAMP_TZ NOT NULL,
    STATUS VARCHAR NOT NULL,
    DESIRED_VERSION VARCHAR,
    ATTEMPTED_VERSION VARCHAR,
    DEPLOYED_VERSION VARCHAR,
    MIGRATION_ID VARCHAR,
    PLAN_KEY VARCHAR,
    LAST_COMPLETED_PHASE NUMBER(10,0),
    LAST_ERROR VARCHAR,
    CONSTRAINT DATASET_STATE_PKEY PRIMARY KEY (ID)
)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (
    DATASET_ID VARCHAR NOT NULL,
    MIGRATION_ID VARCHAR NOT NULL,
    STEP_ID VARCHAR NOT NULL,
    COMPLETED_AT TIMESTAMP_TZ NOT NULL
)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {LEASE_TABLE} (
    DATASET_ID VARCHAR NOT NULL,
    HOLDER VARCHAR NOT NULL,
    EXPIRES_AT TIMESTAMP_TZ NOT NULL
)"
        ),
        format!(
            "CREATE OR REPLACE VIEW {DATASET_VIEW} COPY GRANTS AS
SELECT ID, ALIAS, VERSION, SYNCED, STATUS,
       DESIRED_VERSION, ATTEMPTED_VERSION, DEPLOYED_VERSION,
       ENVIRONMENT_ID, MIGRATION_ID, PLAN_KEY, LAST_COMPLETED_PHASE, LAST_ERROR,
       CASE
           WHEN STATUS = 'DELETED' THEN 'DELETED'
           WHEN DESIRED_VERSION IS NOT DISTINCT FROM ATTEMPTED_VERSION
                AND ATTEMPTED_VERSION IS NOT DISTINCT FROM DEPLOYED_VERSION THEN 'STABLE'
           WHEN DESIRED_VERSION IS DISTINCT FROM ATTEMPTED_VERSION THEN 'SCHEDULED'
           WHEN LAST_ERROR IS NOT NULL THEN 'FAILED'
           ELSE 'IN_PROGRESS'
       END AS MIGRATION_STATE
FROM {STATE_TABLE}"
        ),
    ]
}

/// The admin tables [`admin_ddl`] creates, as INFORMATION_SCHEMA names them.
const TABLES: [&str; 3] = ["DATASET_STATE", "STEP_PROGRESS", "DATASET_LEASE"];

/// True when every admin object exists (one catalog read: the tables, and the view in
/// INFORMATION_SCHEMA.VIEWS).
pub async fn is_prepared(client: &SnowflakeClient) -> Result<bool, LocationError> {
    let names: Vec<String> = TABLES.iter().map(|o| format!("'{o}'")).collect();
    let rows = client
        .query(&format!(
            "SELECT ((SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES \
             WHERE TABLE_SCHEMA = '{ADMIN_SCHEMA}' AND TABLE_TYPE = 'BASE TABLE' \
             AND TABLE_NAME IN ({})) + (SELECT COUNT(*) FROM INFORMATION_SCHEMA.VIEWS \
             WHERE TABLE_SCHEMA = '{ADMIN_SCHEMA}' AND TABLE_NAME = 'DATASET'))::VARCHAR",
            names.join(", ")
        ))
        .await
        .map_err(|e| other("reading Depot's admin schema", e))?;
    let count = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    Ok(count == TABLES.len() + 1)
}

/// Creates the admin objects when any is missing.
pub async fn prepare(client: &SnowflakeClient) -> Result<(), LocationError> {
    if is_prepared(client).await? {
        return Ok(());
    }
    for statement in admin_ddl() {
        client
            .execute(&statement)
            .await
            .map_err(|e| other(&format!("creating Depot's {ADMIN_SCHEMA} schema"), e))?;
    }
    tracing::info!("Depot admin schema prepared");
    Ok(())
}

/// A location error saying what Depot was doing.
pub(crate) fn other(doing: &str, e: impl std::fmt::Display) -> LocationError {
    LocationError::Other(format!("{doing}: {e}"))
}
