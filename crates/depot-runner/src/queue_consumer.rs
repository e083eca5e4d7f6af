//! The runner's local consumer mode (`migration-runner --poll-queue URL`): it receives runner
//! payloads from the FIFO queue the forwarder fills (see `depot_aws::fifo_queue`) and runs them
//! one at a time, so the whole asynchronous path (deploy, plan event, forwarder, queue, runner)
//! runs on a laptop against moto, or as a long-running consumer anywhere.
//!
//! A message is deleted once handled: after a successful run, and after a refusal that a retry
//! cannot change (bad payload, stale plan, drift). Any other failure (the database unreachable,
//! a migration that failed, the runner killed) leaves the message in the queue: SQS delivers it
//! again after its visibility timeout, and the new run resumes where the last one stopped. A
//! redrive policy on the queue (maxReceiveCount, dead-letter queue) bounds those retries.
//!
//! While its run goes on, a message is kept hidden ([`VisibilityHeartbeat`]), however long the
//! run takes: the visibility timeout only bounds how soon a message comes back after its
//! consumer died.
//!
//! While a message is in flight, SQS holds back the other messages of its group (its dataset),
//! so one consumer or many, a dataset's migrations run one at a time, in order.

use std::time::Duration;

use depot_aws::fifo_queue::{delete_payload, receive_payload, QueuedPayload};
use serde_json::{json, Value};

use crate::aws_runner::{AwsRunner, RunnerError};
use crate::payload_input::parse_payload;
use crate::summary::summary;
use crate::visibility_heartbeat::VisibilityHeartbeat;

/// PollOptions say which queue to poll and when to stop.
#[derive(Debug, Clone)]
pub struct PollOptions {
    pub queue_url: String,
    /// Stop when a receive finds the queue empty (else poll until killed).
    pub until_empty: bool,
    /// Long-polling wait of each receive (SQS allows up to 20 s).
    pub wait: Duration,
    /// How long a received message stays hidden from other consumers, renewed while its run
    /// goes on: how soon it comes back after this consumer dies.
    pub visibility: Duration,
    /// Run stale plans and over drift anyway.
    pub force: bool,
}

/// PollReport counts what the consumer did, with one summary per message handled.
#[derive(Debug, Clone, Default)]
pub struct PollReport {
    pub succeeded: usize,
    pub failed: usize,
    pub runs: Vec<Value>,
}

/// Receives and runs payloads until the queue is empty (`until_empty`) or forever.
pub async fn poll(
    runner: &AwsRunner,
    sqs: &aws_sdk_sqs::Client,
    options: &PollOptions,
) -> Result<PollReport, RunnerError> {
    let mut report = PollReport::default();
    loop {
        let received =
            receive_payload(sqs, &options.queue_url, options.wait, options.visibility).await?;
        let Some(message) = received else {
            if options.until_empty {
                tracing::info!(queue_url = %options.queue_url, "queue empty: stopping");
                return Ok(report);
            }
            continue;
        };
        let heartbeat = VisibilityHeartbeat::start(
            sqs.clone(),
            options.queue_url.clone(),
            message.clone(),
            options.visibility,
        );
        let (result, delete) = handle(runner, &message, options.force).await;
        drop(heartbeat);
        match &result {
            Ok(_) => report.succeeded += 1,
            Err(_) => report.failed += 1,
        }
        report.runs.push(match result {
            Ok(summary) => summary,
            Err(error) => json!({
                "outcome": "error", "messageId": message.message_id, "error": error.to_string(),
                "messageKept": !delete,
            }),
        });
        if delete {
            delete_payload(sqs, &options.queue_url, &message).await?;
        }
    }
}

/// Runs one message; returns its summary (or error) and whether to delete it.
async fn handle(
    runner: &AwsRunner,
    message: &QueuedPayload,
    force: bool,
) -> (Result<Value, RunnerError>, bool) {
    tracing::info!(
        message_id = %message.message_id,
        receive_count = message.receive_count,
        "message received"
    );
    let payload = match parse_payload(&message.body) {
        Ok(payload) => payload,
        Err(why) => {
            let error = RunnerError::Payload(format!("message {}: {why}", message.message_id));
            tracing::error!(error = %error, "dropping a message that is not a runner payload");
            return (Err(error), true);
        }
    };
    match runner.run(&payload, force).await {
        Ok(outcome) => (Ok(summary(&payload, &outcome)), true),
        Err(error) => {
            let delete = error.is_permanent();
            if !delete {
                tracing::warn!(
                    message_id = %message.message_id,
                    "the message stays in the queue: SQS delivers it again after its visibility timeout"
                );
            }
            (Err(error), delete)
        }
    }
}
