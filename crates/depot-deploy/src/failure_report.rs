//! Failure report: records and announces a migration run that died outside Depot's own code (a
//! Batch job timed out, was killed for memory, never started because its image could not be
//! pulled, or its message reached a dead-letter queue). Nothing of Depot ran to the end to say
//! so, so the record would stay `attempted` (or `desired`) for ever and no `failed` event would
//! go out. The report applies the lifecycle's `fail` transition with the cause, through the same
//! record store and event sink as a run, and is idempotent: a failure the run already recorded
//! (the runner records its own failures, then exits non-zero, which fails the job too) is not
//! recorded or announced twice.

use crate::deployer::{Announcer, Deployer};
use crate::error::DeployError;
use crate::events::LifecycleEvent;
use crate::lifecycle::Progress;
use crate::location::LocationSession;
use crate::run_payload::RunPayload;
use crate::runner::{stale_reason, RunTarget};
use crate::state::DatasetState;
use depot_core::document::environment_key;

/// FailureReported says what a report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReported {
    /// The failure is recorded (`lastError`) and a `failed` event sent. `attempt_recorded`: the
    /// run died before it set the version attempted, so the attempt was recorded first (with
    /// its `attempted` event).
    Recorded {
        state: DatasetState,
        attempt_recorded: bool,
    },
    /// The record no longer wants this plan (another version is deployed or desired): it is
    /// left alone and only the `failed` event is sent.
    AnnouncedOnly { reason: String },
    /// The failure was already recorded for this version and migration: nothing sent again.
    AlreadyRecorded { state: DatasetState },
    /// The plan's version is deployed (the job died after its work was done): nothing to
    /// report.
    AlreadyDeployed { state: DatasetState },
}

impl FailureReported {
    /// A short name for summaries and logs.
    pub fn name(&self) -> &'static str {
        match self {
            FailureReported::Recorded { .. } => "recorded",
            FailureReported::AnnouncedOnly { .. } => "announced",
            FailureReported::AlreadyRecorded { .. } => "already-recorded",
            FailureReported::AlreadyDeployed { .. } => "already-deployed",
        }
    }
}

impl Deployer<'_> {
    /// Records that the run of `payload`'s plan failed with `cause` (one line, no secrets: the
    /// caller's summary of what AWS said), under the dataset's lock, and announces it.
    pub async fn report_failure(
        &self,
        session: &mut dyn LocationSession,
        payload: &RunPayload,
        cause: &str,
    ) -> Result<FailureReported, DeployError> {
        session.prepare().await?;
        session
            .lock_dataset(&payload.dataset_id, self.lock_wait)
            .await?;
        let result = self.report_locked(session, payload, cause).await;
        let unlocked = session.unlock_dataset(&payload.dataset_id).await;
        match (result, unlocked) {
            (Ok(o), Ok(())) => Ok(o),
            (Ok(_), Err(e)) => Err(e.into()),
            (Err(e), _) => Err(e),
        }
    }

    async fn report_locked(
        &self,
        session: &mut dyn LocationSession,
        payload: &RunPayload,
        cause: &str,
    ) -> Result<FailureReported, DeployError> {
        let RunTarget {
            plan,
            key,
            bucket,
            document,
        } = self.run_target(payload).await?;
        let state = session.load_state(&plan.dataset_id).await?.ok_or_else(|| {
            DeployError::Precondition(format!(
                "dataset {} has no state record: there is no run to report",
                plan.dataset_id
            ))
        })?;
        let hash = plan.to_version.as_str();
        if state.deployed_version.as_deref() == Some(hash) {
            return Ok(FailureReported::AlreadyDeployed { state });
        }
        let this_attempt = state.attempted_version.as_deref() == Some(hash)
            && state.migration_id.as_deref() == Some(plan.migration_id.as_str());
        if this_attempt && state.last_error.is_some() {
            return Ok(FailureReported::AlreadyRecorded { state });
        }
        let dataset = depot_core::Dataset {
            config: document.dataset.clone(),
            package: document.package.clone(),
            dataset_id: Some(plan.dataset_id.clone()),
        };
        let announce = Announcer {
            deployer: self,
            dataset: &dataset,
            dataset_id: &plan.dataset_id,
            environment_uri: self.documents.uri(
                &bucket,
                &environment_key(&plan.environment_id, &plan.dataset_id, hash),
            ),
            hash: hash.to_string(),
            migration_id: plan.migration_id.clone(),
        };
        if !this_attempt {
            if let Some(reason) = stale_reason(&plan, &state) {
                // The runner would have refused this plan; the record is about another version
                // and stays as it is.
                announce
                    .lifecycle(
                        LifecycleEvent::Failed,
                        Some(format!(
                            "{cause} (plan {key}; the dataset's record was left alone: {reason})"
                        )),
                    )
                    .await?;
                return Ok(FailureReported::AnnouncedOnly { reason });
            }
        }
        // The run died before it set the version attempted: record the attempt it was, so the
        // record says truthfully which version failed.
        let (state, attempt_recorded) = if this_attempt {
            (state, false)
        } else {
            let attempted = announce
                .apply(
                    session,
                    state.attempt(hash, &plan.migration_id, &key, false, false),
                )
                .await?;
            (attempted, true)
        };
        let progress = Progress::StoppedAfter(state.last_completed_phase);
        let state = announce
            .apply(session, state.fail(hash, cause, progress))
            .await?;
        Ok(FailureReported::Recorded {
            state,
            attempt_recorded,
        })
    }
}
