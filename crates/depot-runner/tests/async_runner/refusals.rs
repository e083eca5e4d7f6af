//! A stale plan and a drifted database are refused before anything changes: the state record
//! and the schema stay as they were, and a `failed` event says why.

use serde_json::json;

use crate::world::{dogs, v1, v2, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_plan_is_refused_with_a_failed_event_and_changes_nothing() {
    let world = World::new().await;
    world.deploy_and_run(&v1()).await;
    let stale = world.schedule(&world.dataset(&v2())).await;
    let v3 = dogs(
        "3",
        json!({"name": {"type": "string", "maxLength": 200, "nullable": true},
                              "age": {"type": "integer", "nullable": true}}),
    );
    world.schedule(&world.dataset(&v3)).await;
    let (state, snapshot) = (world.state().await, world.snapshot().await);
    let events = world.lifecycle().await.len();

    let run = world.run_payload(&stale, &[]).await;
    assert!(!run.ok(), "a stale plan ran: {}", run.output);
    let reason = run.error_line();
    assert!(reason.contains("refusing a stale plan"), "{reason}");
    assert!(reason.contains("is now desired"), "{reason}");
    assert_eq!(world.state().await, state, "the state record changed");
    assert_eq!(world.snapshot().await, snapshot, "the schema changed");
    let all = world.events().await;
    let failed: Vec<_> = all
        .iter()
        .filter(|e| e["detail"]["event"] == "failed")
        .collect();
    assert_eq!(world.lifecycle().await.len(), events + 1);
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["detail"]["error"]
        .as_str()
        .unwrap()
        .contains("stale"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drifted_database_is_refused_listing_the_differences_and_changes_nothing() {
    let world = World::new().await;
    world.deploy_and_run(&v1()).await;
    // Hands on the database: a column added, another retyped.
    world
        .db
        .client
        .batch_execute(
            "ALTER TABLE runner.dog ADD COLUMN chip text; \
             ALTER TABLE runner.dog ALTER COLUMN name TYPE text",
        )
        .await
        .unwrap();
    let payload = world.schedule(&world.dataset(&v2())).await;
    let (state, snapshot) = (world.state().await, world.snapshot().await);

    let run = world.run_payload(&payload, &[]).await;
    assert!(!run.ok(), "a plan ran over drift: {}", run.output);
    let reason = run.error_line();
    for expected in [
        "differ from deployed version",
        "2 difference(s)",
        "table runner.dog: column chip is not part of the deployed version",
        "table runner.dog: column name is text, expected character varying(200)",
    ] {
        assert!(reason.contains(expected), "{expected:?} not in: {reason}");
    }
    assert_eq!(world.state().await, state, "the state record changed");
    assert_eq!(world.snapshot().await, snapshot, "the schema changed");
    assert_eq!(
        world.lifecycle().await.last().map(String::as_str),
        Some("failed")
    );
    assert_eq!(
        run.status.code(),
        Some(3),
        "the refusal is announced: exit 3"
    );

    // Its Batch job failed (exit 3): the failure reporter leaves the refusal as it is, no
    // second event, no attempt recorded (a re-run of an attempted plan skips the drift check).
    let events = world.events().await.len();
    let reporter = depot_runner::failure_reporter::Reporter {
        runner: depot_runner::AwsRunner {
            clients: world.clients.clone(),
            connect: depot_aws::ConnectSettings::default(),
            lock_wait: std::time::Duration::from_secs(30),
            dependency_wait: std::time::Duration::ZERO,
        },
        environment_id: Some("e2e404529091ed2".into()),
        event_bus_arn: Some(world.bus_arn.clone()),
    };
    let job = serde_json::json!({"JobId": "j", "Status": "FAILED",
        "StatusReason": "Essential container in task exited",
        "Attempts": [{"Container": {"ExitCode": 3}}]});
    let failure = serde_json::json!({
        "payload": serde_json::from_str::<serde_json::Value>(&crate::world::payload_json(&payload)).unwrap(),
        "error": "States.TaskFailed", "cause": job.to_string()});
    let answer = depot_runner::failure_reporter::reporter_handler(&reporter, failure)
        .await
        .unwrap();
    assert_eq!(answer["reported"], "announced-by-the-runner", "{answer}");
    assert_eq!(world.state().await, state);
    assert_eq!(world.events().await.len(), events);

    // The operator who means it forces the run.
    let forced = world.run_payload(&payload, &["--force"]).await;
    assert!(forced.ok(), "{}", forced.stderr);
    assert_eq!(forced.output["outcome"], "deployed");
}

/// A job that never started (its image could not be pulled) is recorded by the failure reporter
/// as an attempt with no phase done. Re-running that plan still starts from the deployed
/// version, so the drift check must still guard it: nothing of the plan ran to explain a
/// difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_job_that_never_started_is_still_refused_over_drift() {
    let world = World::new().await;
    world.deploy_and_run(&v1()).await;
    let payload = world.schedule(&world.dataset(&v2())).await;
    let reporter = depot_runner::failure_reporter::Reporter {
        runner: depot_runner::AwsRunner {
            clients: world.clients.clone(),
            connect: depot_aws::ConnectSettings::default(),
            lock_wait: std::time::Duration::from_secs(30),
            dependency_wait: std::time::Duration::ZERO,
        },
        environment_id: Some("e2e404529091ed2".into()),
        event_bus_arn: Some(world.bus_arn.clone()),
    };
    let job = json!({"JobId": "j", "Status": "FAILED",
        "StatusReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found"});
    let failure = json!({
        "payload": serde_json::from_str::<serde_json::Value>(&crate::world::payload_json(&payload)).unwrap(),
        "error": "States.TaskFailed", "cause": job.to_string()});
    let answer = depot_runner::failure_reporter::reporter_handler(&reporter, failure)
        .await
        .unwrap();
    assert_eq!(answer["reported"], "recorded", "{answer}");
    let recorded = world.state().await;
    assert_eq!(recorded.last_completed_phase, None, "no phase ran");
    assert!(recorded.last_error.is_some());

    // Meanwhile, hands on the database.
    world
        .db
        .client
        .batch_execute("ALTER TABLE runner.dog ADD COLUMN chip text")
        .await
        .unwrap();
    let (state, snapshot) = (world.state().await, world.snapshot().await);
    let run = world.run_payload(&payload, &[]).await;
    assert!(!run.ok(), "the re-run ran over drift: {}", run.output);
    let reason = run.error_line();
    assert!(
        reason.contains("column chip is not part of the deployed version"),
        "{reason}"
    );
    assert_eq!(run.status.code(), Some(3));
    assert_eq!(world.snapshot().await, snapshot, "the schema changed");
    assert_eq!(world.state().await.deployed_version, state.deployed_version);
}
