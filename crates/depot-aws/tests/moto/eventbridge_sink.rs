//! EventBridgeSink: events reach a rule's SQS target with the SPEC §6 source, detail-type and
//! detail; a put that keeps failing is an error after the retries.

use std::time::{Duration, Instant};

use depot_aws::{EventBridgeSink, RetryPolicy};
use depot_deploy::events::{
    Event, ExecutionResponsibility, Lifecycle, LifecycleEvent, MigrationPlanned,
    DETAIL_TYPE_LIFECYCLE, DETAIL_TYPE_PLAN, SOURCE,
};
use depot_deploy::EventSink;
use serde_json::json;

use crate::common::{clients, receive, route_to_queue, sdk_config, sqs_client, unique};

fn planned(dataset_id: &str) -> MigrationPlanned {
    let bucket = "sdp-bootstrap-058264526050-eu-west-1";
    MigrationPlanned {
        environment_id: "e2e404529091ed2".into(),
        dataset_id: dataset_id.into(),
        dataset_alias: "WsDevDogSrcDeferredMigration".into(),
        environment_uri: format!(
            "s3://{bucket}/sdp-e2e404529091ed2/datasets/{dataset_id}/42b1.json"
        ),
        old_environment_uri: Some(format!(
            "s3://{bucket}/sdp-e2e404529091ed2/datasets/{dataset_id}/06ae.json"
        )),
        dataset_version_hash: "42b14733ff9d8f8de9f22524ef466a13f3b6511f7cb9ebb74de3ab59c24c5b37"
            .into(),
        old_dataset_version_hash: Some(
            "06aeef48489f428db3f91b3878cad61b828142f8f5b5557a2460ec9a3565e40a".into(),
        ),
        migration_plan_bucket: bucket.into(),
        migration_plan_key: format!(
            "sdp-e2e404529091ed2/migrations/{dataset_id}_WsDevDogSrcDeferredMigration/2025-04-28/\
             2025-04-28T08:31:33.816Z_MIGRATION_PLANNED_{dataset_id}_WsDevDogSrcDeferredMigration_\
             01967b85-dd5c-7306-b067-0a06ab34d6ae.json"
        ),
        original_migration_plan_key: None,
        migration_id: "01967b85-dd5c-7306-b067-0a06ab34d6ae".into(),
        summary: "migration-planned".into(),
        execution_responsibility: ExecutionResponsibility::ToBeExecutedByReceiver,
    }
}

fn failed(dataset_id: &str) -> Lifecycle {
    Lifecycle {
        kind: "lifecycle".into(),
        environment_id: "e2e404529091ed2".into(),
        dataset_id: dataset_id.into(),
        dataset_alias: "WsDevDogSrc".into(),
        environment_uri: "s3://sdp-bootstrap/sdp-e2e404529091ed2/datasets/x/859f.json".into(),
        dataset_version_hash: "859f".repeat(16),
        event: LifecycleEvent::Failed,
        migration_id: Some("01967b85-dd5c-7306-b067-0a06ab34d6ae".into()),
        error: Some("phase 700 build-indexes: lock timeout".into()),
    }
}

#[tokio::test]
async fn events_arrive_on_a_custom_bus_with_source_detail_type_and_detail() {
    let clients = clients().await;
    let sqs = sqs_client(&sdk_config(None).await);
    let bus = unique("bus");
    let bus_arn = clients
        .eventbridge
        .create_event_bus()
        .name(&bus)
        .send()
        .await
        .expect("CreateEventBus")
        .event_bus_arn()
        .expect("the bus ARN")
        .to_string();
    let dataset_id = unique("dataset");
    let queue_url = route_to_queue(&clients, &sqs, &bus, "datasetId", &dataset_id).await;

    let sink = EventBridgeSink::new(clients.eventbridge.clone());
    let plan = planned(&dataset_id);
    let lifecycle = failed(&dataset_id);
    sink.send(&Event::migration_planned(&plan, Some(&bus_arn)))
        .await
        .unwrap();
    sink.send(&Event::lifecycle(&lifecycle, Some(&bus_arn)))
        .await
        .unwrap();

    let events = receive(&sqs, &queue_url, 2).await;
    let (plan_event, lifecycle_event) = (&events[0], &events[1]);
    assert_eq!(plan_event["source"], SOURCE);
    assert_eq!(plan_event["detail-type"], DETAIL_TYPE_PLAN);
    let detail: MigrationPlanned = serde_json::from_value(plan_event["detail"].clone()).unwrap();
    assert_eq!(detail, plan);
    // Every field by its SPEC §6 name, as receivers read them.
    let d = &plan_event["detail"];
    assert_eq!(d["environmentId"], "e2e404529091ed2");
    assert_eq!(d["datasetId"], dataset_id.as_str());
    assert_eq!(d["datasetAlias"], "WsDevDogSrcDeferredMigration");
    assert_eq!(d["environmentUri"], plan.environment_uri.as_str());
    assert_eq!(
        d["oldEnvironmentUri"],
        plan.old_environment_uri.as_deref().unwrap()
    );
    assert_eq!(d["datasetVersionHash"], plan.dataset_version_hash.as_str());
    assert_eq!(
        d["oldDatasetVersionHash"],
        plan.old_dataset_version_hash.as_deref().unwrap()
    );
    assert_eq!(
        d["migrationPlanBucket"],
        "sdp-bootstrap-058264526050-eu-west-1"
    );
    assert_eq!(d["migrationPlanKey"], plan.migration_plan_key.as_str());
    assert_eq!(d["migrationId"], "01967b85-dd5c-7306-b067-0a06ab34d6ae");
    assert_eq!(d["summary"], "migration-planned");
    assert_eq!(d["executionResponsibility"], "to-be-executed-by-receiver");
    assert_eq!(d.as_object().unwrap().len(), 12, "{d:#}");

    assert_eq!(lifecycle_event["source"], SOURCE);
    assert_eq!(lifecycle_event["detail-type"], DETAIL_TYPE_LIFECYCLE);
    assert_eq!(
        lifecycle_event["detail"],
        json!({
            "type": "lifecycle", "environmentId": "e2e404529091ed2", "datasetId": dataset_id,
            "datasetAlias": "WsDevDogSrc", "environmentUri": lifecycle.environment_uri,
            "datasetVersionHash": lifecycle.dataset_version_hash,
            "versionHash": lifecycle.dataset_version_hash, "event": "failed",
            "migrationId": "01967b85-dd5c-7306-b067-0a06ab34d6ae",
            "error": "phase 700 build-indexes: lock timeout"
        })
    );
}

#[tokio::test]
async fn events_without_a_bus_go_to_the_default_bus() {
    let clients = clients().await;
    let sqs = sqs_client(&sdk_config(None).await);
    let dataset_id = unique("dataset");
    // The rule matches this test's dataset only: other tests may use the default bus too.
    let queue_url = route_to_queue(&clients, &sqs, "default", "datasetId", &dataset_id).await;
    let sink = EventBridgeSink::new(clients.eventbridge.clone());
    let mut deployed = failed(&dataset_id);
    deployed.event = LifecycleEvent::Deployed;
    deployed.error = None;
    sink.send(&Event::lifecycle(&deployed, None)).await.unwrap();
    let events = receive(&sqs, &queue_url, 1).await;
    assert_eq!(events[0]["source"], SOURCE);
    assert_eq!(events[0]["detail-type"], DETAIL_TYPE_LIFECYCLE);
    let detail: Lifecycle = serde_json::from_value(events[0]["detail"].clone()).unwrap();
    assert_eq!(detail, deployed);
}

#[tokio::test]
async fn a_put_that_keeps_failing_is_an_error_after_the_retries() {
    let clients = clients().await;
    let retry = RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
    };
    let sink = EventBridgeSink::new(clients.eventbridge.clone()).with_retry(retry);
    let region = clients
        .eventbridge
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap();
    let missing_bus = format!(
        "arn:aws:events:{region}:123456789012:event-bus/{}",
        unique("no-such-bus")
    );
    let event = Event::lifecycle(&failed(&unique("dataset")), Some(&missing_bus));
    let started = Instant::now();
    let e = sink.send(&event).await.unwrap_err();
    let shown = e.to_string();
    assert_eq!(e.detail_type, DETAIL_TYPE_LIFECYCLE);
    assert!(
        shown.starts_with("sending a migration-lifecycle event failed: PutEvents to event bus"),
        "{shown}"
    );
    assert!(shown.contains(&missing_bus), "{shown}");
    assert!(shown.contains("failed after 3 attempts"), "{shown}");
    // Two waits of at least half the base delay, then the next doubled.
    assert!(
        started.elapsed() >= Duration::from_millis(30),
        "{:?}",
        started.elapsed()
    );
}

/// An entry EventBridge rejects (here: no detail-type) answers 200 with `FailedEntryCount` 1:
/// that is a failure too, retried and then reported with EventBridge's reason.
#[tokio::test]
async fn a_rejected_entry_is_an_error_with_eventbridges_reason() {
    let clients = clients().await;
    let retry = RetryPolicy {
        attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
    };
    let sink = EventBridgeSink::new(clients.eventbridge.clone()).with_retry(retry);
    let event = Event {
        detail_type: "",
        detail: json!({ "datasetId": unique("dataset") }),
        event_bus_arn: None,
    };
    let e = sink.send(&event).await.unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.contains("PutEvents to event bus default failed after 2 attempts"),
        "{shown}"
    );
    assert!(
        shown.contains("EventBridge rejected the entry (InvalidArgument: "),
        "{shown}"
    );
}
