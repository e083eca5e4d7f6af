//! Dependencies between datasets (SPEC §2 `dependencies`) at planning and at execution.
//!
//! A dataset's views read other datasets of its location through the metadata each dependency
//! version publishes in its environment document. CloudFormation creates a dependent right after
//! its dependency's custom resource answers, which in asynchronous mode is before the dependency's
//! migration ran. So:
//! - planning resolves the views against each dependency's DESIRED version (deployed or only
//!   scheduled) and records, in the dependent's environment document, which versions it used
//!   (`dependencyVersions`); a dependency that is only scheduled never fails the deploy;
//! - a synchronous dataset that depends on a scheduled version cannot run now (its entity creator
//!   cannot wait hours inside a Lambda): it is handed to the asynchronous path like an
//!   asynchronous dataset (desired recorded, a `migration-plan` event for the receiver), and
//!   CloudFormation gets its answer at once;
//! - a run waits, outside the dataset's lock (the dataset reads SCHEDULED meanwhile), until every
//!   dependency is deployed at the version it was planned against, with backoff and a bound; a
//!   dependency that fails, or a bound that runs out, fails the run with a cause naming the
//!   dependency, before anything of the dependent changed;
//! - a dependency that moved on to another version since planning is checked: the views must
//!   resolve against the deployed version exactly as they were planned, else the run fails and
//!   asks for a new plan (a deploy of the dependent).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use depot_core::document::{DependencyVersion, EnvironmentDocument};
use depot_core::physical::DependencyModel;
use depot_core::resolve::resolve;
use depot_core::{Dataset, Plan};

use crate::deployer::{Announcer, Deployer};
use crate::error::DeployError;
use crate::lifecycle::{short, Progress, Status};
use crate::location::LocationSession;
use crate::state::{DatasetState, DatasetStatus};

/// DependencyWait is how long a run waits for its dependencies, and how often it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DependencyWait {
    /// The longest a run waits; then it fails (the operator re-runs it later).
    pub bound: Duration,
    /// The first pause between two looks; it doubles up to `max_poll`.
    pub first_poll: Duration,
    pub max_poll: Duration,
}

impl DependencyWait {
    /// The runner's default on AWS Batch: a dependency's own migration may take hours.
    pub const DEFAULT_BOUND: Duration = Duration::from_secs(2 * 60 * 60);

    /// No wait: one look, then the run goes on or fails.
    pub fn none() -> DependencyWait {
        DependencyWait::up_to(Duration::ZERO)
    }

    /// Waits up to `bound`, looking after 1 s, 2 s, 4 s... and then every minute.
    pub fn up_to(bound: Duration) -> DependencyWait {
        DependencyWait {
            bound,
            first_poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(60),
        }
    }
}

/// PlannedDependencies is what planning read of the dependencies: the metadata the views are
/// resolved against, and which version of each that was.
#[derive(Debug, Default)]
pub(crate) struct PlannedDependencies {
    pub models: BTreeMap<String, DependencyModel>,
    pub versions: BTreeMap<String, DependencyVersion>,
}

/// True when `document` was planned against a dependency version that was not yet deployed:
/// its plan can only run once that version is, so a synchronous deploy hands it to the runner.
pub fn waits_for_dependencies(document: &EnvironmentDocument) -> bool {
    document
        .dependency_versions
        .values()
        .any(|d| d.scheduled_at_planning)
}

/// Readiness is where a dependency stands against the version a dependent was planned with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// Deployed at the planned version.
    Ready,
    /// Stable at another version: the plan may run if the views resolve the same against it.
    Moved { deployed: String },
    /// Not there yet; the status says what it is doing.
    Waiting { status: Status },
    /// It will not get there by itself: why.
    Failed { cause: String },
}

/// Where `dependency` stands against `planned` (pure: the record only). `lock_held` tells
/// whether a migration of the dependency holds its lock now.
pub(crate) fn readiness(
    dependency: Option<&DatasetState>,
    planned: &str,
    lock_held: Option<bool>,
) -> Readiness {
    let Some(dep) = dependency else {
        return Readiness::Failed {
            cause: "it has no state record any more (removed)".to_string(),
        };
    };
    if dep.status == DatasetStatus::Deleted {
        return Readiness::Failed {
            cause: "it was deleted".to_string(),
        };
    }
    if dep.deployed_version.as_deref() == Some(planned) {
        return Readiness::Ready;
    }
    if let Some(error) = &dep.last_error {
        return Readiness::Failed {
            cause: format!(
                "its migration to version {} failed: {error}",
                short(dep.attempted_version.as_deref().unwrap_or("?"))
            ),
        };
    }
    match &dep.deployed_version {
        Some(deployed)
            if dep.desired_version.as_ref() == Some(deployed)
                && dep.attempted_version.as_ref() == Some(deployed) =>
        {
            Readiness::Moved {
                deployed: deployed.clone(),
            }
        }
        _ => Readiness::Waiting {
            status: dep.status(lock_held),
        },
    }
}

/// How a dependency is named in logs and errors: `Breeds (WsDevBreeds, 6d9c7969f0b1)`.
fn describe(alias: &str, planned: &DependencyVersion) -> String {
    format!(
        "dependency {alias} ({}, {})",
        planned.dataset_alias, planned.dataset_id
    )
}

impl Deployer<'_> {
    /// The metadata of each dependency of `dataset`, from the environment document of its
    /// desired version (deployed, or only scheduled), and which version that is.
    pub(crate) async fn plan_dependencies(
        &self,
        session: &mut dyn LocationSession,
        dataset: &Dataset,
    ) -> Result<PlannedDependencies, DeployError> {
        let config = &dataset.config;
        let mut out = PlannedDependencies::default();
        for (alias, target) in &config.dependencies {
            let dep = session
                .find_state(&config.environment_id, target)
                .await?
                .filter(|d| d.status != DatasetStatus::Deleted)
                .ok_or_else(|| {
                    DeployError::Precondition(format!(
                        "dependency {alias}: no dataset {target} in environment {}; deploy it first",
                        config.environment_id
                    ))
                })?;
            // The version the environment is going to: a scheduled one is planned against
            // (its document is stored before its record says desired), and the run waits for it.
            let version = dep
                .desired_version
                .as_deref()
                .or(dep.deployed_version.as_deref())
                .ok_or_else(|| {
                    DeployError::Precondition(format!(
                        "dependency {alias}: dataset {target} ({}) has no version yet",
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
            let scheduled = dep.deployed_version.as_deref() != Some(version);
            if scheduled {
                tracing::info!(
                    dependency = %alias,
                    dependency_id = %dep.id,
                    version = %short(version),
                    "planning against the dependency's scheduled version: the run waits until it is deployed"
                );
            }
            out.models.insert(alias.clone(), doc.metadata);
            out.versions.insert(
                alias.clone(),
                DependencyVersion {
                    dataset_id: dep.id.clone(),
                    dataset_alias: dep.alias.clone(),
                    version_hash: version.to_string(),
                    scheduled_at_planning: scheduled,
                },
            );
        }
        Ok(out)
    }

    /// Waits, without the dependent's lock, until every dependency `document` was planned
    /// against is deployed there (or stable at another version, checked under the lock next),
    /// one fails, the dependent's plan goes stale, or `wait.bound` runs out. Only logs: the
    /// verdict is given under the lock by [`Deployer::check_dependencies_locked`].
    pub(crate) async fn await_dependencies(
        &self,
        session: &mut dyn LocationSession,
        plan: &Plan,
        document: &EnvironmentDocument,
        wait: &DependencyWait,
    ) -> Result<(), DeployError> {
        if document.dependency_versions.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let mut pause = wait.first_poll;
        loop {
            let mut waiting = Vec::new();
            for (alias, planned) in &document.dependency_versions {
                let dep = session.load_state(&planned.dataset_id).await?;
                let locked = session.is_locked(&planned.dataset_id).await?;
                match readiness(dep.as_ref(), &planned.version_hash, locked) {
                    Readiness::Ready | Readiness::Moved { .. } => {}
                    Readiness::Failed { .. } => return Ok(()),
                    Readiness::Waiting { status } => waiting.push((alias, planned, status)),
                }
            }
            if waiting.is_empty() {
                return Ok(());
            }
            // A newer version of the dependent was planned meanwhile: the run refuses this plan
            // as stale, no need to wait for it.
            let own = session.load_state(&plan.dataset_id).await?;
            if own.and_then(|s| s.desired_version).as_deref() != Some(plan.to_version.as_str()) {
                return Ok(());
            }
            let waited = started.elapsed();
            if waited >= wait.bound {
                return Ok(());
            }
            for (alias, planned, status) in &waiting {
                tracing::info!(
                    dependency = %alias,
                    dependency_id = %planned.dataset_id,
                    waited_secs = waited.as_secs(),
                    bound_secs = wait.bound.as_secs(),
                    "waiting for {} at {}..., now {}",
                    describe(alias, planned),
                    short(&planned.version_hash),
                    status.as_str()
                );
            }
            tokio::time::sleep(pause.min(wait.bound - waited)).await;
            pause = (pause * 2).min(wait.max_poll);
        }
    }

    /// Under the dependent's lock, before anything of it changes: every dependency must be
    /// deployed at the version the plan was made against, or stable at a version against which
    /// the views resolve exactly as planned. Otherwise the attempt is recorded failed (a `failed`
    /// event) with a cause naming the dependency, and nothing else changes; the same plan can run
    /// again later.
    pub(crate) async fn check_dependencies_locked(
        &self,
        session: &mut dyn LocationSession,
        announce: &Announcer<'_>,
        target: (&Plan, &str, &EnvironmentDocument),
        state: &DatasetState,
        wait: &DependencyWait,
    ) -> Result<(), DeployError> {
        let (plan, key, document) = target;
        let Some(cause) = self.dependencies_not_ready(session, document, wait).await? else {
            return Ok(());
        };
        let message = format!(
            "dataset {} ({}): not migrated to version {}: {cause}; nothing of it was changed. Run \
             the same plan again once the dependency is deployed (`depot run-migration`, or the \
             runner with the same payload)",
            document.dataset_alias,
            plan.dataset_id,
            short(&plan.to_version)
        );
        tracing::error!(dataset_id = %plan.dataset_id, "{message}");
        let same_attempt = state.migration_id.as_deref() == Some(plan.migration_id.as_str())
            && state.attempted_version.as_deref() == Some(plan.to_version.as_str());
        // An earlier attempt of this very plan may have completed phases: they stay recorded.
        let progress = match (same_attempt, state.last_completed_phase) {
            (true, Some(phase)) => Progress::StoppedAfter(Some(phase)),
            _ => Progress::Undone,
        };
        let attempted = announce
            .apply(
                session,
                state.attempt(
                    &plan.to_version,
                    &plan.migration_id,
                    key,
                    false,
                    same_attempt,
                ),
            )
            .await?;
        announce
            .apply(
                session,
                attempted.fail(&plan.to_version, &message, progress),
            )
            .await?;
        Err(DeployError::Precondition(message))
    }

    /// Why the dependencies `document` was planned against do not allow its plan to run now.
    async fn dependencies_not_ready(
        &self,
        session: &mut dyn LocationSession,
        document: &EnvironmentDocument,
        wait: &DependencyWait,
    ) -> Result<Option<String>, DeployError> {
        let mut models = BTreeMap::new();
        let mut moved = Vec::new();
        for (alias, planned) in &document.dependency_versions {
            let dep = session.load_state(&planned.dataset_id).await?;
            let locked = session.is_locked(&planned.dataset_id).await?;
            let version = match readiness(dep.as_ref(), &planned.version_hash, locked) {
                Readiness::Ready => planned.version_hash.clone(),
                Readiness::Moved { deployed } => {
                    moved.push(format!(
                        "{} is deployed at version {} since, not {}",
                        describe(alias, planned),
                        short(&deployed),
                        short(&planned.version_hash)
                    ));
                    deployed
                }
                Readiness::Failed { cause } => {
                    return Ok(Some(format!(
                        "{} will not reach version {}: {cause}",
                        describe(alias, planned),
                        short(&planned.version_hash)
                    )))
                }
                Readiness::Waiting { status } => {
                    return Ok(Some(format!(
                        "{} is still not deployed at version {} (now {}) after waiting {} s \
                         (DEPOT_DEPENDENCY_WAIT_SECS)",
                        describe(alias, planned),
                        short(&planned.version_hash),
                        status.as_str(),
                        wait.bound.as_secs()
                    )))
                }
            };
            let doc = self
                .environment_document(
                    &document.dataset.bootstrap_bucket,
                    &document.environment_id,
                    &planned.dataset_id,
                    &version,
                )
                .await?;
            models.insert(alias.clone(), doc.metadata);
        }
        if moved.is_empty() {
            return Ok(None);
        }
        // The plan was made against other dependency versions: it runs only if the views
        // resolve against the deployed ones exactly as they were planned.
        let dataset = Dataset {
            config: document.dataset.clone(),
            package: document.package.clone(),
            dataset_id: Some(document.dataset_id.clone()),
        };
        let moved = moved.join("; ");
        match resolve(&dataset, session.dialect(), &models) {
            Ok(model) if model == document.physical => {
                tracing::info!(
                    "{moved}: the views resolve against it as planned, so the plan runs as it is"
                );
                Ok(None)
            }
            Ok(_) => Ok(Some(format!(
                "{moved}, and the views resolve differently against it; deploy this dataset \
                 again to plan against the deployed dependency"
            ))),
            Err(problems) => Ok(Some(format!(
                "{moved}, and the views no longer resolve against it ({problems}); change this \
                 dataset's views, then deploy it again"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(desired: Option<&str>, attempted: Option<&str>, deployed: Option<&str>) -> DatasetState {
        let mut s = DatasetState::new("d", "Breeds", "e");
        s.desired_version = desired.map(str::to_string);
        s.attempted_version = attempted.map(str::to_string);
        s.deployed_version = deployed.map(str::to_string);
        s
    }

    #[test]
    fn a_dependency_deployed_at_the_planned_version_is_ready_even_while_it_moves_on() {
        assert_eq!(
            readiness(Some(&dep(Some("v1"), Some("v1"), Some("v1"))), "v1", None),
            Readiness::Ready
        );
        let mut failing_next = dep(Some("v2"), Some("v2"), Some("v1"));
        failing_next.last_error = Some("boom".into());
        assert_eq!(
            readiness(Some(&failing_next), "v1", Some(false)),
            Readiness::Ready
        );
    }

    #[test]
    fn a_scheduled_or_running_dependency_is_waited_for() {
        assert_eq!(
            readiness(Some(&dep(Some("v1"), None, None)), "v1", Some(false)),
            Readiness::Waiting {
                status: Status::Scheduled
            }
        );
        assert_eq!(
            readiness(
                Some(&dep(Some("v2"), Some("v2"), Some("v1"))),
                "v2",
                Some(true)
            ),
            Readiness::Waiting {
                status: Status::Running
            }
        );
    }

    #[test]
    fn a_failed_deleted_or_missing_dependency_ends_the_wait_with_its_cause() {
        let mut failed = dep(Some("v1"), Some("v1"), None);
        failed.last_error = Some("phase 300, step create-table: relation exists".into());
        let Readiness::Failed { cause } = readiness(Some(&failed), "v1", Some(false)) else {
            panic!("a failed dependency is not waited for");
        };
        assert!(cause.contains("relation exists"), "{cause}");
        let mut deleted = dep(Some("v1"), Some("v1"), Some("v1"));
        deleted.status = DatasetStatus::Deleted;
        assert!(matches!(
            readiness(Some(&deleted), "v1", None),
            Readiness::Failed { .. }
        ));
        assert!(matches!(
            readiness(None, "v1", None),
            Readiness::Failed { .. }
        ));
    }

    #[test]
    fn a_dependency_stable_at_another_version_has_moved() {
        assert_eq!(
            readiness(Some(&dep(Some("v3"), Some("v3"), Some("v3"))), "v2", None),
            Readiness::Moved {
                deployed: "v3".into()
            }
        );
    }
}
