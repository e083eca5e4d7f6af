//! Abandoning the attempt that stopped a dataset between versions: what ran of it is undone,
//! and the record goes back to the deployed version.

use depot_core::dataset::Dataset;
use depot_core::undo::UndoScope;
use depot_core::Plan;

use crate::error::DeployError;
use crate::lifecycle::{short, ALL_PHASES_COMPLETED};
use crate::location::LocationSession;
use crate::state::DatasetState;

use super::{Announcer, Deployer};

impl Deployer<'_> {
    /// Gives up the attempt that stopped `dataset_id` between versions (or a scheduled version
    /// that never ran): what ran of it is undone, and the record goes back to the deployed
    /// version. Under the dataset's lock, which the caller holds.
    pub async fn abandon_locked(
        &self,
        session: &mut dyn LocationSession,
        bucket: &str,
        dataset_id: &str,
    ) -> Result<DatasetState, DeployError> {
        let state = session.load_state(dataset_id).await?.ok_or_else(|| {
            DeployError::Precondition(format!("dataset {dataset_id} has no state record"))
        })?;
        let attempted = state.attempted_version.clone();
        let ran = attempted.is_some() && attempted != state.deployed_version;
        if let (true, Some(hash), Some(key)) = (ran, &attempted, &state.plan_key) {
            let plan = self.read_plan(bucket, key).await?;
            let scope = abandon_scope(&plan, &state);
            if scope.through_phase.is_some() || scope.partial_phase.is_some() {
                let report = session
                    .undo_plan(&plan, dataset_id, &scope)
                    .await
                    .map_err(|undo| {
                        DeployError::Precondition(format!(
                            "abandoning the migration to version {} of dataset {dataset_id}: {undo}; \
                             nothing else was changed, and the record still shows the attempt \
                             (fix the cause, then abandon again)",
                            short(hash)
                        ))
                    })?;
                tracing::info!(
                    dataset_id,
                    steps_undone = report.steps_undone,
                    "abandoned migration undone"
                );
            }
        }
        let state = session.load_state(dataset_id).await?.ok_or_else(|| {
            DeployError::Precondition(format!("dataset {dataset_id} has no state record"))
        })?;
        let transition = state.abandon();
        let Ok(t) = &transition else {
            return Err(DeployError::Precondition(
                transition.unwrap_err().to_string(),
            ));
        };
        let document = match &attempted {
            Some(hash) => Some(
                self.environment_document(bucket, &state.environment_id, dataset_id, hash)
                    .await?,
            ),
            None => None,
        };
        let Some(document) = document else {
            return Ok(session.save_state(&t.state).await?);
        };
        let dataset = Dataset {
            config: document.dataset.clone(),
            package: document.package.clone(),
            dataset_id: Some(dataset_id.to_string()),
        };
        let announce = Announcer {
            deployer: self,
            dataset: &dataset,
            dataset_id,
            environment_uri: String::new(),
            hash: String::new(),
            migration_id: state.migration_id.clone().unwrap_or_default(),
        };
        announce.apply(session, transition).await
    }

    /// `depot abandon`: [`Deployer::abandon_locked`] under the dataset's lock.
    pub async fn abandon(
        &self,
        session: &mut dyn LocationSession,
        bucket: &str,
        dataset_id: &str,
    ) -> Result<DatasetState, DeployError> {
        session.prepare().await?;
        session.lock_dataset(dataset_id, self.lock_wait).await?;
        let result = self.abandon_locked(session, bucket, dataset_id).await;
        if let Err(u) = session.unlock_dataset(dataset_id).await {
            tracing::warn!(dataset_id, error = %u, "releasing the dataset lock failed");
        }
        result
    }
}

/// What ran of the attempt `state` records, for its undo: every phase up to the recorded one,
/// and the next phase too when its statements commit one by one (a killed run may have run some
/// of them).
fn abandon_scope(plan: &Plan, state: &DatasetState) -> UndoScope {
    let last = plan.phases.iter().map(|p| p.phase).max();
    let through = match state.last_completed_phase {
        Some(ALL_PHASES_COMPLETED) => last,
        other => other,
    };
    let next = plan
        .phases
        .iter()
        .filter(|p| through.is_none_or(|t| p.phase > t))
        .min_by_key(|p| p.phase);
    UndoScope {
        through_phase: through,
        partial_phase: next.filter(|p| !p.transactional).map(|p| p.phase),
    }
}
