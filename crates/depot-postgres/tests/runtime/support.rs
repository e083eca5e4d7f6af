//! Helpers: sessions on a test database, and hand-built plans.

use std::collections::BTreeMap;
use std::time::Duration;

use depot_core::physical::Metadata;
use depot_core::plan::{Phase, Plan, Step, FORMAT_VERSION};
use depot_deploy::{DatasetState, LocationSession, RunOptions};
use depot_postgres::dialect::POSTGRES;
use depot_postgres::{ConnectOptions, PostgresSession, RetryPolicy};
use depot_testkit::TestDatabase;

pub const ENVIRONMENT: &str = "e2e404529091ed2";
pub const DATASET: &str = "6d9c7969f0b1";
pub const NAMESPACE: &str = "ws_dev_dog_src";

/// A new session on the test database.
pub async fn session(db: &TestDatabase) -> PostgresSession {
    let options = ConnectOptions::from_url(&db.url).expect("test URL");
    PostgresSession::connect(&options)
        .await
        .expect("connect to the test database")
}

/// A session with the admin schema prepared and a stored state record for [`DATASET`].
pub async fn prepared_session(db: &TestDatabase) -> (PostgresSession, DatasetState) {
    let mut s = session(db).await;
    s.prepare().await.expect("prepare");
    let state = s
        .save_state(&DatasetState::new(DATASET, "WsDevDogSrc", ENVIRONMENT))
        .await
        .expect("first state");
    (s, state)
}

/// A retry policy with short waits, for tests that retry.
pub fn quick_retry(lock_timeout: Duration) -> RetryPolicy {
    RetryPolicy {
        lock_timeout,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        max_attempts: 8,
    }
}

/// A phase whose steps are these statements, numbered `<phase>-<n>`.
pub fn phase(number: u32, transactional: bool, statements: &[&str]) -> Phase {
    Phase {
        phase: number,
        name: depot_core::phase::name(number).to_string(),
        transactional,
        steps: statements
            .iter()
            .enumerate()
            .map(|(i, sql)| Step {
                id: format!("{number}-{}", i + 1),
                action: "custom".to_string(),
                target: "Test".to_string(),
                sql: Some(sql.to_string()),
                hazards: Vec::new(),
                comment: String::new(),
                change: None,
                undo: Vec::new(),
            })
            .collect(),
    }
}

/// A plan of [`DATASET`] in [`NAMESPACE`] with these phases.
pub fn plan(phases: Vec<Phase>) -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".to_string(),
        environment_id: ENVIRONMENT.to_string(),
        dataset_id: DATASET.to_string(),
        dataset_alias: "WsDevDogSrc".to_string(),
        engine: POSTGRES,
        from_version: None,
        to_version: "42b14733ff9d8f8de9f22524ef466a13f3b6511f7cb9ebb74de3ab59c24c5b37".to_string(),
        created_at: "2025-04-28T08:31:33.816Z".to_string(),
        phases,
        metadata: Metadata {
            namespace: NAMESPACE.to_string(),
            schemas: BTreeMap::new(),
        },
    }
}

/// Run options for [`DATASET`], all phases.
pub fn all_phases() -> RunOptions {
    RunOptions {
        dataset_id: DATASET.to_string(),
        first_phase: None,
        last_phase: None,
    }
}

/// Whether `namespace.table` has `column`.
pub async fn has_column(db: &TestDatabase, table: &str, column: &str) -> bool {
    db.client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = $2 AND column_name = $3)",
            &[&NAMESPACE, &table, &column],
        )
        .await
        .unwrap()
        .get(0)
}

/// Whether `namespace.table` exists.
pub async fn has_table(db: &TestDatabase, table: &str) -> bool {
    db.client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&format!("{NAMESPACE}.{table}")],
        )
        .await
        .unwrap()
        .get(0)
}
