//! Deploying a dataset version: plan it, store its documents, move the record, then run the
//! plan or announce it; and resuming an interrupted attempt at the same version.

use std::collections::BTreeMap;

use depot_core::dataset::{Dataset, MigrationMode};
use depot_core::document::{environment_key, plan_key, EnvironmentDocument};
use depot_core::hash::version_hash;
use depot_core::plan_transform::transformed_plan_key;
use depot_core::policy::check_hazards;
use depot_core::resolve::resolve;
use depot_core::Plan;

use crate::clock;
use crate::dependency_wait::waits_for_dependencies;
use crate::error::DeployError;
use crate::events::{Event, ExecutionResponsibility, MigrationPlanned};
use crate::lifecycle::{short, Baseline};
use crate::location::{LocationSession, RunOptions};
use crate::plan_transformer::{NoPlanTransformer, PlanTransformer};
use crate::plan_transforming::{transform_plan, TransformedPlan};
use crate::state::{DatasetState, DatasetStatus};

use super::{Announcer, DeployOutcome, Deployer};

impl Deployer<'_> {
    /// Deploys `dataset` (Create/Update): plans from the deployed version, stores the documents,
    /// then runs the plan (synchronous mode) or announces it (asynchronous mode).
    pub async fn deploy(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
    ) -> Result<DeployOutcome, DeployError> {
        self.deploy_with(session, dataset, &NoPlanTransformer).await
    }

    /// [`Deployer::deploy`], with the dataset's plan transformer (if it names one) invoked
    /// through `transformer` (see [`crate::plan_transformer`]).
    pub async fn deploy_with(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        transformer: &dyn PlanTransformer,
    ) -> Result<DeployOutcome, DeployError> {
        // What the engine refuses (names, limits, reserved schemas, views) is refused before
        // anything is written, Depot's own admin schema included. A dataset that reads other
        // datasets is checked once their metadata is read, under the lock (below).
        if dataset.config.dependencies.is_empty() {
            resolve(dataset, session.dialect(), &BTreeMap::new()).map_err(DeployError::Invalid)?;
        }
        session.prepare().await?;
        let dataset_id = self.dataset_id(session, dataset).await?;
        session.lock_dataset(&dataset_id, self.lock_wait).await?;
        let result = self
            .deploy_locked(session, dataset, &dataset_id, transformer)
            .await;
        let unlocked = session.unlock_dataset(&dataset_id).await;
        match (result, unlocked) {
            (Ok(outcome), Ok(())) => Ok(outcome),
            (Ok(_), Err(e)) => Err(e.into()),
            (Err(e), unlock) => {
                if let Err(u) = unlock {
                    tracing::warn!(dataset_id, error = %u, "releasing the dataset lock failed");
                }
                Err(e)
            }
        }
    }

    /// The id of the dataset: fixed by the input, else the one already deployed under this
    /// alias, else a new one.
    async fn dataset_id(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
    ) -> Result<String, DeployError> {
        if let Some(id) = &dataset.dataset_id {
            return Ok(id.clone());
        }
        let config = &dataset.config;
        Ok(session
            .find_state(&config.environment_id, &config.alias)
            .await?
            .map(|s| s.id)
            .unwrap_or_else(clock::new_dataset_id))
    }

    async fn deploy_locked(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        dataset_id: &str,
        transformer: &dyn PlanTransformer,
    ) -> Result<DeployOutcome, DeployError> {
        let config = &dataset.config;
        let state = session.load_state(dataset_id).await?.unwrap_or_else(|| {
            DatasetState::new(dataset_id, &config.alias, &config.environment_id)
        });
        let hash = version_hash(config, &dataset.package);

        if state.status == DatasetStatus::Live && state.is_stable_at(&hash) {
            tracing::info!(dataset_id, hash, "version already deployed: nothing to do");
            return Ok(DeployOutcome::AlreadyDeployed { state });
        }

        if let Some(outcome) = self
            .resume_if_interrupted(session, dataset, &state, &hash)
            .await?
        {
            return Ok(outcome);
        }
        // Between two versions, asking for the deployed one again is a rollback: the stopped
        // attempt is undone (CloudFormation sends exactly this after a failed update).
        let state = match state.baseline() {
            Baseline::Between { .. }
                if state.deployed_version.as_deref() == Some(hash.as_str()) =>
            {
                let abandoned = self
                    .abandon_locked(session, &config.bootstrap_bucket, dataset_id)
                    .await?;
                return Ok(DeployOutcome::AlreadyDeployed { state: abandoned });
            }
            _ => state,
        };

        let prepared = self
            .prepare(session, dataset, dataset_id, &hash, &state)
            .await?;
        check_hazards(&prepared.plan, &config.migration_options.allowed_hazards)
            .map_err(DeployError::Hazards)?;
        let TransformedPlan { plan, original } =
            transform_plan(transformer, config, prepared.plan).await?;

        let bucket = &config.bootstrap_bucket;
        let env_key = environment_key(&config.environment_id, dataset_id, &hash);
        let depot_key = plan_key(
            &config.environment_id,
            dataset_id,
            &config.alias,
            &plan.created_at,
            &plan.migration_id,
        );
        // Documents first: the state record must never point to a document that is not there.
        self.put_json(bucket, &env_key, &prepared.document).await?;
        // A transformed plan is stored beside Depot's; the record and the runner use it.
        let (key, original_key) = match &original {
            Some(original) => {
                self.put_json(bucket, &depot_key, original).await?;
                (transformed_plan_key(&depot_key), Some(depot_key))
            }
            None => (depot_key, None),
        };
        self.put_json(bucket, &key, &plan).await?;

        let announce = Announcer {
            deployer: self,
            dataset,
            dataset_id,
            environment_uri: self.documents.uri(bucket, &env_key),
            hash: hash.clone(),
            migration_id: plan.migration_id.clone(),
        };

        // A synchronous dataset planned against a dependency version that is only scheduled
        // cannot run now: the runner runs it once the dependency is deployed (see
        // `dependency_wait`), and CloudFormation gets its answer at once.
        let synchronous = matches!(
            config.migration_options.migration_mode,
            MigrationMode::Synchronous { .. }
        );
        let runs_now = synchronous && !waits_for_dependencies(&prepared.document);
        if synchronous && !runs_now {
            tracing::info!(
                dataset_id,
                "a dependency is only scheduled: the migration is handed to the asynchronous runner, which waits for it"
            );
        }
        match runs_now {
            false => {
                let mut desired = state.desire(&hash, &plan.migration_id, &key);
                if let Ok(t) = &mut desired {
                    // A new plan replaces whatever an earlier attempt recorded.
                    t.state.last_completed_phase = None;
                }
                let state = announce.apply(session, desired).await?;
                let planned = self.planned_detail(
                    dataset,
                    dataset_id,
                    &plan,
                    &key,
                    &announce.environment_uri,
                    prepared.old_document.as_ref(),
                    ExecutionResponsibility::ToBeExecutedByReceiver,
                );
                let planned = MigrationPlanned {
                    original_migration_plan_key: original_key.clone(),
                    ..planned
                };
                self.send_planned(&planned, dataset).await?;
                Ok(DeployOutcome::Scheduled {
                    state,
                    plan,
                    plan_key: key,
                })
            }
            true => {
                // One change sets desired = attempted: no `desired` event (SPEC §7).
                announce
                    .apply(
                        session,
                        state.attempt(&hash, &plan.migration_id, &key, true, false),
                    )
                    .await?;
                let options = RunOptions {
                    dataset_id: dataset_id.to_string(),
                    first_phase: None,
                    last_phase: None,
                };
                let (_, report) = announce.execute(session, &plan, &options).await?;
                let state = self
                    .seed_and_complete(session, &announce, &prepared.document)
                    .await?;
                let planned = self.planned_detail(
                    dataset,
                    dataset_id,
                    &plan,
                    &key,
                    &announce.environment_uri,
                    prepared.old_document.as_ref(),
                    ExecutionResponsibility::ExecutedBySender,
                );
                let planned = MigrationPlanned {
                    original_migration_plan_key: original_key.clone(),
                    ..planned
                };
                self.send_planned(&planned, dataset).await?;
                Ok(DeployOutcome::Deployed {
                    state,
                    plan,
                    plan_key: key,
                    report,
                    resumed_after: None,
                })
            }
        }
    }

    /// Seeds the version when the dataset asks for it, then records it deployed. A seeding
    /// failure is the attempt's failure: the version is recorded failed, not deployed, and
    /// deploying it again seeds again (every phase is done).
    pub(crate) async fn seed_and_complete(
        &self,
        session: &mut dyn LocationSession,
        announce: &Announcer<'_>,
        document: &EnvironmentDocument,
    ) -> Result<DatasetState, DeployError> {
        if document.dataset.migration_options.trigger_seeding {
            self.seed_or_fail(session, announce, document).await?;
        }
        announce.complete(session).await
    }

    /// Seeds `document`'s version; a failure is recorded as the attempt's.
    pub(crate) async fn seed_or_fail(
        &self,
        session: &mut dyn LocationSession,
        announce: &Announcer<'_>,
        document: &EnvironmentDocument,
    ) -> Result<crate::SeedReport, DeployError> {
        match self.seed(session, document).await {
            Ok(report) => Ok(report),
            Err(e) => {
                let message = format!(
                    "seeding version {} failed: {e}; every phase of its migration completed, so \
                     the objects are at that version. Fix the seeds and deploy again (the same \
                     version seeds again; another version migrates from this one)",
                    short(&announce.hash)
                );
                Err(announce.fail_after_plan(session, message).await)
            }
        }
    }

    /// Re-runs an interrupted or failed synchronous attempt at the same version: same plan,
    /// after the last phase that completed, so nothing is applied twice. An attempt whose failure
    /// was undone has nothing recorded and is planned afresh instead.
    async fn resume_if_interrupted(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        state: &DatasetState,
        hash: &str,
    ) -> Result<Option<DeployOutcome>, DeployError> {
        let config = &dataset.config;
        let resumable = match state.baseline() {
            Baseline::Between { attempted, .. } | Baseline::Attempted(attempted) => {
                attempted == hash
            }
            Baseline::Deployed(_) => false,
        };
        let (true, Some(key), MigrationMode::Synchronous { .. }) = (
            resumable,
            state.plan_key.as_ref(),
            &config.migration_options.migration_mode,
        ) else {
            return Ok(None);
        };
        let plan = self.read_plan(&config.bootstrap_bucket, key).await?;
        if plan.to_version != hash {
            return Ok(None);
        }
        check_hazards(&plan, &config.migration_options.allowed_hazards)
            .map_err(DeployError::Hazards)?;
        let env_key = environment_key(&config.environment_id, &state.id, hash);
        let announce = Announcer {
            deployer: self,
            dataset,
            dataset_id: &state.id,
            environment_uri: self.documents.uri(&config.bootstrap_bucket, &env_key),
            hash: hash.to_string(),
            migration_id: plan.migration_id.clone(),
        };
        let resumed_after = state.last_completed_phase;
        tracing::info!(
            dataset_id = %state.id,
            migration_id = %plan.migration_id,
            ?resumed_after,
            "resuming the interrupted migration to this version"
        );
        announce
            .apply(
                session,
                state.attempt(hash, &plan.migration_id, key, true, true),
            )
            .await?;
        let options = RunOptions {
            dataset_id: state.id.clone(),
            first_phase: resumed_after.map(|p| p + 1),
            last_phase: None,
        };
        let (_, report) = announce.execute(session, &plan, &options).await?;
        let document = self
            .environment_document(
                &config.bootstrap_bucket,
                &config.environment_id,
                &state.id,
                hash,
            )
            .await?;
        let state = self
            .seed_and_complete(session, &announce, &document)
            .await?;
        Ok(Some(DeployOutcome::Deployed {
            state,
            plan,
            plan_key: key.clone(),
            report,
            resumed_after,
        }))
    }

    #[allow(clippy::too_many_arguments)]
    fn planned_detail(
        &self,
        dataset: &Dataset,
        dataset_id: &str,
        plan: &Plan,
        key: &str,
        environment_uri: &str,
        old: Option<&EnvironmentDocument>,
        responsibility: ExecutionResponsibility,
    ) -> MigrationPlanned {
        let config = &dataset.config;
        MigrationPlanned {
            environment_id: config.environment_id.clone(),
            dataset_id: dataset_id.to_string(),
            dataset_alias: config.alias.clone(),
            environment_uri: environment_uri.to_string(),
            old_environment_uri: old.map(|d| {
                self.documents.uri(
                    &config.bootstrap_bucket,
                    &environment_key(&config.environment_id, dataset_id, &d.dataset_version_hash),
                )
            }),
            dataset_version_hash: plan.to_version.clone(),
            old_dataset_version_hash: plan.from_version.clone(),
            migration_plan_bucket: config.bootstrap_bucket.clone(),
            migration_plan_key: key.to_string(),
            original_migration_plan_key: None,
            migration_id: plan.migration_id.clone(),
            summary: "migration-planned".to_string(),
            execution_responsibility: responsibility,
        }
    }

    async fn send_planned(
        &self,
        detail: &MigrationPlanned,
        dataset: &Dataset,
    ) -> Result<(), DeployError> {
        let bus = dataset
            .config
            .migration_options
            .migration_mode
            .event_bus_arn();
        Ok(self
            .events
            .send(&Event::migration_planned(detail, bus))
            .await?)
    }
}
