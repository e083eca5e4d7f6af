//! Depot's own objects in a location: the `__admin` schema with the state table
//! `__admin.dataset_state` (one row per dataset, SPEC §7) and the `__admin.dataset` view that
//! operators query. [`prepare`] creates them when missing, safely when sessions race.

use std::collections::BTreeMap;

use depot_core::field_type::FieldType;
use depot_core::physical::{PhysicalColumn, PhysicalKey, PhysicalModel, PhysicalObject};
use depot_deploy::LocationError;
use tokio_postgres::Client;

use crate::lock::advisory_key;
use crate::pg_error;

/// The schema holding Depot's own objects.
pub const ADMIN_SCHEMA: &str = "__admin";
/// The state table, one row per dataset.
pub const STATE_TABLE: &str = "__admin.dataset_state";
/// The view operators read (SPEC §7).
pub const DATASET_VIEW: &str = "__admin.dataset";

/// The revision of the admin objects. It is stored as the state table's comment; [`prepare`]
/// does nothing when the stored revision is this one. Raise it when [`admin_ddl`] changes, and
/// keep every statement of [`admin_ddl`] idempotent so that an older location upgrades in place.
pub const ADMIN_REVISION: u32 = 2;

/// The comment marking the state table with [`ADMIN_REVISION`].
pub fn revision_marker() -> String {
    format!("depot admin revision {ADMIN_REVISION}")
}

/// The transaction-level advisory lock key serializing [`prepare`] across sessions.
pub fn prepare_lock_key() -> i64 {
    advisory_key("depot-admin:prepare")
}

/// Creates the admin schema, state table, alias index and view when missing or older than
/// [`ADMIN_REVISION`]. Idempotent; sessions racing here are serialized by a transaction-level
/// advisory lock, and the loser finds everything in place.
pub async fn prepare(client: &mut Client) -> Result<(), LocationError> {
    if is_current(client).await? {
        return Ok(());
    }
    let fail = |e: tokio_postgres::Error| {
        pg_error::location_error(&format!("creating Depot's {ADMIN_SCHEMA} schema"), &e)
    };
    let tx = client.transaction().await.map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&prepare_lock_key()])
        .await
        .map_err(fail)?;
    for statement in admin_ddl() {
        crate::executor::execute_one(&tx, &statement)
            .await
            .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)?;
    tracing::info!(revision = ADMIN_REVISION, "Depot admin schema prepared");
    Ok(())
}

/// True when the admin objects exist at [`ADMIN_REVISION`] (one catalog read, no lock).
pub async fn is_current(client: &Client) -> Result<bool, LocationError> {
    let row = client
        .query_one(
            "SELECT obj_description(to_regclass($1), 'pg_class')",
            &[&STATE_TABLE],
        )
        .await
        .map_err(|e| pg_error::location_error("reading Depot's admin schema revision", &e))?;
    Ok(row.get::<_, Option<String>>(0).as_deref() == Some(revision_marker().as_str()))
}

/// The statements creating the admin objects, each idempotent.
///
/// Written by hand rather than planned from a package: the state table needs what the package
/// model cannot say (CHECK constraints on `version` and `status`, a partial unique index on the
/// alias, a computed `migration_state` column in the view), and it must be idempotent so that
/// racing sessions and older locations converge. [`admin_model`] describes the same table in
/// Depot's model; a test keeps the two in step, so the planner's rendering of it stays checked.
pub fn admin_ddl() -> Vec<String> {
    vec![
        format!("CREATE SCHEMA IF NOT EXISTS {ADMIN_SCHEMA}"),
        format!(
            "CREATE TABLE IF NOT EXISTS {STATE_TABLE} (
    id text NOT NULL,
    alias text NOT NULL,
    environment_id text NOT NULL,
    version bigint NOT NULL,
    synced timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL,
    desired_version text,
    attempted_version text,
    deployed_version text,
    migration_id text,
    plan_key text,
    last_completed_phase integer,
    last_error text,
    CONSTRAINT dataset_state_pkey PRIMARY KEY (id),
    CONSTRAINT dataset_state_version_check CHECK (version > 0),
    CONSTRAINT dataset_state_status_check CHECK (status IN ('RUNNING', 'DELETED'))
)"
        ),
        // One live dataset per alias in an environment; deleted (retained) ones keep theirs.
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS dataset_state_alias_key \
             ON {STATE_TABLE} (environment_id, alias) WHERE status <> 'DELETED'"
        ),
        // Revision 2: `status` is SPEC §7's, derived as `depot get-dataset` derives it
        // (depot_deploy::lifecycle); RUNNING only while a session holds the dataset's advisory
        // lock (lock::dataset_lock_key, the first 8 bytes of a sha256, as `pg_locks` shows a
        // bigint key: its high half in classid, its low half in objid). The view's columns
        // changed, so it is dropped and created again.
        format!("DROP VIEW IF EXISTS {DATASET_VIEW}"),
        format!(
            "CREATE VIEW {DATASET_VIEW} AS
SELECT s.id, s.alias, s.version, s.synced,
       CASE
           WHEN s.status = 'DELETED' THEN 'DELETED'
           WHEN l.held THEN 'RUNNING'
           WHEN s.last_error IS NOT NULL THEN 'FAILED'
           WHEN s.desired_version IS DISTINCT FROM s.attempted_version THEN 'SCHEDULED'
           WHEN s.attempted_version IS NOT DISTINCT FROM s.deployed_version THEN 'STABLE'
           ELSE 'FAILED'
       END AS status,
       s.desired_version, s.attempted_version, s.deployed_version,
       s.environment_id, s.migration_id, s.plan_key, s.last_completed_phase,
       CASE
           WHEN s.last_error IS NULL AND NOT l.held AND s.status <> 'DELETED'
                AND s.desired_version IS NOT DISTINCT FROM s.attempted_version
                AND s.attempted_version IS DISTINCT FROM s.deployed_version
           THEN 'the migration stopped without recording why (its process ended); deploy the same version again to resume it, or abandon it (depot abandon)'
           ELSE s.last_error
       END AS last_error
FROM {STATE_TABLE} s
CROSS JOIN LATERAL (
    SELECT EXISTS (
        SELECT 1 FROM pg_catalog.pg_locks k
        WHERE k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
          AND k.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
          AND k.classid = ('x' || substr(h.hex, 1, 8))::bit(32)::bigint::oid
          AND k.objid = ('x' || substr(h.hex, 9, 8))::bit(32)::bigint::oid
    ) AS held
    FROM (SELECT encode(sha256(convert_to('depot-dataset:' || s.id, 'UTF8')), 'hex') AS hex) h
) l"
        ),
        format!("COMMENT ON TABLE {STATE_TABLE} IS '{}'", revision_marker()),
    ]
}

/// The state table as a [`PhysicalModel`] (namespace `__admin`, object `DatasetState`): the
/// columns of [`admin_ddl`] in Depot's own model, for tools that read Depot's metadata.
pub fn admin_model() -> PhysicalModel {
    let text = || FieldType::String { max_length: None };
    let columns: Vec<(&str, &str, FieldType, bool)> = vec![
        ("id", "id", text(), false),
        ("alias", "alias", text(), false),
        ("environmentId", "environment_id", text(), false),
        ("version", "version", FieldType::Bigint, false),
        ("synced", "synced", FieldType::Timestamptz, false),
        ("status", "status", text(), false),
        ("desiredVersion", "desired_version", text(), true),
        ("attemptedVersion", "attempted_version", text(), true),
        ("deployedVersion", "deployed_version", text(), true),
        ("migrationId", "migration_id", text(), true),
        ("planKey", "plan_key", text(), true),
        (
            "lastCompletedPhase",
            "last_completed_phase",
            FieldType::Integer,
            true,
        ),
        ("lastError", "last_error", text(), true),
    ];
    let object = PhysicalObject {
        logical: "DatasetState".to_string(),
        physical: "dataset_state".to_string(),
        previous_names: Vec::new(),
        columns: columns
            .into_iter()
            .map(|(logical, physical, field_type, nullable)| PhysicalColumn {
                logical: logical.to_string(),
                physical: physical.to_string(),
                previous_names: Vec::new(),
                field_type,
                nullable,
                default: None,
                identity: None,
                computed: None,
                comment: None,
            })
            .collect(),
        primary_key: Some(PhysicalKey {
            name: "dataset_state_pkey".to_string(),
            columns: vec!["id".to_string()],
        }),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        comment: None,
    };
    PhysicalModel {
        enums: Default::default(),
        namespace: ADMIN_SCHEMA.to_string(),
        comment: None,
        objects: BTreeMap::from([("DatasetState".to_string(), object)]),
        views: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_has_the_columns_of_the_ddl() {
        let ddl = admin_ddl().join("\n");
        let model = admin_model();
        let table = &model.objects["DatasetState"];
        for column in &table.columns {
            assert!(
                ddl.contains(&format!("    {} ", column.physical)),
                "{} missing from the DDL",
                column.physical
            );
        }
        assert_eq!(
            table.columns.len(),
            crate::state_store::COLUMNS.split(',').count()
        );
    }
}
