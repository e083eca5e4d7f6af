//! Both binaries as Lambda handlers (when `AWS_LAMBDA_RUNTIME_API` is set): SDK clients built
//! once per container, one handler call per event.
//!
//! - The runner takes a SPEC §8 payload as its event (a direct invocation, a Step Functions
//!   task), or an SQS event (`Records`, from an event source mapping on the FIFO queue), whose
//!   records it runs in order. A record that fails (and could succeed later) stops the batch:
//!   it and every record after it are answered as `batchItemFailures` (the mapping needs
//!   `ReportBatchItemFailures`), so SQS redelivers them in order, as a FIFO queue requires. A
//!   record that can never run (not a payload, a stale plan, drift) is dropped, not retried.
//! - The forwarder takes the EventBridge `migration-plan` event (the whole envelope) and sends
//!   it to the FIFO queue in `DEPOT_QUEUE_URL`.

use std::sync::Arc;

use depot_aws::fifo_queue::{forward_plan_event, Forwarded};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::{json, Value};

use crate::aws_runner::{AwsRunner, RunnerError};
use crate::payload_input::{parse_payload, parse_payload_value};
use crate::summary::summary;

/// True when this process runs under the Lambda runtime.
pub fn under_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some_and(|v| !v.is_empty())
}

/// Serves the runner's handler until the runtime stops it.
pub async fn serve_runner(runner: AwsRunner) -> Result<(), lambda_runtime::Error> {
    let runner = Arc::new(runner);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let runner = Arc::clone(&runner);
        async move {
            runner_handler(&runner, event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}

/// The runner's handler: a payload, or an SQS batch of payloads.
pub async fn runner_handler(runner: &AwsRunner, event: Value) -> Result<Value, RunnerError> {
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        let payload =
            parse_payload_value(event).map_err(|why| RunnerError::Payload(why.to_string()))?;
        let outcome = runner.run(&payload, false).await?;
        return Ok(summary(&payload, &outcome));
    };
    let mut failures = Vec::new();
    let mut runs = Vec::new();
    for record in records {
        let message_id = record["messageId"].as_str().unwrap_or_default();
        if !failures.is_empty() {
            // Behind a failed record of a FIFO queue: hand it back unrun, in order.
            failures.push(json!({ "itemIdentifier": message_id }));
            continue;
        }
        let result = match parse_payload(record["body"].as_str().unwrap_or_default()) {
            Ok(payload) => runner
                .run(&payload, false)
                .await
                .map(|outcome| summary(&payload, &outcome)),
            Err(why) => Err(RunnerError::Payload(format!("message {message_id}: {why}"))),
        };
        match result {
            Ok(summary) => runs.push(summary),
            Err(error) => {
                tracing::error!(message_id, error = %error, "record failed");
                runs.push(json!({"outcome": "error", "messageId": message_id, "error": error.to_string()}));
                if !error.is_permanent() {
                    failures.push(json!({ "itemIdentifier": message_id }));
                }
            }
        }
    }
    Ok(json!({ "batchItemFailures": failures, "runs": runs }))
}

/// Serves the forwarder's handler until the runtime stops it.
pub async fn serve_forwarder(
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    chain_with_seeding: bool,
) -> Result<(), lambda_runtime::Error> {
    let (sqs, queue_url) = (Arc::new(sqs), Arc::new(queue_url));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let (sqs, queue_url) = (Arc::clone(&sqs), Arc::clone(&queue_url));
        async move {
            let forwarded =
                forward_plan_event(&sqs, &queue_url, &event.payload, chain_with_seeding)
                    .await
                    .map_err(lambda_runtime::Error::from)?;
            Ok::<Value, lambda_runtime::Error>(forwarded_json(&forwarded))
        }
    }))
    .await
}

/// What the forwarder answers (and prints in its local mode).
pub fn forwarded_json(forwarded: &Forwarded) -> Value {
    match forwarded {
        Forwarded::Sent {
            message_id,
            dataset_id,
            deduplication_id,
        } => {
            tracing::info!(
                dataset_id,
                message_id,
                deduplication_id,
                "plan event forwarded to the queue"
            );
            json!({"forwarded": true, "messageId": message_id, "datasetId": dataset_id, "deduplicationId": deduplication_id})
        }
        Forwarded::Skipped { reason } => {
            tracing::info!(reason, "event skipped");
            json!({"forwarded": false, "reason": reason})
        }
    }
}
