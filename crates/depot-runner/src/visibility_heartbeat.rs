//! VisibilityHeartbeat: keeps a queue message hidden while its migration runs.
//!
//! A message received with a visibility timeout comes back to the queue when the timeout ends,
//! handled or not. A migration can outlast any fixed timeout (an index build on a large table,
//! a wait for the dataset's lock), and a message that came back would be run again by another
//! consumer, or by this one, as soon as the first run ends. So while a run goes on, the
//! heartbeat pushes the timeout forward every third of it; the run's end (or the consumer's)
//! stops it, and the message is then deleted or, after a retryable failure, left to come back
//! after one more timeout.

use std::time::Duration;

use depot_aws::fifo_queue::{extend_visibility, QueuedPayload};
use tokio::task::JoinHandle;

/// VisibilityHeartbeat extends one message's visibility until it is dropped.
pub struct VisibilityHeartbeat {
    task: JoinHandle<()>,
}

impl VisibilityHeartbeat {
    /// Starts extending `message`'s visibility to `visibility` every third of it.
    pub fn start(
        sqs: aws_sdk_sqs::Client,
        queue_url: String,
        message: QueuedPayload,
        visibility: Duration,
    ) -> VisibilityHeartbeat {
        let period = (visibility / 3).max(Duration::from_millis(500));
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                match extend_visibility(&sqs, &queue_url, &message, visibility).await {
                    Ok(()) => tracing::debug!(
                        message_id = %message.message_id,
                        visibility_secs = visibility.as_secs(),
                        "message kept hidden while its run goes on"
                    ),
                    // The next beat tries again; until then the last extension holds.
                    Err(error) => tracing::warn!(
                        message_id = %message.message_id,
                        error = %error,
                        "could not extend the message's visibility: SQS may deliver it again before this run ends"
                    ),
                }
            }
        });
        VisibilityHeartbeat { task }
    }
}

impl Drop for VisibilityHeartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}
