//! One invocation, whatever happens inside it: the request is answered on every path.
//!
//! - Invalid input, engine errors: the [`EntityCreator`] answers FAILED itself.
//! - A panic in the handler: caught at the task boundary, answered FAILED.
//! - Running out of time: the work is stopped a margin before the Lambda deadline (dropping it
//!   closes its database connection, so the open phase's transaction rolls back and committed
//!   phases stay), the interruption is recorded in the dataset's state, and FAILED is sent
//!   while the function can still send it.
//! - A redelivered request: the [`RequestLedger`] gives back the first answer.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use depot_core::borrowed_json::{self, ParseError};
use serde_json::Value;
use tracing::Instrument;

use crate::answer::{Answer, Status};
use crate::entity_creator::EntityCreator;
use crate::handler::{Progress, RequestHandler};
use crate::ledger::{Claim, RequestLedger};
use crate::request::{parse_request, DatasetRequest, Echo, ReplyChannel};
use crate::response_url::ResponseSender;

/// Invocation is what the runtime tells about one call.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The Lambda deadline, in ms since the epoch.
    pub deadline_ms: u64,
    /// The function's CloudWatch log stream (where full reasons are).
    pub log_stream: String,
    /// Lambda's own invocation id (not CloudFormation's RequestId).
    pub invocation_id: String,
}

/// Supervisor holds what every invocation uses; build it once per container.
pub struct Supervisor<H: RequestHandler> {
    pub handler: Arc<H>,
    pub sender: ResponseSender,
    pub ledger: RequestLedger,
    /// How long before the deadline the work is stopped, so that recording the interruption and
    /// answering fit in the time left.
    pub margin: Duration,
}

/// What the function returns to the Lambda runtime: nothing for CloudFormation requests (the
/// answer went to the ResponseURL), the onEvent result for the Provider framework.
pub type Returned = Result<Value, String>;

impl<H: RequestHandler> Supervisor<H> {
    /// A supervisor of `handler`, keeping its ledger with `s3`.
    pub fn new(handler: H, s3: aws_sdk_s3::Client) -> Supervisor<H> {
        Supervisor {
            handler: Arc::new(handler),
            sender: ResponseSender::new(),
            ledger: RequestLedger::new(s3),
            margin: margin_from_env(),
        }
    }

    /// Handles one invocation payload as the runtime received it, as text: a key given twice
    /// anywhere in the event (the properties, the inline package) is refused before anything
    /// runs, answered FAILED like a malformed request. Parsed into a `Value`, the last of the
    /// repeats would win silently, and the plan would not be the one reviewed.
    pub async fn invoke_text(&self, text: &str, invocation: &Invocation) -> Returned {
        match borrowed_json::value_from_str(text) {
            // Boxed: one more level of nested futures overflows the compiler's layout depth.
            Ok(event) => Box::pin(self.invoke(event, invocation)).await,
            Err(ParseError::DuplicateKey(problem)) => {
                let message = format!("the request is refused: {problem}");
                // Read again, keeping the last of the repeats, only to learn where the answer
                // goes and which ids it echoes.
                let lenient: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                let echo = match parse_request(&lenient) {
                    Ok(request) => echo_of_request(&request),
                    Err(malformed) => malformed.echo.map(|echo| *echo),
                };
                self.refuse(message, echo, invocation).await
            }
            Err(ParseError::Syntax(e)) => Err(format!("the event is not JSON: {e}")),
        }
    }

    /// Handles one invocation payload.
    pub async fn invoke(&self, event: Value, invocation: &Invocation) -> Returned {
        let request = match parse_request(&event) {
            Ok(r) => r,
            Err(malformed) => {
                let echo = malformed.echo.map(|echo| *echo);
                return self.refuse(malformed.message, echo, invocation).await;
            }
        };
        let span = tracing::info_span!(
            "request",
            request_id = %request.request_id,
            request_type = request.kind_name(),
            logical_resource_id = %request.logical_resource_id,
            dataset_id = tracing::field::Empty,
            migration_id = tracing::field::Empty,
        );
        if let Some(id) = request.physical_resource_id() {
            span.record("dataset_id", id);
        }
        self.invoke_request(request, invocation)
            .instrument(span)
            .await
    }

    async fn invoke_request(&self, request: DatasetRequest, invocation: &Invocation) -> Returned {
        let ledger_key = ledger_place(&request);
        if let Some((bucket, key)) = &ledger_key {
            match self
                .ledger
                .claim(
                    bucket,
                    key,
                    &request.request_id,
                    invocation.deadline_ms,
                    now_ms(),
                )
                .await
            {
                Ok(Claim::Owned) => {}
                Ok(Claim::Answered(answer)) => {
                    tracing::info!("redelivered request: sending the first answer again");
                    return self.reply(&request, &answer, invocation).await;
                }
                Ok(Claim::InProgress { until_ms }) => {
                    tracing::info!(
                        "another delivery of this request is working on it: waiting for its answer"
                    );
                    let until = until_ms.min(
                        invocation
                            .deadline_ms
                            .saturating_sub(self.margin_ms(invocation)),
                    );
                    return match self
                        .ledger
                        .wait_for_answer(bucket, key, until, now_ms)
                        .await
                    {
                        Ok(Some(answer)) => self.reply(&request, &answer, invocation).await,
                        // The other delivery answers (or, if it dies, the next redelivery takes over).
                        _ => Ok(Value::Null),
                    };
                }
                Err(e) => {
                    tracing::warn!(error = %e, "request ledger unavailable: going on without redelivery protection")
                }
            }
        }

        let answer = self.supervise(&request, invocation).await;
        match answer.status {
            Status::Success => {
                tracing::info!(physical_resource_id = %answer.physical_resource_id, data = ?answer.data, "request succeeded")
            }
            Status::Failed => {
                tracing::error!(physical_resource_id = %answer.physical_resource_id, reason = answer.reason.as_deref().unwrap_or(""), "request failed")
            }
        }
        if let Some((bucket, key)) = &ledger_key {
            if let Err(e) = self
                .ledger
                .record(bucket, key, &request.request_id, &answer)
                .await
            {
                tracing::warn!(error = %e, "could not record the answer for redeliveries");
            }
        }
        self.reply(&request, &answer, invocation).await
    }

    /// Runs the work in its own task, bounded by the deadline, with panics caught.
    async fn supervise(&self, request: &DatasetRequest, invocation: &Invocation) -> Answer {
        let progress = Progress::default();
        let margin = self.margin_ms(invocation);
        let budget = Duration::from_millis(
            invocation
                .deadline_ms
                .saturating_sub(now_ms())
                .saturating_sub(margin),
        );
        tracing::info!(
            budget_ms = budget.as_millis() as u64,
            margin_ms = margin,
            deadline_ms = invocation.deadline_ms,
            "handling the request"
        );
        let handler = Arc::clone(&self.handler);
        let task_request = request.clone();
        let task_progress = Arc::clone(&progress);
        let mut task = tokio::spawn(
            async move { handler.handle(&task_request, &task_progress).await }
                .instrument(tracing::Span::current()),
        );
        let interrupted = match tokio::time::timeout(budget, &mut task).await {
            Ok(Ok(answer)) => return answer,
            Ok(Err(join)) => format!(
                "internal error: the handler panicked ({})",
                panic_message(join)
            ),
            Err(_) => {
                task.abort();
                // Let the abort land: the task's session is dropped, its connection closed.
                let _ = task.await;
                format!(
                    "ran out of time: stopped after {:.1}s, {:.1}s before the Lambda deadline",
                    budget.as_secs_f64(),
                    margin as f64 / 1000.0
                )
            }
        };
        let in_flight = progress.lock().expect("progress lock").clone();
        let mut reason = interrupted.clone();
        if let Some(in_flight) = in_flight {
            self.handler
                .record_interruption(&in_flight, &interrupted)
                .await;
            reason = format!(
                "dataset {} ({}): {interrupted}; the phases that completed stay applied and the state records the failure; \
                 deploy again to resume (asynchronous mode suits migrations longer than a Lambda may run)",
                in_flight.dataset.config.alias, in_flight.dataset_id
            );
        }
        let id = match request.physical_resource_id() {
            Some(id) => id.to_string(),
            None => EntityCreator::failed_id(request),
        };
        Answer::failed(id, reason)
    }

    async fn reply(
        &self,
        request: &DatasetRequest,
        answer: &Answer,
        invocation: &Invocation,
    ) -> Returned {
        match &request.reply {
            ReplyChannel::ProviderFramework => answer.provider_result(),
            ReplyChannel::ResponseUrl(url) => {
                let echo = Echo {
                    response_url: url.clone(),
                    request_id: request.request_id.clone(),
                    stack_id: request.stack_id.clone(),
                    logical_resource_id: request.logical_resource_id.clone(),
                    physical_resource_id: request.physical_resource_id().map(str::to_string),
                };
                self.put(&echo, answer, invocation).await;
                Ok(Value::Null)
            }
        }
    }

    /// Answers FAILED to a request that cannot be handled: to its ResponseURL when it has one,
    /// else as the function's error.
    async fn refuse(
        &self,
        message: String,
        echo: Option<Echo>,
        invocation: &Invocation,
    ) -> Returned {
        tracing::error!(error = %message, "malformed request");
        match echo {
            Some(echo) => {
                let id = echo
                    .physical_resource_id
                    .clone()
                    .unwrap_or_else(|| format!("invalid-request-{}", short(&echo.request_id)));
                let answer = Answer::failed(id, message);
                self.put(&echo, &answer, invocation).await;
                Ok(Value::Null)
            }
            None => Err(message),
        }
    }

    async fn put(&self, echo: &Echo, answer: &Answer, invocation: &Invocation) {
        let body = answer.cloudformation_body(echo, &invocation.log_stream);
        if let Err(e) = self.sender.send(&echo.response_url, body).await {
            tracing::error!(error = %e, "the CloudFormation response could not be sent; the stack waits for the resource's timeout");
        }
    }

    /// The margin in force: the configured one, but never more than a quarter of the time the
    /// function has, so a short timeout still leaves the work most of it.
    fn margin_ms(&self, invocation: &Invocation) -> u64 {
        let left = invocation.deadline_ms.saturating_sub(now_ms());
        (self.margin.as_millis() as u64).min(left / 4)
    }
}

/// Where this request's ledger entry lives, when the properties say (else no ledger: invalid
/// properties change nothing, so answering twice is harmless).
fn ledger_place(request: &DatasetRequest) -> Option<(String, String)> {
    let p = &request.properties;
    let bucket = p.get("bootstrapBucket")?.as_str()?.to_string();
    let environment = p.get("environmentId")?.as_str()?;
    if bucket.is_empty()
        || environment.is_empty()
        || !environment.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    Some((bucket, RequestLedger::key(environment, &request.request_id)))
}

fn panic_message(join: tokio::task::JoinError) -> String {
    match join.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string()),
        Err(e) => e.to_string(),
    }
}

/// `DEPOT_DEADLINE_MARGIN_SECS`, default 10 s: time for one reconnect, a state write, an event
/// and the response PUT.
fn margin_from_env() -> Duration {
    std::env::var("DEPOT_DEADLINE_MARGIN_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(10))
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// What a FAILED answer to `request` must echo, when it is answered through a ResponseURL.
fn echo_of_request(request: &DatasetRequest) -> Option<Echo> {
    match &request.reply {
        ReplyChannel::ResponseUrl(url) => Some(Echo {
            response_url: url.clone(),
            request_id: request.request_id.clone(),
            stack_id: request.stack_id.clone(),
            logical_resource_id: request.logical_resource_id.clone(),
            physical_resource_id: request.physical_resource_id().map(str::to_string),
        }),
        ReplyChannel::ProviderFramework => None,
    }
}

fn short(s: &str) -> &str {
    s.get(..8).unwrap_or(s)
}
