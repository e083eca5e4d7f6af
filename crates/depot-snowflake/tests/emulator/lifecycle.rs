//! Whole deploys through the deploy choreography: state transitions, lifecycle events, the
//! query tag, and a failure in the middle of a plan followed by its resume.

use depot_deploy::{DeployError, DeployOutcome, LocationSession};
use serde_json::json;

use crate::support::{dogs, Env, DATASET_ID, NAMESPACE};

#[tokio::test]
async fn a_dataset_deploys_then_migrates_with_every_state_change_announced() {
    let env = Env::new();
    let v1 = env.dataset(&dogs("1.0.0", false));
    let mut session = env.session().await;
    let outcome = env.deployer().deploy(&mut session, &v1).await.unwrap();
    let DeployOutcome::Deployed { state, plan, .. } = outcome else {
        panic!("expected a synchronous deploy");
    };
    assert_eq!(state.deployed_version, state.desired_version);
    assert_eq!(state.attempted_version, state.desired_version);
    // The plain index is a note in the plan, not a statement.
    assert!(plan
        .steps()
        .any(|(_, s)| s.action == "createIndex" && s.sql.as_deref().unwrap().starts_with("-- ")));
    // The run's statements were tagged with the dataset and the migration.
    let tags = env.shim.session_statements();
    let tag = tags
        .iter()
        .find(|s| s.contains("QUERY_TAG ="))
        .expect("a QUERY_TAG statement");
    assert!(
        tag.contains(DATASET_ID) && tag.contains(&plan.migration_id),
        "{tag}"
    );
    assert!(tags.iter().any(|s| s == "ALTER SESSION UNSET QUERY_TAG"));

    // Rows, then v2 adds a column.
    session
        .client()
        .execute(&format!(
            "INSERT INTO \"{NAMESPACE}\".DOG (ID, NAME) VALUES ('7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11', 'Rex')"
        ))
        .await
        .unwrap();
    let v2 = env.dataset(&dogs("1.1.0", true));
    let outcome = env.deployer().deploy(&mut session, &v2).await.unwrap();
    let state = outcome.state().clone();
    assert_eq!(state.deployed_version, state.desired_version);
    let rows = session
        .client()
        .query(&format!(
            "SELECT NAME, WEIGHT_KG::VARCHAR FROM \"{NAMESPACE}\".NAMED_DOG JOIN \"{NAMESPACE}\".DOG USING (ID, NAME)"
        ))
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Some("Rex".to_string()), None]]);

    // The same version again: nothing to do.
    let again = env.deployer().deploy(&mut session, &v2).await.unwrap();
    assert!(matches!(again, DeployOutcome::AlreadyDeployed { .. }));

    let lifecycle: Vec<String> = env
        .events()
        .iter()
        .filter(|e| e["detail-type"] == "migration-lifecycle")
        .map(|e| e["detail"]["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        lifecycle,
        ["attempted", "deployed", "attempted", "deployed"]
    );
    let stored = session.load_state(DATASET_ID).await.unwrap().unwrap();
    assert_eq!(stored, state);
}

#[tokio::test]
async fn a_plan_that_fails_in_the_middle_is_undone_and_runs_again_whole() {
    let env = Env::new();
    let mut session = env.session().await;
    // A table of the package already exists with another shape, empty: creating it is skipped
    // (IF NOT EXISTS), and the view over it fails because the column it reads is missing.
    session.prepare().await.unwrap();
    session
        .client()
        .execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{NAMESPACE}\""))
        .await
        .unwrap();
    session
        .client()
        .execute(&format!(
            "CREATE TABLE \"{NAMESPACE}\".DOG (ID VARCHAR(36) NOT NULL, BIRTH_DATE DATE)"
        ))
        .await
        .unwrap();
    let v1 = env.dataset(&dogs("1.0.0", false));
    let error = env.deployer().deploy(&mut session, &v1).await.unwrap_err();
    let DeployError::Failed { failure, .. } = &error else {
        panic!("expected a failed run, got {error}");
    };
    assert_eq!(failure.phase, depot_core::phase::CREATE_VIEWS, "{failure}");
    assert!(failure.message.contains("undone"), "{failure}");

    // What ran was undone: the (empty) table is gone, nothing is left applied, and the steps'
    // progress is forgotten, so the next run runs every step.
    let state = session.load_state(DATASET_ID).await.unwrap().unwrap();
    assert_eq!(state.last_completed_phase, None);
    assert!(state.last_error.is_some());
    assert_eq!(state.deployed_version, None);
    assert_eq!(
        state.status(session.is_locked(DATASET_ID).await.unwrap()),
        depot_deploy::Status::Failed
    );
    let tables = session
        .client()
        .query(&format!(
            "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = '{NAMESPACE}'"
        ))
        .await
        .unwrap();
    assert!(tables.is_empty(), "{tables:?}");
    let completed = session
        .client()
        .query("SELECT STEP_ID FROM __ADMIN.STEP_PROGRESS")
        .await
        .unwrap();
    assert!(completed.is_empty(), "{completed:?}");

    // Deploying the same version again runs its plan whole, and succeeds.
    let outcome = env.deployer().deploy(&mut session, &v1).await.unwrap();
    let DeployOutcome::Deployed {
        resumed_after,
        state,
        ..
    } = outcome
    else {
        panic!("expected the deploy to run");
    };
    assert_eq!(resumed_after, None);
    assert_eq!(state.deployed_version, state.attempted_version);
    let events: Vec<serde_json::Value> = env
        .events()
        .iter()
        .filter(|e| e["detail-type"] == "migration-lifecycle")
        .map(|e| json!(e["detail"]["event"]))
        .collect();
    assert_eq!(
        events,
        [json!("attempted"), json!("failed"), json!("deployed")]
    );
}

#[tokio::test]
async fn every_step_of_a_migration_is_safe_to_run_twice() {
    // Snowflake commits each statement on its own: a run interrupted after a statement but
    // before its progress was recorded runs it again. Here a whole migration (renames of a
    // table and a column, an added and a dropped column, a view) runs a second time with its
    // progress erased: every step must succeed again and change nothing.
    let env = Env::new();
    let mut session = env.session().await;
    let old = json!({"name": "dogs", "version": "1.0.0", "schemas": {
        "Hound": {"kind": "object", "primaryKey": ["id"], "fields": {
            "id": {"type": "uuid"}, "owner": {"type": "string", "maxLength": 100},
            "birthDate": {"type": "date", "nullable": true}}}}});
    let new = json!({"name": "dogs", "version": "1.1.0", "schemas": {
        "Dog": {"kind": "object", "primaryKey": ["id"], "previousNames": ["Hound"], "fields": {
            "id": {"type": "uuid"},
            "ownerName": {"type": "string", "maxLength": 200, "previousNames": ["owner"]},
            "weightKg": {"type": "decimal", "precision": 6, "scale": 2, "nullable": true}}},
        "Owners": {"kind": "view", "query": "SELECT ownerName FROM Dog"}}});
    env.deployer()
        .deploy(&mut session, &env.dataset(&old))
        .await
        .unwrap();
    session
        .client()
        .execute(&format!(
            "INSERT INTO \"{NAMESPACE}\".HOUND (ID, OWNER) VALUES ('7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11', 'Ann')"
        ))
        .await
        .unwrap();
    let outcome = env
        .deployer()
        .deploy(&mut session, &env.dataset(&new))
        .await
        .unwrap();
    let DeployOutcome::Deployed { plan, .. } = outcome else {
        panic!("expected a synchronous deploy");
    };
    let read = "SELECT OWNER_NAME FROM \"pairs\".OWNERS";
    let before = session.client().query(read).await.unwrap();
    assert_eq!(before, vec![vec![Some("Ann".to_string())]]);

    session
        .client()
        .execute("DELETE FROM __ADMIN.STEP_PROGRESS")
        .await
        .unwrap();
    let options = depot_deploy::RunOptions {
        dataset_id: DATASET_ID.to_string(),
        first_phase: None,
        last_phase: None,
    };
    let report = session.run_plan(&plan, &options).await.unwrap();
    assert_eq!(report.steps_run, plan.steps().count());
    assert_eq!(session.client().query(read).await.unwrap(), before);
}

#[tokio::test]
async fn seeds_merge_on_the_primary_key_so_seeding_twice_keeps_one_row_each() {
    let env = Env::new();
    let mut session = env.session().await;
    let dataset = env.dataset(&dogs("1.0.0", false));
    env.deployer().deploy(&mut session, &dataset).await.unwrap();
    let model = depot_core::resolve::resolve(
        &dataset,
        &depot_snowflake::SnowflakeDialect,
        &std::collections::BTreeMap::new(),
    )
    .unwrap();
    let seeds: depot_deploy::location::Seeds = serde_json::from_value(json!({
        "Dog": [
            {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11", "name": "Rex"},
            {"id": "7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d12", "name": "O'Malley", "birthDate": "2020-02-29"}
        ]
    }))
    .unwrap();
    // fakesnow fails a MERGE inside an explicit transaction (DuckDB writes its own catalog
    // database in the same transaction), so the MERGEs of upsert_seeds run here one by one;
    // its BEGIN / COMMIT wrapper is Snowflake's plain DML transaction.
    let statements = depot_snowflake::seeding::seed_statements(&model, &seeds).unwrap();
    assert_eq!(statements.len(), 2);
    for _ in 0..2 {
        for sql in &statements {
            session.client().execute(sql).await.unwrap();
        }
    }
    let rows = session
        .client()
        .query(&format!(
            "SELECT NAME, BIRTH_DATE::VARCHAR FROM \"{NAMESPACE}\".DOG ORDER BY ID"
        ))
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![
            vec![Some("Rex".to_string()), None],
            vec![Some("O'Malley".to_string()), Some("2020-02-29".to_string())]
        ]
    );
}

/// A failed migration over rows: what it changed is undone (the added column dropped, the view
/// it dropped for recreation recreated), the old version's insert and select work, the record
/// says FAILED at the old version, and a corrected version deploys with every row.
#[tokio::test]
async fn a_failed_migration_over_rows_is_undone_and_a_corrected_version_deploys() {
    let env = Env::new();
    let mut session = env.session().await;
    let v1 = env.dataset(&dogs("1.0.0", false));
    env.deployer().deploy(&mut session, &v1).await.unwrap();
    let insert =
        |id: &str| format!("INSERT INTO \"{NAMESPACE}\".DOG (ID, NAME) VALUES ('{id}', 'Rex')");
    session
        .client()
        .execute(&insert("7f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d11"))
        .await
        .unwrap();

    // v2 adds a column (phase 600) and changes the view into one the engine refuses when it
    // runs (phase 1100): text plus a number.
    let mut bad = dogs("2.0.0", true);
    bad["schemas"]["NamedDog"]["query"] = json!("SELECT id, name + 1 AS n FROM Dog");
    let v2 = env.dataset(&bad);
    let error = env.deployer().deploy(&mut session, &v2).await.unwrap_err();
    let DeployError::Failed { failure, .. } = &error else {
        panic!("expected a failed run, got {error}");
    };
    assert_eq!(failure.phase, depot_core::phase::CREATE_VIEWS, "{failure}");
    assert!(failure.message.contains("undone"), "{failure}");

    let columns = session
        .client()
        .query(&format!(
            "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = '{NAMESPACE}' \
             AND TABLE_NAME = 'DOG' ORDER BY COLUMN_NAME"
        ))
        .await
        .unwrap();
    assert_eq!(
        columns,
        vec![
            vec![Some("BIRTH_DATE".to_string())],
            vec![Some("ID".to_string())],
            vec![Some("NAME".to_string())]
        ],
        "the added column is dropped again"
    );
    // The old version's insert and its view work.
    session
        .client()
        .execute(&insert("8f1c0a52-8f3e-4d7e-9a51-2b1b3c7f0d12"))
        .await
        .expect("the old version's insert works after the failure");
    let named = session
        .client()
        .query(&format!(
            "SELECT COUNT(*)::VARCHAR FROM \"{NAMESPACE}\".NAMED_DOG"
        ))
        .await
        .expect("the view dropped for recreation is back");
    assert_eq!(named, vec![vec![Some("2".to_string())]]);
    let state = session.load_state(DATASET_ID).await.unwrap().unwrap();
    assert_eq!(
        state.status(session.is_locked(DATASET_ID).await.unwrap()),
        depot_deploy::Status::Failed
    );
    assert_ne!(state.deployed_version, state.attempted_version);

    // A corrected v3 deploys from v1, with every row.
    let v3 = env.dataset(&dogs("3.0.0", true));
    env.deployer().deploy(&mut session, &v3).await.unwrap();
    let state = session.load_state(DATASET_ID).await.unwrap().unwrap();
    assert_eq!(
        state.status(session.is_locked(DATASET_ID).await.unwrap()),
        depot_deploy::Status::Stable
    );
    let rows = session
        .client()
        .query(&format!(
            "SELECT COUNT(*)::VARCHAR FROM \"{NAMESPACE}\".DOG"
        ))
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Some("2".to_string())]]);
}
