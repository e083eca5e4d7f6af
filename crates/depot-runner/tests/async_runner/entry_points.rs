//! Every way a payload reaches the runner: a file argument, standard input (the AWS Batch and
//! Step Functions task form), `--payload-json`, and the Lambda handler (a payload, or an SQS
//! batch from the FIFO queue). A payload that is not one fails with a one-line reason.

use std::process::Stdio;
use std::time::Duration;

use depot_aws::ConnectSettings;
use depot_runner::lambda_mode::runner_handler;
use depot_runner::AwsRunner;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::world::{dogs, payload_json, v1, v2, Run, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_file_and_a_payload_on_stdin_both_run() {
    let world = World::new().await;
    let payload = world.schedule(&world.dataset(&v1())).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), payload_json(&payload)).unwrap();
    let from_file = Run::of(world.runner(&[file.path().to_str().unwrap()])).await;
    assert!(from_file.ok(), "{}", from_file.stderr);
    assert_eq!(from_file.output["outcome"], "deployed");

    let payload = world.schedule(&world.dataset(&v2())).await;
    let mut command = world.runner(&["-"]);
    command.stdin(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(payload_json(&payload).as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let from_stdin = Run::from_output(child.wait_with_output().await.unwrap());
    assert!(from_stdin.ok(), "{}", from_stdin.stderr);
    assert_eq!(from_stdin.output["outcome"], "deployed");

    // The same payload again: already deployed, said so, and nothing sent.
    let events = world.events().await.len();
    let again = world.run_payload(&payload, &[]).await;
    assert!(again.ok(), "{}", again.stderr);
    assert_eq!(again.output["outcome"], "already-deployed");
    assert_eq!(world.events().await.len(), events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_is_not_one_fails_with_a_one_line_reason() {
    let world = World::new().await;
    let run = Run::of(world.runner(&["--payload-json", r#"{"datasetId": "0123456789ab"}"#])).await;
    assert!(!run.ok());
    let reason = run.error_line();
    assert!(
        reason.contains("not a migration runner payload"),
        "{reason}"
    );
    assert!(reason.contains("migrationPlanBucket"), "{reason}");
}

/// A payload file whose key or bucket climbs with `../` (or is not a Depot plan key, a bucket
/// name, a dataset id) is refused before anything is read: one line naming the field, no state
/// change, no event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_payload_file_is_refused_naming_the_field_and_changes_nothing() {
    let world = World::new().await;
    let good = world.schedule(&world.dataset(&v1())).await;
    let state_before = world.state().await;
    let events_before = world.events().await.len();
    let (environment, rest) = good.migration_plan_key.split_once('/').unwrap();
    type Spoil<'a> = Box<dyn Fn(&mut depot_deploy::RunPayload) + 'a>;
    let cases: Vec<(&str, Spoil)> = vec![
        (
            "migrationPlanKey",
            Box::new(|p| {
                p.migration_plan_key =
                    format!("{environment}/migrations/../../{environment}/{rest}")
            }),
        ),
        (
            "migrationPlanKey",
            Box::new(|p| p.migration_plan_key = "../../../../etc/passwd".into()),
        ),
        (
            "migrationPlanBucket",
            Box::new(|p| p.migration_plan_bucket = format!("../{}", p.migration_plan_bucket)),
        ),
        (
            "migrationPlanPrefix",
            Box::new(|p| p.migration_plan_prefix = "../".into()),
        ),
        ("datasetId", Box::new(|p| p.dataset_id = "..".into())),
        ("firstPhase", Box::new(|p| p.first_phase = Some(0))),
    ];
    for (field, spoil) in cases {
        let mut hostile = good.clone();
        spoil(&mut hostile);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), payload_json(&hostile)).unwrap();
        let run = Run::of(world.runner(&[file.path().to_str().unwrap()])).await;
        assert!(!run.ok(), "{field}: a hostile payload ran");
        let reason = run.error_line();
        assert!(
            reason.contains("invalid migration runner payload: ")
                && reason.contains(&format!("{field} ")),
            "{field}: {reason}"
        );
        assert_eq!(
            run.stderr.lines().count(),
            1,
            "one line, nothing logged before it: {}",
            run.stderr
        );
    }
    assert_eq!(world.state().await, state_before, "the state is unchanged");
    assert_eq!(world.events().await.len(), events_before, "no event sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_handler_runs_a_payload_and_an_sqs_batch() {
    let world = World::new().await;
    let runner = AwsRunner {
        clients: world.clients.clone(),
        connect: ConnectSettings::default(),
        lock_wait: Duration::from_secs(60),
        dependency_wait: Duration::ZERO,
    };
    let payload = world.schedule(&world.dataset(&v1())).await;
    let event: serde_json::Value = serde_json::from_str(&payload_json(&payload)).unwrap();
    let answer = runner_handler(&runner, event).await.unwrap();
    assert_eq!(answer["outcome"], "deployed", "{answer}");

    let v2 = dogs(
        "2",
        json!({"name": {"type": "string", "maxLength": 200, "nullable": true},
                              "age": {"type": "integer", "nullable": true}}),
    );
    let payload = world.schedule(&world.dataset(&v2)).await;
    let batch = json!({"Records": [
        {"messageId": "m-1", "body": payload_json(&payload)},
        {"messageId": "m-2", "body": "not a payload"},
    ]});
    let answer = runner_handler(&runner, batch).await.unwrap();
    assert_eq!(answer["runs"][0]["outcome"], "deployed", "{answer}");
    assert_eq!(answer["runs"][1]["outcome"], "error", "{answer}");
    // A body that can never run is not handed back to SQS for ever.
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_an_sqs_batch_a_record_that_may_succeed_later_stops_the_records_behind_it() {
    let world = World::new().await;
    let runner = AwsRunner {
        clients: world.clients.clone(),
        connect: ConnectSettings::default(),
        lock_wait: Duration::from_secs(60),
        dependency_wait: Duration::ZERO,
    };
    let good = world.schedule(&world.dataset(&v1())).await;
    let mut unreachable = good.clone();
    unreachable.migration_plan_bucket = "depot-runner-no-such-bucket".into();
    let batch = json!({"Records": [
        {"messageId": "m-1", "body": payload_json(&unreachable)},
        {"messageId": "m-2", "body": payload_json(&good)},
    ]});
    let answer = runner_handler(&runner, batch).await.unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        json!([{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]),
        "{answer}"
    );
    assert_eq!(answer["runs"].as_array().map(Vec::len), Some(1), "{answer}");
    assert_eq!(
        world.state().await.attempted_version,
        None,
        "m-2 did not run"
    );
}
