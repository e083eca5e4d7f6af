//! EventBridgeSink: SPEC §6 events through EventBridge `PutEvents`, with source
//! `tech.stage.depot`, the event's detail-type and detail, on the event's bus (the
//! `migrationMode.eventBusArn`) or the default bus.
//!
//! A put that fails (an SDK error, or an entry EventBridge rejects: `FailedEntryCount > 0`) is
//! tried again with exponential backoff and jitter; when every attempt failed the caller gets an
//! `EventError` with the last reason, so an event is never lost silently. Delivery is
//! at-least-once: a put whose response was lost may have been accepted, and EventBridge gives
//! the retry a new event `id`, so receivers that must not act twice also compare `migrationId`
//! and `datasetVersionHash`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use depot_deploy::events::{Event, EventError, EventSink, SOURCE};
use rand::Rng;

use crate::sdk_error;

/// RetryPolicy: how often and how patiently a put is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait before the second attempt; it doubles each time (with jitter), up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based): "equal jitter", between half and all
    /// of `base_delay * 2^(attempt-1)`, capped at `max_delay`.
    fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = full / 2;
        half + full
            .saturating_sub(half)
            .mul_f64(rand::rng().random_range(0.0..=1.0))
    }
}

/// EventBridgeSink sends each event as one `PutEvents` entry.
#[derive(Debug, Clone)]
pub struct EventBridgeSink {
    client: aws_sdk_eventbridge::Client,
    retry: RetryPolicy,
}

impl EventBridgeSink {
    pub fn new(client: aws_sdk_eventbridge::Client) -> EventBridgeSink {
        EventBridgeSink {
            client,
            retry: RetryPolicy::default(),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> EventBridgeSink {
        self.retry = retry;
        self
    }

    /// One attempt: `Err` holds why it failed.
    async fn put(&self, entry: PutEventsRequestEntry) -> Result<(), String> {
        let output = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| sdk_error::describe(&e))?;
        if output.failed_entry_count() == 0 {
            return Ok(());
        }
        let reasons: Vec<String> = output
            .entries()
            .iter()
            .filter(|entry| entry.error_code().is_some() || entry.error_message().is_some())
            .map(|entry| {
                format!(
                    "{}: {}",
                    entry.error_code().unwrap_or("error"),
                    entry.error_message().unwrap_or("no message")
                )
            })
            .collect();
        Err(format!(
            "EventBridge rejected the entry ({})",
            if reasons.is_empty() {
                format!("FailedEntryCount {}", output.failed_entry_count())
            } else {
                reasons.join("; ")
            }
        ))
    }
}

#[async_trait]
impl EventSink for EventBridgeSink {
    async fn send(&self, event: &Event) -> Result<(), EventError> {
        let bus = event.event_bus_arn.as_deref().unwrap_or("default");
        let fail = |message: String| EventError {
            detail_type: event.detail_type.to_string(),
            message,
        };
        let detail = serde_json::to_string(&event.detail)
            .map_err(|e| fail(format!("the detail does not serialize: {e}")))?;
        let entry = PutEventsRequestEntry::builder()
            .source(SOURCE)
            .detail_type(event.detail_type)
            .detail(detail)
            .set_event_bus_name(event.event_bus_arn.clone())
            .build();
        let attempts = self.retry.attempts.max(1);
        let mut attempt = 1;
        loop {
            let reason = match self.put(entry.clone()).await {
                Ok(()) => return Ok(()),
                Err(reason) => reason,
            };
            if attempt >= attempts {
                return Err(fail(format!(
                    "PutEvents to event bus {bus} failed after {attempts} attempt{}: {reason}",
                    if attempts == 1 { "" } else { "s" }
                )));
            }
            let wait = self.retry.delay(attempt);
            tracing::warn!(
                detail_type = event.detail_type,
                bus,
                attempt,
                wait_ms = wait.as_millis() as u64,
                %reason,
                "PutEvents failed; trying again"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_with_jitter_and_stop_at_the_cap() {
        let retry = RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        };
        for _ in 0..100 {
            let first = retry.delay(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = retry.delay(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = retry.delay(30);
            assert!(capped >= Duration::from_millis(150) && capped <= Duration::from_millis(300));
        }
    }
}
