//! AwsRunner: one run of a payload (SPEC §8) as the asynchronous runner does it on AWS. It reads
//! the plan and the target version's environment document from the bucket the payload names,
//! connects to the dataset's location (the document's `location`, credentials from its
//! `secretArn`), sends lifecycle events to the dataset's bus (its `migrationOptions`), and runs
//! the plan through [`Deployer::run_migration`] (lock, stale and drift refusals, resume, phase
//! range, seeding).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use depot_aws::fifo_queue::QueueError;
use depot_aws::location_connect::ConnectError;
use depot_aws::{open_session, AwsClients, ConnectSettings, EventBridgeSink, S3DocumentStore};
use depot_deploy::events::{Event, EventError, EventSink, LifecycleEvent, DETAIL_TYPE_LIFECYCLE};
use depot_deploy::{DependencyWait, DeployError, Deployer, RunOutcome, RunPayload};
use tracing::Instrument;

/// RunnerError is why a run (or the queue around it) failed.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("{0}")]
    Payload(String),
    #[error(transparent)]
    Deploy(#[from] DeployError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The run failed and already sent the `failed` event saying why (a recorded failure, or
    /// a refusal that changed nothing): the binary exits with [`EXIT_ANNOUNCED`], so that the
    /// failure reporter behind a failed Batch job neither announces it again nor records an
    /// attempt the refusal did not make.
    #[error(transparent)]
    Announced(Box<RunnerError>),
}

/// `migration-runner`'s exit code when its run failed and the `failed` event is already sent.
pub const EXIT_ANNOUNCED: u8 = 3;

impl RunnerError {
    /// True when running the same payload again cannot succeed without a change elsewhere
    /// (a bad payload, a stale plan, drift, a refused plan): a queue consumer drops such a
    /// message rather than letting it come back.
    pub fn is_permanent(&self) -> bool {
        match self {
            RunnerError::Payload(_) => true,
            RunnerError::Deploy(e) => matches!(
                e,
                DeployError::Precondition(_)
                    | DeployError::Payload(_)
                    | DeployError::Invalid(_)
                    | DeployError::Refused(_)
                    | DeployError::Hazards(_)
            ),
            RunnerError::Connect(_) | RunnerError::Queue(_) => false,
            RunnerError::Announced(inner) => inner.is_permanent(),
        }
    }
}

/// An EventSink that remembers whether a `failed` lifecycle event went out through it.
struct WatchedSink {
    inner: EventBridgeSink,
    failed_sent: AtomicBool,
}

#[async_trait::async_trait]
impl EventSink for WatchedSink {
    async fn send(&self, event: &Event) -> Result<(), EventError> {
        self.inner.send(event).await?;
        if event.detail_type == DETAIL_TYPE_LIFECYCLE
            && event.detail["event"] == serde_json::json!(LifecycleEvent::Failed)
        {
            self.failed_sent.store(true, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// AwsRunner holds the SDK clients (built once per process) and the run settings.
#[derive(Debug, Clone)]
pub struct AwsRunner {
    pub clients: AwsClients,
    pub connect: ConnectSettings,
    /// How long a run waits for another migration of the same dataset to end.
    pub lock_wait: Duration,
    /// How long a run waits for the dependencies its plan was made against to be deployed
    /// (`DEPOT_DEPENDENCY_WAIT_SECS`); then it fails, naming the dependency.
    pub dependency_wait: Duration,
}

impl AwsRunner {
    /// Runs `payload`; `force` runs a stale plan or over drift anyway.
    pub async fn run(&self, payload: &RunPayload, force: bool) -> Result<RunOutcome, RunnerError> {
        let span = tracing::info_span!(
            "run",
            dataset_id = %payload.dataset_id,
            event_id = payload.event_id.as_deref().unwrap_or(""),
            migration_id = tracing::field::Empty,
        );
        self.run_in_span(payload, force, &span)
            .instrument(span.clone())
            .await
    }

    async fn run_in_span(
        &self,
        payload: &RunPayload,
        force: bool,
        span: &tracing::Span,
    ) -> Result<RunOutcome, RunnerError> {
        let documents = S3DocumentStore::new(self.clients.s3.clone());
        let events = WatchedSink {
            inner: EventBridgeSink::new(self.clients.eventbridge.clone()),
            failed_sent: AtomicBool::new(false),
        };
        let result = self
            .run_with(payload, force, span, &documents, &events)
            .await;
        match result {
            Err(error) if events.failed_sent.load(Ordering::Relaxed) => {
                Err(RunnerError::Announced(Box::new(error)))
            }
            other => other,
        }
    }

    async fn run_with(
        &self,
        payload: &RunPayload,
        force: bool,
        span: &tracing::Span,
        documents: &S3DocumentStore,
        events: &WatchedSink,
    ) -> Result<RunOutcome, RunnerError> {
        let deployer = Deployer {
            documents,
            events,
            lock_wait: self.lock_wait,
        };
        let target = deployer.run_target(payload).await?;
        span.record("migration_id", target.plan.migration_id.as_str());
        tracing::info!(
            plan_key = %target.key,
            from_version = target.plan.from_version.as_deref().unwrap_or(""),
            to_version = %target.plan.to_version,
            "run started"
        );
        let mut session = open_session(
            &target.document.dataset,
            &self.clients.secrets,
            &self.connect,
        )
        .await?;
        let outcome = deployer
            .run_migration_waiting(
                session.as_mut(),
                payload,
                force,
                &DependencyWait::up_to(self.dependency_wait),
            )
            .await;
        match &outcome {
            Ok(outcome) => {
                tracing::info!(outcome = crate::summary::outcome_name(outcome), "run ended")
            }
            Err(error) => tracing::error!(error = %error, "run failed"),
        }
        Ok(outcome?)
    }
}
