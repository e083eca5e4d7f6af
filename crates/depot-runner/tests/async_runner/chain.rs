//! The whole asynchronous path, locally: deploy (the entity creator's choreography) puts the
//! plan in S3 and the `migration-plan` event on the bus; the forwarder sends the event to the
//! FIFO queue; the runner consumes the queue and deploys. And the debounce: one event delivered
//! three times runs once.

use depot_aws::fifo_queue::{forward_plan_event, Forwarded};
use serde_json::json;

use crate::world::{dogs_rows, insert_dogs, v1, v2, Run, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_asynchronous_chain_runs_locally_from_deploy_to_deployed() {
    let world = World::new().await;
    world.deploy_and_run(&v1()).await;
    insert_dogs(&world, 50).await;
    let rows = dogs_rows(&world).await;

    let dataset = world.dataset(&v2());
    let hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    world.schedule(&dataset).await;
    assert_eq!(
        world.state().await.desired_version.as_deref(),
        Some(hash.as_str())
    );
    assert_eq!(
        world.lifecycle().await,
        ["desired", "attempted", "deployed", "desired"]
    );
    let event = world
        .plan_events()
        .await
        .pop()
        .expect("a migration-plan event");
    assert_eq!(
        event["detail"]["executionResponsibility"],
        "to-be-executed-by-receiver"
    );

    // The forwarder, as the rule's Lambda target runs it, with the event as it arrived.
    let event_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(event_file.path(), event.to_string()).unwrap();
    let forwarded = Run::of(world.forwarder(&[
        event_file.path().to_str().unwrap(),
        "--queue-url",
        &world.fifo_url,
    ]))
    .await;
    assert!(forwarded.ok(), "{}", forwarded.stderr);
    assert_eq!(forwarded.output["forwarded"], true, "{}", forwarded.output);
    assert_eq!(forwarded.output["datasetId"], crate::world::DATASET_ID);

    // The runner's consumer mode takes it from the queue.
    let consumed = Run::of(world.runner(&[
        "--poll-queue",
        &world.fifo_url,
        "--until-empty",
        "--lock-wait",
        "60",
    ]))
    .await;
    assert!(consumed.ok(), "{}", consumed.stderr);
    assert_eq!(consumed.output["succeeded"], 1, "{}", consumed.output);
    assert_eq!(consumed.output["runs"][0]["outcome"], "deployed");

    assert!(world.state().await.is_stable_at(&hash));
    assert_eq!(
        world.lifecycle().await,
        [
            "desired",
            "attempted",
            "deployed",
            "desired",
            "attempted",
            "deployed"
        ]
    );
    assert_eq!(dogs_rows(&world).await, rows, "no row lost");
    let snapshot = world.snapshot().await;
    assert!(snapshot.tables["dog"].columns.contains_key("vaccinated"));
    assert!(snapshot.views.contains_key("vaccinated_dog"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_plan_event_delivered_three_times_runs_once() {
    let world = World::new().await;
    let (dataset, event) = world.v2_scheduled().await;

    // EventBridge delivering twice, and the sender's retried put: a new envelope id and time
    // around the same detail.
    let mut retried = event.clone();
    retried["id"] = json!(uuid::Uuid::new_v4().to_string());
    retried["time"] = json!("2030-01-01T00:00:00Z");
    for delivery in [&event, &event, &retried] {
        let sent = forward_plan_event(&world.sqs, &world.fifo_url, delivery, false)
            .await
            .expect("forwarding");
        assert!(matches!(sent, Forwarded::Sent { .. }), "{sent:?}");
    }

    let consumed = Run::of(world.runner(&[
        "--poll-queue",
        &world.fifo_url,
        "--until-empty",
        "--lock-wait",
        "60",
    ]))
    .await;
    assert!(consumed.ok(), "{}", consumed.stderr);
    assert_eq!(
        consumed.output["runs"].as_array().map(Vec::len),
        Some(1),
        "three deliveries, one run: {}",
        consumed.output
    );
    assert_eq!(consumed.output["runs"][0]["outcome"], "deployed");
    let hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    assert!(world.state().await.is_stable_at(&hash));
    assert_eq!(
        world.lifecycle().await,
        [
            "desired",
            "attempted",
            "deployed",
            "desired",
            "attempted",
            "deployed"
        ]
    );
}
