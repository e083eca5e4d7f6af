//! Messages that reach a dead-letter queue (the FIFO queue's, after too many receives; the
//! undelivered-events queue, for events the forwarder could not take) are reported by the
//! failure reporter, their SQS event source: each one is recorded as a failed migration and
//! announced; one it cannot read is announced with what it can read, never dropped silently.

use std::time::Duration;

use depot_aws::fifo_queue::{plan_message, Forwarding};
use depot_aws::ConnectSettings;
use depot_runner::failure_reporter::{reporter_handler, Reporter};
use depot_runner::AwsRunner;
use serde_json::{json, Value};

use crate::world::{World, DATASET_ID};

fn reporter(world: &World) -> Reporter {
    Reporter {
        runner: AwsRunner {
            clients: world.clients.clone(),
            connect: ConnectSettings::default(),
            lock_wait: Duration::from_secs(30),
            dependency_wait: Duration::ZERO,
        },
        environment_id: Some("e2e404529091ed2".into()),
        event_bus_arn: Some(world.bus_arn.clone()),
    }
}

/// The SQS event Lambda gets for one message of `queue` (the event source mapping's shape).
fn sqs_event(queue: &str, body: &str, attributes: Value) -> Value {
    json!({"Records": [{
        "messageId": uuid::Uuid::new_v4().to_string(), "receiptHandle": "r", "body": body,
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": attributes,
        "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": format!("arn:aws:sqs:eu-west-1:123456789012:{queue}"), "awsRegion": "eu-west-1"
    }]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_in_the_migration_dead_letter_queue_is_recorded_failed_and_announced() {
    let world = World::new().await;
    let (dataset, event) = world.v2_scheduled().await;
    let hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    let Forwarding::Forward(message) = plan_message(&event, false).unwrap() else {
        panic!("a plan to forward")
    };
    let before = world.lifecycle().await.len();

    let answer = reporter_handler(
        &reporter(&world),
        sqs_event(
            "sdp-e2e404529091ed2-migrations-dlq.fifo",
            &message.body,
            json!({}),
        ),
    )
    .await
    .expect("reporting");
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    assert_eq!(answer["reports"][0]["reported"], "recorded", "{answer}");

    let state = world.state().await;
    assert_eq!(state.attempted_version.as_deref(), Some(hash.as_str()));
    let error = state.last_error.expect("recorded");
    assert!(
        error.starts_with("the migration message reached the dead-letter queue sdp-e2e404529091ed2-migrations-dlq.fifo"),
        "{error}"
    );
    assert_eq!(world.lifecycle().await[before..], ["attempted", "failed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undelivered_plan_event_is_reported_from_its_envelope_with_the_delivery_error() {
    let world = World::new().await;
    let (_, event) = world.v2_scheduled().await;
    let before = world.lifecycle().await.len();
    // EventBridge's target dead-letter message: the event itself, why in its attributes.
    let attributes = json!({"ERROR_MESSAGE": {"stringValue": "Lambda function is throttled", "dataType": "String"}});
    let answer = reporter_handler(
        &reporter(&world),
        sqs_event("DepotUndeliveredEvents", &event.to_string(), attributes),
    )
    .await
    .expect("reporting");
    assert_eq!(answer["reports"][0]["reported"], "recorded", "{answer}");
    let error = world.state().await.last_error.expect("recorded");
    assert!(error.ends_with(": Lambda function is throttled"), "{error}");
    assert_eq!(world.lifecycle().await[before..], ["attempted", "failed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_dead_letter_is_announced_with_what_can_be_read() {
    let world = World::new().await;
    world.v2_scheduled().await;
    let state_before = world.state().await;
    let reporter = reporter(&world);

    // Not a plan (another detail-type), but it names the dataset.
    let named = json!({"detail-type": "something-else", "detail": {"datasetId": DATASET_ID}});
    let answer = reporter_handler(
        &reporter,
        sqs_event("DepotUndeliveredEvents", &named.to_string(), json!({})),
    )
    .await
    .expect("handled");
    assert_eq!(
        answer["batchItemFailures"],
        json!([]),
        "never handed back for ever: {answer}"
    );
    assert_eq!(answer["reports"][0]["reported"], "announced", "{answer}");
    // Not even JSON.
    let answer = reporter_handler(
        &reporter,
        sqs_event("DepotUndeliveredEvents", "\u{1}garbage", json!({})),
    )
    .await
    .expect("handled");
    assert_eq!(answer["reports"][0]["reported"], "announced", "{answer}");

    let failed: Vec<Value> = world
        .events()
        .await
        .into_iter()
        .filter(|e| e["detail-type"] == "migration-lifecycle" && e["detail"]["event"] == "failed")
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0]["detail"]["datasetId"], DATASET_ID);
    assert_eq!(failed[0]["detail"]["environmentId"], "e2e404529091ed2");
    let error = failed[0]["detail"]["error"].as_str().unwrap();
    assert!(
        error.contains("dead-letter queue DepotUndeliveredEvents")
            && error.contains("could not be recorded"),
        "{error}"
    );
    assert_eq!(failed[1]["detail"]["datasetId"], "");
    assert!(failed[1]["detail"]["error"]
        .as_str()
        .unwrap()
        .contains("not JSON"));
    // Nothing it could not tie to a plan was written to the record.
    assert_eq!(world.state().await, state_before);
}
