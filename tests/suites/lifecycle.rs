//! The dataset's state record and lifecycle events tell the truth at every moment (SPEC §6-7):
//! after a synchronous deploy, a no-op redeploy, and the asynchronous hand-over to a runner.
//! Failures, their undo, resume and abandon are in recovery.rs.

use depot_deploy::{DeployOutcome, RunOutcome, RunPayload};
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
    env.state().await
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
async fn asynchronous_mode_hands_the_plan_to_the_runner() {
    let env = Env::new().await;
    let mut props = properties(&package(json!({"id": {"type": "bigint"}})));
    props["migrationOptions"]["migrationMode"] = json!({"type": "asynchronous", "eventBusArn": "arn:aws:events:eu-west-1:000000000000:event-bus/depot"});
    let v1 = depot_core::properties::parse_dataset(&props, &depot_tests::ENGINES).unwrap();
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
