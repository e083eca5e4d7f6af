//! The asynchronous chain through the state machines that ship, EXECUTED (moto's Step Functions
//! interpreter, see sfn_harness.rs): a `migration-plan` event put on the bus -> the synthesized
//! migration-plan rule -> the forwarder (its handler, as the Lambda target runs it) -> the FIFO
//! queue (one message for the same event sent twice) -> the Pipe's hop (by hand: moto has no
//! Pipes) -> the dispatcher -> the runner, whose Batch job is a mocked state that succeeds,
//! fails (non-zero exit, out-of-memory kill, image pull failure) or times out. A failed job goes
//! to the failure reporter, a mocked Lambda state whose input (read from the execution history)
//! is then given to the reporter's real handler; the lifecycle events are read from a queue
//! subscribed to the bus, the state record from PostgreSQL.

use std::time::Duration;

use depot_aws::fifo_queue::{forward_plan_event, Forwarded};
use depot_aws::ConnectSettings;
use depot_runner::failure_reporter::{reporter_handler, Reporter};
use depot_runner::AwsRunner;
use serde_json::{json, Value};

use crate::sfn_harness::{migration_plan_rule_pattern, sfn_endpoint, Mock, SfnHarness};
use crate::world::{payload_json, v1, v2, Run, World};

/// A password that must never reach an event or the record (the mocked job carries it in its
/// environment, as a careless job definition could).
const SECRET: &str = "pa55-never-in-events";

/// What one test set up and ran.
struct Chain {
    world: World,
    harness: SfnHarness,
    /// The one runner execution the chain started.
    execution: String,
    v2_hash: String,
}

/// v1 deployed; v2 scheduled and carried through the whole chain to one runner execution, whose
/// mocked states answer as `mocks` say.
async fn chain(mocks: Vec<(&str, Mock)>) -> Chain {
    let world = World::at(sfn_endpoint()).await;
    world.deploy_and_run(&v1()).await;
    let harness = SfnHarness::new(&world, mocks).await;

    // The synthesized migration-plan rule on the bus; its target (the forwarder Lambda) is a
    // queue here, from which the test gives each event to the forwarder's handler.
    let inbox = world
        .sqs
        .create_queue()
        .queue_name(format!(
            "inbox-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        ))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let inbox_arn = world
        .sqs
        .get_queue_attributes()
        .queue_url(&inbox)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let bus = world.bus_arn.rsplit('/').next().unwrap().to_string();
    let rule = format!("plans-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let events = &world.clients.eventbridge;
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(migration_plan_rule_pattern().to_string())
        .send()
        .await
        .expect("the synthesized migration-plan rule");
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("forwarder")
                .arn(inbox_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let dataset = world.dataset(&v2());
    let v2_hash = depot_core::hash::version_hash(&dataset.config, &dataset.package);
    world.schedule(&dataset).await;
    let delivered = world
        .sqs
        .receive_message()
        .queue_url(&inbox)
        .max_number_of_messages(10)
        .wait_time_seconds(2)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(
        delivered.len(),
        1,
        "the rule matched the migration-plan event once"
    );
    let event: Value = serde_json::from_str(delivered[0].body().unwrap()).unwrap();
    assert_eq!(event["detail-type"], "migration-plan");

    // Delivered twice (EventBridge's at-least-once): one message in the FIFO queue.
    for _ in 0..2 {
        let sent = forward_plan_event(&world.sqs, &world.fifo_url, &event, false)
            .await
            .expect("forwarding");
        assert!(matches!(sent, Forwarded::Sent { .. }), "{sent:?}");
    }
    assert_eq!(harness.pipe(&world).await, 1, "one message for one event");
    assert_eq!(harness.pipe(&world).await, 0);

    let executions = harness.runner_executions().await;
    assert_eq!(executions.len(), 1, "the dispatcher started one run");
    let execution = executions[0].clone();
    harness.finished(&execution).await;
    Chain {
        world,
        harness,
        execution,
        v2_hash,
    }
}

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

/// Batch's description of a failed job (what `submitJob.sync` gives as the cause).
fn failed_job(
    status_reason: &str,
    container_reason: Option<&str>,
    exit_code: Option<i64>,
) -> String {
    json!({"JobName": "migration-0123456789ab", "JobId": "5b1c3c5e", "Status": "FAILED",
           "StatusReason": status_reason,
           "Container": {"Environment": [{"Name": "PGPASSWORD", "Value": SECRET}]},
           "Attempts": [{"Container": {"Reason": container_reason, "ExitCode": exit_code}}]})
    .to_string()
}

fn reported() -> Mock {
    Mock::Return(json!({"StatusCode": 200, "Payload": {"reported": "recorded"}}))
}

/// The failed job of `error`/`cause` is caught, passed to the reporter, recorded (attempted,
/// then failed with a cause containing `says`) and announced; the execution ends Failed.
async fn a_failed_job_is_recorded_and_announced(error: &str, cause: String, says: &str) {
    let Chain {
        world,
        harness,
        execution,
        v2_hash,
    } = chain(vec![
        (
            "RunMigrationJob",
            Mock::Throw {
                error: error.into(),
                cause: cause.clone(),
            },
        ),
        ("ReportMigrationFailure", reported()),
    ])
    .await;

    let (status, failure) = harness.finished(&execution).await;
    assert_eq!(
        status,
        aws_sdk_sfn::types::ExecutionStatus::Failed,
        "the RunnerFailed alarm counts it"
    );
    assert_eq!(failure.map(|f| f.0).as_deref(), Some(error));
    assert_eq!(
        harness.states_entered(&execution).await,
        [
            "LocateDatasetJob",
            "RunMigrationJob",
            "ReportMigrationFailure",
            "MigrationFailed"
        ]
    );

    // What the state machine passes the reporter: the payload it was started with, and what
    // Step Functions said.
    let tasks = harness.scheduled_tasks(&execution).await;
    let (_, report) = tasks
        .iter()
        .find(|(state, _)| state == "ReportMigrationFailure")
        .expect("the reporter was called");
    assert_eq!(report["FunctionName"], harness.values.reporter_arn);
    let input = report["Payload"].clone();
    assert_eq!(input["error"], error);
    assert_eq!(input["cause"], cause);
    let (_, job) = tasks
        .iter()
        .find(|(state, _)| state == "RunMigrationJob")
        .unwrap();
    let job_payload: Value =
        serde_json::from_str(job["Parameters"]["payload"].as_str().unwrap()).unwrap();
    assert_eq!(
        input["payload"], job_payload,
        "the reporter gets the job's payload"
    );
    assert_eq!(input["payload"]["datasetId"], crate::world::DATASET_ID);

    let before = world.lifecycle().await.len();
    let reporter = reporter(&world);
    let answer = reporter_handler(&reporter, input.clone())
        .await
        .expect("reporting");
    assert_eq!(answer["reported"], "recorded", "{answer}");

    let state = world.state().await;
    assert_eq!(state.attempted_version.as_deref(), Some(v2_hash.as_str()));
    assert_ne!(state.deployed_version.as_deref(), Some(v2_hash.as_str()));
    let recorded = state.last_error.clone().expect("the failure is recorded");
    assert!(recorded.contains(says), "{recorded}");
    assert!(!recorded.contains(SECRET), "{recorded}");
    assert_eq!(state.status(Some(false)), depot_deploy::Status::Failed);
    let lifecycle = world.lifecycle().await;
    assert_eq!(
        lifecycle[before..],
        ["attempted", "failed"],
        "{lifecycle:?}"
    );
    let failed = world
        .events()
        .await
        .into_iter()
        .rev()
        .find(|e| e["detail"]["event"] == "failed")
        .unwrap();
    assert_eq!(failed["detail"]["error"], recorded.as_str());
    assert_eq!(failed["detail"]["datasetVersionHash"], v2_hash.as_str());
    assert!(!failed.to_string().contains(SECRET));

    // Reported again (a retried task, a second delivery): nothing recorded or sent twice.
    let again = reporter_handler(&reporter, input)
        .await
        .expect("reporting again");
    assert_eq!(again["reported"], "already-recorded");
    assert_eq!(world.lifecycle().await.len(), before + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_killed_for_memory_is_recorded_and_announced() {
    a_failed_job_is_recorded_and_announced(
        "States.TaskFailed",
        failed_job(
            "Essential container in task exited",
            Some("OutOfMemoryError: Container killed due to memory usage"),
            Some(137),
        ),
        "OutOfMemoryError: Container killed due to memory usage; exit code 137",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_image_cannot_be_pulled_is_recorded_and_announced() {
    a_failed_job_is_recorded_and_announced(
        "States.TaskFailed",
        failed_job(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found",
            None,
            None,
        ),
        "CannotPullContainerError",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_exits_non_zero_is_recorded_and_announced() {
    a_failed_job_is_recorded_and_announced(
        "States.TaskFailed",
        failed_job("Essential container in task exited", None, Some(1)),
        "Essential container in task exited; exit code 1",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_times_out_is_recorded_and_announced() {
    a_failed_job_is_recorded_and_announced("States.Timeout", String::new(), "States.Timeout").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_succeeds_runs_the_payload_batch_was_given() {
    let Chain {
        world,
        harness,
        execution,
        v2_hash,
    } = chain(vec![(
        "RunMigrationJob",
        Mock::Return(json!({"JobName": "migration-0123456789ab", "JobId": "5b1c3c5e", "Status": "SUCCEEDED"})),
    )])
    .await;
    let (status, _) = harness.finished(&execution).await;
    assert_eq!(status, aws_sdk_sfn::types::ExecutionStatus::Succeeded);
    assert_eq!(
        harness.states_entered(&execution).await,
        ["LocateDatasetJob", "RunMigrationJob", "MigrationSucceeded"]
    );
    let tasks = harness.scheduled_tasks(&execution).await;
    let (_, job) = tasks
        .iter()
        .find(|(state, _)| state == "RunMigrationJob")
        .unwrap();
    assert_eq!(job["JobDefinition"], "sdp-e2e404529091ed2-ds-RunnerDogs");
    assert_eq!(job["JobQueue"], harness.values.job_queue_arn);
    assert_eq!(job["JobName"], "migration-0123456789ab");

    // What the job would run: `migration-runner --payload-json Ref::payload`.
    let payload = job["Parameters"]["payload"].as_str().unwrap().to_string();
    let run = Run::of(world.runner(&["--payload-json", &payload, "--lock-wait", "60"])).await;
    assert!(run.ok(), "{}", run.stderr);
    assert!(world.state().await.is_stable_at(&v2_hash));
    let lifecycle = world.lifecycle().await;
    assert_eq!(lifecycle[lifecycle.len() - 2..], ["attempted", "deployed"]);
    let _ = payload_json;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_reporter_fails_the_state_machine_announces_the_failure_itself() {
    let Chain {
        world,
        harness,
        execution,
        v2_hash,
    } = chain(vec![
        (
            "RunMigrationJob",
            Mock::Throw {
                error: "States.TaskFailed".into(),
                cause: failed_job("Essential container in task exited", None, Some(1)),
            },
        ),
        (
            "ReportMigrationFailure",
            Mock::Throw {
                error: "Lambda.Unknown".into(),
                cause: "the reporter could not reach the database".into(),
            },
        ),
    ])
    .await;
    let (status, failure) = harness.finished(&execution).await;
    assert_eq!(status, aws_sdk_sfn::types::ExecutionStatus::Failed);
    assert_eq!(failure.map(|f| f.0).as_deref(), Some("States.TaskFailed"));
    assert_eq!(
        harness.states_entered(&execution).await,
        [
            "LocateDatasetJob",
            "RunMigrationJob",
            "ReportMigrationFailure",
            "AnnounceMigrationFailure",
            "MigrationFailed"
        ]
    );
    let failed = world
        .events()
        .await
        .into_iter()
        .find(|e| e["detail-type"] == "migration-lifecycle" && e["detail"]["event"] == "failed")
        .expect("the state machine's own failed event");
    assert_eq!(failed["source"], "tech.stage.depot");
    let detail = &failed["detail"];
    assert_eq!(detail["type"], "lifecycle");
    assert_eq!(detail["environmentId"], "e2e404529091ed2");
    assert_eq!(detail["datasetId"], crate::world::DATASET_ID);
    assert_eq!(detail["datasetAlias"], "RunnerDogs");
    let error = detail["error"].as_str().unwrap();
    assert!(
        error.contains("States.TaskFailed") && error.contains("Lambda.Unknown"),
        "{error}"
    );
    assert!(!failed.to_string().contains(SECRET));
    // Nothing could be recorded: the record still says desired, not attempted.
    let state = world.state().await;
    assert_eq!(state.desired_version.as_deref(), Some(v2_hash.as_str()));
    assert_ne!(state.attempted_version.as_deref(), Some(v2_hash.as_str()));
}
