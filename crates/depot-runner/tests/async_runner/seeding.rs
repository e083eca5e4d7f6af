//! Seeding chained after a run upserts the package's seed rows on their primary key: a second
//! seeding restores what was changed by hand and adds no row.

use depot_aws::{EventBridgeSink, S3DocumentStore};
use depot_deploy::Deployer;
use serde_json::json;

use crate::world::{dogs_rows, v1, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chained_seeding_upserts_the_seed_rows_and_seeding_again_changes_nothing_more() {
    let world = World::new().await;
    let mut package = v1();
    package["seeds"] = json!({"Dog": [{"id": 1, "name": "Rex"}, {"id": 2, "name": "O'Malley"}]});
    let mut payload = world.schedule(&world.dataset(&package)).await;
    payload.chain_with_seeding = true;

    let run = world.run_payload(&payload, &[]).await;
    assert!(run.ok(), "{}", run.stderr);
    assert_eq!(run.output["outcome"], "deployed");
    assert_eq!(run.output["seeded"], json!({"objects": 1, "rows": 2}));
    let seeded = vec![
        (1, Some("Rex".to_string())),
        (2, Some("O'Malley".to_string())),
    ];
    assert_eq!(dogs_rows(&world).await, seeded);

    world
        .db
        .client
        .batch_execute("UPDATE runner.dog SET name = 'Max' WHERE id = 1; INSERT INTO runner.dog VALUES (3, 'Other')")
        .await
        .unwrap();
    let documents = S3DocumentStore::new(world.clients.s3.clone());
    let events = EventBridgeSink::new(world.clients.eventbridge.clone());
    let deployer = Deployer {
        documents: &documents,
        events: &events,
        lock_wait: std::time::Duration::from_secs(30),
    };
    let document = deployer.run_target(&payload).await.unwrap().document;
    let mut session = world.session().await;
    for _ in 0..2 {
        let report = deployer.seed(&mut session, &document).await.unwrap();
        assert_eq!(report.rows, 2);
        assert_eq!(
            dogs_rows(&world).await,
            [seeded.clone(), vec![(3, Some("Other".to_string()))]].concat()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dataset_that_asks_for_seeding_is_seeded_after_its_run() {
    let world = World::new().await;
    let mut package = v1();
    package["seeds"] = json!({"Dog": [{"id": 7, "name": "Rex"}]});
    let mut dataset = world.dataset(&package);
    dataset.config.migration_options.trigger_seeding = true;
    let payload = world.schedule(&dataset).await;
    assert!(!payload.chain_with_seeding);

    let run = world.run_payload(&payload, &[]).await;
    assert!(run.ok(), "{}", run.stderr);
    assert_eq!(run.output["seeded"], json!({"objects": 1, "rows": 1}));
    assert_eq!(dogs_rows(&world).await, [(7, Some("Rex".to_string()))]);
}
