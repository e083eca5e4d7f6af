//! Removal: what a CloudFormation Delete of a dataset does (SPEC §2 `removalPolicy`).
//!
//! `retain` (the default) keeps every object and row and marks the record DELETED, so a later
//! Create under the same alias adopts the data again. `destroy` drops the dataset's objects by
//! planning from the deployed version to an empty model, so the drops go through the same
//! renderer, phases and executor as any migration (views before the tables they read).

use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::dataset::{Dataset, RemovalPolicy};
use depot_core::physical::PhysicalModel;
use depot_core::Plan;

use crate::clock;
use crate::deployer::Deployer;
use crate::error::DeployError;
use crate::location::{LocationSession, RunOptions};
use crate::state::{DatasetState, DatasetStatus};

/// RemovalOutcome is what a Delete did.
#[derive(Debug)]
pub enum RemovalOutcome {
    /// The location has no record of this dataset: nothing to do.
    NotFound,
    /// The record was already DELETED (a repeated Delete): nothing changed.
    AlreadyDeleted { state: DatasetState },
    /// Objects and rows kept; the record says DELETED.
    Retained { state: DatasetState },
    /// The objects were dropped (by `plan`, when there were any); the record says DELETED.
    Destroyed {
        state: DatasetState,
        plan: Option<Box<Plan>>,
    },
}

impl Deployer<'_> {
    /// Removes dataset `dataset_id` as `dataset.config.removal_policy` says, holding the
    /// dataset's lock so no migration runs meanwhile.
    pub async fn remove(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        dataset_id: &str,
    ) -> Result<RemovalOutcome, DeployError> {
        session.prepare().await?;
        session.lock_dataset(dataset_id, self.lock_wait).await?;
        let result = self.remove_locked(session, dataset, dataset_id).await;
        if let Err(e) = session.unlock_dataset(dataset_id).await {
            tracing::warn!(dataset_id, error = %e, "releasing the dataset lock failed");
        }
        result
    }

    async fn remove_locked(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        dataset_id: &str,
    ) -> Result<RemovalOutcome, DeployError> {
        let Some(state) = session.load_state(dataset_id).await? else {
            return Ok(RemovalOutcome::NotFound);
        };
        if state.status == DatasetStatus::Deleted {
            return Ok(RemovalOutcome::AlreadyDeleted { state });
        }
        match dataset.config.removal_policy {
            RemovalPolicy::Retain => {
                let next = state
                    .remove()
                    .map_err(|e| DeployError::Precondition(e.to_string()))?;
                let state = session.save_state(&next.state).await?;
                tracing::info!(
                    dataset_id,
                    "dataset retained: objects and rows kept, record marked DELETED"
                );
                Ok(RemovalOutcome::Retained { state })
            }
            RemovalPolicy::Destroy => self.destroy(session, dataset, state).await,
        }
    }

    async fn destroy(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        state: DatasetState,
    ) -> Result<RemovalOutcome, DeployError> {
        let config = &dataset.config;
        // What exists is what the last attempt may have created, else the deployed version.
        let version = state
            .attempted_version
            .clone()
            .or_else(|| state.deployed_version.clone());
        let plan = match &version {
            None => None,
            Some(version) => {
                let document = self
                    .environment_document(
                        &config.bootstrap_bucket,
                        &config.environment_id,
                        &state.id,
                        version,
                    )
                    .await?;
                let empty = PhysicalModel {
                    enums: Default::default(),
                    namespace: document.physical.namespace.clone(),
                    comment: None,
                    objects: Default::default(),
                    views: Default::default(),
                };
                let header = PlanHeader {
                    migration_id: clock::new_migration_id(),
                    environment_id: config.environment_id.clone(),
                    dataset_id: state.id.clone(),
                    dataset_alias: config.alias.clone(),
                    from_version: Some(version.clone()),
                    to_version: "removed".to_string(),
                    created_at: clock::now_millis(),
                };
                let plan =
                    plan_migration(session.dialect(), Some(&document.physical), &empty, header)
                        .map_err(DeployError::Refused)?;
                let options = RunOptions {
                    dataset_id: state.id.clone(),
                    first_phase: None,
                    last_phase: None,
                };
                session
                    .run_plan(&plan, &options)
                    .await
                    .map_err(|failure| DeployError::Failed {
                        migration_id: plan.migration_id.clone(),
                        failure,
                    })?;
                Some(Box::new(plan))
            }
        };
        // The executor records progress in the record: read it back before writing.
        let current = session.load_state(&state.id).await?.unwrap_or(state);
        let next = current
            .remove()
            .map_err(|e| DeployError::Precondition(e.to_string()))?;
        let state = session.save_state(&next.state).await?;
        tracing::info!(dataset_id = %state.id, "dataset destroyed: objects dropped, record marked DELETED");
        Ok(RemovalOutcome::Destroyed { state, plan })
    }
}
