//! The FIFO queue between the `migration-plan` event and the migration runner: the debounce of
//! asynchronous mode.
//!
//! EventBridge delivers at least once, and a sender retrying a `PutEvents` whose answer was lost
//! puts the same event twice. The forwarder (a Lambda behind the rule on `migration-plan`) sends
//! each event to an SQS FIFO queue with:
//! - `MessageGroupId` = the dataset id: one dataset's migrations are delivered one at a time, in
//!   order, while distinct datasets' migrations flow in parallel;
//! - `MessageDeduplicationId` = sha256 (hex) of the canonical JSON of the event's `detail`. Not
//!   the envelope's `id` or `time`: a retried put gets a new id and time for the same migration,
//!   so only the content identifies a duplicate. SQS drops a message whose deduplication id it
//!   has seen within its deduplication window (five minutes, fixed by SQS), so duplicates run
//!   once; a deliberate re-run by an operator goes straight to the runner (a payload file), or
//!   through the queue after the window.
//!
//! The message body is the runner's payload (SPEC §8), so the queue's consumer (the runner's
//! `--poll-queue` mode, or any other) needs nothing but the body. Only plans the receiver must
//! execute (`to-be-executed-by-receiver`) are forwarded; others are acknowledged and skipped.

use std::time::Duration;

use aws_sdk_sqs::types::MessageSystemAttributeName;
use depot_deploy::events::DETAIL_TYPE_PLAN;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::sdk_error;

/// QueueError says which queue failed and why (never a credential).
#[derive(Debug, thiserror::Error)]
#[error("queue {queue_url}: {message}")]
pub struct QueueError {
    pub queue_url: String,
    pub message: String,
}

/// PlanMessage is one `migration-plan` event ready for the FIFO queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanMessage {
    /// The dataset id.
    pub group_id: String,
    /// sha256 hex of the canonical JSON of the event's `detail`.
    pub deduplication_id: String,
    /// The runner payload (SPEC §8) as JSON text.
    pub body: String,
}

/// Forwarding is what the forwarder does with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forwarding {
    Forward(PlanMessage),
    /// Not a plan for the receiver (another detail-type, or already executed by the sender).
    Skip {
        reason: String,
    },
}

/// The message for `event` (an EventBridge envelope with a `migration-plan` detail), or why it
/// is skipped. `chain_with_seeding` goes into the payload. Err says what the event lacks.
pub fn plan_message(event: &Value, chain_with_seeding: bool) -> Result<Forwarding, String> {
    let detail_type = event["detail-type"].as_str().unwrap_or_default();
    if detail_type != DETAIL_TYPE_PLAN {
        return Ok(Forwarding::Skip {
            reason: format!("detail-type {detail_type:?} is not {DETAIL_TYPE_PLAN:?}"),
        });
    }
    let detail = event
        .get("detail")
        .filter(|d| d.is_object())
        .ok_or("the event has no `detail` object")?;
    let responsibility = detail["executionResponsibility"]
        .as_str()
        .unwrap_or_default();
    if responsibility != "to-be-executed-by-receiver" {
        return Ok(Forwarding::Skip {
            reason: format!("executionResponsibility is {responsibility:?}: nothing to run"),
        });
    }
    let field = |name: &str| -> Result<&str, String> {
        detail[name]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("the event's detail has no `{name}`"))
    };
    let dataset_id = field("datasetId")?;
    let payload = json!({
        "eventId": event["id"].as_str().unwrap_or_default(),
        "datasetId": dataset_id,
        "migrationPlanBucket": field("migrationPlanBucket")?,
        "migrationPlanPrefix": "",
        "migrationPlanKey": field("migrationPlanKey")?,
        "chainWithSeeding": chain_with_seeding,
    });
    Ok(Forwarding::Forward(PlanMessage {
        group_id: dataset_id.to_string(),
        deduplication_id: content_hash(detail),
        body: payload.to_string(),
    }))
}

/// sha256 hex of the canonical JSON (sorted keys, no whitespace) of `value`: equal for equal
/// content, whatever the key order it arrived in.
pub fn content_hash(value: &Value) -> String {
    let canonical = depot_core::hash::canonical_json(value);
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Forwarded tells what [`forward_plan_event`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forwarded {
    /// Sent (SQS may still drop it as a duplicate: that is the point).
    Sent {
        message_id: String,
        dataset_id: String,
        deduplication_id: String,
    },
    Skipped {
        reason: String,
    },
}

/// Sends the `migration-plan` `event` to the FIFO queue `queue_url` as a runner payload.
pub async fn forward_plan_event(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    event: &Value,
    chain_with_seeding: bool,
) -> Result<Forwarded, QueueError> {
    let fail = |message: String| QueueError {
        queue_url: queue_url.to_string(),
        message,
    };
    let message = match plan_message(event, chain_with_seeding).map_err(&fail)? {
        Forwarding::Skip { reason } => return Ok(Forwarded::Skipped { reason }),
        Forwarding::Forward(message) => message,
    };
    let sent = sqs
        .send_message()
        .queue_url(queue_url)
        .message_group_id(&message.group_id)
        .message_deduplication_id(&message.deduplication_id)
        .message_body(&message.body)
        .send()
        .await
        .map_err(|e| fail(format!("SendMessage failed: {}", sdk_error::describe(&e))))?;
    Ok(Forwarded::Sent {
        message_id: sent.message_id().unwrap_or_default().to_string(),
        dataset_id: message.group_id,
        deduplication_id: message.deduplication_id,
    })
}

/// QueuedPayload is one message received from the queue: its body, and the handle that
/// deletes it once handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPayload {
    pub message_id: String,
    pub body: String,
    pub receipt_handle: String,
    /// How many times SQS has delivered this message (1 the first time).
    pub receive_count: u32,
}

/// Receives at most one message from `queue_url`, waiting up to `wait` for one (long polling),
/// hidden from other consumers for `visibility` while it is handled.
pub async fn receive_payload(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    wait: Duration,
    visibility: Duration,
) -> Result<Option<QueuedPayload>, QueueError> {
    let output = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(1)
        .wait_time_seconds(seconds(wait))
        .visibility_timeout(seconds(visibility))
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await
        .map_err(|e| QueueError {
            queue_url: queue_url.to_string(),
            message: format!("ReceiveMessage failed: {}", sdk_error::describe(&e)),
        })?;
    let Some(message) = output.messages.unwrap_or_default().into_iter().next() else {
        return Ok(None);
    };
    let receive_count = message
        .attributes()
        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    Ok(Some(QueuedPayload {
        message_id: message.message_id.unwrap_or_default(),
        body: message.body.unwrap_or_default(),
        receipt_handle: message.receipt_handle.unwrap_or_default(),
        receive_count,
    }))
}

/// Deletes a handled message.
pub async fn delete_payload(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    message: &QueuedPayload,
) -> Result<(), QueueError> {
    sqs.delete_message()
        .queue_url(queue_url)
        .receipt_handle(&message.receipt_handle)
        .send()
        .await
        .map_err(|e| QueueError {
            queue_url: queue_url.to_string(),
            message: format!("DeleteMessage failed: {}", sdk_error::describe(&e)),
        })?;
    Ok(())
}

/// Hides a message being handled for `visibility` more, counted from now: a consumer calls it
/// while a run goes on, so that SQS does not deliver the message to another consumer meanwhile.
pub async fn extend_visibility(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    message: &QueuedPayload,
    visibility: Duration,
) -> Result<(), QueueError> {
    sqs.change_message_visibility()
        .queue_url(queue_url)
        .receipt_handle(&message.receipt_handle)
        .visibility_timeout(seconds(visibility))
        .send()
        .await
        .map_err(|e| QueueError {
            queue_url: queue_url.to_string(),
            message: format!(
                "ChangeMessageVisibility failed: {}",
                sdk_error::describe(&e)
            ),
        })?;
    Ok(())
}

/// SQS takes whole seconds (receive wait: 0-20, visibility: up to 12 hours).
fn seconds(d: Duration) -> i32 {
    i32::try_from(d.as_secs()).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, time: &str, responsibility: &str) -> Value {
        json!({
            "version": "0", "id": id, "detail-type": "migration-plan", "source": "tech.stage.depot",
            "account": "058264526050", "time": time, "region": "eu-west-1", "resources": [],
            "detail": {
                "environmentId": "e2e404529091ed2", "datasetId": "6d9c7969f0b1",
                "datasetAlias": "WsDevDog", "environmentUri": "s3://b/k.json",
                "datasetVersionHash": "42b1", "oldDatasetVersionHash": "06ae",
                "migrationPlanBucket": "sdp-bootstrap-058264526050-eu-west-1",
                "migrationPlanKey": "sdp-e2e404529091ed2/migrations/x.json",
                "migrationId": "01967b85-dd5c-7306-b067-0a06ab34d6ae",
                "summary": "migration-planned", "executionResponsibility": responsibility
            }
        })
    }

    fn forwarded(event: &Value) -> PlanMessage {
        match plan_message(event, false).unwrap() {
            Forwarding::Forward(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_plan_for_the_receiver_becomes_a_runner_payload_grouped_by_dataset() {
        let message = forwarded(&event(
            "e-1",
            "2025-04-28T08:31:35Z",
            "to-be-executed-by-receiver",
        ));
        assert_eq!(message.group_id, "6d9c7969f0b1");
        assert_eq!(message.deduplication_id.len(), 64);
        let body: Value = serde_json::from_str(&message.body).unwrap();
        assert_eq!(
            body,
            json!({"eventId": "e-1", "datasetId": "6d9c7969f0b1",
                   "migrationPlanBucket": "sdp-bootstrap-058264526050-eu-west-1",
                   "migrationPlanPrefix": "", "migrationPlanKey": "sdp-e2e404529091ed2/migrations/x.json",
                   "chainWithSeeding": false})
        );
        let payload: depot_deploy::RunPayload = serde_json::from_str(&message.body).unwrap();
        assert_eq!(payload.dataset_id, "6d9c7969f0b1");
    }

    #[test]
    fn the_same_detail_in_another_envelope_has_the_same_deduplication_id() {
        let first = forwarded(&event(
            "e-1",
            "2025-04-28T08:31:35Z",
            "to-be-executed-by-receiver",
        ));
        let retried = forwarded(&event(
            "e-2",
            "2025-04-28T08:31:39Z",
            "to-be-executed-by-receiver",
        ));
        assert_eq!(first.deduplication_id, retried.deduplication_id);
        let mut other = event("e-1", "2025-04-28T08:31:35Z", "to-be-executed-by-receiver");
        other["detail"]["migrationId"] = json!("01967b85-dd5c-7306-b067-0a06ab34d6af");
        assert_ne!(forwarded(&other).deduplication_id, first.deduplication_id);
    }

    #[test]
    fn plans_already_executed_and_other_events_are_skipped() {
        let done = event("e-1", "2025-04-28T08:31:35Z", "executed-by-sender");
        assert!(matches!(
            plan_message(&done, false),
            Ok(Forwarding::Skip { .. })
        ));
        let lifecycle = json!({"detail-type": "migration-lifecycle", "detail": {}});
        assert!(matches!(
            plan_message(&lifecycle, false),
            Ok(Forwarding::Skip { .. })
        ));
    }

    #[test]
    fn a_plan_event_without_its_keys_is_an_error_naming_the_key() {
        let mut bad = event("e-1", "t", "to-be-executed-by-receiver");
        bad["detail"]
            .as_object_mut()
            .unwrap()
            .remove("migrationPlanKey");
        assert_eq!(
            plan_message(&bad, false).unwrap_err(),
            "the event's detail has no `migrationPlanKey`"
        );
    }
}
