//! Interruption: a deploy cut short from outside (the Lambda ran out of time, the process was
//! told to stop) cannot record its own failure. Whoever stopped it calls
//! [`Deployer::record_interruption`] on a fresh session, so the record and the `failed` event
//! tell the truth: the phases that committed stay recorded, and deploying the same version again
//! resumes after them.

use depot_core::dataset::Dataset;
use depot_core::document::environment_key;

use crate::deployer::{Announcer, Deployer};
use crate::error::DeployError;
use crate::lifecycle::Progress;
use crate::location::LocationSession;
use crate::state::DatasetState;

impl Deployer<'_> {
    /// Records that the attempt at version `hash` of `dataset_id` was interrupted for `reason`,
    /// and sends the `failed` event. Does nothing (returns None) unless that version is being
    /// attempted and has not been recorded as failed or deployed already.
    pub async fn record_interruption(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        dataset_id: &str,
        hash: &str,
        reason: &str,
    ) -> Result<Option<DatasetState>, DeployError> {
        // The interrupted session's lock dies with its connection; wait for the server to see it.
        session.lock_dataset(dataset_id, self.lock_wait).await?;
        let result = self
            .record_interruption_locked(session, dataset, dataset_id, hash, reason)
            .await;
        if let Err(e) = session.unlock_dataset(dataset_id).await {
            tracing::warn!(dataset_id, error = %e, "releasing the dataset lock failed");
        }
        result
    }

    async fn record_interruption_locked(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        dataset_id: &str,
        hash: &str,
        reason: &str,
    ) -> Result<Option<DatasetState>, DeployError> {
        let Some(state) = session.load_state(dataset_id).await? else {
            return Ok(None);
        };
        let interrupted = state.attempted_version.as_deref() == Some(hash)
            && state.deployed_version.as_deref() != Some(hash)
            && state.last_error.is_none();
        if !interrupted {
            return Ok(None);
        }
        let message = match state.last_completed_phase {
            Some(phase) => format!(
                "{reason} after phase {phase} completed; deploy the same version again to resume"
            ),
            None => format!(
                "{reason} before any phase completed; deploy the same version again to resume"
            ),
        };
        let config = &dataset.config;
        let announce = Announcer {
            deployer: self,
            dataset,
            dataset_id,
            environment_uri: self.documents.uri(
                &config.bootstrap_bucket,
                &environment_key(&config.environment_id, dataset_id, hash),
            ),
            hash: hash.to_string(),
            migration_id: state.migration_id.clone().unwrap_or_default(),
        };
        // Not undone: the same version deployed again resumes after what completed.
        let progress = Progress::StoppedAfter(state.last_completed_phase);
        let state = announce
            .apply(session, state.fail(hash, &message, progress))
            .await?;
        Ok(Some(state))
    }
}
