//! The dataset's state record and lifecycle events tell the truth at every moment (SPEC §6-7):
//! after a synchronous deploy, a no-op redeploy, a failure in the middle of a plan and its
//! resume, and the asynchronous hand-over to a runner.

use depot_deploy::{DeployError, DeployOutcome, LocationSession, RunOutcome, RunPayload};
use depot_tests::{dataset, properties, Env, DATASET_ID};
use serde_json::{json, Value};

fn package(fields: Value) -> Value {
    json!({
        "name": "dogs", "version": "1",
        "schemas": {"Dog": {"kind": "object", "fields": fields, "primaryKey": ["id"]}}
    })
}

fn lifecycle(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            let d = &e["detail"];
            let what = d["event"]
                .as_str()
                .or(d["executionResponsibility"].as_str())
                .unwrap_or("?");
            (
                e["detail-type"].as_str().unwrap().to_string(),
                what.to_string(),
            )
        })
        .collect()
}

async fn state(env: &Env) -> depot_deploy::DatasetState {
    env.session()
        .await
        .load_state(DATASET_ID)
        .await
        .unwrap()
        .expect("a state record")
}

#[tokio::test]
async fn synchronous_deploy_then_noop_redeploy() {
    let env = Env::new().await;
    let v1 = dataset(&package(
        json!({"id": {"type": "bigint"}, "name": {"type": "string"}}),
    ));
    let hash = depot_core::hash::version_hash(&v1.config, &v1.package);

    let outcome = env.deploy(&v1).await.unwrap();
    assert!(
        matches!(outcome, DeployOutcome::Deployed { .. }),
        "{outcome:?}"
    );
    let s = state(&env).await;
    assert!(s.is_stable_at(&hash), "{s:?}");
    assert_eq!(s.last_error, None);
    assert_eq!(
        lifecycle(&env.events()),
        vec![
            ("migration-lifecycle".into(), "attempted".into()),
            ("migration-lifecycle".into(), "deployed".into()),
            ("migration-plan".into(), "executed-by-sender".into()),
        ]
    );
    let planned = &env.events()[2]["detail"];
    assert_eq!(planned["datasetVersionHash"], json!(hash));
    assert_eq!(planned["oldDatasetVersionHash"], Value::Null);
    assert_eq!(planned["summary"], json!("migration-planned"));
    let plan_file = env
        .state_path()
        .join("sdp-bootstrap-test")
        .join(planned["migrationPlanKey"].as_str().unwrap());
    assert!(
        plan_file.exists(),
        "the plan is stored at {}",
        plan_file.display()
    );
    let env_uri = planned["environmentUri"].as_str().unwrap();
    assert_eq!(
        env_uri,
        format!("s3://sdp-bootstrap-test/sdp-e2e404529091ed2/datasets/{DATASET_ID}/{hash}.json")
    );

    // The same version again: nothing planned, nothing sent, the record untouched.
    let version_before = s.version;
    let again = env.deploy(&v1).await.unwrap();
    assert!(
        matches!(again, DeployOutcome::AlreadyDeployed { .. }),
        "{again:?}"
    );
    assert_eq!(env.events().len(), 3);
    assert_eq!(state(&env).await.version, version_before);
}

#[tokio::test]
async fn a_failure_mid_plan_is_recorded_and_the_redeploy_resumes_after_the_last_phase() {
    let env = Env::new().await;
    let v1 = dataset(&package(json!({
        "id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}
    })));
    env.deploy(&v1).await.unwrap();
    env.db
        .client
        .batch_execute("INSERT INTO pairs.dog (id, name) VALUES (1, 'Rex'), (2, NULL)")
        .await
        .unwrap();

    // v2 adds a column (an early phase) and makes `name` NOT NULL: validation fails on row 2.
    let v2 = dataset(&package(json!({
        "id": {"type": "bigint"}, "name": {"type": "string"},
        "weight": {"type": "integer", "nullable": true}
    })));
    let v2_hash = depot_core::hash::version_hash(&v2.config, &v2.package);
    let err = env.deploy(&v2).await.unwrap_err();
    let DeployError::Failed { failure, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(failure.phase, depot_core::phase::VALIDATE, "{failure}");
    assert!(failure.message.contains("violated"), "{failure}");

    let s = state(&env).await;
    assert_eq!(s.desired_version.as_deref(), Some(v2_hash.as_str()));
    assert_eq!(s.attempted_version.as_deref(), Some(v2_hash.as_str()));
    assert_ne!(s.deployed_version.as_deref(), Some(v2_hash.as_str()));
    assert_eq!(
        s.last_completed_phase,
        Some(depot_core::phase::ADD_CONSTRAINTS)
    );
    assert!(
        s.last_error.as_deref().unwrap().contains("violated"),
        "{s:?}"
    );
    let events = lifecycle(&env.events());
    assert_eq!(
        events.last().unwrap(),
        &("migration-lifecycle".into(), "failed".into())
    );
    assert!(env.events().last().unwrap()["detail"]["error"]
        .as_str()
        .unwrap()
        .contains("violated"));

    // Rows are intact, and the early phase's column is there (it committed).
    let rows = env
        .db
        .client
        .query("SELECT id, name FROM pairs.dog ORDER BY id", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);

    // A third version cannot be planned from the middle: refused, nothing changed.
    let v3 = dataset(&package(
        json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}, "x": {"type": "date", "nullable": true}}),
    ));
    let refused = env.deploy(&v3).await.unwrap_err();
    assert!(matches!(refused, DeployError::Precondition(_)), "{refused}");
    assert!(
        refused.to_string().contains("stopped after phase 800"),
        "{refused}"
    );

    // Fix the data, deploy v2 again: it resumes after phase 800 and completes.
    env.db
        .client
        .batch_execute("UPDATE pairs.dog SET name = 'Unknown' WHERE name IS NULL")
        .await
        .unwrap();
    let outcome = env.deploy(&v2).await.unwrap();
    let DeployOutcome::Deployed {
        resumed_after,
        report,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(resumed_after, Some(depot_core::phase::ADD_CONSTRAINTS));
    assert!(
        report
            .phases_run
            .iter()
            .all(|p| *p > depot_core::phase::ADD_CONSTRAINTS),
        "{report:?}"
    );
    let s = state(&env).await;
    assert!(s.is_stable_at(&v2_hash), "{s:?}");
    assert_eq!(s.last_error, None);
    let nullable: String = env.db.client
        .query_one("SELECT is_nullable FROM information_schema.columns WHERE table_schema='pairs' AND table_name='dog' AND column_name='name'", &[])
        .await.unwrap().get(0);
    assert_eq!(nullable, "NO");
}

#[tokio::test]
async fn asynchronous_mode_hands_the_plan_to_the_runner() {
    let env = Env::new().await;
    let mut props = properties(&package(json!({"id": {"type": "bigint"}})));
    props["migrationOptions"]["migrationMode"] = json!({"type": "asynchronous", "eventBusArn": "arn:aws:events:eu-west-1:000000000000:event-bus/depot"});
    let v1 = depot_core::properties::parse_dataset(&props).unwrap();
    let hash = depot_core::hash::version_hash(&v1.config, &v1.package);

    let outcome = env.deploy(&v1).await.unwrap();
    let DeployOutcome::Scheduled { plan_key, .. } = outcome else {
        panic!("{outcome:?}")
    };
    let s = state(&env).await;
    assert_eq!(s.desired_version.as_deref(), Some(hash.as_str()));
    assert_eq!(s.attempted_version, None);
    assert_eq!(s.deployed_version, None);
    assert_eq!(
        lifecycle(&env.events()),
        vec![
            ("migration-lifecycle".into(), "desired".into()),
            ("migration-plan".into(), "to-be-executed-by-receiver".into()),
        ]
    );
    let planned = env.events()[1].clone();
    assert_eq!(
        planned["eventBusArn"],
        json!("arn:aws:events:eu-west-1:000000000000:event-bus/depot")
    );
    // Nothing ran yet.
    let tables: i64 = env
        .db
        .client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'pairs'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0);

    let payload = RunPayload {
        event_id: Some(planned["id"].as_str().unwrap().to_string()),
        dataset_id: DATASET_ID.into(),
        migration_plan_bucket: "sdp-bootstrap-test".into(),
        migration_plan_prefix: String::new(),
        migration_plan_key: plan_key.clone(),
        chain_with_seeding: false,
        first_phase: None,
        last_phase: None,
    };
    let mut session = env.session().await;
    let ran = env
        .deployer()
        .run_migration(&mut session, &payload, false)
        .await
        .unwrap();
    assert!(matches!(ran, RunOutcome::Ran { .. }), "{ran:?}");
    assert!(state(&env).await.is_stable_at(&hash));
    let tail: Vec<_> = lifecycle(&env.events()).into_iter().skip(2).collect();
    assert_eq!(
        tail,
        vec![
            ("migration-lifecycle".into(), "attempted".into()),
            ("migration-lifecycle".into(), "deployed".into()),
        ]
    );

    // The same payload again: already deployed, a no-op with no event.
    let again = env
        .deployer()
        .run_migration(&mut session, &payload, false)
        .await
        .unwrap();
    assert!(
        matches!(again, RunOutcome::AlreadyDeployed { .. }),
        "{again:?}"
    );
    assert_eq!(env.events().len(), 4);
}
