//! Two deploys of one dataset at once never interleave: the second waits for the first and then
//! finds the version deployed, or, when it may not wait that long, fails with a clear reason.

use std::time::Duration;

use depot_deploy::{DeployError, DeployOutcome, Deployer, LocationError};
use depot_tests::{dataset, Env};
use serde_json::json;

fn packages() -> (serde_json::Value, serde_json::Value) {
    let v1 = json!({"name": "c", "version": "1", "schemas": {"Dog": {"kind": "object",
        "fields": {"id": {"type": "bigint"}}, "primaryKey": ["id"]}}});
    let v2 = json!({"name": "c", "version": "2", "schemas": {"Dog": {"kind": "object",
        "fields": {"id": {"type": "bigint"}, "name": {"type": "string", "nullable": true}}, "primaryKey": ["id"]}}});
    (v1, v2)
}

/// Holds an ACCESS EXCLUSIVE lock on the table for `hold`, so that a migration touching it
/// stays in flight (retrying its lock) for that long.
async fn block_table(env: &Env, hold: Duration) -> tokio::task::JoinHandle<()> {
    let client = env.db.connect().await;
    client
        .batch_execute("BEGIN; LOCK TABLE pairs.dog IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        client.batch_execute("COMMIT").await.unwrap();
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_deploy_waits_and_then_finds_the_version_deployed() {
    let env = Env::new().await;
    let (v1, v2) = packages();
    env.deploy(&dataset(&v1)).await.unwrap();
    let v2 = dataset(&v2);
    let blocker = block_table(&env, Duration::from_secs(3)).await;

    let (mut s1, mut s2) = (env.session().await, env.session().await);
    let (d1, d2) = (env.deployer(), env.deployer());
    let first = d1.deploy(&mut s1, &v2);
    let second = async {
        // Start second, once the first holds the dataset's lock.
        tokio::time::sleep(Duration::from_millis(500)).await;
        d2.deploy(&mut s2, &v2).await
    };
    let (a, b) = tokio::join!(first, second);
    blocker.await.unwrap();
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(matches!(a, DeployOutcome::Deployed { .. }), "{a:?}");
    assert!(matches!(b, DeployOutcome::AlreadyDeployed { .. }), "{b:?}");

    // One migration only, its events in order, none interleaved.
    let kinds: Vec<String> = env
        .events()
        .iter()
        .skip(3)
        .map(|e| {
            e["detail"]["event"]
                .as_str()
                .or(e["detail"]["executionResponsibility"].as_str())
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds, vec!["attempted", "deployed", "executed-by-sender"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_deploy_that_cannot_wait_fails_clearly_and_changes_nothing() {
    let env = Env::new().await;
    let (v1, v2) = packages();
    env.deploy(&dataset(&v1)).await.unwrap();
    let v2 = dataset(&v2);
    let blocker = block_table(&env, Duration::from_secs(4)).await;

    let (mut s1, mut s2) = (env.session().await, env.session().await);
    let d1 = env.deployer();
    let impatient = Deployer {
        documents: &env.documents,
        events: &env.events,
        lock_wait: Duration::from_millis(300),
    };
    let first = d1.deploy(&mut s1, &v2);
    let second = async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        impatient.deploy(&mut s2, &v2).await
    };
    let (a, b) = tokio::join!(first, second);
    blocker.await.unwrap();
    assert!(matches!(a.unwrap(), DeployOutcome::Deployed { .. }));
    let err = b.unwrap_err();
    assert!(
        matches!(err, DeployError::Location(LocationError::Busy { .. })),
        "{err}"
    );
    assert!(
        err.to_string().contains("another migration of dataset"),
        "{err}"
    );
}
