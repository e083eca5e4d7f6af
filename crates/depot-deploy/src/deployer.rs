//! Deployer: the choreography of SPEC §7 for one dataset, shared by every front end (the
//! command line, the entity creators, the migration runner). It plans, stores the documents,
//! moves the state record and announces each change, in an order that keeps the record truthful
//! whatever fails: the record changes only after the documents it points to exist, and the
//! migration runs only after the record says it is attempted.

use std::collections::BTreeMap;
use std::time::Duration;

use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::dataset::{Dataset, MigrationMode};
use depot_core::document::{environment_key, plan_key, EnvironmentDocument};
use depot_core::hash::version_hash;
use depot_core::physical::DependencyModel;
use depot_core::policy::check_hazards;
use depot_core::resolve::resolve;
use depot_core::Plan;

use crate::clock;
use crate::documents::DocumentStore;
use crate::error::DeployError;
use crate::events::{
    Event, EventSink, ExecutionResponsibility, Lifecycle, LifecycleEvent, MigrationPlanned,
};
use crate::location::{LocationSession, RunOptions, RunReport};
use crate::state::{DatasetState, DatasetStatus};

/// Deployer holds where documents and events go, and how long to wait for a busy dataset.
pub struct Deployer<'a> {
    pub documents: &'a dyn DocumentStore,
    pub events: &'a dyn EventSink,
    /// How long a deploy waits for another migration of the same dataset to end.
    pub lock_wait: Duration,
}

/// DeployOutcome is what a successful deploy did.
#[derive(Debug)]
pub enum DeployOutcome {
    /// The dataset already runs this version: nothing planned, nothing sent.
    AlreadyDeployed { state: DatasetState },
    /// Synchronous mode: the plan ran and the version is deployed.
    Deployed {
        state: DatasetState,
        plan: Plan,
        plan_key: String,
        report: RunReport,
        /// Set when an interrupted attempt at the same version was resumed after this phase.
        resumed_after: Option<u32>,
    },
    /// Asynchronous mode: the plan is stored and announced for a runner.
    Scheduled {
        state: DatasetState,
        plan: Plan,
        plan_key: String,
    },
}

impl DeployOutcome {
    pub fn state(&self) -> &DatasetState {
        match self {
            DeployOutcome::AlreadyDeployed { state }
            | DeployOutcome::Deployed { state, .. }
            | DeployOutcome::Scheduled { state, .. } => state,
        }
    }
}

/// Prepared is a planned deploy, not yet applied: what `depot plan` prints.
#[derive(Debug)]
pub struct Prepared {
    pub dataset_id: String,
    pub hash: String,
    pub document: EnvironmentDocument,
    pub old_document: Option<EnvironmentDocument>,
    pub plan: Plan,
}

impl Deployer<'_> {
    /// Deploys `dataset` (Create/Update): plans from the deployed version, stores the documents,
    /// then runs the plan (synchronous mode) or announces it (asynchronous mode).
    pub async fn deploy(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
    ) -> Result<DeployOutcome, DeployError> {
        session.prepare().await?;
        let dataset_id = self.dataset_id(session, dataset).await?;
        session.lock_dataset(&dataset_id, self.lock_wait).await?;
        let result = self.deploy_locked(session, dataset, &dataset_id).await;
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
    ) -> Result<DeployOutcome, DeployError> {
        let config = &dataset.config;
        let state = session.load_state(dataset_id).await?.unwrap_or_else(|| {
            DatasetState::new(dataset_id, &config.alias, &config.environment_id)
        });
        let hash = version_hash(config, &dataset.package);

        if state.status == DatasetStatus::Running && state.is_stable_at(&hash) {
            tracing::info!(dataset_id, hash, "version already deployed: nothing to do");
            return Ok(DeployOutcome::AlreadyDeployed { state });
        }

        if let Some(outcome) = self
            .resume_if_interrupted(session, dataset, &state, &hash)
            .await?
        {
            return Ok(outcome);
        }
        refuse_over_partial_attempt(&state, &hash)?;

        let prepared = self
            .prepare(session, dataset, dataset_id, &hash, &state)
            .await?;
        check_hazards(&prepared.plan, &config.migration_options.allowed_hazards)
            .map_err(DeployError::Hazards)?;

        let bucket = &config.bootstrap_bucket;
        let env_key = environment_key(&config.environment_id, dataset_id, &hash);
        let plan = prepared.plan;
        let key = plan_key(
            &config.environment_id,
            dataset_id,
            &config.alias,
            &plan.created_at,
            &plan.migration_id,
        );
        // Documents first: the state record must never point to a document that is not there.
        self.put_json(bucket, &env_key, &prepared.document).await?;
        self.put_json(bucket, &key, &plan).await?;

        let announce = Announcer {
            deployer: self,
            dataset,
            dataset_id,
            environment_uri: self.documents.uri(bucket, &env_key),
            hash: hash.clone(),
            migration_id: plan.migration_id.clone(),
        };

        let mut next = state.clone();
        next.status = DatasetStatus::Running;
        next.desired_version = Some(hash.clone());
        next.migration_id = Some(plan.migration_id.clone());
        next.plan_key = Some(key.clone());
        next.last_completed_phase = None;
        next.last_error = None;

        match &config.migration_options.migration_mode {
            MigrationMode::Asynchronous { .. } => {
                let state = session.save_state(&next).await?;
                announce.lifecycle(LifecycleEvent::Desired, None).await?;
                let planned = self.planned_detail(
                    dataset,
                    dataset_id,
                    &plan,
                    &key,
                    &announce.environment_uri,
                    prepared.old_document.as_ref(),
                    ExecutionResponsibility::ToBeExecutedByReceiver,
                );
                self.send_planned(&planned, dataset).await?;
                Ok(DeployOutcome::Scheduled {
                    state,
                    plan,
                    plan_key: key,
                })
            }
            MigrationMode::Synchronous { .. } => {
                // One change sets desired = attempted: no `desired` event (SPEC §7).
                next.attempted_version = Some(hash.clone());
                session.save_state(&next).await?;
                announce.lifecycle(LifecycleEvent::Attempted, None).await?;
                let options = RunOptions {
                    dataset_id: dataset_id.to_string(),
                    first_phase: None,
                    last_phase: None,
                };
                let (state, report) = announce.execute(session, &plan, &options).await?;
                if config.migration_options.trigger_seeding {
                    self.seed(session, &prepared.document).await?;
                }
                let planned = self.planned_detail(
                    dataset,
                    dataset_id,
                    &plan,
                    &key,
                    &announce.environment_uri,
                    prepared.old_document.as_ref(),
                    ExecutionResponsibility::ExecutedBySender,
                );
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

    /// Plans the deploy of `dataset` (whose version hash is `hash`) from `state`'s deployed
    /// version, without changing anything.
    pub async fn prepare(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        dataset_id: &str,
        hash: &str,
        state: &DatasetState,
    ) -> Result<Prepared, DeployError> {
        let config = &dataset.config;
        let dependencies = self.dependencies(session, dataset).await?;
        let model =
            resolve(dataset, session.dialect(), &dependencies).map_err(DeployError::Invalid)?;
        let hash = hash.to_string();
        let old_document = match &state.deployed_version {
            Some(v) => Some(
                self.environment_document(
                    &config.bootstrap_bucket,
                    &config.environment_id,
                    dataset_id,
                    v,
                )
                .await?,
            ),
            None => None,
        };
        let header = PlanHeader {
            migration_id: clock::new_migration_id(),
            environment_id: config.environment_id.clone(),
            dataset_id: dataset_id.to_string(),
            dataset_alias: config.alias.clone(),
            from_version: state.deployed_version.clone(),
            to_version: hash.clone(),
            created_at: clock::now_millis(),
        };
        let plan = plan_migration(
            session.dialect(),
            old_document.as_ref().map(|d| &d.physical),
            &model,
            header,
        )
        .map_err(DeployError::Refused)?;
        let document = EnvironmentDocument {
            format_version: depot_core::document::FORMAT_VERSION,
            environment_id: config.environment_id.clone(),
            dataset_id: dataset_id.to_string(),
            dataset_alias: config.alias.clone(),
            dataset_version_hash: hash.clone(),
            dataset: config.clone(),
            package: dataset.package.clone(),
            metadata: model.metadata(),
            physical: model,
        };
        Ok(Prepared {
            dataset_id: dataset_id.to_string(),
            hash,
            document,
            old_document,
            plan,
        })
    }

    /// Re-runs an interrupted or failed synchronous attempt at the same version: same plan,
    /// after the last phase that completed, so nothing is applied twice.
    async fn resume_if_interrupted(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        state: &DatasetState,
        hash: &str,
    ) -> Result<Option<DeployOutcome>, DeployError> {
        let config = &dataset.config;
        let attempted_here = state.attempted_version.as_deref() == Some(hash)
            && state.deployed_version.as_deref() != Some(hash);
        let (true, Some(key), MigrationMode::Synchronous { .. }) = (
            attempted_here,
            state.plan_key.as_ref(),
            &config.migration_options.migration_mode,
        ) else {
            return Ok(None);
        };
        let plan = self.read_plan(&config.bootstrap_bucket, key).await?;
        if plan.from_version != state.deployed_version || plan.to_version != hash {
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
        let mut next = state.clone();
        next.last_error = None;
        session.save_state(&next).await?;
        let options = RunOptions {
            dataset_id: state.id.clone(),
            first_phase: resumed_after.map(|p| p + 1),
            last_phase: None,
        };
        let (state, report) = announce.execute(session, &plan, &options).await?;
        Ok(Some(DeployOutcome::Deployed {
            state,
            plan,
            plan_key: key.clone(),
            report,
            resumed_after,
        }))
    }

    /// The metadata of each dependency dataset, from its deployed environment document.
    async fn dependencies(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
    ) -> Result<BTreeMap<String, DependencyModel>, DeployError> {
        let config = &dataset.config;
        let mut out = BTreeMap::new();
        for (alias, target) in &config.dependencies {
            let dep = session
                .find_state(&config.environment_id, target)
                .await?
                .ok_or_else(|| {
                    DeployError::Precondition(format!(
                        "dependency {alias}: no dataset {target} in environment {}; deploy it first",
                        config.environment_id
                    ))
                })?;
            let version = dep.deployed_version.as_deref().ok_or_else(|| {
                DeployError::Precondition(format!(
                    "dependency {alias}: dataset {target} ({}) has no deployed version yet",
                    dep.id
                ))
            })?;
            let doc = self
                .environment_document(
                    &config.bootstrap_bucket,
                    &config.environment_id,
                    &dep.id,
                    version,
                )
                .await?;
            out.insert(alias.clone(), doc.metadata);
        }
        Ok(out)
    }

    /// Reads a dataset version's environment document.
    pub async fn environment_document(
        &self,
        bucket: &str,
        environment_id: &str,
        dataset_id: &str,
        hash: &str,
    ) -> Result<EnvironmentDocument, DeployError> {
        let key = environment_key(environment_id, dataset_id, hash);
        self.get_json(bucket, &key).await
    }

    /// Reads a stored plan.
    pub async fn read_plan(&self, bucket: &str, key: &str) -> Result<Plan, DeployError> {
        self.get_json(bucket, key).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<T, DeployError> {
        let uri = self.documents.uri(bucket, key);
        let body = self
            .documents
            .get(bucket, key)
            .await?
            .ok_or_else(|| DeployError::Precondition(format!("{uri} does not exist")))?;
        serde_json::from_slice(&body).map_err(|e| {
            DeployError::Precondition(format!("{uri} is not a valid Depot document: {e}"))
        })
    }

    async fn put_json<T: serde::Serialize>(
        &self,
        bucket: &str,
        key: &str,
        value: &T,
    ) -> Result<(), DeployError> {
        let body = serde_json::to_vec_pretty(value).expect("documents serialize");
        Ok(self.documents.put(bucket, key, &body).await?)
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

/// A failed attempt that committed some phases left the database between two versions; a plan
/// for a third version would start from the wrong place. Refuse, and say how to get out.
fn refuse_over_partial_attempt(state: &DatasetState, hash: &str) -> Result<(), DeployError> {
    let (Some(attempted), Some(phase)) = (&state.attempted_version, state.last_completed_phase)
    else {
        return Ok(());
    };
    if state.deployed_version.as_ref() == Some(attempted) || attempted == hash {
        return Ok(());
    }
    Err(DeployError::Precondition(format!(
        "dataset {}: the migration to version {} stopped after phase {phase} ({}); \
         the database is between versions. Deploy that version again to resume it \
         (fix what made it fail first), then deploy the new version",
        state.id,
        short(attempted),
        state.last_error.as_deref().unwrap_or("interrupted"),
    )))
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

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
        let config = &self.dataset.config;
        let detail = Lifecycle {
            kind: "lifecycle".to_string(),
            environment_id: config.environment_id.clone(),
            dataset_id: self.dataset_id.to_string(),
            dataset_alias: config.alias.clone(),
            environment_uri: self.environment_uri.clone(),
            dataset_version_hash: self.hash.clone(),
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

    /// Runs the plan, then records deployed (or the failure) and announces it.
    pub async fn execute(
        &self,
        session: &mut dyn LocationSession,
        plan: &Plan,
        options: &RunOptions,
    ) -> Result<(DatasetState, RunReport), DeployError> {
        let result = session.run_plan(plan, options).await;
        // The executor records progress in the record, so read it back before writing.
        let mut state = session.load_state(self.dataset_id).await?.ok_or_else(|| {
            DeployError::Precondition(format!(
                "the state of dataset {} disappeared during the migration",
                self.dataset_id
            ))
        })?;
        match result {
            Ok(report) => {
                state.deployed_version = Some(self.hash.clone());
                state.last_error = None;
                let state = session.save_state(&state).await?;
                self.lifecycle(LifecycleEvent::Deployed, None).await?;
                Ok((state, report))
            }
            Err(failure) => {
                state.last_error = Some(failure.to_string());
                state.last_completed_phase =
                    failure.last_completed_phase.or(state.last_completed_phase);
                session.save_state(&state).await?;
                self.lifecycle(LifecycleEvent::Failed, Some(failure.to_string()))
                    .await?;
                Err(DeployError::Failed {
                    migration_id: self.migration_id.clone(),
                    failure,
                })
            }
        }
    }
}
