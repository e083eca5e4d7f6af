//! Announcer: runs a plan and announces each state change of one dataset version.

use depot_core::dataset::Dataset;
use depot_core::document::environment_key;
use depot_core::undo::UndoScope;
use depot_core::Plan;

use crate::error::DeployError;
use crate::events::{Event, Lifecycle, LifecycleEvent};
use crate::lifecycle::{short, LifecycleError, Progress, Transition, ALL_PHASES_COMPLETED};
use crate::location::{LocationSession, RunFailure, RunOptions, RunReport};
use crate::state::DatasetState;

use super::Deployer;

/// Announcer runs a plan and announces each state change of one dataset version.
pub(crate) struct Announcer<'a> {
    pub deployer: &'a Deployer<'a>,
    pub dataset: &'a Dataset,
    pub dataset_id: &'a str,
    pub environment_uri: String,
    pub hash: String,
    pub migration_id: String,
}

impl Announcer<'_> {
    pub async fn lifecycle(
        &self,
        event: LifecycleEvent,
        error: Option<String>,
    ) -> Result<(), DeployError> {
        self.lifecycle_of(&self.hash, self.environment_uri.clone(), event, error)
            .await
    }

    async fn lifecycle_of(
        &self,
        version: &str,
        environment_uri: String,
        event: LifecycleEvent,
        error: Option<String>,
    ) -> Result<(), DeployError> {
        let config = &self.dataset.config;
        let detail = Lifecycle {
            kind: "lifecycle".to_string(),
            environment_id: config.environment_id.clone(),
            dataset_id: self.dataset_id.to_string(),
            dataset_alias: config.alias.clone(),
            environment_uri,
            dataset_version_hash: version.to_string(),
            event,
            migration_id: Some(self.migration_id.clone()),
            error,
        };
        let bus = config.migration_options.migration_mode.event_bus_arn();
        Ok(self
            .deployer
            .events
            .send(&Event::lifecycle(&detail, bus))
            .await?)
    }

    /// Stores the transition's record, then sends its events (the record first: an event never
    /// announces a change that is not stored).
    pub async fn apply(
        &self,
        session: &mut dyn LocationSession,
        transition: Result<Transition, LifecycleError>,
    ) -> Result<DatasetState, DeployError> {
        let transition = transition.map_err(|e| DeployError::Precondition(e.to_string()))?;
        let state = session.save_state(&transition.state).await?;
        let config = &self.dataset.config;
        for a in &transition.events {
            let uri = if a.version == self.hash {
                self.environment_uri.clone()
            } else {
                self.deployer.documents.uri(
                    &config.bootstrap_bucket,
                    &environment_key(&config.environment_id, self.dataset_id, &a.version),
                )
            };
            self.lifecycle_of(&a.version, uri, a.event, a.error.clone())
                .await?;
        }
        Ok(state)
    }

    /// Runs the plan. On a failure, the steps that ran are undone (see `depot_core::undo`), and
    /// the failure, with what the undo did, is recorded and announced; the record then tells
    /// where the next plan starts. On success the version is not yet deployed: the caller
    /// completes it (after seeding, when asked).
    pub async fn execute(
        &self,
        session: &mut dyn LocationSession,
        plan: &Plan,
        options: &RunOptions,
    ) -> Result<(DatasetState, RunReport), DeployError> {
        let result = session.run_plan(plan, options).await;
        match result {
            Ok(report) => Ok((self.reload(session).await?, report)),
            Err(failure) => Err(self.undo_and_fail(session, plan, failure).await),
        }
    }

    /// The record as the executor left it (it records progress phase by phase).
    pub async fn reload(
        &self,
        session: &mut dyn LocationSession,
    ) -> Result<DatasetState, DeployError> {
        session.load_state(self.dataset_id).await?.ok_or_else(|| {
            DeployError::Precondition(format!(
                "the state of dataset {} disappeared during the migration",
                self.dataset_id
            ))
        })
    }

    /// Undoes what ran of a failed plan, records the failure and announces it; returns the
    /// error to give the caller.
    async fn undo_and_fail(
        &self,
        session: &mut dyn LocationSession,
        plan: &Plan,
        failure: RunFailure,
    ) -> DeployError {
        let recorded = match self.reload(session).await {
            Ok(state) => state,
            Err(e) => return e,
        };
        // Every phase up to the recorded one completed (this run's or an earlier one's); the
        // failed phase, when its statements commit one by one, may have run in part.
        let failed_phase_autocommits = plan
            .phases
            .iter()
            .any(|p| p.phase == failure.phase && !p.transactional);
        let scope = UndoScope {
            through_phase: failure
                .last_completed_phase
                .max(recorded.last_completed_phase),
            partial_phase: failed_phase_autocommits.then_some(failure.phase),
        };
        let (message, progress) = self.undo(session, plan, &failure, &scope).await;
        let state = match self.reload(session).await {
            Ok(state) => state,
            Err(e) => return e,
        };
        if let Err(e) = self
            .apply(session, state.fail(&self.hash, &message, progress))
            .await
        {
            tracing::error!(error = %e, "recording the failure failed");
            return e;
        }
        DeployError::Failed {
            migration_id: self.migration_id.clone(),
            failure: RunFailure {
                message: message
                    .strip_prefix(&format!(
                        "phase {}, step {}: ",
                        failure.phase, failure.step_id
                    ))
                    .unwrap_or(&message)
                    .to_string(),
                ..failure
            },
        }
    }

    /// Runs the undo of `scope` and says, for the record, what it did.
    async fn undo(
        &self,
        session: &mut dyn LocationSession,
        plan: &Plan,
        failure: &RunFailure,
        scope: &UndoScope,
    ) -> (String, Progress) {
        let before = match &plan.from_version {
            Some(v) => format!("version {}", short(v)),
            None => "nothing deployed (a first deploy)".to_string(),
        };
        if scope.through_phase.is_none() && scope.partial_phase.is_none() {
            return (
                format!("{failure}; nothing of it had changed the database, which is at {before}"),
                Progress::Undone,
            );
        }
        match session.undo_plan(plan, self.dataset_id, scope).await {
            Ok(report) => {
                tracing::info!(dataset_id = %self.dataset_id, steps_undone = report.steps_undone, "failed migration undone");
                (
                    format!(
                        "{failure}; what it had changed was undone ({} step(s)): the database is \
                         at {before} again",
                        report.steps_undone
                    ),
                    Progress::Undone,
                )
            }
            Err(undo) => {
                tracing::error!(dataset_id = %self.dataset_id, error = %undo, "undoing the failed migration stopped");
                let at = match undo.last_completed_phase {
                    Some(p) => format!("phases up to {p} are still applied"),
                    None => "nothing of it is applied any more".to_string(),
                };
                (
                    format!(
                        "{failure}; {undo}, so the dataset is between versions ({at}). Deploy \
                         the same version again to resume it once the cause is fixed, or run \
                         `depot abandon` to try the undo again"
                    ),
                    Progress::StoppedAfter(undo.last_completed_phase),
                )
            }
        }
    }

    /// The attempted version is deployed.
    pub async fn complete(
        &self,
        session: &mut dyn LocationSession,
    ) -> Result<DatasetState, DeployError> {
        let state = self.reload(session).await?;
        self.apply(session, state.complete(&self.hash)).await
    }

    /// Every phase ran, then what follows the plan (seeding) failed with `message`: the objects
    /// are at the attempted version, which is recorded failed, not deployed.
    pub async fn fail_after_plan(
        &self,
        session: &mut dyn LocationSession,
        message: String,
    ) -> DeployError {
        let state = match self.reload(session).await {
            Ok(state) => state,
            Err(e) => return e,
        };
        let transition = state.fail(
            &self.hash,
            &message,
            Progress::StoppedAfter(Some(ALL_PHASES_COMPLETED)),
        );
        if let Err(e) = self.apply(session, transition).await {
            return e;
        }
        DeployError::Precondition(message)
    }
}
