//! run_plan: phases in order within the range, atomic progress, lock retries, rollback on
//! failure, and idempotent concurrent index builds.

use std::time::Duration;

use depot_deploy::{LocationSession, RunOptions};
use depot_postgres::introspect::introspect;
use depot_testkit::{fresh_database, TestDatabase};

use crate::support::{
    all_phases, has_column, has_table, phase, plan, prepared_session, quick_retry, DATASET,
    NAMESPACE,
};

async fn stored_progress(db: &TestDatabase) -> (Option<i32>, i64) {
    let row = db
        .client
        .query_one(
            "SELECT last_completed_phase, version FROM __admin.dataset_state WHERE id = $1",
            &[&DATASET],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

async fn setup_dogs(db: &TestDatabase) {
    db.client
        .batch_execute(
            "CREATE SCHEMA ws_dev_dog_src;
             CREATE TABLE ws_dev_dog_src.dog (id integer PRIMARY KEY, name text NOT NULL);
             INSERT INTO ws_dev_dog_src.dog VALUES (1, 'Rex'), (2, 'Rex'), (3, 'Fido');",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn runs_phases_in_order_and_records_progress() {
    let db = fresh_database().await;
    let (mut s, state) = prepared_session(&db).await;
    // Phases out of order in the document still run in ascending order.
    let p = plan(vec![
        phase(
            600,
            true,
            &["ALTER TABLE ws_dev_dog_src.dog ADD COLUMN birth_date date"],
        ),
        phase(100, true, &["CREATE SCHEMA IF NOT EXISTS ws_dev_dog_src"]),
        phase(
            300,
            true,
            &[
                "CREATE TABLE ws_dev_dog_src.dog (id uuid PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE ws_dev_dog_src.owner (id uuid PRIMARY KEY)",
            ],
        ),
    ]);
    let report = s.run_plan(&p, &all_phases()).await.unwrap();
    assert_eq!(report.phases_run, vec![100, 300, 600]);
    assert_eq!(report.steps_run, 4);
    assert_eq!(report.lock_retries, 0);
    assert!(has_column(&db, "dog", "birth_date").await);
    assert!(has_table(&db, "owner").await);
    // One version per phase, last phase recorded.
    assert_eq!(stored_progress(&db).await, (Some(600), state.version + 3));
    let loaded = s.load_state(DATASET).await.unwrap().unwrap();
    assert_eq!(loaded.last_completed_phase, Some(600));
}

#[tokio::test]
async fn honours_the_first_and_last_phase() {
    let db = fresh_database().await;
    let (mut s, _) = prepared_session(&db).await;
    let p = plan(vec![
        phase(100, true, &["CREATE SCHEMA ws_dev_dog_src"]),
        phase(300, true, &["CREATE TABLE ws_dev_dog_src.t300 (id int)"]),
        phase(600, true, &["CREATE TABLE ws_dev_dog_src.t600 (id int)"]),
        phase(1200, true, &["CREATE TABLE ws_dev_dog_src.t1200 (id int)"]),
    ]);
    let only_100 = RunOptions {
        dataset_id: DATASET.into(),
        first_phase: None,
        last_phase: Some(100),
    };
    assert_eq!(
        s.run_plan(&p, &only_100).await.unwrap().phases_run,
        vec![100]
    );
    let middle = RunOptions {
        dataset_id: DATASET.into(),
        first_phase: Some(300),
        last_phase: Some(600),
    };
    let report = s.run_plan(&p, &middle).await.unwrap();
    assert_eq!(report.phases_run, vec![300, 600]);
    assert!(has_table(&db, "t300").await);
    assert!(has_table(&db, "t600").await);
    assert!(!has_table(&db, "t1200").await);
    assert_eq!(stored_progress(&db).await.0, Some(600));
    let rest = RunOptions {
        dataset_id: DATASET.into(),
        first_phase: Some(601),
        last_phase: None,
    };
    assert_eq!(s.run_plan(&p, &rest).await.unwrap().phases_run, vec![1200]);
    assert!(has_table(&db, "t1200").await);
}

#[tokio::test]
async fn a_failing_phase_rolls_back_whole_and_says_where() {
    let db = fresh_database().await;
    let (mut s, state) = prepared_session(&db).await;
    let p = plan(vec![
        phase(100, true, &["CREATE SCHEMA ws_dev_dog_src"]),
        phase(
            300,
            true,
            &["CREATE TABLE ws_dev_dog_src.dog (id int PRIMARY KEY)"],
        ),
        phase(
            600,
            true,
            &[
                "ALTER TABLE ws_dev_dog_src.dog ADD COLUMN name text",
                "ALTER TABLE ws_dev_dog_src.dog ADD COLUMN weight numeric(6,2) DEFAULT 'heavy'",
                "ALTER TABLE ws_dev_dog_src.dog ADD COLUMN never_reached int",
            ],
        ),
        phase(
            1200,
            true,
            &["CREATE VIEW ws_dev_dog_src.v AS SELECT 1 AS one"],
        ),
    ]);
    let failure = s.run_plan(&p, &all_phases()).await.unwrap_err();
    assert_eq!(failure.phase, 600);
    assert_eq!(failure.step_id, "600-2");
    assert_eq!(failure.last_completed_phase, Some(300));
    assert!(failure.message.contains("heavy"), "{}", failure.message);
    assert!(failure.message.contains("22P02"), "{}", failure.message);
    // Nothing of phase 600 stayed; nothing after it ran.
    assert!(has_table(&db, "dog").await);
    assert!(!has_column(&db, "dog", "name").await);
    assert!(!has_table(&db, "v").await);
    // Progress of the committed phases only.
    assert_eq!(stored_progress(&db).await, (Some(300), state.version + 2));

    // Resuming after the fix runs what is left.
    let mut fixed = p.clone();
    fixed.phases[2] = phase(
        600,
        true,
        &[
            "ALTER TABLE ws_dev_dog_src.dog ADD COLUMN name text",
            "ALTER TABLE ws_dev_dog_src.dog ADD COLUMN weight numeric(6,2) DEFAULT 1.5",
        ],
    );
    let resume = RunOptions {
        dataset_id: DATASET.into(),
        first_phase: Some(600),
        last_phase: None,
    };
    let report = s.run_plan(&fixed, &resume).await.unwrap();
    assert_eq!(report.phases_run, vec![600, 1200]);
    assert!(has_table(&db, "v").await);
    assert_eq!(stored_progress(&db).await.0, Some(1200));
}

#[tokio::test]
async fn a_step_without_sql_or_change_fails_before_running() {
    let db = fresh_database().await;
    let (mut s, _) = prepared_session(&db).await;
    let mut p = plan(vec![phase(100, true, &["CREATE SCHEMA ws_dev_dog_src"])]);
    p.phases[0].steps[0].sql = None;
    let failure = s.run_plan(&p, &all_phases()).await.unwrap_err();
    assert_eq!((failure.phase, failure.step_id.as_str()), (100, "100-1"));
    assert_eq!(failure.last_completed_phase, None);
}

#[tokio::test]
async fn progress_without_a_state_table_is_not_an_error() {
    let db = fresh_database().await;
    let mut s = crate::support::session(&db).await;
    let p = plan(vec![phase(100, true, &["CREATE SCHEMA ws_dev_dog_src"])]);
    s.run_plan(&p, &all_phases()).await.unwrap();
}

/// Holds an ACCESS EXCLUSIVE lock on ws_dev_dog_src.dog from another connection for `hold`.
async fn hold_table_lock(db: &TestDatabase, hold: Duration) -> tokio::task::JoinHandle<()> {
    let holder = db.connect().await;
    holder
        .batch_execute("BEGIN; LOCK TABLE ws_dev_dog_src.dog IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        holder.batch_execute("COMMIT").await.unwrap();
    })
}

#[tokio::test]
async fn a_transactional_phase_is_retried_after_lock_not_available() {
    let db = fresh_database().await;
    setup_dogs(&db).await;
    let (s, state) = prepared_session(&db).await;
    // The default policy: lock_timeout 1 s; the table stays locked for 3 s.
    let mut s = s;
    let release = hold_table_lock(&db, Duration::from_secs(3)).await;
    let p = plan(vec![phase(
        600,
        true,
        &[
            "CREATE TABLE ws_dev_dog_src.side_effect (id int)",
            "ALTER TABLE ws_dev_dog_src.dog ADD COLUMN birth_date date",
        ],
    )]);
    let report = s.run_plan(&p, &all_phases()).await.unwrap();
    release.await.unwrap();
    assert!(report.lock_retries > 0, "{report:?}");
    assert_eq!(report.phases_run, vec![600]);
    assert!(has_column(&db, "dog", "birth_date").await);
    assert!(has_table(&db, "side_effect").await);
    // Rolled-back attempts left no trace in the record: one version for the one commit.
    assert_eq!(stored_progress(&db).await, (Some(600), state.version + 1));
}

#[tokio::test]
async fn a_run_gives_up_when_the_lock_never_comes() {
    let db = fresh_database().await;
    setup_dogs(&db).await;
    let (s, _) = prepared_session(&db).await;
    let mut policy = quick_retry(Duration::from_millis(100));
    policy.max_attempts = 3;
    let mut s = s.with_retry_policy(policy);
    let release = hold_table_lock(&db, Duration::from_secs(4)).await;
    let p = plan(vec![phase(
        600,
        true,
        &["ALTER TABLE ws_dev_dog_src.dog ADD COLUMN birth_date date"],
    )]);
    let failure = s.run_plan(&p, &all_phases()).await.unwrap_err();
    assert_eq!(failure.step_id, "600-1");
    assert!(failure.message.contains("55P03"), "{}", failure.message);
    release.abort();
}

fn build_index_plan() -> depot_core::Plan {
    plan(vec![phase(
        700,
        false,
        &["CREATE UNIQUE INDEX CONCURRENTLY dog_name_key ON ws_dev_dog_src.dog (name)"],
    )])
}

async fn index_state(db: &TestDatabase, name: &str) -> Option<(bool, u32)> {
    db.client
        .query_opt(
            "SELECT i.indisvalid, c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
            &[&NAMESPACE, &name],
        )
        .await
        .unwrap()
        .map(|r| (r.get(0), r.get(1)))
}

#[tokio::test]
async fn an_invalid_index_left_by_a_failed_build_is_dropped_and_rebuilt() {
    let db = fresh_database().await;
    setup_dogs(&db).await;
    let (mut s, state) = prepared_session(&db).await;

    // Duplicate names: the concurrent unique build fails and leaves an INVALID index.
    let failure = s
        .run_plan(&build_index_plan(), &all_phases())
        .await
        .unwrap_err();
    assert_eq!((failure.phase, failure.step_id.as_str()), (700, "700-1"));
    assert!(failure.message.contains("23505"), "{}", failure.message);
    let (valid, invalid_oid) = index_state(&db, "dog_name_key")
        .await
        .expect("invalid index left");
    assert!(!valid);
    assert_eq!(stored_progress(&db).await, (None, state.version));

    // The duplicates fixed, the re-run drops the invalid index and builds it again.
    db.client
        .batch_execute("UPDATE ws_dev_dog_src.dog SET name = 'Rex II' WHERE id = 2")
        .await
        .unwrap();
    let report = s
        .run_plan(&build_index_plan(), &all_phases())
        .await
        .unwrap();
    assert_eq!(report.steps_run, 1);
    let (valid, oid) = index_state(&db, "dog_name_key").await.unwrap();
    assert!(valid);
    assert_ne!(oid, invalid_oid, "the index was rebuilt, not kept");
    let snapshot = introspect(&db.client, NAMESPACE).await.unwrap();
    assert!(snapshot.tables["dog"].indexes["dog_name_key"].unique);
    assert_eq!(stored_progress(&db).await, (Some(700), state.version + 1));
}

#[tokio::test]
async fn a_valid_index_from_an_earlier_run_is_kept() {
    let db = fresh_database().await;
    setup_dogs(&db).await;
    db.client
        .batch_execute(
            "UPDATE ws_dev_dog_src.dog SET name = 'Rex II' WHERE id = 2;
             CREATE UNIQUE INDEX dog_name_key ON ws_dev_dog_src.dog (name);",
        )
        .await
        .unwrap();
    let (before, oid) = index_state(&db, "dog_name_key").await.unwrap();
    assert!(before);
    let (mut s, _) = prepared_session(&db).await;
    let report = s
        .run_plan(&build_index_plan(), &all_phases())
        .await
        .unwrap();
    assert_eq!(report.phases_run, vec![700]);
    assert_eq!(index_state(&db, "dog_name_key").await, Some((true, oid)));
    assert_eq!(stored_progress(&db).await.0, Some(700));
}

#[tokio::test]
async fn a_concurrent_build_is_retried_after_lock_not_available() {
    let db = fresh_database().await;
    setup_dogs(&db).await;
    db.client
        .batch_execute("UPDATE ws_dev_dog_src.dog SET name = 'Rex II' WHERE id = 2")
        .await
        .unwrap();
    let (s, _) = prepared_session(&db).await;
    let mut s = s.with_retry_policy(quick_retry(Duration::from_millis(300)));
    let release = hold_table_lock(&db, Duration::from_millis(1500)).await;
    let p = plan(vec![phase(
        700,
        false,
        &[
            "CREATE UNIQUE INDEX CONCURRENTLY dog_name_key ON ws_dev_dog_src.dog (name)",
            "CREATE INDEX CONCURRENTLY dog_id_name ON ws_dev_dog_src.dog (id, name)",
        ],
    )]);
    let report = s.run_plan(&p, &all_phases()).await.unwrap();
    release.await.unwrap();
    assert!(report.lock_retries > 0, "{report:?}");
    assert_eq!(report.steps_run, 2);
    assert_eq!(
        index_state(&db, "dog_name_key").await.map(|s| s.0),
        Some(true)
    );
    assert_eq!(
        index_state(&db, "dog_id_name").await.map(|s| s.0),
        Some(true)
    );
    // The session's lock_timeout was put back.
    let timeout: String = s
        .client()
        .query_one("SHOW lock_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(timeout, "0");
}

#[tokio::test]
async fn a_step_with_only_a_change_is_rendered_by_the_executor() {
    use depot_core::physical::{PhysicalColumn, PhysicalKey, PhysicalObject};
    use depot_core::{Change, FieldType};

    let db = fresh_database().await;
    let (mut s, _) = prepared_session(&db).await;
    let mut p = plan(vec![
        phase(100, true, &["-- rendered"]),
        phase(300, true, &["-- rendered"]),
    ]);
    let column = |name: &str, field_type: FieldType, nullable: bool| PhysicalColumn {
        logical: name.to_string(),
        physical: name.to_string(),
        previous_names: Vec::new(),
        field_type,
        nullable,
        default: None,
        comment: None,
        computed: None,
        identity: None,
    };
    let changes = [
        Change::CreateNamespace {
            namespace: NAMESPACE.to_string(),
        },
        Change::CreateObject {
            object: PhysicalObject {
                logical: "Dog".to_string(),
                physical: "dog".to_string(),
                previous_names: Vec::new(),
                columns: vec![
                    column("id", FieldType::Uuid, false),
                    column(
                        "name",
                        FieldType::String {
                            max_length: Some(200),
                        },
                        true,
                    ),
                ],
                primary_key: Some(PhysicalKey {
                    name: "dog_pkey".to_string(),
                    columns: vec!["id".to_string()],
                }),
                indexes: Vec::new(),
                checks: Vec::new(),
                comment: None,
                foreign_keys: Vec::new(),
            },
        },
    ];
    for (phase, change) in p.phases.iter_mut().zip(changes) {
        phase.steps[0].sql = None;
        phase.steps[0].change = Some(Box::new(change));
    }
    let report = s.run_plan(&p, &all_phases()).await.unwrap();
    assert_eq!(report.phases_run, vec![100, 300]);
    assert!(has_column(&db, "dog", "name").await);
    let snapshot = introspect(&db.client, NAMESPACE).await.unwrap();
    assert_eq!(
        snapshot.tables["dog"].columns["name"].data_type,
        "character varying(200)"
    );
}
