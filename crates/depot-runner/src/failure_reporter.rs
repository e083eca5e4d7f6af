//! The failure reporter: `migration-runner` as a Lambda with `DEPOT_RUNNER_MODE=failure-reporter`.
//! It announces the failures that happen outside Depot's own code, so that none is silent:
//!
//! - The runner state machine calls it when the migration job failed (timed out, killed for
//!   memory, its image not pulled, a non-zero exit) with [`JobFailure`]: the SPEC §8 payload,
//!   and Step Functions' `error` and `cause`. It records the failure in the dataset's state
//!   (the lifecycle's `fail`, recording the attempt first when the job died before it) and sends
//!   the `failed` event, through [`depot_deploy::Deployer::report_failure`]; an error answer
//!   makes the state machine send the `failed` event itself.
//! - The dead-letter queues (the FIFO queue's, and the one of events the forwarder could not
//!   take) are its SQS event sources: each message is reported the same way. A message that is
//!   no payload and no `migration-plan` event, or whose plan cannot be read, is logged and
//!   announced with what can be read of it (its dataset id, when it has one) on the
//!   environment's bus (`DEPOT_EVENT_BUS_ARN`, `DEPOT_ENVIRONMENT_ID`): never dropped silently.

use std::sync::Arc;

use depot_aws::fifo_queue::{plan_message, Forwarding};
use depot_aws::{open_session, EventBridgeSink, S3DocumentStore};
use depot_deploy::events::{Event, EventSink, DETAIL_TYPE_LIFECYCLE};
use depot_deploy::run_payload::is_dataset_id;
use depot_deploy::{Deployer, FailureReported, RunPayload};
use lambda_runtime::{service_fn, LambdaEvent};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::aws_runner::{AwsRunner, RunnerError, EXIT_ANNOUNCED};
use crate::failure_cause::{dead_letter_cause, job_exit_code, job_failure_cause};
use crate::payload_input::parse_payload_value;

/// The value of `DEPOT_RUNNER_MODE` that makes `migration-runner` the failure reporter.
pub const MODE: &str = "failure-reporter";

/// JobFailure is what the runner state machine passes when its job failed.
#[derive(Debug, Clone, Deserialize)]
pub struct JobFailure {
    /// The SPEC §8 payload the execution was started with.
    pub payload: Value,
    /// Step Functions' error name (`States.TaskFailed`, `States.Timeout`, `Batch....`).
    pub error: String,
    /// Step Functions' cause: for a Batch job, the job's description as JSON.
    #[serde(default)]
    pub cause: String,
}

/// Reporter: the runner's clients and where to announce what cannot be tied to a dataset's
/// bus.
#[derive(Debug, Clone)]
pub struct Reporter {
    pub runner: AwsRunner,
    /// The environment's id (`DEPOT_ENVIRONMENT_ID`), for events built without a plan.
    pub environment_id: Option<String>,
    /// The environment's bus (`DEPOT_EVENT_BUS_ARN`; None: the default bus).
    pub event_bus_arn: Option<String>,
}

impl Reporter {
    /// The reporter with the settings of the Lambda's environment.
    pub fn from_env(runner: AwsRunner) -> Reporter {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Reporter {
            runner,
            environment_id: var("DEPOT_ENVIRONMENT_ID"),
            event_bus_arn: var("DEPOT_EVENT_BUS_ARN"),
        }
    }

    /// Records and announces that the run of `payload` failed with `cause`.
    pub async fn report(
        &self,
        payload: &RunPayload,
        cause: &str,
    ) -> Result<FailureReported, RunnerError> {
        let documents = S3DocumentStore::new(self.runner.clients.s3.clone());
        let events = EventBridgeSink::new(self.runner.clients.eventbridge.clone());
        let deployer = Deployer {
            documents: &documents,
            events: &events,
            lock_wait: self.runner.lock_wait,
        };
        let target = deployer.run_target(payload).await?;
        let mut session = open_session(
            &target.document.dataset,
            &self.runner.clients.secrets,
            &self.runner.connect,
        )
        .await?;
        let reported = deployer
            .report_failure(session.as_mut(), payload, cause)
            .await?;
        tracing::warn!(
            dataset_id = %payload.dataset_id,
            reported = reported.name(),
            cause,
            "migration failure reported"
        );
        Ok(reported)
    }

    /// A `failed` event with what is known when the plan cannot be read: the dataset id (when
    /// there is one), the alias its plan key names, and why.
    pub async fn announce_unrecorded(
        &self,
        dataset_id: Option<&str>,
        plan_key: Option<&str>,
        error: &str,
    ) -> Result<(), RunnerError> {
        let events = EventBridgeSink::new(self.runner.clients.eventbridge.clone());
        let detail = json!({
            "type": "lifecycle",
            "environmentId": self.environment_id.as_deref().unwrap_or_default(),
            "datasetId": dataset_id.unwrap_or_default(),
            "datasetAlias": plan_key.and_then(alias_of_plan_key).unwrap_or_default(),
            "environmentUri": "",
            "datasetVersionHash": "",
            "event": "failed",
            "error": error,
        });
        events
            .send(&Event {
                detail_type: DETAIL_TYPE_LIFECYCLE,
                detail,
                event_bus_arn: self.event_bus_arn.clone(),
            })
            .await
            .map_err(|e| RunnerError::Payload(e.to_string()))
    }
}

/// Serves the reporter's handler until the runtime stops it.
pub async fn serve_reporter(reporter: Reporter) -> Result<(), lambda_runtime::Error> {
    let reporter = Arc::new(reporter);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let reporter = Arc::clone(&reporter);
        async move {
            reporter_handler(&reporter, event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}

/// The reporter's handler: a [`JobFailure`] from the runner state machine, or an SQS batch
/// from a dead-letter queue.
pub async fn reporter_handler(reporter: &Reporter, event: Value) -> Result<Value, RunnerError> {
    if let Some(records) = event.get("Records").and_then(Value::as_array) {
        return Ok(report_dead_letters(reporter, records).await);
    }
    let failure: JobFailure = serde_json::from_value(event)
        .map_err(|e| RunnerError::Payload(format!("not a job failure report: {e}")))?;
    let cause = job_failure_cause(&failure.error, &failure.cause);
    let payload = parse_payload_value(failure.payload)
        .map_err(|why| RunnerError::Payload(format!("the failed run's payload: {why}")))?;
    if job_exit_code(&failure.cause) == Some(i64::from(EXIT_ANNOUNCED)) {
        // The runner itself recorded or refused the run and sent the `failed` event: a second
        // event would repeat it, and recording an attempt would undo a refusal's promise that
        // nothing changed (a re-run of an attempted plan skips the drift check).
        tracing::info!(dataset_id = %payload.dataset_id, "the runner already announced its failure");
        return Ok(
            json!({"reported": "announced-by-the-runner", "datasetId": payload.dataset_id, "cause": cause}),
        );
    }
    let reported = reporter.report(&payload, &cause).await?;
    Ok(json!({"reported": reported.name(), "datasetId": payload.dataset_id, "cause": cause}))
}

/// Reports each dead-lettered message. A message whose report failed for a reason that may
/// pass (the database or AWS unreachable) stops the batch: it and those after it go back to
/// the queue (`batchItemFailures`), in order. Any other is announced with what can be read.
async fn report_dead_letters(reporter: &Reporter, records: &[Value]) -> Value {
    let mut failures = Vec::new();
    let mut reports = Vec::new();
    for record in records {
        let message_id = record["messageId"].as_str().unwrap_or_default();
        if !failures.is_empty() {
            failures.push(json!({ "itemIdentifier": message_id }));
            continue;
        }
        let queue = record["eventSourceARN"]
            .as_str()
            .and_then(|arn| arn.rsplit(':').next())
            .unwrap_or("(unknown queue)");
        let body = record["body"].as_str().unwrap_or_default();
        let cause = dead_letter_cause(queue, dead_letter_reason(record));
        let result = match payload_of_message(body) {
            Ok(payload) => reporter
                .report(&payload, &cause)
                .await
                .map(|r| json!({"messageId": message_id, "reported": r.name(), "datasetId": payload.dataset_id}))
                .map_err(|e| (Some(payload), e)),
            Err(why) => Err((None, RunnerError::Payload(why))),
        };
        match result {
            Ok(report) => reports.push(report),
            Err((_, error)) if !error.is_permanent() => {
                tracing::error!(message_id, error = %error, "reporting a dead-lettered message failed: it goes back to the queue");
                failures.push(json!({ "itemIdentifier": message_id }));
            }
            Err((payload, error)) => {
                let dataset_id = payload
                    .as_ref()
                    .map(|p| p.dataset_id.clone())
                    .or_else(|| readable_dataset_id(body));
                let plan_key = payload.as_ref().map(|p| p.migration_plan_key.as_str());
                let line = format!("{cause}; the failure could not be recorded: {error}");
                tracing::error!(message_id, dataset_id, error = %error, body_chars = body.len(), "dead-lettered message announced without a record");
                let announced = reporter
                    .announce_unrecorded(dataset_id.as_deref(), plan_key, &line)
                    .await;
                if let Err(e) = &announced {
                    tracing::error!(message_id, error = %e, "announcing a dead-lettered message failed: it goes back to the queue");
                    failures.push(json!({ "itemIdentifier": message_id }));
                    continue;
                }
                reports.push(json!({"messageId": message_id, "reported": "announced", "datasetId": dataset_id, "error": error.to_string()}));
            }
        }
    }
    json!({ "batchItemFailures": failures, "reports": reports })
}

/// Why SQS or EventBridge dead-lettered a message, from its attributes when they say.
fn dead_letter_reason(record: &Value) -> Option<&str> {
    ["ERROR_MESSAGE", "ErrorMessage", "ERROR_CODE", "ErrorCode"]
        .iter()
        .find_map(|name| record["messageAttributes"][name]["stringValue"].as_str())
}

/// The runner payload a dead-lettered message holds: the payload itself (the FIFO queue's), or
/// the `migration-plan` event (an undelivered event).
pub fn payload_of_message(body: &str) -> Result<RunPayload, String> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| format!("the message is not JSON: {e}"))?;
    if value.get("detail").is_some() {
        return match plan_message(&value, false)? {
            Forwarding::Forward(message) => {
                payload_of_message(&message.body).map_err(|e| format!("the event's payload: {e}"))
            }
            Forwarding::Skip { reason } => Err(format!("not a plan to run: {reason}")),
        };
    }
    parse_payload_value(value).map_err(|e| e.to_string())
}

/// The dataset id a message names, if any can be read: `datasetId`, or `detail.datasetId`.
fn readable_dataset_id(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let named = value["datasetId"]
        .as_str()
        .or_else(|| value["detail"]["datasetId"].as_str())?;
    is_dataset_id(named).then(|| named.to_string())
}

/// The alias in a plan key `sdp-<env>/migrations/<datasetId>_<alias>/...` (SPEC §4).
fn alias_of_plan_key(key: &str) -> Option<&str> {
    let folder = key.split('/').nth(2)?;
    let (_, alias) = folder.split_once('_')?;
    (!alias.is_empty() && alias.chars().all(|c| c.is_ascii_alphanumeric())).then_some(alias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_lettered_event_or_payload_gives_the_payload() {
        let event = json!({"id": "ev-1", "detail-type": "migration-plan", "detail": {
            "executionResponsibility": "to-be-executed-by-receiver", "datasetId": "0123456789ab",
            "migrationPlanBucket": "sdp-bootstrap-b",
            "migrationPlanKey": "sdp-e2e404529091ed2/migrations/0123456789ab_Dogs/2025/x.json"}});
        let payload = payload_of_message(&event.to_string()).unwrap();
        assert_eq!(payload.dataset_id, "0123456789ab");
        assert_eq!(payload.event_id.as_deref(), Some("ev-1"));
        let body = json!({"eventId": "ev-1", "datasetId": "0123456789ab",
            "migrationPlanBucket": "sdp-bootstrap-b", "migrationPlanPrefix": "",
            "migrationPlanKey": "sdp-e2e404529091ed2/migrations/0123456789ab_Dogs/2025/x.json",
            "chainWithSeeding": false});
        assert_eq!(payload_of_message(&body.to_string()).unwrap(), payload);
    }

    #[test]
    fn an_unreadable_message_still_gives_its_dataset_id_when_it_has_one() {
        assert!(payload_of_message("not json").is_err());
        assert!(payload_of_message(r#"{"datasetId": "0123456789ab"}"#).is_err());
        assert_eq!(
            readable_dataset_id(r#"{"detail": {"datasetId": "0123456789ab"}}"#).as_deref(),
            Some("0123456789ab")
        );
        assert_eq!(readable_dataset_id(r#"{"datasetId": "../../x"}"#), None);
        assert_eq!(readable_dataset_id("garbage"), None);
    }

    #[test]
    fn the_alias_comes_from_the_plan_key() {
        assert_eq!(
            alias_of_plan_key("sdp-e2e404529091ed2/migrations/0123456789ab_RunnerDogs/d/f.json"),
            Some("RunnerDogs")
        );
        assert_eq!(alias_of_plan_key("x"), None);
    }
}
