//! Previewing and preparing a deploy: the plan (and drift) a deploy would act on, changing
//! nothing.

use depot_core::assemble::{plan_migration, PlanHeader};
use depot_core::dataset::Dataset;
use depot_core::document::EnvironmentDocument;
use depot_core::hash::version_hash;
use depot_core::resolve::resolve;

use crate::clock;
use crate::error::DeployError;
use crate::lifecycle::{short, Baseline};
use crate::location::LocationSession;
use crate::state::DatasetState;

use super::{Deployer, Prepared, Preview};

impl Deployer<'_> {
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
}
