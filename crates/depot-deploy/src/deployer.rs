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
use depot_core::plan_transform::transformed_plan_key;
use depot_core::policy::check_hazards;
use depot_core::resolve::resolve;
use depot_core::undo::UndoScope;
use depot_core::Plan;

use crate::clock;
use crate::dependency_wait::waits_for_dependencies;
use crate::documents::DocumentStore;
use crate::error::DeployError;
use crate::events::{
    Event, EventSink, ExecutionResponsibility, Lifecycle, LifecycleEvent, MigrationPlanned,
};
use crate::lifecycle::{
    short, Baseline, LifecycleError, Progress, Transition, ALL_PHASES_COMPLETED,
};
use crate::location::{LocationSession, RunFailure, RunOptions, RunReport};
use crate::plan_transformer::{NoPlanTransformer, PlanTransformer};
use crate::plan_transforming::{transform_plan, TransformedPlan};
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

/// Preview is what `depot deploy --preview` (and `depot plan --against-live`) shows.
#[derive(Debug)]
pub struct Preview {
    /// The live record, when the dataset exists.
    pub state: Option<DatasetState>,
    pub prepared: Prepared,
    /// The live objects against the model the plan starts from (None: a first deploy).
    pub drift: Option<crate::drift::DriftCheck>,
    /// The version is deployed already: a deploy would do nothing.
    pub already_deployed: bool,
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
            transform_plan(transformer, config, session.dialect(), prepared.plan).await?;

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

    /// What a deploy of `dataset` would do now, changing nothing (no lock, no record, no
    /// document, no event): the plan from where the dataset's next plan starts, as the live
    /// record says, and how the live objects differ from that version's model.
    pub async fn preview(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
    ) -> Result<Preview, DeployError> {
        let config = &dataset.config;
        let existing = match &dataset.dataset_id {
            Some(id) => session.load_state(id).await?,
            None => {
                session
                    .find_state(&config.environment_id, &config.alias)
                    .await?
            }
        };
        let dataset_id = existing
            .as_ref()
            .map(|s| s.id.clone())
            .or_else(|| dataset.dataset_id.clone())
            .unwrap_or_else(clock::new_dataset_id);
        let state = existing.clone().unwrap_or_else(|| {
            DatasetState::new(&dataset_id, &config.alias, &config.environment_id)
        });
        let hash = version_hash(config, &dataset.package);
        let prepared = self
            .prepare(session, dataset, &dataset_id, &hash, &state)
            .await?;
        let drift = match &prepared.old_document {
            Some(old) => Some(session.check_drift(&old.physical).await?),
            None => None,
        };
        Ok(Preview {
            already_deployed: state.is_stable_at(&hash),
            state: existing,
            prepared,
            drift,
        })
    }

    /// Plans the deploy of `dataset` (whose version hash is `hash`) from where `state` says the
    /// next plan starts (see [`DatasetState::baseline`]), without changing anything.
    pub async fn prepare(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
        dataset_id: &str,
        hash: &str,
        state: &DatasetState,
    ) -> Result<Prepared, DeployError> {
        let config = &dataset.config;
        let dependencies = self.plan_dependencies(session, dataset).await?;
        let model = resolve(dataset, session.dialect(), &dependencies.models)
            .map_err(DeployError::Invalid)?;
        let hash = hash.to_string();
        let from_version = match state.baseline() {
            Baseline::Deployed(v) => v,
            Baseline::Attempted(v) => Some(v),
            Baseline::Between {
                attempted,
                after_phase,
            } => {
                return Err(DeployError::Precondition(format!(
                    "dataset {}: the migration to version {} stopped {} ({}); the database is \
                     between versions, so no plan for another version can start there. Resume \
                     version {} once the cause is fixed (deploy it again; in asynchronous mode, \
                     re-run its plan with `depot run-migration` or the runner), or run \
                     `depot abandon` to undo it and go back to {}",
                    state.id,
                    short(&attempted),
                    match after_phase {
                        Some(p) => format!("after phase {p}"),
                        None => "before any phase completed".to_string(),
                    },
                    state
                        .last_error
                        .as_deref()
                        .unwrap_or("interrupted: the process ended"),
                    short(&attempted),
                    match &state.deployed_version {
                        Some(v) => format!("version {}", short(v)),
                        None => "nothing deployed".to_string(),
                    }
                )))
            }
        };
        let old_document = match &from_version {
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
            from_version,
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
            dependency_versions: dependencies.versions,
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

    /// Reads a stored plan; one without `metadata` gets its target version's (see
    /// [`crate::stored_plan`]).
    pub async fn read_plan(&self, bucket: &str, key: &str) -> Result<Plan, DeployError> {
        let raw: serde_json::Value = self.get_json(bucket, key).await?;
        self.plan_from_stored(bucket, key, raw).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<T, DeployError> {
        let uri = self.documents.describe(bucket, key);
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
