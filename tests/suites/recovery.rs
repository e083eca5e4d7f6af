//! Recovery: after any failure there is a way forward with no row lost, and the database is
//! never worse than before the failed migration started (README "What Depot guarantees when a
//! migration fails"). Each scenario fails a migration for real on PostgreSQL, checks that the
//! old version's inserts and selects still work and that the record tells the truth, then
//! deploys a corrected version and checks every row.

use std::time::Duration;

use depot_deploy::{DeployError, DeployOutcome, LocationSession, Status};
use depot_tests::{dataset, properties, Env, DATASET_ID};
use serde_json::{json, Value};

const BUCKET: &str = "sdp-bootstrap-test";

fn package(version: &str, schemas: Value) -> Value {
    json!({"name": "dogs", "version": version, "schemas": schemas})
}

fn dog(fields: Value) -> Value {
    json!({"kind": "object", "fields": fields, "primaryKey": ["id"]})
}

async fn state(env: &Env) -> depot_deploy::DatasetState {
    env.state().await
}

/// The status operators read, with the lock probed as `depot get-dataset` does.
async fn status(env: &Env) -> Status {
    let mut session = env.session().await;
    let s = session.load_state(DATASET_ID).await.unwrap().unwrap();
    let lock = session.is_locked(DATASET_ID).await.unwrap();
    s.status(lock)
}

fn last_lifecycle(env: &Env) -> Value {
    env.events()
        .into_iter()
        .rev()
        .find(|e| e["detail-type"] == json!("migration-lifecycle"))
        .expect("a lifecycle event")["detail"]
        .clone()
}

async fn count(env: &Env, sql: &str) -> i64 {
    env.db.client.query_one(sql, &[]).await.unwrap().get(0)
}

fn hash(d: &depot_core::Dataset) -> String {
    depot_core::hash::version_hash(&d.config, &d.package)
}

#[tokio::test]
async fn a_failed_not_null_is_undone_and_the_old_version_keeps_working() {
    let env = Env::new().await;
    let v1 = dataset(&package(
        "1",
        json!({"Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}}))}),
    ));
    env.deploy(&v1).await.unwrap();
    let v1_snapshot = env.snapshot().await;
    env.db
        .client
        .batch_execute("INSERT INTO pairs.dog (id, name) VALUES (1, 'Rex'), (2, NULL)")
        .await
        .unwrap();

    // v2 adds a column (phase 600) and a NOT NULL check (800), which fails validation (900)
    // on row 2.
    let v2 = dataset(&package(
        "2",
        json!({"Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string"},
                                  "weight": {"type": "integer", "nullable": true}}))}),
    ));
    let err = env.deploy(&v2).await.unwrap_err();
    let DeployError::Failed { failure, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(failure.phase, depot_core::phase::VALIDATE, "{failure}");
    assert!(failure.message.contains("violated"), "{failure}");
    assert!(failure.message.contains("undone"), "{failure}");

    // Back at v1, exactly: no new column, no NOT VALID check that would refuse the old
    // application's NULL names.
    assert_eq!(env.snapshot().await, v1_snapshot);
    env.db
        .client
        .batch_execute("INSERT INTO pairs.dog (id, name) VALUES (3, NULL)")
        .await
        .expect("the old version's insert of a NULL name works after the failure");

    let s = state(&env).await;
    assert_eq!(s.deployed_version, Some(hash(&v1)));
    assert_eq!(s.attempted_version, Some(hash(&v2)));
    assert_eq!(
        s.last_completed_phase, None,
        "nothing of v2 is left applied"
    );
    let why = s.last_error.clone().unwrap();
    assert!(
        why.contains("phase 900") && why.contains("violated"),
        "{why}"
    );
    assert_eq!(status(&env).await, Status::Failed);
    let failed = last_lifecycle(&env);
    assert_eq!(failed["event"], json!("failed"));
    assert_eq!(failed["datasetVersionHash"], json!(hash(&v2)));

    // Rollback to v1 (what CloudFormation sends after a failed update): stable again.
    let back = env.deploy(&v1).await.unwrap();
    assert_eq!(back.state().deployed_version, Some(hash(&v1)));
    assert_eq!(status(&env).await, Status::Stable);

    // A corrected v3 (a default for the old rows) deploys from v1; every row is kept.
    let v3 = dataset(&package(
        "3",
        json!({"Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true},
                                  "weight": {"type": "integer", "nullable": true}}))}),
    ));
    env.deploy(&v3).await.unwrap();
    assert_eq!(status(&env).await, Status::Stable);
    assert_eq!(count(&env, "SELECT count(*) FROM pairs.dog").await, 3);
}

#[tokio::test]
async fn a_failed_first_deploy_is_undone_and_a_corrected_version_replaces_it() {
    let env = Env::new().await;
    // The view passes validation (it reads known fields) but PostgreSQL refuses it at phase
    // 1100: text has no `+ integer`.
    let bad = dataset(&package(
        "1",
        json!({
            "Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string"}})),
            "DogPlusOne": {"kind": "view", "query": "SELECT id, name + 1 AS n FROM Dog"}
        }),
    ));
    let err = env.deploy(&bad).await.unwrap_err();
    assert!(matches!(err, DeployError::Failed { .. }), "{err}");
    // The table it created is gone again (it was empty): nothing is left half-made.
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'pairs'"
        )
        .await,
        0
    );
    let s = state(&env).await;
    assert_eq!(s.deployed_version, None);
    assert_eq!(s.last_completed_phase, None);
    assert_eq!(status(&env).await, Status::Failed);

    let good = dataset(&package(
        "2",
        json!({
            "Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string"}})),
            "DogNames": {"kind": "view", "query": "SELECT id, name FROM Dog"}
        }),
    ));
    let outcome = env.deploy(&good).await.unwrap();
    assert!(
        matches!(outcome, DeployOutcome::Deployed { .. }),
        "{outcome:?}"
    );
    assert_eq!(status(&env).await, Status::Stable);
    env.db
        .client
        .batch_execute("INSERT INTO pairs.dog VALUES (1, 'Rex')")
        .await
        .unwrap();
    assert_eq!(count(&env, "SELECT count(*) FROM pairs.dog_names").await, 1);
}

#[tokio::test]
async fn views_dropped_for_a_failed_migration_come_back() {
    let env = Env::new().await;
    let v1 = dataset(&package(
        "1",
        json!({
            "Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string", "maxLength": 50}})),
            "DogNames": {"kind": "view", "query": "SELECT id, name FROM Dog"}
        }),
    ));
    env.deploy(&v1).await.unwrap();
    let v1_snapshot = env.snapshot().await;
    env.db
        .client
        .batch_execute("INSERT INTO pairs.dog VALUES (1, 'Rex'), (2, 'Rex')")
        .await
        .unwrap();

    // v2 widens `name` (the view is dropped in phase 200 to be recreated) and adds a unique
    // index, whose concurrent build (phase 700) fails on the duplicate names.
    let mut v2_package = package(
        "2",
        json!({
            "Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string", "maxLength": 80}})),
            "DogNames": {"kind": "view", "query": "SELECT id, name FROM Dog"}
        }),
    );
    v2_package["schemas"]["Dog"]["indexes"] =
        json!([{"name": "byName", "fields": ["name"], "unique": true}]);
    let v2 = dataset(&v2_package);
    let err = env.deploy(&v2).await.unwrap_err();
    let DeployError::Failed { failure, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(failure.phase, depot_core::phase::BUILD_INDEXES, "{failure}");

    // The view is back with its old definition, the widened column narrowed back, and the
    // INVALID index the failed build left is gone.
    assert_eq!(env.snapshot().await, v1_snapshot);
    assert_eq!(
        count(&env, "SELECT count(*) FROM pairs.dog_names").await,
        2,
        "the old version's select works"
    );
    assert_eq!(status(&env).await, Status::Failed);

    // Corrected: a plain index. Deploys from v1, rows kept.
    let mut v3_package = v2_package.clone();
    v3_package["version"] = json!("3");
    v3_package["schemas"]["Dog"]["indexes"] = json!([{"name": "byName", "fields": ["name"]}]);
    env.deploy(&dataset(&v3_package)).await.unwrap();
    assert_eq!(status(&env).await, Status::Stable);
    assert_eq!(count(&env, "SELECT count(*) FROM pairs.dog_names").await, 2);
}

#[tokio::test]
async fn a_failed_seeding_is_failed_not_deployed_and_a_corrected_version_moves_on() {
    let env = Env::new().await;
    let v1 = dataset(&package(
        "1",
        json!({"Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string"}}))}),
    ));
    env.deploy(&v1).await.unwrap();
    env.db
        .client
        .batch_execute("INSERT INTO pairs.dog VALUES (1, 'Rex')")
        .await
        .unwrap();

    // v2 adds a unique index on `name` and seeds two rows with the same name: the plan runs,
    // the seeding fails on the index.
    let seeded = |version: &str, second_name: &str| {
        let mut p = package(
            version,
            json!({"Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string"},
                                      "note": {"type": "string", "nullable": true}}))}),
        );
        p["schemas"]["Dog"]["indexes"] =
            json!([{"name": "byName", "fields": ["name"], "unique": true}]);
        p["seeds"] = json!({"Dog": [{"id": 10, "name": "Ada"}, {"id": 11, "name": second_name}]});
        let mut props = properties(&p);
        props["migrationOptions"]["triggerSeeding"] = json!(true);
        depot_core::properties::parse_dataset(&props, &depot_tests::ENGINES).unwrap()
    };
    let v2 = seeded("2", "Ada");
    let err = env.deploy(&v2).await.unwrap_err();
    assert!(err.to_string().contains("seeding"), "{err}");
    let s = state(&env).await;
    assert_eq!(
        s.deployed_version,
        Some(hash(&v1)),
        "a seeding failure is not recorded as deployed"
    );
    assert_eq!(status(&env).await, Status::Failed);
    assert_eq!(last_lifecycle(&env)["event"], json!("failed"));
    // Deploying v2 again does not claim it is deployed: it seeds again, and fails again.
    let again = env.deploy(&v2).await.unwrap_err();
    assert!(again.to_string().contains("seeding"), "{again}");

    // Corrected seeds: planned from v2's objects (every phase of v2 completed), seeded.
    let v3 = seeded("3", "Bea");
    env.deploy(&v3).await.unwrap();
    assert_eq!(status(&env).await, Status::Stable);
    assert_eq!(count(&env, "SELECT count(*) FROM pairs.dog").await, 3);
}

#[tokio::test]
async fn a_process_killed_mid_phase_can_be_abandoned_or_resumed() {
    let env = Env::new().await;
    let v1 = dataset(&package(
        "1",
        json!({"Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string"}}))}),
    ));
    env.deploy(&v1).await.unwrap();
    let v1_snapshot = env.snapshot().await;
    env.db
        .client
        .batch_execute("INSERT INTO pairs.dog VALUES (1, 'Rex')")
        .await
        .unwrap();
    let v2 = dataset(&package(
        "2",
        json!({
            "Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string"},
                              "weight": {"type": "integer", "nullable": true}})),
            "Cat": dog(json!({"id": {"type": "bigint"}}))
        }),
    ));

    // A reader holds the table, so v2 waits in phase 600 (after creating Cat in 300); the
    // migration's connection is then killed, as a process would be.
    let killed = kill_mid_phase(&env, &v2).await;
    assert!(killed.is_err(), "the killed deploy must fail: {killed:?}");
    let s = state(&env).await;
    assert_eq!(s.attempted_version, Some(hash(&v2)));
    assert_eq!(
        s.last_error, None,
        "a killed process records nothing itself"
    );
    assert_eq!(
        status(&env).await,
        Status::Failed,
        "its lock is gone: get-dataset says FAILED, not RUNNING"
    );

    // A third version cannot start between versions; the message names both ways out.
    let v3 = dataset(&package(
        "3",
        json!({"Dog": dog(json!({"id": {"type": "bigint"}, "name": {"type": "string"},
                                  "color": {"type": "string", "nullable": true}}))}),
    ));
    let refused = env.deploy(&v3).await.unwrap_err();
    assert!(refused.to_string().contains("depot abandon"), "{refused}");

    // Abandon: Cat (empty, created by v2) is dropped, the record is stable at v1.
    let mut session = env.session().await;
    let abandoned = env
        .deployer()
        .abandon(&mut session, BUCKET, DATASET_ID)
        .await
        .unwrap();
    assert_eq!(abandoned.attempted_version, Some(hash(&v1)));
    assert_eq!(status(&env).await, Status::Stable);
    assert_eq!(env.snapshot().await, v1_snapshot);

    // Now v3 deploys, and the row is intact.
    env.deploy(&v3).await.unwrap();
    assert_eq!(count(&env, "SELECT count(*) FROM pairs.dog").await, 1);

    // Killed again, on the way to v2 from v3: this time deploying v2 again resumes it.
    let killed = kill_mid_phase(&env, &v2).await;
    assert!(killed.is_err());
    let outcome = env.deploy(&v2).await.unwrap();
    let DeployOutcome::Deployed { resumed_after, .. } = &outcome else {
        panic!("{outcome:?}")
    };
    assert!(resumed_after.is_some(), "{outcome:?}");
    assert_eq!(status(&env).await, Status::Stable);
    assert_eq!(count(&env, "SELECT count(*) FROM pairs.dog").await, 1);
    assert_eq!(count(&env, "SELECT count(*) FROM pairs.cat").await, 0);
}

/// Deploys `dataset` while another session holds `pairs.dog`, and kills the deploy's
/// connection once it waits for the lock in the middle of its plan.
async fn kill_mid_phase(
    env: &Env,
    dataset: &depot_core::Dataset,
) -> Result<DeployOutcome, DeployError> {
    let blocker = env.db.connect().await;
    blocker
        .batch_execute("BEGIN; LOCK TABLE pairs.dog IN ACCESS SHARE MODE")
        .await
        .unwrap();
    let mut session = env.session().await;
    let pid: i32 = session
        .client()
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let deployer = env.deployer();
    let deploy = deployer.deploy(&mut session, dataset);
    let killer = async {
        // Wait until the deploy is stuck on the lock, then kill its backend.
        for _ in 0..200 {
            let waiting: bool = env
                .db
                .client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1 \
                     AND wait_event_type = 'Lock')",
                    &[&pid],
                )
                .await
                .unwrap()
                .get(0);
            if waiting {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        env.db
            .client
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap();
    };
    let (result, ()) = tokio::join!(deploy, killer);
    blocker.batch_execute("ROLLBACK").await.unwrap();
    // The server ends the killed session's lock with it; wait for it to be gone.
    for _ in 0..100 {
        let mut s = env.session().await;
        if s.is_locked(DATASET_ID).await.unwrap() == Some(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    result
}

/// A default dropped by a failed migration comes back (found by the generated pairs).
#[tokio::test]
async fn regression_a_dropped_default_is_restored_by_the_undo() {
    let with = json!({"id": {"type": "bigint"}, "a1": {"type": "integer", "nullable": true, "default": 7}});
    let without = json!({"id": {"type": "bigint"}, "a1": {"type": "integer", "nullable": true}});
    depot_tests::check_undo(
        &package("1", json!({"T1": dog(with)})),
        &package("2", json!({"T1": dog(without)})),
        3,
    )
    .await;
}
